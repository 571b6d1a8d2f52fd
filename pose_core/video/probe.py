"""Opening a clip safely and reading what it declares, before any heavy work.

Only the demuxers in :data:`ALLOWED_DEMUXERS` are opened: that keeps ffmpeg's many
exotic ones (playlists, image sequences, network formats) away from user files. Every
failure a user can cause becomes a :class:`~pose_core.video.errors.VideoDecodeError`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import av

from .errors import (
    EmptyVideoError,
    NotAVideoError,
    NoVideoStreamError,
    TruncatedVideoError,
    UnsupportedCodecError,
    VideoTooLargeError,
    VideoTooLongError,
)

# Demuxers we open (ffmpeg's names).
ALLOWED_DEMUXERS = ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi")
SUPPORTED_CONTAINERS = "MP4, MOV, WebM, MKV or AVI"

# Still images that users drop on a video uploader; named in the error message.
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")


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


def open_video(path: Path) -> av.container.InputContainer:
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


def video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
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


def frame_rotation(frame: av.VideoFrame) -> int:
    # The display matrix can hold any angle; phones only ever write right angles.
    return round((getattr(frame, "rotation", 0) or 0) / 90.0) % 4 * 90


def _fps(stream: av.video.stream.VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 0 < float(rate) < 1000:
            return float(rate)
    return 30.0


def _duration_s(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> float:
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
    with open_video(path) as container:
        stream = video_stream(container)
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
        rotation = frame_rotation(first)
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
