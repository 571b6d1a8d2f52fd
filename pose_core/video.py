"""Video files: probe, decode, detect with tracking, draw, encode a browser-playable MP4.

Streamlit-free. :func:`process_video` streams a clip through three threads joined by
short queues, so at most a dozen frames are in memory however long the clip is:

    reader (PyAV decode -> RGB) -> caller's thread (MediaPipe VIDEO mode, tracking,
    smoothing, landmark table) -> writer (draw skeleton -> H.264 -> MP4)

MediaPipe releases the GIL while it infers and x264 encodes on threads of its own, so
decoding and encoding overlap with inference (measured: the whole pipeline takes 1.1-1.25x
the time of MediaPipe's bare VIDEO-mode loop on the same frames; see bench/bench_video.py).
Landmarks go into a compact numpy table (:class:`~pose_core.timeseries.LandmarkTable`),
about 1 KB per person and frame.

Errors a user can cause are :class:`VideoDecodeError` subclasses whose ``str()`` is a
message for the user.

The annotated video is H.264 (libx264, yuv420p, even dimensions) in MP4 with the index
(``moov``) at the front, which every current browser plays while it downloads. PyAV's
wheels bundle libx264; should a build lack it, :func:`choose_encoder` falls back to
OpenH264 (also H.264/MP4), then VP9 and VP8 in WebM (Chrome, Firefox, Edge and recent
Safari play those), and :class:`VideoResult` records which one was used.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import queue
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Literal, NamedTuple

import av
import cv2
import numpy as np

from .detector import StreamDetector, load_mediapipe
from .drawing import DrawingStyle, draw_poses
from .results import PersonPose
from .settings import DetectorSettings
from .smoothing import PoseSmoother, SmoothingParams
from .timeseries import LandmarkTable, TableBuilder, VideoSummary, summarise, table_jitter

LOGGER = logging.getLogger(__name__)

# Demuxers we open (ffmpeg's names). Refusing the rest up front keeps ffmpeg's many
# exotic demuxers (playlists, image sequences, network formats) away from user files.
ALLOWED_DEMUXERS = ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi")
SUPPORTED_CONTAINERS = "MP4, MOV, WebM, MKV or AVI"
# Browser-playable encoders, best first: (codec, container format, suffix, MIME type).
ENCODERS: tuple[tuple[str, str, str, str], ...] = (
    ("libx264", "mp4", ".mp4", "video/mp4"),
    ("libopenh264", "mp4", ".mp4", "video/mp4"),
    ("libvpx-vp9", "webm", ".webm", "video/webm"),
    ("libvpx", "webm", ".webm", "video/webm"),
)
# x264 speed/size trade-off, measured on the 768x576 test clip: "veryfast" costs 5.0 ms
# of CPU per frame, "superfast" 3.4, "ultrafast" at CRF 26 1.8 ms for a file about 1.5x
# the size of "veryfast" at CRF 23. On a small server the encoder shares the cores with
# the pose model, so its CPU time is what slows the analysis down; the annotated video
# is a working copy, not an archive. Its Constrained Baseline profile plays everywhere.
X264_PRESET = "ultrafast"
X264_CRF = 26
# 0 = x264 picks (frame threads); they run beside inference, outside the GIL.
X264_THREADS = 0
# Frames in flight between threads: enough to ride out jitter, small for memory.
QUEUE_FRAMES = 4

# Still images that users drop on a video uploader; named in the error message.
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")


# ---- errors --------------------------------------------------------------------------


class VideoDecodeError(ValueError):
    """The file cannot be analysed as a video. ``str(error)`` is a message for users."""


class NotAVideoError(VideoDecodeError):
    """The bytes are not a video container we read."""


class NoVideoStreamError(VideoDecodeError):
    """The container has no video track (an audio file, for example)."""


class EmptyVideoError(VideoDecodeError):
    """The video track has no frame."""


class TruncatedVideoError(VideoDecodeError):
    """The file is cut short or damaged: not even the first frame decodes.

    Attributes:
        frames_read: Frames decoded before the damage (0 when raised by :func:`probe_video`).
    """

    def __init__(self, message: str, frames_read: int = 0) -> None:
        super().__init__(message)
        self.frames_read = frames_read


class UnsupportedCodecError(VideoDecodeError):
    """The video track uses a codec this build of FFmpeg cannot decode."""


class VideoTooLargeError(VideoDecodeError):
    """The frames are larger than the resolution limit."""


class VideoTooLongError(VideoDecodeError):
    """The clip is longer than the duration or frame budget."""


class VideoEncodeError(RuntimeError):
    """No browser-playable encoder is available (a broken install, not the user's fault)."""


# ---- probing -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class VideoLimits:
    """What a clip may be, checked before any heavy work.

    Attributes:
        max_pixels: Largest frame, in pixels (4096 x 4096 by default: every 4K format).
        max_side: Longest frame side in pixels.
        max_duration_s: Longest clip in seconds.
        max_frames: Most frames to analyse (after the stride is applied).
    """

    max_pixels: int = 4096 * 4096
    max_side: int = 8192
    max_duration_s: float = 30 * 60.0
    max_frames: int = 36_000


DEFAULT_LIMITS = VideoLimits()


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """What a video file declares, plus its first frame's orientation.

    Attributes:
        container: FFmpeg's name of the container format.
        codec: FFmpeg's name of the video codec.
        width: Displayed width in pixels (after rotation).
        height: Displayed height in pixels (after rotation).
        rotation: Display rotation in degrees counter-clockwise (0, 90, 180 or 270);
            phones record portrait clips as rotated landscape frames.
        fps: Average frame rate (frames per second).
        frame_count: Frames declared by the container, or estimated from the duration.
        duration_s: Duration in seconds.
    """

    container: str
    codec: str
    width: int
    height: int
    rotation: int
    fps: float
    frame_count: int
    duration_s: float


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(16)


def _is_image(head: bytes) -> bool:
    return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _is_video_container(head: bytes) -> bool:
    """The first bytes of an MP4/MOV, AVI or Matroska/WebM file."""
    return (
        head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")
        or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")
        or head.startswith(b"\x1a\x45\xdf\xa3")
    )


def _open(path: Path) -> av.container.InputContainer:
    """Open ``path`` with the allowed demuxers only; errors become user messages."""
    if not path.is_file():
        raise FileNotFoundError(path)
    if path.stat().st_size == 0:
        raise NotAVideoError(
            f"The file is empty (0 bytes). Choose a video clip ({SUPPORTED_CONTAINERS})."
        )
    try:
        return av.open(
            str(path), mode="r", options={"format_whitelist": ",".join(ALLOWED_DEMUXERS)}
        )
    except av.error.EOFError as exc:
        raise EmptyVideoError(
            "The file ends before any video frame: it is empty or cut short. Export or copy "
            "it again."
        ) from exc
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        head = _head(path)
        if _is_image(head):
            raise NotAVideoError(
                "This is a still image, not a video. Use the Image page for photos."
            ) from exc
        if _is_video_container(head):
            # A real container start but no readable index: typically an upload or a
            # recording that stopped early (an MP4's index is often written last).
            raise TruncatedVideoError(
                "The video file is incomplete or damaged: it starts like a video but its "
                "index cannot be read. It was probably cut short while recording or "
                "copying; export or copy it again."
            ) from exc
        raise NotAVideoError(
            f"This file is not a video PoseScope can read. Use {SUPPORTED_CONTAINERS}."
        ) from exc


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise NoVideoStreamError(
            "The file has no video track (is it an audio file, or a video with no frames?). "
            "Choose a clip with video in it."
        )
    stream = container.streams.video[0]
    if stream.codec_context is None:
        raise UnsupportedCodecError(
            "The video uses a codec PoseScope cannot decode. Re-export it as H.264 MP4 "
            "(any video editor or phone can) and try again."
        )
    return stream


def _rotation(frame: av.VideoFrame) -> int:
    # The display matrix can hold any angle; phones only ever write right angles.
    return round((getattr(frame, "rotation", 0) or 0) / 90.0) % 4 * 90


def _fps(stream: av.video.stream.VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 0 < float(rate) < 1000:
            return float(rate)
    return 30.0


def _duration_s(container: av.container.InputContainer, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


def _check_size(width: int, height: int, limits: VideoLimits) -> None:
    if width * height > limits.max_pixels or max(width, height) > limits.max_side:
        raise VideoTooLargeError(
            f"The video is {width} x {height} pixels, more than the "
            f"{limits.max_pixels / 1e6:.1f}-megapixel limit (about 4096 x 4096, or "
            f"{limits.max_side} pixels on a side). Export it at 4K or less."
        )


def probe_video(path: str | Path, limits: VideoLimits = DEFAULT_LIMITS) -> VideoInfo:
    """Read a video's header and first frame, and check it against ``limits``.

    Decoding the first frame proves the codec works and finds the display rotation
    before any long job starts.

    Args:
        path: The video file.
        limits: Resolution and duration limits.

    Returns:
        The video's description.

    Raises:
        VideoDecodeError: A subclass saying what is wrong; ``str(error)`` is for users.
        FileNotFoundError: ``path`` does not exist.
    """
    path = Path(path)
    with _open(path) as container:
        stream = _video_stream(container)
        codec = stream.codec_context
        # Check the declared size before decoding a single (possibly gigantic) frame.
        if codec.width and codec.height:
            _check_size(codec.width, codec.height, limits)
        fps = _fps(stream)
        duration_s = _duration_s(container, stream)
        frame_count = int(stream.frames or 0) or round(duration_s * fps)
        if duration_s > limits.max_duration_s:
            raise VideoTooLongError(
                f"The video lasts {duration_s / 60:.1f} minutes; the limit is "
                f"{limits.max_duration_s / 60:.0f} minutes. Trim it first."
            )
        try:
            first = next(container.decode(stream), None)
        except av.error.FFmpegError as exc:
            raise TruncatedVideoError(
                "The video is damaged or cut short: its first frame cannot be decoded. Export "
                "or copy it again."
            ) from exc
        if first is None:
            if frame_count:
                raise TruncatedVideoError(
                    "The video is cut short: its frames are missing from the file. Export or "
                    "copy it again."
                )
            raise EmptyVideoError("The video has no frames. Record or export it again.")
        _check_size(first.width, first.height, limits)
        rotation = _rotation(first)
        width, height = first.width, first.height
        if rotation in (90, 270):
            width, height = height, width
        return VideoInfo(
            container=container.format.name,
            codec=codec.name,
            width=width,
            height=height,
            rotation=rotation,
            fps=fps,
            frame_count=max(frame_count, 1),
            duration_s=duration_s,
        )


# ---- decoding ------------------------------------------------------------------------


class DecodedFrame(NamedTuple):
    """One decoded frame: its index in the file, its time and its pixels."""

    index: int
    time_s: float
    rgb_frame: np.ndarray


def analysis_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """The (width, height) frames are analysed and encoded at.

    At most ``max_side`` on the long side (keeping the aspect ratio), and both even,
    as yuv420p H.264 requires.
    """
    scale = 1.0
    if max_side is not None and max(width, height) > max_side:
        scale = max_side / max(width, height)
    even = lambda v: max(2, round(v * scale / 2.0) * 2)  # noqa: E731
    return even(width), even(height)


def iter_frames(
    path: str | Path,
    *,
    stride: int = 1,
    max_side: int | None = None,
    info: VideoInfo | None = None,
    limits: VideoLimits = DEFAULT_LIMITS,
) -> Iterator[DecodedFrame]:
    """Decode every ``stride``-th frame of a video as RGB, one at a time.

    Frames are rotated upright, scaled so the long side is at most ``max_side`` and to
    even dimensions (see :func:`analysis_size`); all share the first frame's size even
    if the stream changes resolution midway. Times are seconds from the first frame,
    strictly increasing.

    Args:
        path: The video file.
        stride: Keep one frame in ``stride`` (1 keeps all).
        max_side: Cap on the longer side in pixels, or None for the original size.
        info: The result of :func:`probe_video`, if already known.
        limits: Checked by the probe when ``info`` is not given.

    Yields:
        :class:`DecodedFrame` tuples.

    Raises:
        VideoDecodeError: The file cannot be read (before the first frame).
        TruncatedVideoError: The data ends or breaks after some frames were yielded;
            ``frames_read`` says how many frames were decoded.
    """
    if stride < 1:
        raise ValueError(f"stride must be at least 1, not {stride}")
    if max_side is not None and max_side < 16:
        raise ValueError(f"max_side must be at least 16 pixels, not {max_side}")
    path = Path(path)
    info = info or probe_video(path, limits)
    with _open(path) as container:
        stream = _video_stream(container)
        # FFmpeg's default decoder threading is kept: frame threads ("AUTO") cost more
        # CPU than they save here, and the CPU is shared with inference.
        out_w, out_h = analysis_size(info.width, info.height, max_side)
        # Frames are scaled before rotation, so a quarter turn swaps the target size.
        coded_w, coded_h = (out_h, out_w) if info.rotation in (90, 270) else (out_w, out_h)
        fps = info.fps
        start: float | None = None
        last_time = -math.inf
        index = -1
        try:
            for frame in container.decode(stream):
                index += 1
                if index % stride:
                    continue
                if frame.time is not None:
                    if start is None:
                        start = float(frame.time)
                    time_s = float(frame.time) - start
                else:
                    time_s = index / fps
                if time_s <= last_time:
                    # Missing or repeated timestamps: one frame interval after the last.
                    time_s = last_time + 1.0 / fps
                last_time = time_s
                # One swscale thread: measured in this loop, its own thread pool costs
                # more CPU than it saves (0.42 vs 0.91 ms a 768x576 frame).
                rgb_frame = frame.to_ndarray(
                    format="rgb24",
                    width=coded_w,
                    height=coded_h,
                    interpolation="AREA" if coded_w < frame.width else "BILINEAR",
                    threads=1,
                )
                quarter_turns = _rotation(frame) // 90
                if quarter_turns:
                    # np.rot90 turns counter-clockwise, as the display matrix does.
                    rgb_frame = np.ascontiguousarray(np.rot90(rgb_frame, quarter_turns))
                    if rgb_frame.shape[:2] != (out_h, out_w):
                        rgb_frame = cv2.resize(rgb_frame, (out_w, out_h))
                yield DecodedFrame(index, time_s, rgb_frame)
        except av.error.FFmpegError as exc:
            frames_read = index + 1 if index >= 0 else 0
            raise TruncatedVideoError(
                f"The video is damaged or cut short after {frames_read} frames "
                f"({max(last_time, 0.0):.1f} s).",
                frames_read=frames_read,
            ) from exc


# ---- encoding ------------------------------------------------------------------------


def choose_encoder() -> tuple[str, str, str, str]:
    """The first browser-playable encoder in :data:`ENCODERS` this PyAV build has.

    Returns:
        (codec, container format, file suffix, MIME type).

    Raises:
        VideoEncodeError: None is available.
    """
    available = av.codecs_available
    for entry in ENCODERS:
        if entry[0] not in available:
            continue
        try:
            av.Codec(entry[0], "w")
        except (av.error.FFmpegError, ValueError):  # a decoder of that name only
            continue
        return entry
    raise VideoEncodeError(
        "This installation cannot encode browser-playable video (no H.264, VP9 or VP8 "
        "encoder in PyAV's FFmpeg). Reinstall PyAV from its official wheels."
    )


class VideoWriter:
    """Encodes RGB frames into a browser-playable file (see :func:`choose_encoder`).

    Frames carry their own times, so variable frame rates and strides keep their real
    timing. The file is complete only after :meth:`close`.
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: float,
        *,
        preset: str | None = None,
    ) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"yuv420p needs even dimensions, got {width} x {height}")
        self.codec, container_format, suffix, self.mime = choose_encoder()
        self.path = Path(path).with_suffix(suffix)
        self.width, self.height = width, height
        options = {"movflags": "+faststart"} if container_format == "mp4" else {}
        self._container = av.open(
            str(self.path), mode="w", format=container_format, options=options
        )
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        self._stream = self._container.add_stream(self.codec, rate=rate)
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = "yuv420p"
        self._time_base = Fraction(1, 1000)
        self._stream.codec_context.time_base = self._time_base
        # cv2 converts with BT.601 limited range: say so, or players may pick BT.709.
        codec_context = self._stream.codec_context
        codec_context.colorspace = 6  # AVCOL_SPC_SMPTE170M
        codec_context.color_primaries = 6  # AVCOL_PRI_SMPTE170M
        codec_context.color_trc = 6  # AVCOL_TRC_SMPTE170M
        codec_context.color_range = 1  # AVCOL_RANGE_MPEG
        keyframe_every = str(max(1, round(2 * float(rate))))  # a key frame every ~2 s
        if self.codec == "libx264":
            self._stream.options = {
                "preset": preset or X264_PRESET, "crf": str(X264_CRF), "g": keyframe_every,
                "threads": str(X264_THREADS),
            }  # fmt: skip
        elif self.codec.startswith("libvpx"):
            self._stream.options = {
                "deadline": "realtime", "cpu-used": "8", "crf": "32", "b": "0",
                "g": keyframe_every,
            }  # fmt: skip
        else:
            self._stream.options = {"g": keyframe_every}
        self._last_pts = -1
        self.frames = 0

    def write(self, rgb_frame: np.ndarray, time_s: float) -> None:
        """Encode one H x W x 3 uint8 RGB frame shown at ``time_s`` seconds."""
        if rgb_frame.shape != (self.height, self.width, 3):
            raise ValueError(
                f"expected a {self.height} x {self.width} x 3 frame, got {rgb_frame.shape}"
            )
        # OpenCV's planar I420 conversion is ~20x faster than swscale's single thread.
        yuv = cv2.cvtColor(rgb_frame, cv2.COLOR_RGB2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        pts = max(round(time_s * 1000), self._last_pts + 1)
        self._last_pts = pts
        frame.pts = pts
        frame.time_base = self._time_base
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        """Flush the encoder and finish the file. Safe to call twice."""
        if self._container is None:
            return
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
        finally:
            self._container.close()
            self._container = None


def read_frame_at(path: str | Path, time_s: float) -> np.ndarray | None:
    """The RGB frame shown at ``time_s`` seconds of a video (e.g. the annotated one).

    Seeks to the key frame before and decodes forward, so it costs at most one
    key-frame interval of decoding.

    Returns:
        The frame, or None if the video has no frame at or before ``time_s``.
    """
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        target = start + max(time_s, 0.0)
        container.seek(int(target / stream.time_base), stream=stream, backward=True)
        found = None
        # Half a millisecond of slack: the writer rounded times to milliseconds.
        for frame in container.decode(stream):
            if frame.time is not None and frame.time > target + 0.0005:
                break
            found = frame
        return None if found is None else found.to_ndarray(format="rgb24")


# ---- tracking ------------------------------------------------------------------------


def _anchor(landmarks: np.ndarray) -> tuple[np.ndarray, float]:
    """A person's position (torso centre, normalised) and size, for matching."""
    torso = landmarks[[11, 12, 23, 24], :2]
    torso = torso[np.isfinite(torso).all(axis=1)]
    xy = landmarks[:, :2][np.isfinite(landmarks[:, :2]).all(axis=1)]
    centre = torso.mean(axis=0) if len(torso) else xy.mean(axis=0)
    size = float((xy.max(axis=0) - xy.min(axis=0)).max()) if len(xy) > 1 else 0.1
    return centre, max(size, 0.02)


class PersonTracker:
    """Gives each detected person a stable id across frames.

    MediaPipe returns the people of a frame in no particular order, so a time series
    "of person 1" needs matching. Greedy nearest-centre matching is enough here because
    VIDEO mode tracks each person's region from the previous frame: a person moves a
    fraction of their size between frames. With ``num_poses == 1`` everyone is person 0.
    """

    def __init__(self, max_people: int, *, max_gap_s: float = 1.0, max_jump: float = 0.75):
        self.max_people = max_people
        self.max_gap_s = max_gap_s
        self.max_jump = max_jump  # in person sizes
        self._tracks: dict[int, tuple[np.ndarray, float, float]] = {}  # centre, size, time
        self._next_id = 0

    def assign(self, poses: tuple[PersonPose, ...], time_s: float) -> list[int]:
        """Track ids of ``poses`` (same order) in the frame at ``time_s``."""
        if self.max_people == 1:
            return [0] * len(poses)
        self._tracks = {k: v for k, v in self._tracks.items() if time_s - v[2] <= self.max_gap_s}
        anchors = [_anchor(p.landmarks) for p in poses]
        pairs = []
        for i, (centre, size) in enumerate(anchors):
            for track, (t_centre, t_size, _) in self._tracks.items():
                distance = float(np.linalg.norm(centre - t_centre)) / max(size, t_size)
                if distance <= self.max_jump:
                    pairs.append((distance, i, track))
        ids: list[int | None] = [None] * len(poses)
        used: set[int] = set()
        for _distance, i, track in sorted(pairs):
            if ids[i] is None and track not in used:
                ids[i] = track
                used.add(track)
        for i, (centre, size) in enumerate(anchors):
            if ids[i] is None:
                ids[i] = self._next_id
                self._next_id += 1
            self._tracks[ids[i]] = (centre, size, time_s)
        return [int(i) for i in ids]


# ---- processing ----------------------------------------------------------------------


ProgressCallback = Callable[[int, int], bool]


@dataclasses.dataclass(frozen=True, eq=False)
class VideoResult:
    """Everything :func:`process_video` produced.

    Attributes:
        info: The source video's description.
        settings: The detector settings used.
        stride: One frame in ``stride`` was analysed.
        max_side: The resolution cap applied, or None.
        smoothing: The One Euro filter settings, or None for raw landmarks.
        frame_width: Width of the analysed (and encoded) frames.
        frame_height: Height of the analysed frames.
        frame_index: (F,) source indices of the analysed frames.
        frame_time_s: (F,) their times in seconds.
        table: Landmarks per (frame, person), smoothed if ``smoothing`` is set.
        raw_table: The detector's own landmarks (the same object without smoothing).
        video_path: The annotated video, or None if not encoded.
        video_mime: Its MIME type ("video/mp4" normally).
        video_codec: The encoder used ("libx264" normally).
        cancelled: Stopped by the progress callback before the end.
        warnings: Messages for the user (a cut-short file, a frame budget reached).
        elapsed_s: Wall time of the processing.
    """

    info: VideoInfo
    settings: DetectorSettings
    stride: int
    max_side: int | None
    smoothing: SmoothingParams | None
    frame_width: int
    frame_height: int
    frame_index: np.ndarray
    frame_time_s: np.ndarray
    table: LandmarkTable
    raw_table: LandmarkTable
    video_path: Path | None
    video_mime: str | None
    video_codec: str | None
    cancelled: bool
    warnings: tuple[str, ...]
    elapsed_s: float

    @property
    def frames_analysed(self) -> int:
        return len(self.frame_index)

    @property
    def processing_fps(self) -> float:
        """Analysed frames per second of wall time."""
        return self.frames_analysed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def duration_s(self) -> float:
        """Time of the last analysed frame."""
        return float(self.frame_time_s[-1]) if len(self.frame_time_s) else 0.0

    def summary(self, visibility_threshold: float = 0.5) -> VideoSummary:
        """Frames with a person, people, mean visibility per landmark."""
        return summarise(self.table, self.frames_analysed, visibility_threshold)

    def jitter(self) -> dict[str, float]:
        """Mean frame-to-frame landmark displacement, raw and as used.

        Returns:
            ``raw_px`` and ``smoothed_px`` (image landmarks in pixels of the analysed
            frame), ``raw_mm`` and ``smoothed_mm`` (world landmarks). Without smoothing
            the smoothed values equal the raw ones.
        """
        size = (self.frame_width, self.frame_height)
        return {
            "raw_px": table_jitter(self.raw_table, frame_size=size),
            "smoothed_px": table_jitter(self.table, frame_size=size),
            "raw_mm": table_jitter(self.raw_table, world=True) * 1000.0,
            "smoothed_mm": table_jitter(self.table, world=True) * 1000.0,
        }

    def nearest_frame(self, time_s: float) -> int:
        """Position (0..F-1) of the analysed frame nearest ``time_s``."""
        if not len(self.frame_time_s):
            return 0
        return int(np.abs(self.frame_time_s - time_s).argmin())


class _Stop(Exception):
    """Raised inside the pipeline threads when the run is being torn down."""


def _put(
    q: queue.Queue,
    item: object,
    stop: threading.Event,
    consumer: _Worker | None = None,
) -> None:
    # A blocking put that gives up when the run stops or the consumer thread died,
    # instead of waiting forever on a queue nobody empties.
    while not stop.is_set():
        if consumer is not None and not consumer.is_alive():
            raise consumer.error or RuntimeError(f"{consumer.name} stopped unexpectedly")
        try:
            q.put(item, timeout=0.1)
            return
        except queue.Full:
            continue
    raise _Stop


def _get(q: queue.Queue, stop: threading.Event) -> object:
    # A blocking get that gives up when the run stops.
    while not stop.is_set():
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            continue
    raise _Stop


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


def process_video(
    path: str | Path,
    settings: DetectorSettings | None = None,
    *,
    stride: int = 1,
    max_side: int | None = None,
    smoothing: SmoothingParams | None = None,
    style: DrawingStyle | None = None,
    progress: ProgressCallback | None = None,
    out_path: str | Path | None = None,
    limits: VideoLimits = DEFAULT_LIMITS,
    info: VideoInfo | None = None,
) -> VideoResult:
    """Detect poses through a whole video and write the annotated copy.

    Uses MediaPipe's VIDEO mode (one new landmarker, tracking between frames, frame
    times from the file). Memory stays flat with the clip's length apart from the
    landmark table.

    Args:
        path: The video file.
        settings: Detector settings; defaults to ``DetectorSettings()``.
        stride: Analyse one frame in ``stride``.
        max_side: Scale frames down so the longer side is at most this many pixels.
        smoothing: One Euro filter settings, or None for the detector's landmarks.
        style: How to draw the skeleton on the annotated video.
        progress: Called as ``progress(done, total)`` after each analysed frame
            (``total`` is an estimate from the header, never below ``done``); return
            False to stop. The result then has ``cancelled=True`` and covers the frames
            done so far.
        out_path: Where to write the annotated video; the suffix is replaced by the
            encoder's (".mp4" normally). None skips drawing and encoding.
        limits: Resolution and duration limits.
        info: The file's :func:`probe_video` result, if already known.

    Returns:
        The :class:`VideoResult`.

    Raises:
        VideoDecodeError: The file cannot be analysed; ``str(error)`` is for users.
        VideoTooLongError: More frames than ``limits.max_frames`` would be analysed.
    """
    started = time.perf_counter()
    settings = settings or DetectorSettings()
    style = style or DrawingStyle()
    path = Path(path)
    info = info or probe_video(path, limits)
    expected = max(1, math.ceil(info.frame_count / stride))
    if expected > limits.max_frames:
        raise VideoTooLongError(
            f"The video has about {info.frame_count} frames; analysing one in {stride} makes "
            f"{expected}, more than the {limits.max_frames} allowed. Raise the frame step "
            "or trim the clip."
        )
    width, height = analysis_size(info.width, info.height, max_side)

    stop = threading.Event()
    frames_in: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    frames_out: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)

    def read() -> None:
        frames = iter_frames(path, stride=stride, max_side=max_side, info=info)
        try:
            for decoded in frames:
                _put(frames_in, decoded, stop)
        except _Stop:
            raise
        except BaseException as exc:  # handed to the detecting thread
            _put(frames_in, exc, stop)
            return
        finally:
            frames.close()  # closes the container now, not at garbage collection
        _put(frames_in, _END, stop)

    writer: VideoWriter | None = None

    def write() -> None:
        assert writer is not None
        while True:
            item = _get(frames_out, stop)
            if item is _END:
                return
            rgb_frame, result, time_s = item
            writer.write(draw_poses(rgb_frame, result, style) if result else rgb_frame, time_s)

    reader = _Worker("video-reader", read)
    drawer = _Worker("video-writer", write) if out_path is not None else None
    smoother = PoseSmoother(smoothing) if smoothing is not None else None
    tracker = PersonTracker(settings.num_poses)
    raw_rows = TableBuilder()
    smooth_rows = TableBuilder() if smoother is not None else raw_rows
    frame_index: list[int] = []
    frame_time: list[float] = []
    warnings: list[str] = []
    cancelled = False

    detector: StreamDetector | None = None
    failed = True
    try:
        detector = StreamDetector(settings)
        if out_path is not None:
            writer = VideoWriter(out_path, width, height, info.fps / stride)
        reader.start()
        if drawer is not None:
            drawer.start()
        while True:
            item = _get(frames_in, stop)
            if item is _END:
                break
            if isinstance(item, TruncatedVideoError) and frame_index:
                warnings.append(
                    f"{item} The results cover the first {len(frame_index)} analysed frames only."
                )
                break
            if isinstance(item, BaseException):
                raise item
            if len(frame_index) >= limits.max_frames:
                # The header under-declared the length; stop at the budget.
                warnings.append(
                    f"Stopped after {limits.max_frames} analysed frames (the limit); the "
                    "rest of the video was not analysed."
                )
                break
            index, time_s, rgb_frame = item
            result = detector.detect(rgb_frame, round(time_s * 1000))
            ids = tracker.assign(result.poses, time_s)
            drawn: list[tuple[int, PersonPose]] = []
            for track, pose in zip(ids, result.poses, strict=True):
                raw_rows.append(index, time_s, track, pose.landmarks, pose.world_landmarks)
                if smoother is not None:
                    landmarks, world = smoother(track, pose.landmarks, pose.world_landmarks, time_s)
                    smooth_rows.append(index, time_s, track, landmarks, world)
                    pose = PersonPose(landmarks, world, pose.segmentation_mask)
                drawn.append((track, pose))
            frame_index.append(index)
            frame_time.append(time_s)
            if drawer is not None:
                if drawer.error is not None:
                    raise drawer.error
                # Sorted by track id so each person keeps their colour while they stay.
                ordered = tuple(pose for _, pose in sorted(drawn, key=lambda p: p[0]))
                shown = dataclasses.replace(result, poses=ordered)
                _put(frames_out, (rgb_frame, shown, time_s), stop, drawer)
            if progress is not None:
                done = len(frame_index)
                if progress(done, max(expected, done)) is False:
                    cancelled = True
                    break
        if drawer is not None:
            _put(frames_out, _END, stop, drawer)
            drawer.join()
            if drawer.error is not None:
                raise drawer.error
            writer.close()
        failed = False
    finally:
        stop.set()
        if detector is not None:
            detector.close()
        if reader.ident is not None:
            reader.join(timeout=5)
        if drawer is not None and drawer.ident is not None:
            drawer.join(timeout=5)
        if writer is not None:
            try:
                writer.close()
            except Exception:  # already failing; keep the first error
                LOGGER.exception("Closing the video writer failed")
            if failed:
                writer.path.unlink(missing_ok=True)

    if not frame_index:
        raise EmptyVideoError("No frame of the video could be decoded.")
    decoded = int(frame_index[-1]) + stride
    if not cancelled and not warnings and decoded < 0.9 * info.frame_count:
        warnings.append(
            f"The file announces {info.frame_count} frames but only about {decoded} could "
            "be read: it is probably cut short. The results cover what could be read."
        )
    if progress is not None and not cancelled:
        progress(len(frame_index), len(frame_index))
    raw_table = raw_rows.build()
    table = smooth_rows.build() if smoother is not None else raw_table
    return VideoResult(
        info=info,
        settings=settings,
        stride=stride,
        max_side=max_side,
        smoothing=smoothing,
        frame_width=width,
        frame_height=height,
        frame_index=np.asarray(frame_index, dtype=np.int64),
        frame_time_s=np.asarray(frame_time, dtype=np.float64),
        table=table,
        raw_table=raw_table,
        video_path=writer.path if writer is not None else None,
        video_mime=writer.mime if writer is not None else None,
        video_codec=writer.codec if writer is not None else None,
        cancelled=cancelled,
        warnings=tuple(warnings),
        elapsed_s=time.perf_counter() - started,
    )


# ---- background jobs -----------------------------------------------------------------

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
# Videos processed at once in this process; more wait their turn (the machine has few
# cores, and two MediaPipe graphs already fill them).
MAX_CONCURRENT_JOBS = 2
_JOB_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_JOBS)
_job_slots_lock = threading.Lock()


def set_max_concurrent_jobs(count: int) -> None:
    """How many :class:`VideoJob` run at once in this process (the app's limit).

    Jobs already running or queued keep the old slots; new ones use the new count.
    """
    global _JOB_SLOTS, MAX_CONCURRENT_JOBS
    if count < 1:
        raise ValueError(f"at least one job must be allowed, not {count}")
    with _job_slots_lock:
        if count != MAX_CONCURRENT_JOBS:
            MAX_CONCURRENT_JOBS = count
            _JOB_SLOTS = threading.BoundedSemaphore(count)


@dataclasses.dataclass(frozen=True)
class JobStatus:
    """A snapshot of a :class:`VideoJob`.

    Attributes:
        state: "queued" (waiting for a free slot), "running", "done", "failed" or
            "cancelled".
        done: Frames analysed so far.
        total: Frames expected (an estimate until the end).
        elapsed_s: Seconds since the job started running.
        result: The result once done or cancelled (cancelled results are partial).
        error: The exception if it failed.
    """

    state: JobState
    done: int
    total: int
    elapsed_s: float
    result: VideoResult | None = None
    error: BaseException | None = None

    @property
    def fps(self) -> float:
        """Analysed frames per second so far."""
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current speed, or None before the speed is known."""
        if self.done < 2 or self.fps <= 0:
            return None
        return max(self.total - self.done, 0) / self.fps

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")


class _JobShared:
    """What the job's thread writes and the owner reads (never the owner itself, so
    dropping the owner cancels the job)."""

    def __init__(self, total: int) -> None:
        self.lock = threading.Lock()
        self.cancel = threading.Event()
        self.state: JobState = "queued"
        self.done = 0
        self.total = total
        self.started: float | None = None
        self.result: VideoResult | None = None
        self.error: BaseException | None = None


def _run_job(shared: _JobShared, path: Path, kwargs: dict) -> None:
    slots = _JOB_SLOTS  # the one this job releases, even if the limit changes meanwhile
    while not slots.acquire(timeout=0.2):
        if shared.cancel.is_set():
            with shared.lock:
                shared.state = "cancelled"
            return
    try:
        with shared.lock:
            shared.state = "running"
            shared.started = time.perf_counter()

        def progress(done: int, total: int) -> bool:
            with shared.lock:
                shared.done, shared.total = done, total
            return not shared.cancel.is_set()

        try:
            result = process_video(path, progress=progress, **kwargs)
        except BaseException as exc:  # reported through status()
            if not isinstance(exc, VideoDecodeError):
                LOGGER.exception("Video processing failed")
            with shared.lock:
                shared.error = exc
                shared.state = "failed"
            return
        with shared.lock:
            shared.result = result
            shared.state = "cancelled" if result.cancelled else "done"
    finally:
        slots.release()


class VideoJob:
    """:func:`process_video` on a background thread, with progress and cancel.

    For user interfaces that must stay responsive (a Cancel button) while a clip is
    processed. Dropping the job object cancels its run.

    Example:
        >>> job = VideoJob("clip.mp4", settings, out_path="out.mp4")
        >>> job.start()
        >>> job.status().fraction  # poll from the UI
    """

    def __init__(self, path: str | Path, settings: DetectorSettings | None = None, **kwargs):
        """Prepare a job; keyword arguments are those of :func:`process_video`."""
        self.path = Path(path)
        info = kwargs.get("info")
        stride = kwargs.get("stride", 1)
        total = math.ceil(info.frame_count / stride) if info is not None else 0
        self._shared = _JobShared(total)
        self._kwargs = {"settings": settings, **kwargs}
        self._thread: threading.Thread | None = None
        # Cancel the run when the owner (say, a browser session) is garbage collected.
        weakref.finalize(self, self._shared.cancel.set)

    def start(self) -> VideoJob:
        """Start the background thread (once)."""
        if self._thread is None:
            load_mediapipe()  # here, not first on the job's thread (see its docstring)
            self._thread = threading.Thread(
                target=_run_job,
                args=(self._shared, self.path, self._kwargs),
                name="video-job",
                daemon=True,
            )
            self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the job to stop after the current frame."""
        self._shared.cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._shared.cancel.is_set()

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Block until the job finishes (or ``timeout`` seconds), then return its status."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.status()

    def status(self) -> JobStatus:
        """The job's progress and, once finished, its result or error."""
        s = self._shared
        with s.lock:
            elapsed = time.perf_counter() - s.started if s.started is not None else 0.0
            return JobStatus(s.state, s.done, s.total, elapsed, s.result, s.error)
