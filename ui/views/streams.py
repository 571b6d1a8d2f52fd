"""The Network stream page's inputs and messages: the address and its sign-in, a clip to
play as a live stream, the share link, and what the pull is doing in words.

Credentials never reach a widget that shows them: an address typed with
``user:password@`` is split by the field's callback, the address field keeps the rest,
and the password goes to a password field. The page, the logs and the share link only
ever see :attr:`~pose_core.streams.SourceSpec.display` or a public id.
"""

from __future__ import annotations

import dataclasses
import secrets

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
from pose_core.video import VideoDecodeError, VideoLimits
from ui.state.session import session_object
from ui.state.video_session import Upload, VideoSession
from ui.widgets.samples import SAMPLE_CLIP
from ui.words import streams as stream_words
from ui.words.text import plain

ADDRESS = "stream_address"
USER = "stream_user"
PASSWORD = "stream_password"
LINK_PARAM = "stream"


def address_changed() -> None:
    """The address field's callback: move ``user:password@`` to the sign-in fields.
    (Here, not in the page, so the callback does not keep the page's globals alive.)"""
    bare, user, password = split_credentials(str(st.session_state.get(ADDRESS, "")))
    if user or password:
        st.session_state[ADDRESS] = bare
        st.session_state[USER] = user
        st.session_state[PASSWORD] = password
        _session().moved_credentials = True


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
    if _session().moved_credentials:
        _session().moved_credentials = False
        st.caption("The user name and password moved from the address to **Sign-in**.")
    if not address.strip():
        st.info(
            "Type the address of an IP camera or stream server, then press **Start**. The "
            "camera's manual or app names it, e.g. `rtsp://192.168.1.20:554/stream1`.",
            icon=":material/settings_input_antenna:",
        )
        return None
    typed = (address, user, password, policy)
    checked = _session().checked
    if checked is None or checked.typed != typed:
        try:
            spec = network_spec(policy.check(address, user, password), policy)
            checked = _Checked(typed, spec, None)
        except AddressError as exc:
            checked = _Checked(typed, None, str(exc))
        _session().checked = checked
    if checked.error is not None:
        st.error(checked.error, icon=":material/link_off:")
    return checked.spec


@dataclasses.dataclass(frozen=True)
class _Checked:
    """What the address fields held when last checked, and the outcome."""

    typed: tuple[str, str, str, StreamPolicy]
    spec: SourceSpec | None
    error: str | None


@dataclasses.dataclass
class _Clips:
    """A session's clips for live play: saved and probed as the Video page does (in a
    private folder deleted with the session), and one source spec per clip."""

    files: VideoSession = dataclasses.field(default_factory=VideoSession)
    specs: dict[str, SourceSpec] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class _StreamSession:
    """The Network stream page's own state in this browser session.

    Attributes:
        owner: This session's name for its own recording of a shared source.
        checked: What the address fields held when last checked, and the outcome.
        clips: The clips uploaded to play live.
        own_link: The share link this session published (its owner keeps the inputs).
        moved_credentials: The address field's callback just moved a user name and
            password to Sign-in (said once, on the next run).
    """

    owner: str = dataclasses.field(default_factory=lambda: secrets.token_hex(8))
    checked: _Checked | None = None
    clips: _Clips = dataclasses.field(default_factory=_Clips)
    own_link: str | None = None
    moved_credentials: bool = False


def _session() -> _StreamSession:
    return session_object("_stream", _StreamSession)


def clip_source(upload: Upload | None, *, limits: VideoLimits) -> SourceSpec:
    """The source for an uploaded clip (checked to be a video), or for the bundled
    sample when there is none. Raises VideoDecodeError."""
    clips = _session().clips
    if upload is None:
        path, name, key = SAMPLE_CLIP.path, SAMPLE_CLIP.name, "sample"
    else:
        key = clips.files.digest(upload)
        probe = clips.files.probe(upload, key, limits)
        if probe.path is None:
            raise VideoDecodeError(probe.error or f"{upload.name} cannot be played.")
        path, name = probe.path, str(upload.name)
    if key not in clips.specs:
        # One spec per clip for the session: the same private source across reruns.
        clips.specs[key] = clip_spec(path, name)
    return clips.specs[key]


def owner() -> str:
    """This browser session's name for its own recording of a shared source."""
    return _session().owner


def linked_spec(hub: StreamHub) -> tuple[SourceSpec | None, bool]:
    """The source a share link (``?stream=<id>``) names, and whether a link was given.
    The link this session published itself is not one: its owner keeps the inputs."""
    link = st.query_params.get(LINK_PARAM)
    if not link or link == _session().own_link:
        return None, False
    return hub.spec_for_link(str(link)), True


def publish_link(hub: StreamHub, spec: SourceSpec) -> None:
    """Put the running source's share link in the address bar (its public id: the
    credentials stay on the server)."""
    link = hub.link(spec)
    if link is not None and st.query_params.get(LINK_PARAM) != link:
        _session().own_link = link
        st.query_params[LINK_PARAM] = link


def status_message(status: SourceStatus | None, spec: SourceSpec) -> None:
    """What the pull a viewer watches is doing, in words, with what to do when it fails
    (``status`` None: it stopped under them)."""
    if status is None:
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
            stream_words.retrying_message(status, status.problem), icon=":material/sync_problem:"
        )
    elif status.state is SourceState.FAILED and status.problem is not None:
        st.error(stream_words.failed_message(status.problem), icon=":material/error:")
