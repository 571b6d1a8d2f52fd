"""Encoding the annotated frames into a file every current browser plays.

The annotated video is H.264 (libx264, yuv420p, even dimensions) in MP4 with the index
(``moov``) at the front, which every current browser plays while it downloads. PyAV's
wheels bundle libx264; should a build lack it, :func:`choose_encoder` falls back to
OpenH264 (also H.264/MP4), then VP9 and VP8 in WebM (Chrome, Firefox, Edge and recent
Safari play those), and :class:`~pose_core.video.VideoResult` records which one was used.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from .errors import VideoEncodeError


@dataclasses.dataclass(frozen=True)
class Encoder:
    """A browser-playable encoder and the file it writes.

    Attributes:
        codec: FFmpeg's encoder name ("libx264").
        container: FFmpeg's muxer name ("mp4").
        suffix: The file name suffix (".mp4").
        mime: The MIME type browsers play it as ("video/mp4").
    """

    codec: str
    container: str
    suffix: str
    mime: str


# Best first.
ENCODERS: tuple[Encoder, ...] = (
    Encoder("libx264", "mp4", ".mp4", "video/mp4"),
    Encoder("libopenh264", "mp4", ".mp4", "video/mp4"),
    Encoder("libvpx-vp9", "webm", ".webm", "video/webm"),
    Encoder("libvpx", "webm", ".webm", "video/webm"),
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


def choose_encoder() -> Encoder:
    """The first browser-playable encoder in :data:`ENCODERS` this PyAV build has.

    Raises:
        VideoEncodeError: None is available.
    """
    available = av.codecs_available
    for entry in ENCODERS:
        if entry.codec not in available:
            continue
        try:
            av.Codec(entry.codec, "w")
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
        encoder = choose_encoder()
        self.codec, self.mime = encoder.codec, encoder.mime
        container_format = encoder.container
        self.path = Path(path).with_suffix(encoder.suffix)
        self.width, self.height = width, height
        options = {"movflags": "+faststart"} if container_format == "mp4" else {}
        self._container: av.container.OutputContainer | None = av.open(
            str(self.path), mode="w", format=container_format, options=options
        )
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        stream = self._container.add_stream(self.codec, rate=rate)
        if not isinstance(stream, av.video.stream.VideoStream):
            raise VideoEncodeError(f"{self.codec} did not make a video stream")
        self._stream = stream
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
        yuv = np.asarray(cv2.cvtColor(rgb_frame, cv2.COLOR_RGB2YUV_I420), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        pts = max(round(time_s * 1000), self._last_pts + 1)
        self._last_pts = pts
        frame.pts = pts
        frame.time_base = self._time_base
        if self._container is None:
            raise ValueError("this writer is closed")
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
