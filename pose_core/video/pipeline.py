"""The clip pipeline: decode, detect with tracking, draw, encode, in three threads.

:func:`process_video` streams a clip through three threads joined by short queues, so
at most a dozen frames are in memory however long the clip is:

    reader (PyAV decode -> RGB) -> caller's thread (MediaPipe VIDEO mode, tracking,
    smoothing, landmark table) -> writer (draw skeleton -> H.264 -> MP4)

MediaPipe releases the GIL while it infers and x264 encodes on threads of its own, so
decoding and encoding overlap with inference (bench/bench_video.py measures the whole
pipeline against MediaPipe's bare VIDEO-mode loop on the same frames).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from ..detector import StreamDetector
from ..drawing import DrawingStyle, draw_poses
from ..results import PoseResult
from ..settings import DetectorSettings
from ..smoothing import SmoothingParams
from ..tracking import PoseTracks
from .decode import DecodedFrame, analysis_size, iter_frames
from .encode import VideoWriter
from .errors import EmptyVideoError, TruncatedVideoError, VideoTooLongError
from .probe import DEFAULT_LIMITS, VideoInfo, VideoLimits, probe_video
from .result import LandmarkRecorder, VideoResult

LOGGER = logging.getLogger(__name__)

# Frames in flight between threads: enough to ride out jitter, small for memory.
QUEUE_FRAMES = 4

ProgressCallback = Callable[[int, int], bool]


@dataclasses.dataclass(frozen=True)
class VideoOptions:
    """How to analyse a clip.

    Attributes:
        settings: Detector settings (a new VIDEO-mode landmarker is made for the clip);
            PoseScope's recommended ones by default.
        stride: Analyse one frame in ``stride``.
        max_side: Scale frames down so the longer side is at most this many pixels.
        smoothing: One Euro filter settings, or None for the detector's landmarks.
        style: How to draw the skeleton on the annotated video.
        limits: Resolution, duration and frame limits.
    """

    settings: DetectorSettings = dataclasses.field(default_factory=DetectorSettings)
    stride: int = 1
    max_side: int | None = None
    smoothing: SmoothingParams | None = None
    style: DrawingStyle = dataclasses.field(default_factory=DrawingStyle)
    limits: VideoLimits = DEFAULT_LIMITS

    def expected_frames(self, info: VideoInfo) -> int:
        """Frames that will be analysed, from the header's frame count."""
        return max(1, math.ceil(info.frame_count / self.stride))


class _Stop(Exception):
    """Raised inside the pipeline threads when the run is being torn down."""


_END = object()


class _Worker(threading.Thread):
    """A pipeline thread that records its exception instead of printing it."""

    def __init__(self, name: str, target: Callable[[], None]) -> None:
        super().__init__(name=name, daemon=True)
        self._target_fn = target
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._target_fn()
        except _Stop:
            pass
        except BaseException as exc:  # handed to the caller's thread
            self.error = exc


class _Pipe:
    """A short queue between two pipeline threads whose waits give up when the run stops
    (or the consumer died), instead of blocking forever on a queue nobody empties."""

    def __init__(self, stop: threading.Event) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._stop = stop

    def put(self, item: object, consumer: _Worker | None = None) -> None:
        while not self._stop.is_set():
            if consumer is not None and not consumer.is_alive():
                raise consumer.error or RuntimeError(f"{consumer.name} stopped unexpectedly")
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Stop

    def get(self) -> object:
        while not self._stop.is_set():
            try:
                return self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
        raise _Stop


@dataclasses.dataclass(frozen=True)
class _DrawJob:
    rgb_frame: np.ndarray
    result: PoseResult
    time_s: float


class _Run:
    """One run of :func:`process_video`: its threads, queues and stages."""

    def __init__(
        self, path: Path, options: VideoOptions, info: VideoInfo, out_path: Path | None
    ) -> None:
        self.path = path
        self.options = options
        self.info = info
        self.width, self.height = analysis_size(info.width, info.height, options.max_side)
        self.stop = threading.Event()
        self.decoded = _Pipe(self.stop)
        self.to_draw = _Pipe(self.stop)
        self.reader = _Worker("video-reader", self._read)
        self.out_path = out_path
        self.writer: VideoWriter | None = None
        self.drawer = _Worker("video-writer", self._write) if out_path is not None else None
        self.recorder = LandmarkRecorder()
        self.warnings: list[str] = []
        self.cancelled = False

    # ---- reader thread -----------------------------------------------------------------

    def _read(self) -> None:
        options = self.options
        frames = iter_frames(
            self.path, stride=options.stride, max_side=options.max_side, info=self.info
        )
        try:
            for decoded in frames:
                self.decoded.put(decoded)
        except _Stop:
            raise
        except BaseException as exc:  # handed to the detecting thread
            self.decoded.put(exc)
            return
        finally:
            frames.close()  # closes the container now, not at garbage collection
        self.decoded.put(_END)

    # ---- writer thread -----------------------------------------------------------------

    def _write(self) -> None:
        assert self.writer is not None
        style = self.options.style
        while True:
            item = self.to_draw.get()
            if item is _END:
                return
            assert isinstance(item, _DrawJob)
            rgb_frame = item.rgb_frame
            if item.result:  # someone to draw
                rgb_frame = draw_poses(rgb_frame, item.result, style)
            self.writer.write(rgb_frame, item.time_s)

    # ---- caller's thread ---------------------------------------------------------------

    def frames(self) -> Iterator[DecodedFrame]:
        """Decoded frames in order until the end, a budget or a cut-short file."""
        limit = self.options.limits.max_frames
        while True:
            item = self.decoded.get()
            if item is _END:
                return
            if isinstance(item, TruncatedVideoError) and self.recorder.frames:
                self.warnings.append(
                    f"{item} The results cover the first {self.recorder.frames} analysed "
                    "frames only."
                )
                return
            if isinstance(item, BaseException):
                raise item
            if self.recorder.frames >= limit:
                # The header under-declared the length; stop at the budget.
                self.warnings.append(
                    f"Stopped after {limit} analysed frames (the limit); the rest of the "
                    "video was not analysed."
                )
                return
            assert isinstance(item, DecodedFrame)
            yield item

    def analyse(self, detector: StreamDetector, progress: ProgressCallback | None) -> None:
        """Detect, track, smooth and record every frame; hand it to the writer."""
        tracks = PoseTracks(self.options.settings.num_poses, self.options.smoothing)
        expected = self.options.expected_frames(self.info)
        for decoded in self.frames():
            result = detector.detect(decoded.rgb_frame, round(decoded.time_s * 1000))
            tracked = tracks.update(result, decoded.time_s)
            self.recorder.add(decoded.index, decoded.time_s, tracked)
            if self.drawer is not None:
                if self.drawer.error is not None:
                    raise self.drawer.error
                job = _DrawJob(decoded.rgb_frame, tracked.shown, decoded.time_s)
                self.to_draw.put(job, self.drawer)
            done = self.recorder.frames
            if progress is not None and progress(done, max(expected, done)) is False:
                self.cancelled = True
                return

    def run(self, progress: ProgressCallback | None) -> None:
        """Start the threads, analyse, finish the file; always tears down."""
        detector: StreamDetector | None = None
        failed = True
        try:
            detector = StreamDetector(self.options.settings)
            if self.out_path is not None:
                fps = self.info.fps / self.options.stride
                self.writer = VideoWriter(self.out_path, self.width, self.height, fps)
            self.reader.start()
            if self.drawer is not None:
                self.drawer.start()
            self.analyse(detector, progress)
            if self.drawer is not None:
                self.to_draw.put(_END, self.drawer)
                self.drawer.join()
                if self.drawer.error is not None:
                    raise self.drawer.error
            if self.writer is not None:
                self.writer.close()
            failed = False
        finally:
            self._tear_down(detector, failed)

    def _tear_down(self, detector: StreamDetector | None, failed: bool) -> None:
        self.stop.set()
        if detector is not None:
            detector.close()
        if self.reader.ident is not None:
            self.reader.join(timeout=5)
        if self.drawer is not None and self.drawer.ident is not None:
            self.drawer.join(timeout=5)
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:  # already failing; keep the first error
                LOGGER.exception("Closing the video writer failed")
            if failed:
                self.writer.path.unlink(missing_ok=True)

    def cut_short_warning(self, last_index: int) -> None:
        """Warn when far fewer frames were read than the header announced."""
        decoded = last_index + self.options.stride
        if not self.cancelled and not self.warnings and decoded < 0.9 * self.info.frame_count:
            self.warnings.append(
                f"The file announces {self.info.frame_count} frames but only about "
                f"{decoded} could be read: it is probably cut short. The results cover what "
                "could be read."
            )


def process_video(
    path: str | Path,
    options: VideoOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    out_path: str | Path | None = None,
    info: VideoInfo | None = None,
) -> VideoResult:
    """Detect poses through a whole video and write the annotated copy.

    Uses MediaPipe's VIDEO mode (one new landmarker, tracking between frames, frame
    times from the file). Memory stays flat with the clip's length apart from the
    landmark table.

    Args:
        path: The video file.
        options: How to analyse it; defaults to ``VideoOptions()``.
        progress: Called as ``progress(done, total)`` after each analysed frame
            (``total`` is an estimate from the header, never below ``done``); return
            False to stop. The result then has ``cancelled=True`` and covers the frames
            done so far.
        out_path: Where to write the annotated video; the suffix is replaced by the
            encoder's (".mp4" normally). None skips drawing and encoding.
        info: The file's :func:`probe_video` result, if already known.

    Returns:
        The :class:`VideoResult`.

    Raises:
        VideoDecodeError: The file cannot be analysed; ``str(error)`` is for users.
        VideoTooLongError: More frames than ``options.limits.max_frames`` would be analysed.
    """
    started = time.perf_counter()
    options = options or VideoOptions()
    path = Path(path)
    info = info or probe_video(path, options.limits)
    expected = options.expected_frames(info)
    if expected > options.limits.max_frames:
        raise VideoTooLongError(
            f"The video has about {info.frame_count} frames; analysing one in "
            f"{options.stride} makes {expected}, more than the {options.limits.max_frames} "
            "allowed. Raise the frame step or trim the clip."
        )
    run = _Run(path, options, info, Path(out_path) if out_path is not None else None)
    run.run(progress)

    recorded = run.recorder.build()
    if not len(recorded.frame_index):
        if run.writer is not None:
            run.writer.path.unlink(missing_ok=True)  # an empty video is no result
        raise EmptyVideoError("No frame of the video could be decoded.")
    run.cut_short_warning(int(recorded.frame_index[-1]))
    if progress is not None and not run.cancelled:
        progress(len(recorded.frame_index), len(recorded.frame_index))
    writer = run.writer
    return VideoResult(
        info=info,
        settings=options.settings,
        stride=options.stride,
        max_side=options.max_side,
        smoothing=options.smoothing,
        frame_width=run.width,
        frame_height=run.height,
        frame_index=recorded.frame_index,
        frame_time_s=recorded.frame_time_s,
        table=recorded.table,
        raw_table=recorded.raw_table,
        video_path=writer.path if writer is not None else None,
        video_mime=writer.mime if writer is not None else None,
        video_codec=writer.codec if writer is not None else None,
        cancelled=run.cancelled,
        warnings=tuple(run.warnings),
        elapsed_s=time.perf_counter() - started,
    )
