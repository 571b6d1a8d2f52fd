"""The Webcam page's "Run on: This device" mode: the component, its readout, and the
landmarks it sends fed to this session's live engine.

The channel: the component sends one JSON text every quarter of a second
(:data:`~ui.ondevice.component.BATCH_MS`) with ``setComponentValue``. It is drawn inside
an ``st.fragment``, so a message reruns only that fragment: check the text
(:class:`~pose_core.live.device.DeviceChannel`), hand the new frames to the session's
:class:`~pose_core.live.PoseStreamProcessor` (``process_result``: tracking, smoothing,
recording, motion analysis, no detector), and draw the component again with the
acknowledgement and the motion readout. The rest of the page reruns only when the camera
starts or stops (the tools' state depends on it).

Script thread only: the fragment and the page run there, one at a time per session.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from pose_core.live import PoseStreamProcessor, StreamStats
from pose_core.live.device import DeviceChannel, DeviceStatus
from pose_core.settings import DetectorSettings
from ui.ondevice import component
from ui.server import lan_env
from ui.state.live import LiveSession
from ui.views import live_panel
from ui.views.live_panel import LiveKeys
from ui.webrtc import webcam
from ui.widgets.settings_panel import (
    DETECTION,
    MODEL,
    PERSONS,
    POSES,
    PRESENCE,
    TRACKING,
    VISIBILITY,
    AppSettings,
)
from ui.words.live import motion_lines

# The "Run on" choice (also its value in the share link: run=This+device).
SERVER = "This server"
DEVICE = "This device"
RUN_ON_CHOICES = (SERVER, DEVICE)
_CAMERA_OK = ("stopped", "starting", "playing")
# Browsers that are phones or tablets (their user agents say so).
_MOBILE_MARKS = ("Mobi", "Android", "iPhone", "iPad")


def default_run_on(user_agent: str, *, lan: bool | None = None) -> str:
    """Where a session starts: a phone or tablet that joined in LAN mode runs on itself
    (the server is a laptop serving a room: its cores go further hosting than detecting);
    everyone else on the server, the path that works on any browser."""
    lan = lan_env.lan_mode() if lan is None else lan
    mobile = any(mark in user_agent for mark in _MOBILE_MARKS)
    return DEVICE if lan and mobile else SERVER


def device_settings(settings: AppSettings, status: DeviceStatus) -> DetectorSettings:
    """What the device runs: the sidebar's model and confidences with MediaPipe's own
    person detector (the only one in the browser runtime)."""
    d = settings.detector
    return DetectorSettings(
        model_variant=status.model or d.model_variant,  # type: ignore[arg-type]
        num_poses=d.num_poses,
        min_pose_detection_confidence=d.min_pose_detection_confidence,
        min_pose_presence_confidence=d.min_pose_presence_confidence,
        min_tracking_confidence=d.min_tracking_confidence,
        person_detector="mediapipe",
    )


def engine(
    page: LiveSession, processor_factory: Callable[[], PoseStreamProcessor]
) -> tuple[PoseStreamProcessor, DeviceChannel]:
    """This session's on-device engine and channel (made on first use; the server path
    keeps its own processor, so switching never mixes the two)."""
    if page.device_processor is None:
        page.device_processor = processor_factory()
    if page.device_channel is None:
        page.device_channel = DeviceChannel()
    return page.device_processor, page.device_channel


def _missed_page_run(
    page: LiveSession, processor: PoseStreamProcessor, settings: AppSettings, keys: LiveKeys
) -> bool:
    """Whether this fragment run carries the user's change to the rest of the page.

    Streamlit's frontend sends widget changes in batches; a batch holding both a message
    of the component and a click elsewhere is run as this fragment's rerun (the browser
    logs "Multiple different fragmentIds detected in a single batch"), so the page would
    not run for that click. A Snapshot click is taken here (a button's press lasts one
    run); any other change reruns the page."""
    state = st.session_state
    if state.get(keys.snapshot_button):
        live_panel.take_snapshot(page, processor, "Webcam")
        return True
    d = settings.detector
    drawn = {
        MODEL: d.model_variant, POSES: d.num_poses,
        DETECTION: d.min_pose_detection_confidence, PRESENCE: d.min_pose_presence_confidence,
        TRACKING: d.min_tracking_confidence, VISIBILITY: settings.visibility_threshold,
        PERSONS: d.person_detector,
    }  # fmt: skip
    if any(key in state and state[key] != value for key, value in drawn.items()):
        return True
    return bool(state.get(keys.record, False)) != processor.is_recording()


def stream(
    page: LiveSession,
    processor: PoseStreamProcessor,
    channel: DeviceChannel,
    settings: AppSettings,
    keys: LiveKeys,
    *,
    key: str,
    mirror: bool,
    camera: str,
) -> None:
    """The component in a fragment: each message reruns only this."""
    # The body's first run is part of the page's run; later ones are the fragment's own.
    page_run = [True]

    @st.fragment
    def device_stream() -> None:
        own_run = not page_run[0]
        page_run[0] = False
        config = processor.config.get()
        motion = processor.motion_state()
        lines = (
            motion_lines(config.motion, motion)
            if motion is not None and config.motion is not None
            else []
        )
        value = component.on_device(
            key=key,
            channel=channel,
            settings=settings.detector,
            visibility_threshold=settings.visibility_threshold,
            mirror=mirror,
            facing_mode=webcam.FACING_MODES.get(camera, webcam.FACING_MODES[webcam.DEFAULT_CAMERA]),
            lines=lines,
        )
        was_playing = channel.status.playing
        fresh = channel.receive(value)
        if fresh:
            ran = device_settings(settings, channel.status)
            for frame in fresh:
                processor.process_result(frame.result, ran, frame.time_ms / 1000.0)
        if own_run and _missed_page_run(page, processor, settings, keys):
            st.rerun(scope="app")
        if channel.status.playing != was_playing:
            if not channel.status.playing:
                processor.release()
            # Snapshot and Record follow the camera: the whole page draws them again.
            st.rerun(scope="app")
        camera_state = channel.status.camera
        # The camera's error names are the browser's, as on the server path: same words.
        problem = webcam.problem_message("" if camera_state in _CAMERA_OK else camera_state)
        if problem is not None:
            st.error(problem, icon=":material/no_photography:")

    device_stream()


def show_stats(stats: StreamStats, channel: DeviceChannel) -> None:
    """The Live readout for the device: its own speed, the frames the server received."""
    status = channel.status
    top = st.columns(2)
    top[0].metric("Processed fps", f"{status.fps:.1f}")
    top[1].metric("Inference", f"{status.inference_ms:.0f} ms")
    bottom = st.columns(2)
    bottom[0].metric("People", stats.people)
    bottom[1].metric("Frames", stats.frames)
    if status.playing and status.model:
        runs = status.delegate + (f" ({status.fallback})" if status.fallback else "")
        st.caption(
            f"Model **{status.model.capitalize()}** on this device · {runs} · "
            f"{'SIMD' if status.simd else 'no SIMD'}; the server only receives landmarks"
        )
    if channel.rejected_total:
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(channel.rejected.items()))
        st.caption(f"Refused messages: {channel.rejected_total} ({reasons})")
    live_panel.show_recording(stats)


def person_detector_note(settings: AppSettings) -> None:
    """Say so when the sidebar's person detector cannot run in the browser."""
    if settings.detector.person_detector != "mediapipe":
        st.caption(
            "On this device, people are found by MediaPipe's own detector (its detection "
            "confidence applies); MoveNet and NanoDet run on the server only."
        )


def leave(page: LiveSession) -> None:
    """The page runs on the server now: stop feeding the device engine (a recording under
    way is kept until Record is turned off) and forget the channel (its component is
    gone; a return draws a new one with a new token)."""
    if page.device_processor is not None:
        page.device_processor.release()
    page.device_channel = None
