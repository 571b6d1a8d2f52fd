"""Reading one stream with PyAV (FFmpeg): open, decode in order, hand each frame on.

Runs on a source's pull thread (:class:`~.source.LiveSource`); the frames go to a
callback that must not block for long (the source's one-frame mailbox). What goes
wrong is raised: FFmpeg's own errors as PyAV raises them, and the exceptions below for
what this module finds itself; :func:`~.problems.classify` says what each means.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping

import av
import av.error

# Seconds to open an address, and of silence on an open stream before it counts as lost.
OPEN_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 5.0
# Largest picture decoded (4K UHD, as the Video page).
MAX_PIXELS = 3840 * 2160


class StreamEnded(Exception):
    """The stream reached its end (a live stream should never)."""


class NoVideoTrack(Exception):
    """The stream has no video track (sound only?)."""


class NoFrames(Exception):
    """A clip played live gave no frame this FFmpeg can decode."""


class UndecodableCodec(Exception):
    """The stream's video codec has no decoder in this FFmpeg; the message is FFmpeg's."""


class TooLarge(Exception):
    """The stream's pictures are larger than this server decodes.

    Attributes:
        width, height: The stream's picture size.
        max_pixels: The most pixels a picture may have.
    """

    def __init__(self, width: int, height: int, max_pixels: int) -> None:
        super().__init__(f"{width}x{height} pictures, more than {max_pixels} pixels")
        self.width, self.height, self.max_pixels = width, height, max_pixels


@dataclasses.dataclass(frozen=True)
class Pull:
    """One attempt at reading a stream.

    Attributes:
        url: What FFmpeg opens.
        options: FFmpeg options.
        replay: Sleep until each frame's time is due (a file played at its own rate).
        max_pixels: Larger pictures raise :class:`TooLarge`.
        closing: Set to stop reading (checked between packets and while pacing).
    """

    url: str
    options: Mapping[str, str]
    replay: bool
    max_pixels: int
    closing: threading.Event

    def run(
        self, on_codec: Callable[[str], object], deliver: Callable[[av.VideoFrame], object]
    ) -> int:
        """Open the stream and decode until it ends, fails or ``closing`` is set; returns
        the frames delivered. ``on_codec`` gets the video codec's name once opened."""
        container = av.open(
            self.url, options=dict(self.options), timeout=(OPEN_TIMEOUT_S, READ_TIMEOUT_S)
        )
        try:
            if not container.streams.video:
                raise NoVideoTrack
            stream = container.streams.video[0]
            on_codec(stream.codec_context.name if stream.codec_context else "?")
            started: _Clock | None = None
            delivered = 0
            for packet in container.demux(stream):
                if self.closing.is_set():
                    break
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    continue  # a damaged packet: the next key frame repairs the picture
                for frame in frames:
                    if frame.width * frame.height > self.max_pixels:
                        raise TooLarge(frame.width, frame.height, self.max_pixels)
                    if self.replay and frame.time is not None:
                        started = self._pace(frame.time, started)
                    deliver(frame)
                    delivered += 1
            return delivered
        except av.error.DecoderNotFoundError as exc:
            raise UndecodableCodec(str(exc)) from None
        finally:
            container.close()

    def _pace(self, at: float, started: _Clock | None) -> _Clock:
        """Sleep until frame time ``at`` is due."""
        now = time.monotonic()
        if started is None or at < started.frame_time:  # the first frame, or a loop back
            return _Clock(at, now)
        wait = (at - started.frame_time) - (now - started.wall_time)
        if wait > 0:
            self.closing.wait(wait)
        return started


@dataclasses.dataclass(frozen=True)
class _Clock:
    """A replayed clip's first frame time and the wall clock when it was shown."""

    frame_time: float
    wall_time: float
