"""Network stream: live pose detection on an IP camera or a network stream (RTSP, RTSPS,
MJPEG over HTTP, HLS), or on a clip played as if it were live, with the Webcam page's
readout and tools.

The server pulls the stream; everyone watching the same address shares one pull and one
detector (so the settings are shared too: the last change wins). The browser only
receives video, so no camera permission is asked."""

import functools

import streamlit as st

from pose_core.live import LiveConfig
from pose_core.streams import LiveSource, SourceBusyError, SourceClosedError, SourceSpec
from pose_core.video import VideoDecodeError
from ui.server import runtime
from ui.state.live import live_session
from ui.views import live_panel, streams
from ui.webrtc import track, webcam
from ui.widgets import settings_panel
from ui.widgets.samples import SAMPLE_CLIP
from ui.widgets.uploads import VIDEO_TYPES
from ui.words import streams as stream_words
from ui.words.text import plain

KEYS = live_panel.LiveKeys("stream")
KIND = "stream_kind"
CLIP = "stream_clip"
VIDEO_BOX = "stream_video"
SOURCE_BOX = "stream_source_box"
KINDS = ("Network address", "Clip played live")

server = runtime.current()
hub = server.streams
owner = streams.owner()  # this session's name for its own recording of a shared source
settings = settings_panel.current()
page = live_session("stream")
context_state = st.session_state.get("stream")
was_playing = bool(context_state is not None and getattr(context_state.state, "playing", False))
# As on the Webcam page (ui.webcam._skip_orphan_check): the Snapshot button's key is here
# only if the previous full run drew this page; the flag says it drew the player too.
drawn_last_run = KEYS.snapshot_button in st.session_state and page.player_drawn


presenting = live_panel.presenting(KEYS)
ice_config = live_panel.header(
    KEYS,
    "Network stream",
    "Live detection on an IP camera or stream server, or on a clip played at its own "
    "rate. The server pulls the video; everyone watching one address shares one pull "
    "and one detector, and the settings with it.",
)

spec: SourceSpec | None = None
with st.container(key=SOURCE_BOX):
    linked, has_link = streams.linked_spec(hub)
    if has_link and linked is not None:
        spec = linked
        st.info(
            f"Watching a shared stream: **{plain(linked.display)}**",
            icon=":material/group:",
        )
        if st.button("Watch another source", key="stream_leave", disabled=was_playing):
            del st.query_params[streams.LINK_PARAM]
            st.rerun()
    else:
        if has_link:
            st.warning(
                "This share link names a stream this server does not know (it restarted, or "
                "the link is from another server). Type the address below.",
                icon=":material/link_off:",
            )
        kind = st.segmented_control(
            "Source", KINDS, default=KINDS[0], required=True, key=KIND, disabled=was_playing
        )
        if kind == KINDS[0]:
            spec = streams.address_inputs(server.stream_policy, disabled=was_playing)
        else:
            upload = st.file_uploader(
                "A clip to play as a live stream",
                type=VIDEO_TYPES,
                key=CLIP,
                disabled=was_playing,
                help="Played at its own frame rate, over and over: for demos and tests. Only "
                "you see it.",
            )
            if upload is None:
                st.caption(f"Or press **Start** to play the sample clip: {SAMPLE_CLIP.blurb}.")
            try:
                spec = streams.clip_source(upload, limits=server.limits.video_limits())
            except VideoDecodeError as exc:
                st.error(str(exc), icon=":material/broken_image:")

video_col, side_col = st.columns([3, 2], gap="large")
source: LiveSource | None = hub.running(spec) if spec is not None else None
context = None
with video_col, st.container(key=VIDEO_BOX):
    if spec is not None:
        # The settings this viewer chose last run start a new pull; a running one keeps its own.
        start_config = page.pushed or LiveConfig(settings.detector, settings.drawing_style)
        player = functools.partial(track.player, hub, spec, start_config, owner)
        try:
            context = webcam.start_viewer(
                player,
                ice_config.rtc_configuration,
                key="stream",
                drawn_last_run=drawn_last_run,
                frontend_rtc_configuration=ice_config.frontend_rtc_configuration,
            )
        except (SourceBusyError, SourceClosedError) as exc:  # raised by the player factory
            st.error(
                stream_words.busy_message(exc)
                if isinstance(exc, SourceBusyError)
                else "The stream stopped.",
                icon=":material/group_off:",
            )
    st.caption(ice_config.describe())
page.player_drawn = context is not None
playing = bool(context is not None and context.state.playing)
if spec is not None and context is not None and not playing and not context.state.signalling:
    # Stopped (not starting): this session's viewer ends now, as the Webcam page frees
    # its detector; the pull closes once nobody else watches.
    hub.leave(spec, owner)
if playing and spec is not None and spec.shareable:
    streams.publish_link(hub, spec)


@st.fragment(run_every=1.0 if playing else None)
def live_readout() -> None:
    """Refreshes once a second while streaming, without rerunning the page."""
    if spec is None or not playing:  # a pull others still watch is not this viewer's news
        return
    running = hub.running(spec)
    streams.status_message(running.status() if running else None, spec)
    if running is not None:
        live_panel.show_stats(running.processor.stats(owner), server.live_slots)
        live_panel.show_motion(running.processor, KEYS)


# The engine this viewer records on, kept here: the source may close (last viewer gone)
# before this page runs again, and the recording must not go with it.
recording_engine = page.recording_engine
if recording_engine is not None and not playing:
    live_panel.follow_recording(page, recording_engine, False, owner)
    st.session_state[KEYS.record] = False
    page.recording_engine = recording_engine = None

with side_col:
    live_panel.readout(KEYS, live_readout)
    choice = live_panel.tools(
        KEYS,
        settings,
        playing=playing and source is not None,
        recording=recording_engine is not None and recording_engine.is_recording(owner),
        start_hint="Press **Start** under the video to enable snapshots.",
        reset_reps=source.processor.reset_motion if source is not None else lambda: None,
    )

if source is not None and playing:
    # Only this viewer's own changes are handed on: another viewer's click must not
    # send this page's older settings over theirs.
    if choice.config != page.pushed:
        source.update_config(choice.config)
    live_panel.follow_recording(page, source.processor, choice.record, owner)
    page.recording_engine = source.processor if source.processor.is_recording(owner) else None
    if choice.take_snapshot:
        live_panel.take_snapshot(page, source.processor, "Stream")
# What a new pull starts with, and what this viewer last handed on.
page.pushed = choice.config
live_panel.results(KEYS, page, settings, "Stream recording")

if presenting:
    st.html(
        webcam.presenter_css(
            VIDEO_BOX, KEYS.readout, (KEYS.intro, SOURCE_BOX, KEYS.tools, KEYS.results)
        )
    )
