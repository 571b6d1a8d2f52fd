"""What can go wrong with a video, as exceptions whose ``str()`` is a message for users."""

from __future__ import annotations


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
