"""Decoding a clip into upright RGB frames at the analysis size, one at a time."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Generator
from pathlib import Path

import av
import cv2
import numpy as np

from .errors import TruncatedVideoError
from .probe import (
    DEFAULT_LIMITS,
    VideoInfo,
    VideoLimits,
    frame_rotation,
    open_video,
    probe_video,
    video_stream,
)


@dataclasses.dataclass(frozen=True, eq=False)
class DecodedFrame:
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

    def even(side: int) -> int:
        return max(2, round(side * scale / 2.0) * 2)

    return even(width), even(height)


def iter_frames(
    path: str | Path,
    *,
    stride: int = 1,
    max_side: int | None = None,
    info: VideoInfo | None = None,
    limits: VideoLimits = DEFAULT_LIMITS,
) -> Generator[DecodedFrame, None, None]:
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
    with open_video(path) as container:
        stream = video_stream(container)
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
                rgb_frame: np.ndarray = frame.to_ndarray(
                    format="rgb24",
                    width=coded_w,
                    height=coded_h,
                    interpolation="AREA" if coded_w < frame.width else "BILINEAR",
                    threads=1,
                )
                quarter_turns = frame_rotation(frame) // 90
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


def read_frame_at(path: str | Path, time_s: float) -> np.ndarray | None:
    """The RGB frame shown at ``time_s`` seconds of a video (e.g. the annotated one).

    Seeks to the key frame before and decodes forward, so it costs at most one
    key-frame interval of decoding.

    Returns:
        The frame, or None if the video has no frame at or before ``time_s``.
    """
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        time_base = stream.time_base
        assert time_base is not None  # a decodable stream has one
        start = float(stream.start_time * time_base) if stream.start_time else 0.0
        target = start + max(time_s, 0.0)
        container.seek(int(target / time_base), stream=stream, backward=True)
        found = None
        # Half a millisecond of slack: the writer rounded times to milliseconds.
        for frame in container.decode(stream):
            if frame.time is not None and frame.time > target + 0.0005:
                break
            found = frame
        return None if found is None else found.to_ndarray(format="rgb24")
