"""What every live page shows beside its video: the readout, the tools (snapshot,
landmark recording, smoothing, motion analysis) and their results.

The Webcam page and the Network stream page differ only in where frames come from; both
drive a :class:`~pose_core.live.PoseStreamProcessor` through these helpers. Widget keys
start with the page's prefix (``webcam_record``, ``stream_record``...), so the pages'
states never mix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import streamlit as st

from pose_core.live import MAX_RECORDING_FRAMES, LiveConfig, PoseStreamProcessor, StreamStats
from pose_core.live.slots import StreamSlots
from pose_core.motion import rep_rows
from ui import state
from ui.server import ice
from ui.server.ice import IceConfig
from ui.state.live import LiveSession
from ui.views import motion_analysis, report
from ui.views.motion_views import MotionView, smoothing_sliders
from ui.webrtc import webcam
from ui.widgets.settings_panel import CAMERA, MIRROR, AppSettings
from ui.words.text import plain

CAP_TEXT = f"{MAX_RECORDING_FRAMES} frames ({MAX_RECORDING_FRAMES / 30 / 60:g} min at 30 fps)"


_KEY_NAMES = frozenset(
    {
        "snapshot_button", "record", "recording", "smoothing", "min_cutoff",
        "beta", "classify", "match", "reset_reps", "live_reps", "tools", "results",
        "readout", "presenting", "presenter_button", "intro",
    }
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class LiveKeys:
    """The session-state keys of one live page."""

    prefix: str

    def __getattr__(self, name: str) -> str:
        if name not in _KEY_NAMES:  # a typo must not make a key nobody else reads
            raise AttributeError(name)
        return f"{self.prefix}_{name}"

    @property
    def view(self) -> MotionView:
        # The recording is shown with the Video page's views, under keys of its own.
        return MotionView(f"{self.prefix}_rec", video_tab=False)


@dataclasses.dataclass(frozen=True)
class LiveTools:
    """What the user asked for with the tools this run."""

    take_snapshot: bool
    record: bool
    config: LiveConfig


def _toggle(key: str) -> None:
    st.session_state[key] = not st.session_state.get(key, False)


def presenting(keys: LiveKeys) -> bool:
    """Whether the page is in the presenter view."""
    return bool(st.session_state.get(keys.presenting, False))


def header(keys: LiveKeys, title: str, caption: str) -> IceConfig:
    """The page's title box (``keys.intro``: the presenter view hides it) and a warning
    when the ICE settings cannot be read; the ICE configuration for the stream."""
    with st.container(key=keys.intro):
        st.title(title)
        st.caption(caption)
    ice_config = ice.load_ice_config()
    if ice_config.problem:
        st.warning(ice_config.problem, icon=":material/warning:")
    return ice_config


def _camera_changed() -> None:
    # People expect to see themselves mirrored, and the scene behind a phone as it is.
    st.session_state[MIRROR] = st.session_state.get(CAMERA) != "Rear"


def camera_controls(box_key: str, *, locked: bool) -> tuple[str, bool]:
    """The Webcam page's camera choice and mirror (in the container ``box_key``);
    returns (camera, mirror). ``locked``: a stream is running, the choice waits."""
    with st.container(key=box_key, horizontal=True, vertical_alignment="center"):
        camera = st.segmented_control(
            "Camera",
            list(webcam.FACING_MODES),
            default=webcam.DEFAULT_CAMERA,
            required=True,
            key=CAMERA,
            on_change=_camera_changed,
            bind="query-params",
            disabled=locked,
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
    return camera or webcam.DEFAULT_CAMERA, bool(mirror)


def presenter_button(keys: LiveKeys) -> bool:
    """The button into and out of the presenter view; whether it is on. (Its callback
    lives here: one defined in a page would keep the page's globals alive.)"""
    on = presenting(keys)
    st.button(
        "Exit presenter view" if on else "Presenter view",
        key=keys.presenter_button,
        on_click=_toggle,
        args=(keys.presenting,),
        icon=":material/fullscreen_exit:" if on else ":material/fullscreen:",
        width="stretch",
        help="For a projector: the live video as large as the window allows, the readout "
        "in large type, no sidebar. The stream keeps running.",
    )
    return on


def readout(keys: LiveKeys, refreshing: Callable[[], None]) -> None:
    """The presenter button and the Live readout box (``keys.readout``, which the
    presenter view enlarges), drawn by ``refreshing``: the page's fragment."""
    presenter_button(keys)
    with st.container(key=keys.readout):
        st.subheader("Live readout", anchor=False)
        refreshing()


def show_stats(stats: StreamStats, slots: StreamSlots, *, offer_device: bool = False) -> None:
    """The live counters, and what stands in the way (busy server, error, full recording).
    ``offer_device``: a busy server suggests running on the viewer's device."""
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
            "Your stream starts by itself when one stops; or stop yours and try again later"
            + (
                ", or choose **Run on: This device** above: your browser runs the model "
                "and the server only hosts."
                if offer_device
                else "."
            ),
            icon=":material/group:",
        )
    st.caption(f"Live streams on this server: {slots.in_use()} of {slots.capacity}")
    if stats.error:
        st.error(f"Pose detection failed on the stream: {plain(stats.error)}")
    show_recording(stats)


def show_recording(stats: StreamStats) -> None:
    """A recording under way, or full."""
    if stats.recording_full:
        st.warning(
            f"Recording full: {stats.recorded_frames} frames kept, the cap. Later frames are "
            "not recorded; turn **Record** off to see the recording.",
            icon=":material/hard_drive:",
        )
    elif stats.recording:
        st.caption(f":red[●] Recording · {stats.recorded_frames} frames kept")


def show_motion(processor: PoseStreamProcessor, keys: LiveKeys) -> None:
    """Reps, phase, pose class and match score after the latest frame."""
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
        motion_analysis.rep_table(rep_rows(motion.reps), key=keys.live_reps)


def tools(
    keys: LiveKeys,
    settings: AppSettings,
    *,
    playing: bool,
    recording: bool,
    start_hint: str,
    reset_reps: Callable[[], None],
    mirror: bool = False,
) -> LiveTools:
    """Snapshot, recording, smoothing and motion analysis; returns the choices and the
    live settings they make."""
    box = st.container(key=keys.tools)
    take = box.button(
        "Snapshot",
        key=keys.snapshot_button,
        type="primary",
        icon=":material/photo_camera:",
        disabled=not playing,
        width="stretch",
        help="Freeze the current frame and its landmarks for the 3D view and downloads.",
    )
    if not playing:
        box.caption(start_hint)
    record = box.toggle(
        "Record landmarks",
        key=keys.record,
        # Stays usable after the stream stops, to end a recording under way.
        disabled=not playing and not recording,
        help=f"Keep every processed frame's landmarks, up to {CAP_TEXT}; then recording "
        "stops keeping frames. Turn off to see the curves, 3D playback and downloads.",
    )
    smooth = box.toggle(
        "Smooth landmarks (One Euro filter)",
        key=keys.smoothing,
        help="Smooths the drawn and recorded landmarks: less jitter on still joints.",
    )
    smoothing = None
    if smooth:
        with box:
            smoothing = smoothing_sliders(min_cutoff_key=keys.min_cutoff, beta_key=keys.beta)
    with box:
        st.subheader("Motion", anchor=False)
        reps_config = settings.reps
        if reps_config is None:
            st.caption("Pick an exercise under **Rep counter** in the sidebar to count reps live.")
        taught = motion_analysis.classifier()
        use_classes = st.toggle(
            "Recognise taught poses", key=keys.classify, disabled=not taught.ready,
            help="Classes taught on the Poses page: "
            + (", ".join(taught.labels) if taught.labels else "none yet"),
        )  # fmt: skip
        use_reference = st.toggle(
            "Score against the reference pose", key=keys.match,
            disabled=motion_analysis.reference() is None,
            help="The reference set on the Poses page, drawn in white over the person; "
            "limbs more than 20° off in red.",
        )  # fmt: skip
        if st.button("Reset count", key=keys.reset_reps, icon=":material/restart_alt:"):
            reset_reps()
    motion = motion_analysis.live_config(
        reps_config, use_classes=use_classes, use_reference=use_reference
    )
    config = LiveConfig(
        settings.detector, settings.drawing_style, smoothing, motion=motion, mirror=mirror
    )
    return LiveTools(take_snapshot=take, record=record, config=config)


def follow_recording(
    page: LiveSession, processor: PoseStreamProcessor, record: bool, owner: str = ""
) -> None:
    """Start or end ``owner``'s recording as the toggle says; a finished one is kept."""
    if record and not processor.is_recording(owner):
        processor.start_recording(owner)
        page.recording = None
    elif not record and processor.is_recording(owner):
        finished = processor.stop_recording(owner)
        if finished is not None:
            page.recording = finished


def take_snapshot(page: LiveSession, processor: PoseStreamProcessor, source: str) -> None:
    """Freeze the latest processed frame as an analysis of this session (``source``
    names it: "Webcam", "Stream")."""
    frozen = processor.snapshot()
    if frozen is None:
        st.warning("No frame has been processed yet; try again in a moment.")
        return
    key, label = state.next_snapshot_label(source)
    analysis = state.Analysis(
        key, label, "snapshot", frozen.rgb_frame, frozen.result, frozen.settings
    )
    state.remember(analysis)
    page.snapshot = analysis


def results(keys: LiveKeys, page: LiveSession, settings: AppSettings, recording_title: str) -> None:
    """The snapshot's report and the finished recording's views."""
    with st.container(key=keys.results):
        snapshot = page.snapshot
        if snapshot is not None:
            st.subheader(snapshot.label, anchor=False, divider="orange")
            st.page_link(
                "app_pages/view_3d.py", label="Open in the 3D view", icon=":material/view_in_ar:"
            )
            report.render_report(snapshot, settings, key=snapshot.key.replace(":", "_"))

        recording = page.recording
        if recording is None:
            return
        st.subheader(recording_title, anchor=False, divider="orange")
        if not recording.frames_analysed:
            st.info("No frame was processed while recording.", icon=":material/videocam_off:")
            return
        st.caption(
            f"{recording.frames_analysed} frames over {recording.duration_s:.1f} s "
            f"(cap {CAP_TEXT}; beyond it recording stops keeping frames)."
        )
        try:
            keys.view.show(recording, keys.recording, settings.visibility_threshold)
        except Exception as exc:  # a display bug must not take the page down
            st.error(f"Could not display the recording: {plain(str(exc))}")
