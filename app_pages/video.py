"""Video: analyse an uploaded clip: annotated video, landmark tables, curves, 3D playback.

Processing runs on the server's video-job pool (``ui.server.runtime``) so the Cancel button
stays live; a fragment polls its progress twice a second. The session's uploads, job
and results are kept by :mod:`ui.state.video_session`.
"""

from __future__ import annotations

import logging

import streamlit as st

from pose_core.video import SUPPORTED_CONTAINERS, VideoOptions
from ui.server import runtime
from ui.state import video_session
from ui.state.video_session import ResultKey
from ui.views.motion_views import MotionView, smoothing_sliders
from ui.widgets import samples, settings_panel
from ui.widgets.uploads import VIDEO_TYPES
from ui.words.text import plain

LOGGER = logging.getLogger(__name__)
RESOLUTION_CAPS = {None: "Original", 1920: "1920 px", 1280: "1280 px", 960: "960 px", 640: "640 px"}

# Session-state keys of the widgets.
UPLOAD = "video_upload"
STRIDE = "video_stride"
MAX_SIDE = "video_max_side"
SMOOTH = "video_smoothing"
MIN_CUTOFF = "video_min_cutoff"
BETA = "video_beta"
# Results are shown by the view shared with the Webcam page (keys video_cursor, video_person, ...).
VIEW = MotionView("video")


# ---- progress ------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


@st.fragment(run_every=0.5)
def _progress() -> None:
    """Redrawn twice a second while a job runs; the Cancel click lands here at once."""
    running = video_session.current().running
    if running is None:
        return
    job = running.job
    status = job.status()
    if status.finished:
        st.rerun()  # the whole page: show the result
    if status.state == "queued":
        st.progress(0.0, text="Waiting for another video to finish processing…")
    else:
        st.progress(
            status.fraction,
            text=f"Analysing frame {status.done} of about {status.total}",
        )
        left = (
            "estimating time left"
            if status.eta_s is None
            else (f"about {_duration(status.eta_s)} left")
        )
        st.caption(f"{status.fps:.1f} frames/s · {left} · {_duration(status.elapsed_s)} so far")
    if st.button(
        "Cancelling…" if job.cancel_requested else "Cancel",
        key="video_cancel",
        icon=":material/stop_circle:",
        disabled=job.cancel_requested,
    ):
        job.cancel()
        st.rerun(scope="fragment")


# ---- page ----------------------------------------------------------------------------

settings = settings_panel.current()
server = runtime.current()
server_limits = server.limits
session = video_session.current()
st.title("Video")
st.caption(
    "Upload a clip to get the skeleton on every frame, joint angles over time and a "
    "moving 3D skeleton. Detection uses the sidebar's settings and tracks people from "
    "frame to frame. Files stay in this browser session and are deleted when it ends."
)
session.harvest()

upload = st.file_uploader(
    f"Video clip ({SUPPORTED_CONTAINERS})",
    type=VIDEO_TYPES,
    key=UPLOAD,
    max_upload_size=server_limits.video_upload_mb,
    help=f"Up to {server_limits.video_upload_mb} MB, {server_limits.max_video_minutes:g} "
    "minutes and 4K.",
)
with st.container(border=True):
    cols = st.columns([1, 1, 1.2])
    stride = cols[0].number_input(
        "Analyse every n-th frame", min_value=1, max_value=30, value=1, step=1, key=STRIDE,
        help="2 analyses every other frame: twice as fast, half the time resolution.",
    )  # fmt: skip
    max_side = cols[1].selectbox(
        "Resolution cap", list(RESOLUTION_CAPS), format_func=RESOLUTION_CAPS.__getitem__,
        key=MAX_SIDE,
        help="Scale frames down so the long side is at most this; faster on large clips.",
    )  # fmt: skip
    with cols[2]:
        smooth = st.toggle(
            "Smooth landmarks (One Euro filter)", key=SMOOTH,
            help="Cuts jitter on still joints while following fast moves closely.",
        )  # fmt: skip
        smoothing = None
        if smooth:
            smoothing = smoothing_sliders(min_cutoff_key=MIN_CUTOFF, beta_key=BETA)

options = VideoOptions(
    settings=settings.detector,
    stride=int(stride),
    max_side=max_side,
    smoothing=smoothing,
    style=settings.drawing_style,
    limits=server_limits.video_limits(),
)

# An upload wins over the sample; the sample stays chosen until one comes.
clip: video_session.Upload | None = upload
if upload is None and session.sample_chosen:
    clip = samples.SAMPLE_CLIP
using_sample = clip is not None and clip.file_id == samples.SAMPLE_CLIP.file_id
start_sample, session.start_sample = session.start_sample and using_sample, False

if clip is None:
    st.info(
        f"Drag and drop a clip ({SUPPORTED_CONTAINERS}) onto the box above, or click "
        "**Upload**. A few seconds of one person moving works best.",
        icon=":material/upload:",
    )
if upload is None:
    with st.container(border=True, key="video_sample_card"):
        st.markdown(f"**No clip at hand?** {samples.SAMPLE_CLIP.blurb}.")
        st.button(
            "Analyse the sample clip",
            key="video_sample_button",
            on_click=video_session.choose_sample,
            icon=":material/play_arrow:",
            type="secondary" if clip is not None else "primary",
            disabled=session.running is not None,
        )
if clip is not None:
    digest = session.digest(clip)
    probe = session.probe(clip, digest, options.limits)
    key = ResultKey.of(digest, options)
    idle = session.running is None and key not in session.results
    if start_sample and probe.error is None and idle:
        session.start(server.video_jobs, key, options, probe, clip.name)
    error = probe.error or session.errors.get(key)
    result = session.results.get(key)
    shown = session.shown(key)

    if session.running is not None:
        st.subheader(f"Analysing {plain(session.running.name)}", anchor=False)
        _progress()
    elif error is not None:
        st.error(
            f"**Could not analyse {plain(clip.name)}.** {plain(error)}",
            icon=":material/broken_image:",
        )
    elif result is None or result.cancelled:
        info = probe.info
        assert info is not None
        st.caption(
            f"{info.width} × {info.height} px · {info.fps:.3g} fps · "
            f"{info.duration_s:.1f} s · about {info.frame_count} frames · {info.codec}"
        )
        if shown is not None:
            st.info(
                "The results below were computed with other settings or options. "
                "Press **Analyse video** to update them.",
                icon=":material/sync_problem:",
            )
        if st.button(
            "Analyse video", key="video_process", type="primary", icon=":material/play_arrow:"
        ):
            session.start(server.video_jobs, key, options, probe, clip.name)
            st.rerun()

    if session.running is None and error is None and shown is not None:
        st.subheader(plain(clip.name), anchor=False, divider="orange")
        try:
            VIEW.show(shown, clip.name, settings.visibility_threshold)
        except Exception as exc:  # a display bug must not take the page down
            LOGGER.exception("Showing a video result failed")
            st.error(f"Could not display the result: {plain(str(exc))}")
        if using_sample:
            st.caption(samples.SAMPLE_CLIP.credit)
