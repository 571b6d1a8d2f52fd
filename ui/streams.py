"""The Network stream page's inputs and messages: the address and its sign-in, a clip to
play as a live stream, the share link, and what the pull is doing in words.

Credentials never reach a widget that shows them: an address typed with
``user:password@`` is split by the field's callback, the address field keeps the rest,
and the password goes to a password field. The page, the logs and the share link only
ever see :attr:`~pose_core.streams.SourceSpec.display` or a public id.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import tempfile
from pathlib import Path

import streamlit as st

from pose_core.streams import (
    AddressError,
    SourceSpec,
    SourceState,
    SourceStatus,
    StreamHub,
    StreamPolicy,
    clip_spec,
    network_spec,
    split_credentials,
)
from pose_core.video import VideoDecodeError, VideoLimits, probe_video

from .report import plain
from .samples import SAMPLE_CLIP
from .video_session import Upload

ADDRESS = "stream_address"
USER = "stream_user"
PASSWORD = "stream_password"
OWNER = "stream_owner"
LINK_PARAM = "stream"
_CLIPS = "_stream_clips"
_CHECKED = "_stream_checked"
_OWN_LINK = "_stream_own_link"


def address_changed() -> None:
    """The address field's callback: move ``user:password@`` to the sign-in fields.
    (Here, not in the page, so the callback does not keep the page's globals alive.)"""
    bare, user, password = split_credentials(str(st.session_state.get(ADDRESS, "")))
    if user or password:
        st.session_state[ADDRESS] = bare
        st.session_state[USER] = user
        st.session_state[PASSWORD] = password
        st.session_state["_stream_moved_credentials"] = True


def address_inputs(policy: StreamPolicy, *, disabled: bool) -> SourceSpec | None:
    """The address and sign-in fields; the source they name, or None (with the reason
    shown) when there is nothing to open yet or it may not be opened.

    The check (a DNS lookup) runs when the fields change, not on every rerun: a DNS
    hiccup must not take the player off a page that is streaming. The pull checks the
    address again before every (re)connection."""
    schemes = ", ".join(f"{s}://" for s in policy.schemes)
    address = st.text_input(
        "Stream address",
        key=ADDRESS,
        placeholder="rtsp://192.168.1.20:554/stream1",
        on_change=address_changed,
        disabled=disabled,
        help=f"An IP camera's or a server's stream: {schemes} (RTSP, MJPEG over HTTP, HLS "
        "playlists). A user name and password typed in the address move to Sign-in.",
    )
    with st.expander("Sign-in", expanded=bool(st.session_state.get(USER))):
        user = st.text_input("User name", key=USER, disabled=disabled, autocomplete="off")
        password = st.text_input(
            "Password", key=PASSWORD, type="password", disabled=disabled, autocomplete="off"
        )
    if st.session_state.pop("_stream_moved_credentials", False):
        st.caption("The user name and password moved from the address to **Sign-in**.")
    if not address.strip():
        st.info(
            "Type the address of an IP camera or stream server, then press **Start**. The "
            "camera's manual or app names it, e.g. `rtsp://192.168.1.20:554/stream1`.",
            icon=":material/settings_input_antenna:",
        )
        return None
    typed = (address, user, password, policy)
    cached = st.session_state.get(_CHECKED)
    if cached is None or cached[0] != typed:
        try:
            cached = (typed, network_spec(policy.check(address, user, password), policy))
        except AddressError as exc:
            cached = (typed, str(exc))
        st.session_state[_CHECKED] = cached
    if isinstance(cached[1], str):
        st.error(cached[1], icon=":material/link_off:")
        return None
    spec: SourceSpec = cached[1]
    return spec


@dataclasses.dataclass
class _Clips:
    """A session's clips for live play: a private folder, deleted with the session."""

    folder: tempfile.TemporaryDirectory[str] = dataclasses.field(
        default_factory=lambda: tempfile.TemporaryDirectory(prefix="posescope-stream-")
    )
    specs: dict[str, SourceSpec] = dataclasses.field(default_factory=dict)
    digests: dict[str, str] = dataclasses.field(default_factory=dict)  # file id -> sha256
    errors: dict[str, str] = dataclasses.field(default_factory=dict)  # sha256 -> message


def clip_source(upload: Upload | None, *, use_sample: bool, limits: VideoLimits) -> SourceSpec:
    """The source for an uploaded clip (saved in the session's private folder and
    checked to be a video), or for the bundled sample. Raises VideoDecodeError."""
    if _CLIPS not in st.session_state:
        st.session_state[_CLIPS] = _Clips()
    clips: _Clips = st.session_state[_CLIPS]
    if use_sample or upload is None:
        path, name, digest = SAMPLE_CLIP.path, SAMPLE_CLIP.name, "sample"
    else:
        file_id = str(upload.file_id)
        if file_id not in clips.digests:  # hashed once per upload, not once per rerun
            clips.digests[file_id] = hashlib.sha256(upload.getvalue()).hexdigest()
        digest = clips.digests[file_id]
        name = str(upload.name)
        suffix = Path(name).suffix.lower()[:8] or ".bin"
        if digest in clips.errors:
            raise VideoDecodeError(clips.errors[digest])
        path = Path(clips.folder.name) / f"clip-{digest[:16]}{suffix}"
        if not path.exists():
            for old in Path(clips.folder.name).glob("clip-*"):
                old.unlink(missing_ok=True)  # one upload kept; a running pull has it open
            clips.specs = {k: v for k, v in clips.specs.items() if k == "sample"}
            path.write_bytes(upload.getvalue())
            try:
                probe_video(path, limits)
            except VideoDecodeError as exc:
                path.unlink(missing_ok=True)
                clips.errors[digest] = str(exc)
                raise
    if digest not in clips.specs:
        # One spec per clip for the session: the same private source across reruns.
        clips.specs[digest] = clip_spec(path, name)
    return clips.specs[digest]


def owner() -> str:
    """This browser session's name for its own recording of a shared source."""
    value: str = st.session_state.setdefault(OWNER, secrets.token_hex(8))
    return value


def linked_spec(hub: StreamHub) -> tuple[SourceSpec | None, bool]:
    """The source a share link (``?stream=<id>``) names, and whether a link was given.
    The link this session published itself is not one: its owner keeps the inputs."""
    link = st.query_params.get(LINK_PARAM)
    if not link or link == st.session_state.get(_OWN_LINK):
        return None, False
    return hub.spec_for_link(str(link)), True


def publish_link(hub: StreamHub, spec: SourceSpec) -> None:
    """Put the running source's share link in the address bar (its public id: the
    credentials stay on the server)."""
    link = hub.link(spec)
    if link is not None and st.query_params.get(LINK_PARAM) != link:
        st.session_state[_OWN_LINK] = link
        st.query_params[LINK_PARAM] = link


def status_message(status: SourceStatus | None, spec: SourceSpec, *, playing: bool) -> None:
    """What the pull is doing, in words, with what to do when it fails."""
    if status is None:
        if playing:
            st.warning(
                "This stream stopped on the server. Press **Stop**, then **Start**.",
                icon=":material/sync_problem:",
            )
        return
    if status.state is SourceState.CONNECTING:
        st.info(f"Connecting to {plain(spec.display)}...", icon=":material/hourglass_top:")
    elif status.state is SourceState.LIVE:
        size = f"{status.width}×{status.height}" if status.width else "?"
        viewers = status.viewers
        shared = f" · {viewers} viewers share one pull and one detector" if viewers > 1 else ""
        st.caption(
            f":green[●] Live · {size} {status.codec.upper()} · {status.input_fps:.1f} fps in"
            f" · {status.dropped} frames skipped while the detector was busy{shared}"
            + (f" · back after {status.reconnects} loss(es)" if status.reconnects else "")
        )
    elif status.state is SourceState.RETRYING and status.problem is not None:
        st.warning(
            f"{status.problem.message} Reconnecting in {status.retry_in_s:.0f} s "
            f"(attempt {status.attempts + 1}); the video comes back by itself.",
            icon=":material/sync_problem:",
        )
    elif status.state is SourceState.FAILED and status.problem is not None:
        st.error(
            f"{status.problem.message} Fix it, then press **Stop** and **Start**.",
            icon=":material/error:",
        )
