"""The live pages' WebRTC components (the webcam's, wired to a live stream processor, and
a receive-only one showing a network stream) and what goes around them: the front/rear
camera choice, the camera's problems in words, and the presenter view's style.

Everything that processes the stream lives in :mod:`pose_core.live`; this module only
draws streamlit-webrtc's component and works around one of its checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from pose_core.live import PoseStreamProcessor

# The camera choice's labels (also its value in the share link) -> getUserMedia's facingMode.
FACING_MODES = {"Front": "user", "Rear": "environment"}
DEFAULT_CAMERA = "Front"


def media_constraints(camera: str) -> dict[str, Any]:
    """What the browser is asked for. The facing mode is "ideal", not "exact": a laptop's
    only camera faces the user and must still be used when "Rear" is chosen. A camera
    picked in the component's own device list is asked for by id and wins."""
    return {
        "video": {
            "width": {"ideal": 640}, "height": {"ideal": 480}, "frameRate": {"ideal": 30},
            "facingMode": {"ideal": FACING_MODES.get(camera, FACING_MODES[DEFAULT_CAMERA])},
        },
        "audio": False,
    }  # fmt: skip


def start_stream(
    processor: PoseStreamProcessor,
    rtc_configuration: dict[str, Any],
    *,
    camera: str = DEFAULT_CAMERA,
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
        media_stream_constraints=media_constraints(camera),
        video_frame_callback=processor.recv,
        on_video_ended=processor.on_ended,
        async_processing=True,
        video_html_attrs={
            "autoPlay": True, "controls": False, "muted": True,
            "style": {"width": "100%", "borderRadius": "0.5rem"},
        },
    )  # fmt: skip


def start_viewer(
    player_factory: Callable[[], Any],
    rtc_configuration: dict[str, Any],
    *,
    key: str,
    drawn_last_run: bool = False,
    frontend_rtc_configuration: dict[str, Any] | None = None,
) -> Any:
    """Render a receive-only WebRTC component showing a server-side source (a network
    stream); returns its context. The browser sends nothing and asks for no camera.

    ``player_factory`` is called on streamlit-webrtc's worker thread when the browser's
    offer arrives; the player's track is stopped when that WebRTC session ends."""
    if drawn_last_run:
        _skip_orphan_check(key)
    return webrtc_streamer(
        key=key,
        mode=WebRtcMode.RECVONLY,
        rtc_configuration=rtc_configuration,
        frontend_rtc_configuration=frontend_rtc_configuration,
        media_stream_constraints={"video": True, "audio": False},
        player_factory=player_factory,
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


# ---- the camera's problems ------------------------------------------------------------

# streamlit-webrtc shows a failed getUserMedia only inside its own frame, as an alert
# "NotAllowedError: Permission denied", and tells Python nothing. This watcher runs in
# the page (same origin as the component's frame), reads that alert's error name, and
# hands it to Python, which says what happened and what to do.
_PROBLEM_JS = """
export default function (component) {
    const { setStateValue, data } = component;
    let last = data ?? "";
    const report = (problem) => {
        if (problem !== last) { last = problem; setStateValue("problem", problem); }
    };
    const check = () => {
        if (!window.isSecureContext || !navigator.mediaDevices) { report("insecure"); return; }
        let text = "";
        try {
            const frame = document.querySelector("iframe[title*='streamlit_webrtc']");
            const alert = frame?.contentDocument?.querySelector("[role=alert]");
            text = alert ? alert.innerText : "";
        } catch (e) { /* the frame is between documents */ }
        const found = /^\\s*([A-Za-z]+Error)\\b/.exec(text);
        report(found ? found[1] : "");
    };
    check();
    const timer = setInterval(check, 500);
    return () => clearInterval(timer);
}
"""
_problem_watcher = st.components.v2.component("posescope_camera_problem", js=_PROBLEM_JS)

_DENIED = (
    "**The camera is blocked for this site.** Allow it: tap the camera or lock icon in the "
    "address bar (on an iPhone: Settings > Apps > Safari > Camera > Allow), reload the "
    "page, then press **Start**."
)
_MISSING = (
    "**No camera found.** Connect a camera (or check that the laptop's is switched on), "
    "or pick another one with the camera button below the video, then press **Start**."
)
_BUSY = (
    "**The camera is in use by another app or tab.** Close the video call or other tab "
    "using it (on a phone, other camera apps too), then press **Start** again."
)
_INSECURE = (
    "**This address is not secure, so the browser keeps the camera off.** Open the app "
    "on this machine as `localhost`, or start it with `bash scripts/run_app.sh --lan` and "
    "open the **https://** address shown on the Home page."
)
PROBLEM_MESSAGES = {
    "NotAllowedError": _DENIED,
    "SecurityError": _DENIED,
    "PermissionDeniedError": _DENIED,
    "NotFoundError": _MISSING,
    "DevicesNotFoundError": _MISSING,
    "OverconstrainedError": _MISSING,
    "NotReadableError": _BUSY,
    "TrackStartError": _BUSY,
    "AbortError": _BUSY,
    "insecure": _INSECURE,
}


def problem_message(problem: str) -> str | None:
    """What to tell the user about ``problem`` (an error name from the browser), or None."""
    if not problem:
        return None
    if problem in PROBLEM_MESSAGES:
        return PROBLEM_MESSAGES[problem]
    name = problem if problem.isalnum() else "unknown error"
    return (
        f"**The camera could not start** ({name}). Reload the page and press **Start** "
        "again; if it keeps failing, try another browser."
    )


def camera_problem(key: str = "webcam_camera_problem") -> str | None:
    """Watch for the component's camera error; returns the message to show, or None.

    Draws nothing visible (a zero-height element in the page)."""
    # The last value Python saw, so a watcher drawn afresh (back from another page)
    # reports a change from it, e.g. an error that is gone.
    previous = st.session_state.get(key)
    shown = str(previous.get("problem") or "") if isinstance(previous, dict) else ""
    result = _problem_watcher(
        key=key, data=shown, default={"problem": ""}, height=0,
        on_problem_change=lambda: None,
    )  # fmt: skip
    problem = result.get("problem", "") if result is not None else ""
    return problem_message(str(problem or ""))


# ---- presenter view -------------------------------------------------------------------


def presenter_css(video_key: str, readout_key: str, hidden_keys: tuple[str, ...]) -> str:
    """The style of the presenter view: no sidebar, header or page furniture; the video
    as large as the window allows; the readout in large type.

    Only style changes: the page draws the same elements in both views, so the WebRTC
    component keeps its place in the page and its stream is never restarted.
    """
    # Each keyed box and the wrapper Streamlit puts around it: a hidden box whose wrapper
    # stays would still take its share of the page's gaps, pushing the video down.
    hidden = ", ".join(
        f".st-key-{k}, [data-testid='stVerticalBlock'] > div:has(> .st-key-{k})"
        for k in hidden_keys
    )
    return f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"],
[data-testid="stTopNav"], {hidden} {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ padding: 0.75rem 1rem !important;
    max-width: 100% !important; }}
[data-testid="stHorizontalBlock"]:has(.st-key-{video_key}) > [data-testid="stColumn"]:first-child
    {{ flex: 3 1 0 !important; width: auto !important; }}
[data-testid="stHorizontalBlock"]:has(.st-key-{video_key}) > [data-testid="stColumn"]:last-child
    {{ flex: 1 1 0 !important; width: auto !important; min-width: 16rem; }}
/* 4:3 video plus the component's buttons below it: as wide as the height allows. */
.st-key-{video_key} {{ max-width: calc((100vh - 6.5rem) * 4 / 3); margin: 0 auto; }}
.st-key-{readout_key} [data-testid="stMetricValue"] {{ font-size: 3.2rem !important; }}
.st-key-{readout_key} [data-testid="stMetricLabel"] p {{ font-size: 1.25rem !important; }}
@media (max-width: 640px) {{
  .st-key-{readout_key} [data-testid="stMetricValue"] {{ font-size: 2.2rem !important; }}
}}
</style>"""
