"""Live sources beyond the browser's camera: IP cameras and network streams, and a clip
played as if it were live. Streamlit-free.

- :mod:`.address`: what may be opened (:class:`StreamPolicy`), and addresses shown without
  their credentials (:class:`StreamAddress`);
- :mod:`.source`: :class:`LiveSource`, one pull and one live engine shared by its
  viewers, with reconnection; :mod:`.pull` reads the stream, and :mod:`.problems` says
  why a pull failed (:class:`Problem`, a :class:`ProblemKind` and its facts);
- :mod:`.hub`: :class:`StreamHub`, the server's sources by address.

The core returns facts (states, problems, caps); the app words them, draws the still
frame shown while there is no picture (a :class:`Slate`), and owns the viewers' WebRTC
tracks (``ui.webrtc``): the core sends no media.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from pathlib import Path

from ..video import ALLOWED_DEMUXERS
from .address import (
    NETWORK_PULL_OPTIONS,
    AddressError,
    StreamAddress,
    StreamPolicy,
    split_credentials,
)
from .hub import Cap, SourceBusyError, StreamHub
from .problems import Problem, ProblemKind
from .source import (
    IDLE_CLOSE_S,
    LiveSource,
    Slate,
    SourceClosedError,
    SourceSpec,
    SourceState,
    SourceStatus,
)


def network_spec(address: StreamAddress, policy: StreamPolicy | None = None) -> SourceSpec:
    """How to pull a checked network address (shared by everyone who opens it); with
    ``policy``, the address is checked again before every (re)connection."""
    return SourceSpec(
        url=address.url,
        display=address.display,
        key=address.key,
        host=address.host,
        options=NETWORK_PULL_OPTIONS,
        redact=address.redact,
        recheck=functools.partial(policy.check, address.url) if policy is not None else None,
    )


def clip_spec(path: Path, name: str) -> SourceSpec:
    """A clip on this server played at its own rate, over and over, as a live stream.

    Private: its key is random, so nobody else joins it (a clip is one user's upload).
    Only the file protocol is allowed for it."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    return SourceSpec(
        url=str(path),
        display=name,
        key=f"clip:{digest}:{secrets.token_hex(8)}",
        host=name,
        # As the Video page opens uploads: only plain containers, never a playlist.
        options={"protocol_whitelist": "file", "format_whitelist": ",".join(ALLOWED_DEMUXERS)},
        replay=True,
        shareable=False,
    )


__all__ = [
    "IDLE_CLOSE_S",
    "AddressError",
    "Cap",
    "LiveSource",
    "Problem",
    "ProblemKind",
    "Slate",
    "SourceBusyError",
    "SourceClosedError",
    "SourceSpec",
    "SourceState",
    "SourceStatus",
    "StreamAddress",
    "StreamHub",
    "StreamPolicy",
    "clip_spec",
    "network_spec",
    "split_credentials",
]
