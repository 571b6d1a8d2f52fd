"""Webcam: live pose detection through WebRTC, with a snapshot for the 3D view."""

import streamlit as st

from ui import ice, report, settings_panel, state
from ui.webcam import LiveConfig, PoseStreamProcessor, StreamStats, start_stream

PROCESSOR = "webcam_processor"
SNAPSHOT = "webcam_snapshot"

settings = settings_panel.current()
config = LiveConfig(settings.detector, settings.drawing_style)
if PROCESSOR not in st.session_state:
    # One processor, and so one VIDEO-mode detector, per browser session.
    st.session_state[PROCESSOR] = PoseStreamProcessor(config)
processor: PoseStreamProcessor = st.session_state[PROCESSOR]
# The frame worker picks this up on its next frame: no stream restart.
processor.update_config(config)

st.title("Webcam")
st.caption(
    "Press **Start** and allow camera access. The skeleton is drawn on the returned "
    "video; sidebar changes reach the live stream within a second."
)
ice_config = ice.load_ice_config()
if ice_config.problem:
    st.warning(ice_config.problem, icon=":material/warning:")

video_col, side_col = st.columns([3, 2], gap="large")
with video_col:
    context = start_stream(processor, ice_config.rtc_configuration)
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
    if stats.error:
        st.error(f"Pose detection failed on the stream: {report.plain(stats.error)}")


@st.fragment(run_every=1.0 if playing else None)
def live_readout() -> None:
    """Refreshes once a second while streaming, without rerunning the page."""
    _show_stats(processor.stats())


with side_col:
    st.subheader("Live readout", anchor=False)
    live_readout()
    take = st.button(
        "Snapshot",
        key="webcam_snapshot_button",
        type="primary",
        icon=":material/photo_camera:",
        disabled=not playing,
        width="stretch",
        help="Freeze the current frame and its landmarks for the 3D view and downloads.",
    )
    if not playing:
        st.caption("Start the camera to enable snapshots.")

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

snapshot = st.session_state.get(SNAPSHOT)
if snapshot is not None:
    st.subheader(snapshot.label, anchor=False, divider="orange")
    st.page_link("app_pages/view_3d.py", label="Open in the 3D view", icon=":material/view_in_ar:")
    report.render_report(snapshot, settings, key=snapshot.key.replace(":", "_"))
