"""Live pose detection on the webcam stream (streamlit-webrtc).

Threads: ``PoseStreamProcessor.recv`` runs on streamlit-webrtc's frame worker thread,
never on the script thread, so it must not touch ``st.session_state``. The script hands
it the current settings through :class:`LiveConfigHolder`, a lock-protected box updated
on every rerun; the worker reads it once per frame, so moving a slider reaches the live
stream on the next frame, without restarting it.

Frames: ``webrtc_streamer(async_processing=True)`` queues incoming frames for the worker
and hands a plain callback only the newest one (older ones are dropped, see
``AsyncMediaProcessTrack._fallback_recv_queued``); meanwhile the last processed frame is
sent again. So a slow model lowers the processed frame rate, never adds latency.

Lifetime: one processor and one VIDEO-mode ``StreamDetector`` per browser session, never
shared (MediaPipe's tracker holds per-stream state). The detector is created on the
first frame and closed when the stream stops.

Recording: while recording, ``recv`` appends each processed frame's time and every
person's landmarks to preallocated numpy arrays (:class:`~pose_core.timeseries.TableBuilder`)
under the lock; no DataFrame is built per frame. At most :data:`MAX_RECORDING_FRAMES`
frames are kept: when the cap is reached recording stops keeping frames (the first ones
stay) and the readout says so. :meth:`PoseStreamProcessor.stop_recording` hands back a
:class:`Recording`, which becomes a :class:`~pose_core.video.VideoResult` for the views
the Video page uses.

Limit: at most :data:`STREAM_SLOTS` capacity streams are processed at once in the
server process (``POSESCOPE_MAX_LIVE_STREAMS``). A stream takes a slot with its detector
on its first frame and gives it back on release; a stream that finds none is sent its own
frames with a "server busy" banner and tries again on each frame. A stream that has had
no frame for :data:`STALE_STREAM_S` seconds (a tab closed mid-stream: streamlit-webrtc
only ends it when ICE consent expires, about 30 s later) loses its slot and its detector
to the next one who counts the slots; should frames come back, it takes them again.

Smoothing: with ``LiveConfig.smoothing`` set, a per-person One Euro filter
(:class:`~pose_core.smoothing.PoseSmoother`) smooths the landmarks before they are drawn
and recorded. It starts afresh when the stream restarts or the settings change.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import ctypes
import dataclasses
import functools
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import av
import cv2
import numpy as np
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from pose_core import (
    DetectorSettings,
    DrawingStyle,
    PoseResult,
    StreamDetector,
    draw_poses,
    load_mediapipe,
)
from pose_core.limits import Limits
from pose_core.results import PersonPose
from pose_core.smoothing import PoseSmoother, SmoothingParams
from pose_core.timeseries import LandmarkTable, TableBuilder
from pose_core.video import PersonTracker, VideoInfo, VideoResult

LOGGER = logging.getLogger(__name__)

# Processed-fps window, in seconds.
FPS_WINDOW_S = 2.0
# Server time per frame is averaged over this many frames (about FPS_WINDOW_S at 30 fps).
FRAME_TIME_WINDOW = 60
MEDIA_CONSTRAINTS = {
    "video": {"width": {"ideal": 640}, "height": {"ideal": 480}, "frameRate": {"ideal": 30}},
    "audio": False,
}
# Recording cap: 10 minutes at 30 processed fps. With one person that is about 2 KB per
# frame (raw and smoothed landmarks), so at most ~36 MB, ~72 MB while the arrays double.
# When it is reached, later frames are not kept (recording stops; the first ones stay).
MAX_RECORDING_FRAMES = 18_000
# A stream with no frame for this long gives up its slot and detector when another
# stream wants the slot or the page counts them. A live camera sends ~30 frames a second;
# a tab closed mid-stream sends none, but its stream only ends (``on_ended``) when the
# peer connection's ICE consent expires: 6 failed checks 5 s apart (aioice), ~30 s.
STALE_STREAM_S = 5.0


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    with contextlib.suppress(OSError, AttributeError):
        return ctypes.CDLL("libc.so.6").malloc_trim
    return None


_TRIM_PENDING = threading.Lock()


def return_freed_memory() -> None:
    """Hand the memory a stopped stream freed back to the OS, on a short-lived thread.

    A stream's buffers (decoded and annotated frames, the codecs', the landmarker's) are
    allocated on its own threads, so glibc spreads them over its per-thread arenas, and
    keeps what they free for reuse instead of returning it. Measured over 50 stop/start
    cycles (bench/bench_soak.py), the server's resident memory after each stop then
    wandered between about 350 and 570 MB with no trend; trimmed, it stayed at 310-350 MB.
    A trim takes 10-200 ms, locking one arena at a time. One at a time: a request while
    one runs is dropped.
    """
    trim = _malloc_trim()
    if trim is None or not _TRIM_PENDING.acquire(blocking=False):
        return

    def run() -> None:
        try:
            started = time.perf_counter()
            trim(0)
            LOGGER.debug("Returned freed memory in %.0f ms", (time.perf_counter() - started) * 1000)
        finally:
            _TRIM_PENDING.release()

    threading.Thread(target=run, name="posescope-trim", daemon=True).start()


class StreamSlots:
    """How many live streams this process processes at once (a counting lock).

    Holders are the processors themselves, kept weakly: a processor dropped without
    :meth:`release` (a session gone without its stream ending) frees its slot too.

    A holder with an ``idle_seconds()`` method and a ``release()`` method is stale once
    ``idle_seconds()`` exceeds ``stale_after_s``: :meth:`try_acquire` and :meth:`in_use`
    take its slot back and call its ``release()`` (outside the lock).
    """

    def __init__(self, capacity: int, *, stale_after_s: float = STALE_STREAM_S) -> None:
        self._lock = threading.Lock()
        self._holders: weakref.WeakSet[object] = weakref.WeakSet()
        self._capacity = capacity
        self._stale_after_s = stale_after_s

    @property
    def capacity(self) -> int:
        return self._capacity

    def set_capacity(self, capacity: int) -> None:
        """Change the limit; streams already holding a slot keep it."""
        with self._lock:
            self._capacity = capacity

    def try_acquire(self, holder: object) -> bool:
        """Take a slot for ``holder`` (True if it has one now, also if it had one)."""
        with self._lock:
            if holder in self._holders:
                return True
            stale = self._take_stale_locked() if len(self._holders) >= self._capacity else []
            taken = len(self._holders) < self._capacity
            if taken:
                self._holders.add(holder)
        self._release_all(stale)
        return taken

    def release(self, holder: object) -> None:
        """Give back ``holder``'s slot, if it has one."""
        with self._lock:
            self._holders.discard(holder)

    def in_use(self) -> int:
        """Slots taken now (stale holders' slots taken back first)."""
        with self._lock:
            stale = self._take_stale_locked()
            count = len(self._holders)
        self._release_all(stale)
        return count

    def _take_stale_locked(self) -> list[object]:
        stale = []
        for holder in list(self._holders):
            idle = getattr(holder, "idle_seconds", None)
            if idle is not None and idle() > self._stale_after_s:
                self._holders.discard(holder)
                stale.append(holder)
        return stale

    @staticmethod
    def _release_all(stale: list[object]) -> None:
        # Outside the lock: release() gives the slot back through release() above.
        for holder in stale:
            LOGGER.info("A live stream had no frame for a while: took its slot back")
            holder.release()


# Every session's processor takes its slot here (the capacity comes from ui.limits).
STREAM_SLOTS = StreamSlots(Limits().max_live_streams)


class StreamBusyError(RuntimeError):
    """Every live-stream slot is taken."""


@dataclasses.dataclass(frozen=True)
class LiveConfig:
    """What the worker needs from the sidebar.

    Attributes:
        detector: Settings for the stream's landmarker.
        style: How to draw the poses on the frames.
        smoothing: One Euro filter settings for the landmarks, or None for raw ones.
    """

    detector: DetectorSettings
    style: DrawingStyle
    smoothing: SmoothingParams | None = None


class LiveConfigHolder:
    """A lock-protected, replace-only box for :class:`LiveConfig`.

    The script thread calls :meth:`set` on each rerun; the frame worker calls
    :meth:`get` once per frame. ``LiveConfig`` is immutable, so a reader never sees
    half an update.
    """

    def __init__(self, config: LiveConfig) -> None:
        self._lock = threading.Lock()
        self._config = config

    def set(self, config: LiveConfig) -> None:
        with self._lock:
            self._config = config

    def get(self) -> LiveConfig:
        with self._lock:
            return self._config


@dataclasses.dataclass(frozen=True)
class StreamStats:
    """The live readout.

    Attributes:
        frames: Frames processed since the stream started.
        fps: Frames processed per second, over the last couple of seconds.
        inference_ms: Mean inference time over the same window, in milliseconds.
        frame_ms: Mean server time per processed frame over the last frames, in
            milliseconds: from the frame handed to ``recv`` to the annotated frame handed
            back (convert to RGB, detect, draw, convert back to a video frame), not
            counting model loads.
        people: People in the latest processed frame.
        model: Model variant in use.
        running: Whether a detector is loaded (a stream is or was just playing).
        error: The last processing error, for the page to show, else None.
        recording: Whether a recording is under way.
        recorded_frames: Frames kept by the recording under way (0 without one).
        recording_full: The recording reached its cap and keeps no more frames.
        busy: No live-stream slot was free at the last frame: this stream is not
            processed (its frames come back with a banner) until one frees up.
    """

    frames: int = 0
    fps: float = 0.0
    inference_ms: float = 0.0
    frame_ms: float = 0.0
    people: int = 0
    model: str = ""
    running: bool = False
    error: str | None = None
    recording: bool = False
    recorded_frames: int = 0
    recording_full: bool = False
    busy: bool = False


@dataclasses.dataclass(frozen=True, eq=False)
class Snapshot:
    """A frozen frame (RGB, unannotated) and the poses found in it."""

    rgb_frame: np.ndarray
    result: PoseResult
    settings: DetectorSettings


@dataclasses.dataclass(frozen=True, eq=False)
class Recording:
    """The landmarks of a recorded stretch of the live stream.

    Attributes:
        frame_time_s: (F,) time of each processed frame in seconds from the first one.
        table: Landmarks per (frame, person) as drawn (smoothed while smoothing was on);
            ``frame`` is the frame's position 0..F-1 in the recording.
        raw_table: The detector's own landmarks (the same object if smoothing never was on).
        frame_width: Width of the recorded frames in pixels.
        frame_height: Height of the recorded frames in pixels.
        settings: Detector settings in force at the last recorded frame.
        smoothing: One Euro settings at the last smoothed frame, or None.
        full: The cap was reached; frames after it were not kept.
        max_frames: The cap.
    """

    frame_time_s: np.ndarray
    table: LandmarkTable
    raw_table: LandmarkTable
    frame_width: int
    frame_height: int
    settings: DetectorSettings | None
    smoothing: SmoothingParams | None
    full: bool
    max_frames: int

    @property
    def frames(self) -> int:
        return len(self.frame_time_s)

    @property
    def duration_s(self) -> float:
        return float(self.frame_time_s[-1]) if self.frames else 0.0

    @functools.cached_property
    def video_result(self) -> VideoResult:
        """:meth:`to_video_result`, made once: the views keep their cursor and selections
        only while they are shown the same result object."""
        return self.to_video_result()

    def to_video_result(self) -> VideoResult:
        """The recording in the shape the Video page's views take (no video file)."""
        duration = self.duration_s
        fps = (self.frames - 1) / duration if self.frames > 1 and duration > 0 else 0.0
        warnings = ()
        if self.full:
            warnings = (
                f"The recording reached its cap of {self.max_frames} frames; frames after "
                "that were not kept.",
            )
        return VideoResult(
            info=VideoInfo(
                container="webcam",
                codec="webrtc",
                width=self.frame_width,
                height=self.frame_height,
                rotation=0,
                fps=fps,
                frame_count=self.frames,
                duration_s=duration,
            ),
            settings=self.settings or DetectorSettings(),
            stride=1,
            max_side=None,
            smoothing=self.smoothing,
            frame_width=self.frame_width,
            frame_height=self.frame_height,
            frame_index=np.arange(self.frames, dtype=np.int64),
            frame_time_s=self.frame_time_s,
            table=self.table,
            raw_table=self.raw_table,
            video_path=None,
            video_mime=None,
            video_codec=None,
            cancelled=False,
            warnings=warnings,
            # "Processing speed" then reads as the recorded frame rate.
            elapsed_s=duration * self.frames / (self.frames - 1) if self.frames > 1 else 0.0,
        )


class _Recorder:
    """Appends frames of the live stream (only touched under the processor's lock)."""

    def __init__(self, max_frames: int) -> None:
        self.max_frames = max_frames
        self.frames = 0
        self._start: float | None = None
        self._times = np.zeros(min(max_frames, 1024), np.float64)
        self._raw = TableBuilder()
        self._shown: TableBuilder | None = None  # created at the first smoothed frame
        self._size = (0, 0)
        self._settings: DetectorSettings | None = None
        self._smoothing: SmoothingParams | None = None

    def add(
        self,
        now: float,
        raw: PoseResult,
        shown: PoseResult,
        ids: list[int],
        settings: DetectorSettings,
        smoothing: SmoothingParams | None,
    ) -> None:
        if self.full:
            return
        if self._start is None:
            self._start = now
            self._size = (raw.image_width, raw.image_height)
        if self.frames == len(self._times):
            self._times = np.concatenate(
                [self._times, np.zeros(min(len(self._times), self.max_frames - self.frames))]
            )
        time_s = now - self._start
        self._times[self.frames] = time_s
        if smoothing is not None and self._shown is None:
            self._shown = copy.deepcopy(self._raw)  # once: earlier frames were raw
        for track, pose, drawn in zip(ids, raw.poses, shown.poses, strict=True):
            self._raw.append(self.frames, time_s, track, pose.landmarks, pose.world_landmarks)
            if self._shown is not None:
                self._shown.append(
                    self.frames, time_s, track, drawn.landmarks, drawn.world_landmarks
                )
        self.frames += 1
        self._settings = settings
        if smoothing is not None:
            self._smoothing = smoothing

    @property
    def full(self) -> bool:
        """The cap is reached: later frames are not kept."""
        return self.frames >= self.max_frames

    def finish(self) -> Recording:
        raw = self._raw.build()
        return Recording(
            frame_time_s=self._times[: self.frames].copy(),
            table=self._shown.build() if self._shown is not None else raw,
            raw_table=raw,
            frame_width=self._size[0],
            frame_height=self._size[1],
            settings=self._settings,
            smoothing=self._smoothing,
            full=self.full,
            max_frames=self.max_frames,
        )


def readout_lines(stats: StreamStats) -> list[str]:
    """The text drawn on the video: processed fps, inference time, people, frame count."""
    people = f"{stats.people} {'person' if stats.people == 1 else 'people'}"
    return [
        f"{stats.fps:4.1f} fps  {stats.inference_ms:3.0f} ms  {people}",
        f"frames {stats.frames}  model {stats.model}",
    ]


def draw_readout(rgb_frame: np.ndarray, lines: list[str]) -> None:
    """Draw ``lines`` in the top-left corner, on a dark translucent box (in place)."""
    height, width = rgb_frame.shape[:2]
    scale = max(0.45, width / 1100)
    thickness = max(1, round(scale * 2))
    sizes = [cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)[0] for t in lines]
    line_height = max(h for _, h in sizes) + int(12 * scale)
    pad = int(10 * scale)
    box_w = min(width, max(w for w, _ in sizes) + 2 * pad)
    box_h = min(height, line_height * len(lines) + pad)
    region = rgb_frame[0:box_h, 0:box_w]
    # 60 % black over the video keeps the text readable on any background.
    region[...] = (region.astype(np.float32) * 0.4).astype(np.uint8)
    for n, text in enumerate(lines):
        baseline_y = pad + line_height * n + sizes[n][1]
        colour = (255, 255, 255) if n == 0 else (200, 200, 200)  # RGB
        cv2.putText(
            rgb_frame, text, (pad, baseline_y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour,
            thickness, cv2.LINE_AA,
        )  # fmt: skip


class PoseStreamProcessor:
    """Runs a per-session :class:`StreamDetector` on webcam frames.

    ``recv`` and ``on_ended`` are called by streamlit-webrtc on its threads; everything
    else is called by the script thread. Shared fields are guarded by ``_lock``.
    """

    def __init__(
        self,
        config: LiveConfig,
        *,
        detector_factory: Callable[[DetectorSettings], StreamDetector] = StreamDetector,
        clock: Callable[[], float] = time.monotonic,
        max_recording_frames: int = MAX_RECORDING_FRAMES,
        slots: StreamSlots = STREAM_SLOTS,
    ) -> None:
        # The stream's first frame creates the detector on the frame worker thread: import
        # MediaPipe here, on the script thread, rather than there (load_mediapipe).
        load_mediapipe()
        self.config = LiveConfigHolder(config)
        self._slots = slots
        self.max_recording_frames = max_recording_frames
        self._detector_factory = detector_factory
        self._clock = clock
        self._lock = threading.Lock()
        self._detector: StreamDetector | None = None
        self._latest: Snapshot | None = None
        self._frames = 0
        self._window: collections.deque[tuple[float, float]] = collections.deque()
        self._frame_ms: collections.deque[float] = collections.deque(maxlen=FRAME_TIME_WINDOW)
        self._people = 0
        self._error: str | None = None
        self._busy = False
        # Clock time recv last started or finished a frame (a float: read without the lock).
        self._last_frame_at: float | None = None
        # Worker-side per-stream state, reset by release() (guarded by _lock).
        self._tracker: PersonTracker | None = None
        self._smoother: PoseSmoother | None = None
        self._smoother_for: tuple | None = None
        self._recorder: _Recorder | None = None

    # ---- script thread ---------------------------------------------------------------

    def update_config(self, config: LiveConfig) -> None:
        """Hand the current sidebar settings to the worker (applied on the next frame)."""
        self.config.set(config)

    def stats(self) -> StreamStats:
        """A consistent copy of the live counters."""
        with self._lock:
            return self._stats_locked()

    def snapshot(self) -> Snapshot | None:
        """The latest processed frame and its poses, or None before the first frame."""
        with self._lock:
            return self._latest

    @property
    def recording(self) -> bool:
        """Whether a recording is under way."""
        with self._lock:
            return self._recorder is not None

    def start_recording(self) -> None:
        """Start keeping the landmarks of every processed frame (drops one under way)."""
        with self._lock:
            self._recorder = _Recorder(self.max_recording_frames)

    def stop_recording(self) -> Recording | None:
        """End the recording under way and return it (None if there was none)."""
        with self._lock:
            recorder, self._recorder = self._recorder, None
        # Detached: no other thread touches it any more, so build outside the lock.
        return recorder.finish() if recorder is not None else None

    @property
    def detector(self) -> StreamDetector | None:
        """The session's stream detector while a stream runs (for diagnostics/tests)."""
        with self._lock:
            return self._detector

    def idle_seconds(self) -> float:
        """Seconds since :meth:`recv` last started or finished a frame (0 before the first).

        Lock-free, so :class:`StreamSlots` can ask under its own lock.
        """
        last = self._last_frame_at
        return 0.0 if last is None else self._clock() - last

    def release(self) -> None:
        """Close the stream detector and reset the counters; safe from any thread, twice."""
        with self._lock:
            detector, self._detector = self._detector, None
            self._frames = 0
            self._window.clear()
            self._frame_ms.clear()
            self._people = 0
            self._busy = False
            # A restarted stream tracks and smooths afresh (a recording carries on).
            self._tracker = None
            self._smoother = None
            self._smoother_for = None
        self._slots.release(self)
        if detector is not None:
            # StreamDetector.close waits for a detect in progress on the worker thread.
            detector.close()
            LOGGER.info("Released the webcam stream detector")
            return_freed_memory()

    # ---- streamlit-webrtc threads ----------------------------------------------------

    def on_ended(self) -> None:
        """streamlit-webrtc calls this when the video track ends (stop, tab closed)."""
        self.release()

    def recv(self, frame: av.VideoFrame) -> av.VideoFrame:
        """Detect, draw and annotate one frame (runs on the frame worker thread)."""
        started = time.perf_counter()
        self._last_frame_at = self._clock()
        # PyAV converts straight to RGB, the order pose_core works in: no cv2 swap.
        rgb_frame = frame.to_ndarray(format="rgb24")
        config = self.config.get()
        detector = None
        try:
            loading = time.perf_counter()
            detector = self._ready_detector(config.detector)
            # Loading a model (first frame, new settings) is not per-frame time.
            started += time.perf_counter() - loading
            result = detector.detect(rgb_frame)
            now = self._clock()
            with self._lock:
                shown = self._track_smooth_record_locked(result, config, detector.settings, now)
            annotated = draw_poses(rgb_frame, shown, config.style)
        except StreamBusyError:
            with self._lock:
                self._busy = True
            annotated = np.array(rgb_frame, copy=True)
            draw_readout(
                annotated,
                ["Server busy: every live stream", "slot is taken; waiting for one"],
            )
            return av.VideoFrame.from_ndarray(annotated, format="rgb24")
        except Exception as exc:  # keep the stream alive; the page shows the error
            # release() from the script thread may close the detector mid-frame as the
            # stream stops: not an error worth showing.
            if not (detector is not None and detector.closed):
                LOGGER.exception("Webcam frame processing failed")
                with self._lock:
                    self._error = f"{type(exc).__name__}: {exc}"
            annotated = np.array(rgb_frame, copy=True)
            draw_readout(annotated, ["Pose detection failed", "see the page for details"])
            return av.VideoFrame.from_ndarray(annotated, format="rgb24")
        with self._lock:
            self._frames += 1
            self._window.append((now, result.inference_ms))
            while self._window and now - self._window[0][0] > FPS_WINDOW_S:
                self._window.popleft()
            self._people = result.num_poses
            self._error = None
            self._busy = False
            self._latest = Snapshot(rgb_frame, shown, detector.settings)
            stats = self._stats_locked()
        draw_readout(annotated, readout_lines(stats))
        out = av.VideoFrame.from_ndarray(annotated, format="rgb24")
        # Timing hook for the readout and bench/bench_webcam.py: one clock read, one lock.
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        with self._lock:
            if self._detector is detector:  # not released meanwhile
                self._frame_ms.append(elapsed_ms)
        self._last_frame_at = self._clock()  # a slow frame is not a quiet stream
        return out

    # ---- internals ---------------------------------------------------------------------

    def _track_smooth_record_locked(
        self, result: PoseResult, config: LiveConfig, settings: DetectorSettings, now: float
    ) -> PoseResult:
        """Smooth ``result`` if asked and record it; returns the poses to draw."""
        recorder = self._recorder
        if config.smoothing is None and recorder is None:
            return result
        if self._tracker is None or self._tracker.max_people != settings.num_poses:
            self._tracker = PersonTracker(settings.num_poses)
        ids = self._tracker.assign(result.poses, now)
        shown = result
        if config.smoothing is not None:
            key = (config.smoothing, settings)
            if self._smoother is None or self._smoother_for != key:
                # New settings: start afresh rather than blend two filters' outputs.
                self._smoother = PoseSmoother(config.smoothing)
                self._smoother_for = key
            poses = []
            for track, pose in zip(ids, result.poses, strict=True):
                landmarks, world = self._smoother(track, pose.landmarks, pose.world_landmarks, now)
                poses.append(PersonPose(landmarks, world, pose.segmentation_mask))
            shown = dataclasses.replace(result, poses=tuple(poses))
        else:
            self._smoother = self._smoother_for = None
        if recorder is not None:
            recorder.add(now, result, shown, ids, settings, config.smoothing)
        return shown

    def _ready_detector(self, settings: DetectorSettings) -> StreamDetector:
        with self._lock:
            detector = self._detector
        if detector is None:
            if not self._slots.try_acquire(self):
                raise StreamBusyError
            # Loading takes 50-300 ms: done on this worker thread, outside the lock, so
            # the script thread's stats() calls never wait for it.
            detector = self._detector_factory(settings)
            with self._lock:
                self._detector = detector
        elif detector.settings != settings:
            # New landmarker, same stream clock: timestamps keep increasing.
            detector.update_settings(settings)
        return detector

    def _stats_locked(self) -> StreamStats:
        window = self._window
        fps = 0.0
        if len(window) >= 2 and window[-1][0] > window[0][0]:
            fps = (len(window) - 1) / (window[-1][0] - window[0][0])
        inference = sum(ms for _, ms in window) / len(window) if window else 0.0
        frame_ms = sum(self._frame_ms) / len(self._frame_ms) if self._frame_ms else 0.0
        detector = self._detector
        return StreamStats(
            frames=self._frames,
            fps=fps,
            inference_ms=inference,
            frame_ms=frame_ms,
            people=self._people,
            model=detector.settings.model_variant if detector else "",
            running=detector is not None,
            error=self._error,
            recording=self._recorder is not None,
            recorded_frames=self._recorder.frames if self._recorder else 0,
            recording_full=bool(self._recorder and self._recorder.full),
            busy=self._busy,
        )


def start_stream(
    processor: PoseStreamProcessor,
    rtc_configuration: dict[str, Any],
    *,
    key: str = "webcam",
    drawn_last_run: bool = False,
) -> Any:
    """Render the WebRTC component wired to ``processor``; returns its context.

    ``drawn_last_run``: the page drew this component in the session's previous full run,
    so its stream cannot be an orphan (see :func:`_skip_orphan_check`).

    Tests replace the module-level ``webrtc_streamer`` (the browser side cannot run in
    ``AppTest``).
    """
    if drawn_last_run:
        _skip_orphan_check(key)
    return webrtc_streamer(
        key=key,
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=rtc_configuration,
        media_stream_constraints=MEDIA_CONSTRAINTS,
        video_frame_callback=processor.recv,
        on_video_ended=processor.on_ended,
        async_processing=True,
        video_html_attrs={
            "autoPlay": True, "controls": False, "muted": True,
            "style": {"width": "100%", "borderRadius": "0.5rem"},
        },
    )  # fmt: skip


def _skip_orphan_check(key: str) -> None:
    """Keep streamlit-webrtc from stopping a live stream it takes for an orphan.

    streamlit-webrtc (0.79, ``component._get_or_create_context``) resets a component's
    context, stopping its stream, when the session's script-run count has grown by more
    than one since the component was last drawn: the sign that the user left the page and
    came back. That count is Streamlit's ``script_run_count``, which goes up on the event
    loop when a run's "finished" message is sent; a run that starts before the previous
    run's message has gone out reads a stale count, and the run after it then sees a gap
    of two although every run drew the component. The stream just started is stopped
    (the page shows START again): about one START in 30 under load in the browser suite,
    where the offer, answer and ICE-candidate reruns come in quick succession.

    When the page knows it drew the component in the previous full run, nothing can be
    orphaned: clearing the recorded count makes streamlit-webrtc skip the check for this
    run (it records the count again). A return from another page still gets the reset.
    """
    context = st.session_state.get(key)
    if context is not None and hasattr(context, "_last_rendered_run_count"):
        context._last_rendered_run_count = None
