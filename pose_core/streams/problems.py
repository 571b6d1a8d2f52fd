"""Why a pull failed, as facts: :class:`Problem`, made by :func:`classify`.

The core says what happened (which failure, the HTTP status, the picture size against
the limit, the timeouts); the app words it for the page and the still frame
(``ui.words.streams``). Nothing here holds credentials: FFmpeg's own texts are
passed through the source's ``redact`` first.
"""

from __future__ import annotations

import dataclasses
import enum
import errno
from collections.abc import Callable

import av.error

from .address import AddressError
from .pull import (
    OPEN_TIMEOUT_S,
    READ_TIMEOUT_S,
    NoFrames,
    NoVideoTrack,
    StreamEnded,
    TooLarge,
    UndecodableCodec,
)


class ProblemKind(enum.Enum):
    """Which failure a pull met."""

    REFUSED = "refused"  # the host refused the connection
    AUTH = "auth"  # the user name or password was refused (401 or 403)
    NOT_FOUND = "not_found"  # the host answered, nothing at this path (404)
    HTTP_ERROR = "http_error"  # another HTTP error status
    TIMEOUT = "timeout"  # no answer in time, or no picture for a while
    UNREACHABLE = "unreachable"  # no route to the host, or it does not speak the protocol
    NOT_VIDEO = "not_video"  # it answered, but not with a stream FFmpeg reads
    NO_VIDEO_TRACK = "no_video_track"  # a stream with no picture (sound only?)
    NO_FRAMES = "no_frames"  # a clip played live with no frame that decodes
    CODEC = "codec"  # a video codec this FFmpeg cannot decode
    TOO_LARGE = "too_large"  # pictures larger than the server decodes
    POLICY = "policy"  # the address may no longer be opened (checked again on reconnect)
    ENDED = "ended"  # the stream stopped
    ERROR = "error"  # anything else


# Not worth trying again: the same answer would come back, and a wrong password retried
# locks the camera's account after a few tries.
_FINAL = frozenset(
    {
        ProblemKind.AUTH,
        ProblemKind.NOT_VIDEO,
        ProblemKind.NO_VIDEO_TRACK,
        ProblemKind.NO_FRAMES,
        ProblemKind.CODEC,
        ProblemKind.TOO_LARGE,
        ProblemKind.POLICY,
    }
)


@dataclasses.dataclass(frozen=True)
class Problem:
    """Why a pull failed.

    Attributes:
        kind: Which failure.
        host: The host (or the clip's name) the pull was reading.
        detail: The underlying error's own text, credentials taken out (FFmpeg's for
            ``HTTP_ERROR``, ``CODEC`` and ``ERROR``; the address check's for ``POLICY``);
            empty when the kind says it all.
        http_status: The HTTP status when the server gave one this tells apart (401,
            403, 404, 400), else None.
        width, height, max_pixels: For ``TOO_LARGE``: the stream's picture size and the
            most pixels this server decodes (0 otherwise).
        open_timeout_s, read_timeout_s: For ``TIMEOUT``: how long opening may take and
            how long an open stream may send nothing.
    """

    kind: ProblemKind
    host: str
    detail: str = ""
    http_status: int | None = None
    width: int = 0
    height: int = 0
    max_pixels: int = 0
    open_timeout_s: float = OPEN_TIMEOUT_S
    read_timeout_s: float = READ_TIMEOUT_S

    @property
    def retry(self) -> bool:
        """Whether trying again may help."""
        return self.kind not in _FINAL


_HTTP_STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (av.error.HTTPBadRequestError, 400),
    (av.error.HTTPUnauthorizedError, 401),
    (av.error.HTTPForbiddenError, 403),
    (av.error.HTTPNotFoundError, 404),
)


def classify(exc: BaseException, *, host: str, redact: Callable[[str], str] = str) -> Problem:
    """What a failure of the pull (PyAV/FFmpeg's, or :mod:`.pull`'s) means; ``redact``
    takes credentials out of FFmpeg's texts (they quote the address)."""
    status = next((code for cls, code in _HTTP_STATUS if isinstance(exc, cls)), None)
    if isinstance(exc, NoVideoTrack):
        return Problem(ProblemKind.NO_VIDEO_TRACK, host)
    if isinstance(exc, NoFrames):
        return Problem(ProblemKind.NO_FRAMES, host)
    if isinstance(exc, UndecodableCodec):
        return Problem(ProblemKind.CODEC, host, detail=redact(str(exc)))
    if isinstance(exc, TooLarge):
        return Problem(
            ProblemKind.TOO_LARGE,
            host,
            width=exc.width,
            height=exc.height,
            max_pixels=exc.max_pixels,
        )
    if isinstance(exc, AddressError):  # the recheck before a reconnection
        return Problem(ProblemKind.POLICY, host, detail=str(exc))
    if status in (401, 403):
        return Problem(ProblemKind.AUTH, host, http_status=status)
    if status == 404:
        return Problem(ProblemKind.NOT_FOUND, host, http_status=status)
    if isinstance(exc, av.error.HTTPClientError | av.error.HTTPServerError):
        return Problem(ProblemKind.HTTP_ERROR, host, detail=redact(str(exc)), http_status=status)
    code = getattr(exc, "errno", None)
    if isinstance(exc, ConnectionRefusedError) or code == errno.ECONNREFUSED:
        return Problem(ProblemKind.REFUSED, host)
    if isinstance(exc, TimeoutError) or code in (errno.ETIMEDOUT, errno.EAGAIN) or (
        isinstance(exc, av.error.ExitError)
    ):  # fmt: skip
        return Problem(ProblemKind.TIMEOUT, host)
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.EIO):
        return Problem(ProblemKind.UNREACHABLE, host)
    if isinstance(exc, av.error.InvalidDataError):
        return Problem(ProblemKind.NOT_VIDEO, host)
    if isinstance(exc, EOFError | av.error.EOFError | StreamEnded):
        return Problem(ProblemKind.ENDED, host)
    return Problem(ProblemKind.ERROR, host, detail=redact(str(exc)))
