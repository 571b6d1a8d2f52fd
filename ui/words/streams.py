"""The Network stream page's words for what the core reports: why a pull failed
(:class:`~pose_core.streams.Problem`), where it is (:class:`~pose_core.streams.SourceState`)
and which cap a new viewer met (:class:`~pose_core.streams.SourceBusyError`).

Streamlit-free (the still frame drawn on the processing thread uses it too). The
messages are Markdown: they name the page's own controls (**Sign-in**, **Start**).
"""

from __future__ import annotations

from collections.abc import Callable

from pose_core.streams import Cap, Problem, ProblemKind, SourceBusyError, SourceState, SourceStatus

_MESSAGES: dict[ProblemKind, Callable[[Problem], str]] = {
    ProblemKind.AUTH: lambda p: (
        f"{p.host} refused the user name or password. Check them under **Sign-in** "
        "(not retried: cameras lock an account after a few wrong tries)."
    ),
    ProblemKind.NOT_FOUND: lambda p: (
        f"{p.host} answered, but serves nothing at this path (404): check the part of the "
        "address after the host, e.g. /stream1 (the camera's manual names it)."
    ),
    ProblemKind.HTTP_ERROR: lambda p: f"{p.host} answered with an error: {p.detail}",
    ProblemKind.REFUSED: lambda p: (
        f"{p.host} refused the connection: check the port, and that the camera or server "
        "is on and streaming."
    ),
    ProblemKind.TIMEOUT: lambda p: (
        f"No answer from {p.host} within {p.open_timeout_s:g} s, or no picture for "
        f"{p.read_timeout_s:g} s: the network or the camera is down, or a firewall drops "
        "the connection."
    ),
    ProblemKind.UNREACHABLE: lambda p: (
        f"Could not reach {p.host}, or it does not speak this protocol: check the address, "
        "and that this server is on the camera's network."
    ),
    ProblemKind.NOT_VIDEO: lambda p: (
        f"{p.host} answered, but not with a video stream this app can read (for HTTP, an "
        "MJPEG or HLS address, not a web page)."
    ),
    ProblemKind.NO_VIDEO_TRACK: lambda p: f"{p.host} sends no video track (sound only?).",
    ProblemKind.NO_FRAMES: lambda p: f"{p.host} has no frame this app can decode.",
    ProblemKind.CODEC: lambda p: (
        f"The stream's video codec cannot be decoded here: {p.detail}. Set the camera to "
        "H.264 or MJPEG."
    ),
    ProblemKind.TOO_LARGE: lambda p: (
        f"{p.host} sends {p.width}x{p.height} pictures, larger than this server decodes "
        f"({p.max_pixels / 1e6:.1f} megapixels): choose a smaller stream (cameras offer a "
        "sub-stream)."
    ),
    ProblemKind.POLICY: lambda p: p.detail,  # the address check's own sentence
    ProblemKind.ENDED: lambda p: f"The stream from {p.host} stopped.",
    ProblemKind.ERROR: lambda p: f"The stream failed: {p.detail}",
}

# The still frame's second line: a word or two (it is drawn small on the video).
_SHORT: dict[ProblemKind, str] = {
    ProblemKind.AUTH: "auth",
    ProblemKind.NOT_FOUND: "not found",
    ProblemKind.HTTP_ERROR: "error",
    ProblemKind.REFUSED: "refused",
    ProblemKind.TIMEOUT: "timeout",
    ProblemKind.UNREACHABLE: "unreachable",
    ProblemKind.NOT_VIDEO: "not video",
    ProblemKind.NO_VIDEO_TRACK: "codec",
    ProblemKind.NO_FRAMES: "codec",
    ProblemKind.CODEC: "codec",
    ProblemKind.TOO_LARGE: "too large",
    ProblemKind.POLICY: "policy",
    ProblemKind.ENDED: "ended",
    ProblemKind.ERROR: "error",
}


def problem_message(problem: Problem) -> str:
    """One or two sentences: what happened and what to do (Markdown)."""
    return _MESSAGES[problem.kind](problem)


def retrying_message(status: SourceStatus, problem: Problem) -> str:
    """A pull that failed and tries again by itself (Markdown)."""
    return (
        f"{problem_message(problem)} Reconnecting in {status.retry_in_s:.0f} s "
        f"(attempt {status.attempts + 1}); the video comes back by itself."
    )


def failed_message(problem: Problem) -> str:
    """A pull that gave up (Markdown)."""
    return f"{problem_message(problem)} Fix it, then press **Stop** and **Start**."


def busy_message(error: SourceBusyError) -> str:
    """Why a new viewer was turned away (Markdown)."""
    if error.cap is Cap.VIEWERS:
        return (
            f"This stream already has {error.limit} viewers, the most it may have (a page "
            "reloaded mid-stream counts for about 30 s)."
        )
    return (
        f"This server already pulls {error.limit} network streams, the most it may; try "
        "again when one stops."
    )


def slate_lines(host: str, status: SourceStatus) -> list[str]:
    """The still frame's text: where the pull is, and why (plain text, drawn small)."""
    lines = [f"{host}: {_state_words(status)}"]
    if status.problem is not None:
        lines.append(_SHORT[status.problem.kind])
    return lines


def _state_words(status: SourceStatus) -> str:
    if status.state is SourceState.RETRYING:
        return f"reconnecting in {status.retry_in_s:.0f} s (try {status.attempts + 1})"
    if status.state is SourceState.FAILED:
        return "stopped"
    return "connecting..."
