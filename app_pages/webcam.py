"""Webcam: live pose detection through WebRTC, with a snapshot for the 3D view, optional
One Euro smoothing, and a landmark recording shown in the Video page's views; front or
rear camera, a mirror, and a presenter view for the projector.

The page draws the same elements in the presenter view and the normal one (the
presenter view only restyles them): the WebRTC component keeps its place in the page,
so switching views never restarts the stream."""

import streamlit as st

from pose_core.live import MAX_RECORDING_FRAMES, LiveConfig, PoseStreamProcessor, StreamStats
from pose_core.motion import rep_rows
from ui import ice, motion_analysis, report, runtime, settings_panel, state, webcam
from ui.motion_views import MotionView, smoothing_sliders
from ui.settings_panel import CAMERA, MIRROR

PROCESSOR = "webcam_processor"
SNAPSHOT_BUTTON = "webcam_snapshot_button"
SNAPSHOT = "webcam_snapshot"
RECORD = "webcam_record"
RECORDING = "webcam_recording"
SMOOTH = "webcam_smoothing"
MIN_CUTOFF = "webcam_min_cutoff"
BETA = "webcam_beta"
CLASSIFY = "webcam_classify"
MATCH = "webcam_match"
RESET_REPS = "webcam_reset_reps"
PRESENTING = "webcam_presenting"
# Containers the presenter view styles (their keys become CSS classes).
INTRO_BOX = "webcam_intro"
VIDEO_BOX = "webcam_video"
READOUT_BOX = "webcam_readout"
TOOLS_BOX = "webcam_tools"
RESULTS_BOX = "webcam_results"
# The recording is shown with the Video page's views, under keys of its own.
VIEW = MotionView("webcam_rec", video_tab=False)
CAP_TEXT = f"{MAX_RECORDING_FRAMES} frames ({MAX_RECORDING_FRAMES / 30 / 60:g} min at 30 fps)"

server = runtime.current()
slots = server.live_slots
settings = settings_panel.current()
config = LiveConfig(settings.detector, settings.drawing_style)
if PROCESSOR not in st.session_state:
    # One processor, and so one VIDEO-mode detector, per browser session.
    st.session_state[PROCESSOR] = PoseStreamProcessor(
        config, slots=slots, on_released=server.memory.trim
    )
processor: PoseStreamProcessor = st.session_state[PROCESSOR]
# The settings, with the page's smoothing choice, are handed over below the widgets.


def _camera_changed() -> None:
    # People expect to see themselves mirrored, and the scene behind a phone as it is.
    st.session_state[MIRROR] = st.session_state.get(CAMERA) != "Rear"


def _toggle_presenter() -> None:
    st.session_state[PRESENTING] = not st.session_state.get(PRESENTING, False)


presenting = bool(st.session_state.get(PRESENTING, False))
with st.container(key=INTRO_BOX):
    st.title("Webcam")
    st.caption(
        "Press **Start** and allow camera access. The skeleton is drawn on the returned "
        "video; sidebar changes reach the live stream within a second."
    )
ice_config = ice.load_ice_config()
if ice_config.problem:
    st.warning(ice_config.problem, icon=":material/warning:")

# The Snapshot button is drawn on every full run of this page, and Streamlit drops a
# widget's state after a run that does not draw it: its key is here only if this
# session's previous full run drew this page, stream component included.
drawn_last_run = SNAPSHOT_BUTTON in st.session_state
# Read before the widgets below are drawn: the choice is locked while streaming.
stream_state = st.session_state.get("webcam")
was_playing = bool(stream_state is not None and getattr(stream_state.state, "playing", False))
video_col, side_col = st.columns([3, 2], gap="large")
with video_col:
    with st.container(key=TOOLS_BOX + "_camera", horizontal=True, vertical_alignment="center"):
        camera = st.segmented_control(
            "Camera",
            list(webcam.FACING_MODES),
            default=webcam.DEFAULT_CAMERA,
            required=True,
            key=CAMERA,
            on_change=_camera_changed,
            bind="query-params",
            disabled=was_playing,
            help="The phone's or tablet's front (selfie) or rear camera; takes effect at "
            "the next **Start** (stop the camera to switch). A camera picked with the "
            "button below the video wins.",
        )
        mirror = st.toggle(
            "Mirror",
            value=True,
            key=MIRROR,
            bind="query-params",
            help="Show the video flipped, as a mirror does (on by default for the front "
            "camera). Landmark names, colours, tables and downloads stay true to the body: "
            "your left hand is still 'left'.",
        )
    with st.container(key=VIDEO_BOX):
        context = webcam.start_stream(
            processor,
            ice_config.rtc_configuration,
            camera=camera or webcam.DEFAULT_CAMERA,
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


def _show_stats(stats: StreamStats) -> None:
    top = st.columns(2)
    top[0].metric("Processed fps", f"{stats.fps:.1f}")
    top[1].metric("Inference", f"{stats.inference_ms:.0f} ms")
    bottom = st.columns(2)
    bottom[0].metric("People", stats.people)
    bottom[1].metric("Frames", stats.frames)
    if stats.running and stats.model:
        st.caption(
            f"Model **{stats.model.capitalize()}** · {stats.frame_ms:.0f} ms per frame on "
            "the server (detect and draw)"
        )
    if stats.busy:
        st.warning(
            f"**The server is busy:** it processes at most {slots.capacity} live "
            f"stream{'s' if slots.capacity != 1 else ''} at once, and all are in use. "
            "Your stream starts by itself when one stops; or stop yours and try again later.",
            icon=":material/group:",
        )
    st.caption(f"Live streams on this server: {slots.in_use()} of {slots.capacity}")
    if stats.error:
        st.error(f"Pose detection failed on the stream: {report.plain(stats.error)}")
    if stats.recording_full:
        st.warning(
            f"Recording full: {stats.recorded_frames} frames kept, the cap. Later frames are "
            "not recorded; turn **Record** off to see the recording.",
            icon=":material/hard_drive:",
        )
    elif stats.recording:
        st.caption(f":red[●] Recording · {stats.recorded_frames} frames kept")


def _show_motion() -> None:
    motion = processor.motion_state()
    config = processor.config.get().motion
    if motion is None or config is None:
        return
    cols = st.columns(2)
    if config.reps is not None or config.sequence:
        cols[0].metric("Reps", motion.count)
        cols[1].metric("Phase", motion.phase or "–")
    if config.classifier is not None:
        st.metric("Pose class", motion.label or "–")
    if config.reference is not None:
        score = motion.match.score if motion.match is not None else float("nan")
        st.metric("Match", f"{score:.0f} / 100" if score == score else "–")
        worst = motion.match.worst() if motion.match is not None else None
        if worst is not None and abs(worst.degrees) > config.tolerance_deg:
            st.caption(f"Furthest off: {worst.limb}, {abs(worst.degrees):.0f}°")
    if config.reps is not None or config.sequence:
        motion_analysis.rep_table(rep_rows(motion.reps), key="webcam_live_reps")


@st.fragment(run_every=1.0 if playing else None)
def live_readout() -> None:
    """Refreshes once a second while streaming, without rerunning the page."""
    _show_stats(processor.stats())
    _show_motion()


with side_col:
    st.button(
        "Exit presenter view" if presenting else "Presenter view",
        key="webcam_presenter_button",
        on_click=_toggle_presenter,
        icon=":material/fullscreen_exit:" if presenting else ":material/fullscreen:",
        width="stretch",
        help="For a projector: the live video as large as the window allows, the readout "
        "in large type, no sidebar. The stream keeps running.",
    )
    with st.container(key=READOUT_BOX):
        st.subheader("Live readout", anchor=False)
        live_readout()
    tools = st.container(key=TOOLS_BOX)
    take = tools.button(
        "Snapshot",
        key=SNAPSHOT_BUTTON,
        type="primary",
        icon=":material/photo_camera:",
        disabled=not playing,
        width="stretch",
        help="Freeze the current frame and its landmarks for the 3D view and downloads.",
    )
    if not playing:
        tools.caption("Start the camera to enable snapshots.")
    record = tools.toggle(
        "Record landmarks",
        key=RECORD,
        # Stays usable after the stream stops, to end a recording under way.
        disabled=not playing and not processor.recording,
        help=f"Keep every processed frame's landmarks, up to {CAP_TEXT}; then recording "
        "stops keeping frames. Turn off to see the curves, 3D playback and downloads.",
    )
    smooth = tools.toggle(
        "Smooth landmarks (One Euro filter)",
        key=SMOOTH,
        help="Smooths the drawn and recorded landmarks: less jitter on still joints.",
    )
    smoothing = None
    if smooth:
        with tools:
            smoothing = smoothing_sliders(min_cutoff_key=MIN_CUTOFF, beta_key=BETA)
    with tools:
        st.subheader("Motion", anchor=False)
        reps_config = settings.reps
        if reps_config is None:
            st.caption("Pick an exercise under **Rep counter** in the sidebar to count reps live.")
        taught = motion_analysis.classifier()
        use_classes = st.toggle(
            "Recognise taught poses", key=CLASSIFY, disabled=not taught.ready,
            help="Classes taught on the Poses page: "
            + (", ".join(taught.labels) if taught.labels else "none yet"),
        )  # fmt: skip
        use_reference = st.toggle(
            "Score against the reference pose", key=MATCH,
            disabled=motion_analysis.reference() is None,
            help="The reference set on the Poses page, drawn in white over you; limbs more "
            "than 20° off in red.",
        )  # fmt: skip
        if st.button("Reset count", key=RESET_REPS, icon=":material/restart_alt:"):
            processor.reset_motion()

# The frame worker picks this up on its next frame: no stream restart. (One update per
# run: a passing smoothing=None would restart the filter.)
motion = motion_analysis.live_config(
    reps_config, use_classes=use_classes, use_reference=use_reference
)
processor.update_config(
    LiveConfig(
        settings.detector, settings.drawing_style, smoothing, motion=motion, mirror=bool(mirror)
    )
)
if record and not processor.recording:
    processor.start_recording()
    st.session_state.pop(RECORDING, None)
elif not record and processor.recording:
    finished = processor.stop_recording()
    if finished is not None:
        st.session_state[RECORDING] = finished

if take:
    frozen = processor.snapshot()
    if frozen is None:
        st.warning("No frame has been processed yet; try again in a moment.")
    else:
        key, label = state.next_snapshot_label()
        analysis = state.Analysis(
            key, label, "snapshot", frozen.rgb_frame, frozen.result, frozen.settings
        )
        state.remember(analysis)
        st.session_state[SNAPSHOT] = analysis

results = st.container(key=RESULTS_BOX)
with results:
    snapshot = st.session_state.get(SNAPSHOT)
    if snapshot is not None:
        st.subheader(snapshot.label, anchor=False, divider="orange")
        st.page_link(
            "app_pages/view_3d.py", label="Open in the 3D view", icon=":material/view_in_ar:"
        )
        report.render_report(snapshot, settings, key=snapshot.key.replace(":", "_"))

    recording = st.session_state.get(RECORDING)
    if recording is not None:
        st.subheader("Webcam recording", anchor=False, divider="orange")
        if not recording.frames_analysed:
            st.info("No frame was processed while recording.", icon=":material/videocam_off:")
        else:
            st.caption(
                f"{recording.frames_analysed} frames over {recording.duration_s:.1f} s "
                f"(cap {CAP_TEXT}; beyond it recording stops keeping frames)."
            )
            try:
                VIEW.show(recording, "webcam_recording", settings.visibility_threshold)
            except Exception as exc:  # a display bug must not take the page down
                st.error(f"Could not display the recording: {report.plain(str(exc))}")

if presenting:
    # Last on the page: adding or removing it moves no other element.
    st.html(
        webcam.presenter_css(
            VIDEO_BOX, READOUT_BOX, (INTRO_BOX, TOOLS_BOX, TOOLS_BOX + "_camera", RESULTS_BOX)
        )
    )
