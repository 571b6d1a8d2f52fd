"""The webcam page's WebRTC component, wired to a live stream processor.

Everything that processes the stream lives in :mod:`pose_core.live`; this module only
draws streamlit-webrtc's component and works around one of its checks.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from pose_core.live import PoseStreamProcessor

MEDIA_CONSTRAINTS = {
    "video": {"width": {"ideal": 640}, "height": {"ideal": 480}, "frameRate": {"ideal": 30}},
    "audio": False,
}


def start_stream(
    processor: PoseStreamProcessor,
    rtc_configuration: dict[str, Any],
    *,
    key: str = "webcam",
    drawn_last_run: bool = False,
    frontend_rtc_configuration: dict[str, Any] | None = None,
) -> Any:
    """Render the WebRTC component wired to ``processor``; returns its context.

    ``drawn_last_run``: the page drew this component in the session's previous full run,
    so its stream cannot be an orphan (see :func:`_skip_orphan_check`).
    ``frontend_rtc_configuration``: the browser's, when it differs from the server's
    (a relay-only policy).

    Tests replace the module-level ``webrtc_streamer`` (the browser side cannot run in
    ``AppTest``).
    """
    if drawn_last_run:
        _skip_orphan_check(key)
    return webrtc_streamer(
        key=key,
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=rtc_configuration,
        frontend_rtc_configuration=frontend_rtc_configuration,
        media_stream_constraints=MEDIA_CONSTRAINTS,
        video_frame_callback=processor.recv,
        on_video_ended=processor.on_ended,
        async_processing=True,
        video_html_attrs={
            "autoPlay": True, "controls": False, "muted": True,
            "style": {"width": "100%", "borderRadius": "0.5rem"},
        },
    )  # fmt: skip


def _skip_orphan_check(key: str) -> None:
    """Keep streamlit-webrtc from stopping a live stream it takes for an orphan.

    streamlit-webrtc (0.79, ``component._get_or_create_context``) resets a component's
    context, stopping its stream, when the session's script-run count has grown by more
    than one since the component was last drawn: the sign that the user left the page and
    came back. That count is Streamlit's ``script_run_count``, which goes up on the event
    loop when a run's "finished" message is sent; a run that starts before the previous
    run's message has gone out reads a stale count, and the run after it then sees a gap
    of two although every run drew the component. The stream just started is stopped
    (the page shows START again): about one START in 30 under load in the browser suite,
    where the offer, answer and ICE-candidate reruns come in quick succession.

    When the page knows it drew the component in the previous full run, nothing can be
    orphaned: clearing the recorded count makes streamlit-webrtc skip the check for this
    run (it records the count again). A return from another page still gets the reset.
    """
    context = st.session_state.get(key)
    if context is not None and hasattr(context, "_last_rendered_run_count"):
        context._last_rendered_run_count = None
