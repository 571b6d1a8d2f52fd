"""Webcam: live pose detection through WebRTC, with a snapshot for the 3D view, optional
One Euro smoothing, and a landmark recording shown in the Video page's views; front or
rear camera, a mirror, and a presenter view for the projector. "Run on: This device"
runs the model in the viewer's browser instead, with the same readout and tools
(:mod:`ui.ondevice`).

The page draws the same elements in the presenter view and the normal one (the
presenter view only restyles them): the WebRTC component keeps its place in the page,
so switching views never restarts the stream."""

import streamlit as st

from pose_core.live import LiveConfig, PoseStreamProcessor
from ui.ondevice import panel as on_device
from ui.server import runtime
from ui.state.live import live_session
from ui.views import live_panel
from ui.webrtc import webcam
from ui.widgets import settings_panel
from ui.widgets.settings_panel import RUN_ON
from ui.words.live import LIVE_WORDS

KEYS = live_panel.LiveKeys("webcam")
# Containers the presenter view styles (their keys become CSS classes).
VIDEO_BOX = "webcam_video"
TOOLS_BOX = KEYS.tools
RESULTS_BOX = KEYS.results

server = runtime.current()
slots = server.live_slots
settings = settings_panel.current()
page = live_session("webcam")
if page.processor is None:
    # One processor, and so one VIDEO-mode detector, per browser session.
    page.processor = PoseStreamProcessor(
        LiveConfig(settings.detector, settings.drawing_style),
        slots=slots,
        on_released=server.memory.trim,
        text=LIVE_WORDS,
    )
processor = page.processor
# The settings, with the page's smoothing choice, are handed over below the widgets.

presenting = live_panel.presenting(KEYS)
ice_config = live_panel.header(
    KEYS,
    "Webcam",
    "Press **Start** and allow camera access. The skeleton is drawn on the returned "
    "video; sidebar changes reach the live stream within a second.",
)
with st.container(key=KEYS.prefix + "_run_on"):
    run_on = st.segmented_control(
        "Run on",
        on_device.RUN_ON_CHOICES,
        default=on_device.default_run_on(st.context.headers.get("User-Agent", "")),
        required=True,
        key=RUN_ON,
        bind="query-params",
        help="**This server** sends your video to the server, which finds the poses. "
        "**This device** runs the model in your browser: the video stays on your device, "
        "only landmarks reach the server, and the server can host many more viewers.",
    )

if run_on == on_device.DEVICE:
    processor.release()  # the server path's detector, if it was running
    processor, channel = on_device.engine(
        page,
        lambda: PoseStreamProcessor(
            LiveConfig(settings.detector, settings.drawing_style), slots=slots
        ),
    )
    playing = channel.status.playing
    video_col, side_col = st.columns([3, 2], gap="large")
    with video_col:
        camera, mirror = live_panel.camera_controls(TOOLS_BOX + "_camera", locked=playing)
        with st.container(key=VIDEO_BOX):
            on_device.stream(
                page, processor, channel, settings, KEYS,
                key="webcam_device", mirror=mirror, camera=camera,
            )  # fmt: skip
        on_device.person_detector_note(settings)

    @st.fragment(run_every=1.0 if playing else None)
    def live_readout() -> None:
        """Refreshes once a second while the device streams, without rerunning the page."""
        on_device.show_stats(processor.stats(), channel)
        live_panel.show_motion(processor, KEYS)

else:
    on_device.leave(page)
    # The Snapshot button is drawn on every full run of this page, and Streamlit drops a
    # widget's state after a run that does not draw it: its key is here only if this
    # session's previous full run drew this page, stream component included.
    drawn_last_run = KEYS.snapshot_button in st.session_state
    # Read before the widgets below are drawn: the choice is locked while streaming.
    stream_state = st.session_state.get("webcam")
    was_playing = bool(stream_state is not None and getattr(stream_state.state, "playing", False))
    video_col, side_col = st.columns([3, 2], gap="large")
    with video_col:
        camera, mirror = live_panel.camera_controls(TOOLS_BOX + "_camera", locked=was_playing)
        with st.container(key=VIDEO_BOX):
            context = webcam.start_stream(
                processor,
                ice_config.rtc_configuration,
                camera=camera,
                drawn_last_run=drawn_last_run,
                frontend_rtc_configuration=ice_config.frontend_rtc_configuration,
            )
        problem = webcam.camera_problem()
        if problem is not None:
            st.error(problem, icon=":material/no_photography:")
        st.caption(ice_config.describe())
    playing = bool(context.state.playing)
    if not playing:
        # Stopped (or never started): free this session's detector.
        processor.release()

    @st.fragment(run_every=1.0 if playing else None)
    def live_readout() -> None:
        """Refreshes once a second while streaming, without rerunning the page."""
        live_panel.show_stats(processor.stats(), slots, offer_device=True)
        live_panel.show_motion(processor, KEYS)


with side_col:
    live_panel.readout(KEYS, live_readout)
    choice = live_panel.tools(
        KEYS,
        settings,
        playing=playing,
        recording=processor.recording,
        start_hint="Start the camera to enable snapshots.",
        reset_reps=processor.reset_motion,
        mirror=mirror,
    )

# The frame worker picks this up on its next frame: no stream restart. (One update per
# run: a passing smoothing=None would restart the filter.)
processor.update_config(choice.config)
live_panel.follow_recording(page, processor, choice.record)
if choice.take_snapshot:
    live_panel.take_snapshot(page, processor, "Webcam")
live_panel.results(KEYS, page, settings, "Webcam recording")

if presenting:
    # Last on the page: adding or removing it moves no other element.
    st.html(
        webcam.presenter_css(
            VIDEO_BOX,
            KEYS.readout,
            (KEYS.intro, KEYS.prefix + "_run_on", TOOLS_BOX, TOOLS_BOX + "_camera", RESULTS_BOX),
        )
    )
