"""Video: analyse an uploaded clip: annotated video, landmark tables, curves, 3D playback.

Processing runs on a background thread per browser session (``pose_core.video.VideoJob``)
so the Cancel button stays live; a fragment polls its progress twice a second. Results
stay in this session's memory, keyed by the file's hash and every processing option, so
display options (joints, cursor, camera, visibility threshold) never reprocess. Files go
to a per-session temporary directory that is deleted with the session.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

import streamlit as st

from pose_core.video import (
    SUPPORTED_CONTAINERS,
    VideoDecodeError,
    VideoInfo,
    VideoJob,
    VideoResult,
    probe_video,
)
from ui import limits, report, settings_panel
from ui.motion_views import MotionView, smoothing_sliders

LOGGER = logging.getLogger(__name__)
VIDEO_TYPES = ["mp4", "m4v", "mov", "webm", "mkv", "avi"]
# Results kept per session (each holds its annotated video on disk and ~1 KB per
# person-frame in memory); the oldest go first.
MAX_RESULTS = 4
RESOLUTION_CAPS = {None: "Original", 1920: "1920 px", 1280: "1280 px", 960: "960 px", 640: "640 px"}

# Session-state keys.
UPLOAD = "video_upload"
STRIDE = "video_stride"
MAX_SIDE = "video_max_side"
SMOOTH = "video_smoothing"
MIN_CUTOFF = "video_min_cutoff"
BETA = "video_beta"
_TMP = "_video_tmpdir"
_RESULTS = "_video_results"
_LATEST = "_video_latest"
_JOB = "_video_job"
_ERRORS = "_video_errors"
_DIGESTS = "_video_digests"
_PROBES = "_video_probes"
_RUNS = "_video_runs"
# Results are shown by the view shared with the Webcam page (keys video_cursor, video_person, ...).
VIEW = MotionView("video")


# ---- session helpers -----------------------------------------------------------------


def _tmpdir() -> Path:
    # Deleted when the session's state is dropped (its finaliser runs) or at exit.
    if _TMP not in st.session_state:
        st.session_state[_TMP] = tempfile.TemporaryDirectory(prefix="posescope-video-")
    return Path(st.session_state[_TMP].name)


def _digest(upload) -> str:
    digests: dict = st.session_state.setdefault(_DIGESTS, {})
    if upload.file_id not in digests:
        digests[upload.file_id] = hashlib.sha256(upload.getvalue()).hexdigest()
    return digests[upload.file_id]


def _store(key: tuple, result: VideoResult) -> None:
    results: dict = st.session_state.setdefault(_RESULTS, {})
    results[key] = result
    st.session_state.setdefault(_LATEST, {})[key[0]] = key
    while len(results) > MAX_RESULTS:
        old_key = next(iter(results))
        old = results.pop(old_key)
        if old.video_path is not None:
            old.video_path.unlink(missing_ok=True)


def _probe(upload, digest: str) -> tuple[Path | None, VideoInfo | None, str | None]:
    """Save the upload to this session's folder and read its header (once per file).

    Returns:
        (input path, info, None), or (None, None, a message for the user).
    """
    probes: dict = st.session_state.setdefault(_PROBES, {})
    running = st.session_state.get(_JOB)
    busy = running[2] if running is not None else None
    # Only the current upload's copy is kept (and a running job's).
    for other in [d for d in probes if d != digest]:
        path = probes[other][0]
        if path is not None and path != busy:
            path.unlink(missing_ok=True)
            del probes[other]
    if digest not in probes:
        suffix = Path(upload.name).suffix.lower()[:8] or ".bin"
        path = _tmpdir() / f"input-{digest[:16]}{suffix}"
        path.write_bytes(upload.getvalue())
        try:
            probes[digest] = (path, probe_video(path, limits.current().video_limits()), None)
        except VideoDecodeError as exc:
            path.unlink(missing_ok=True)
            probes[digest] = (None, None, str(exc))
    return probes[digest]


def _harvest() -> None:
    """Move a finished job's result (or error) into the session's results."""
    entry = st.session_state.get(_JOB)
    if entry is None:
        return
    key, job, _input_path, _name = entry
    status = job.status()
    if not status.finished:
        return
    del st.session_state[_JOB]
    if status.result is not None:
        _store(key, status.result)
    elif status.error is not None:
        error = status.error
        if isinstance(error, VideoDecodeError):
            message = str(error)
        else:
            message = f"Processing failed: {error}"
        st.session_state.setdefault(_ERRORS, {})[key] = message


def _start(key: tuple, input_path: Path, info: VideoInfo, options: dict, name: str) -> None:
    """Start a background job on the saved upload (``name`` is the file's, for display)."""
    digest = key[0]
    folder = _tmpdir()
    # A fresh name per run: an evicted result's file may be gone, a kept one must stay.
    number = st.session_state[_RUNS] = st.session_state.get(_RUNS, 0) + 1
    job = VideoJob(
        input_path,
        settings.detector,
        info=info,
        style=settings.drawing_style,
        out_path=folder / f"annotated-{digest[:12]}-{number}.mp4",
        limits=limits.current().video_limits(),
        **options,
    )
    st.session_state[_JOB] = (key, job.start(), input_path, name)


# ---- progress ------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


@st.fragment(run_every=0.5)
def _progress() -> None:
    """Redrawn twice a second while a job runs; the Cancel click lands here at once."""
    entry = st.session_state.get(_JOB)
    if entry is None:
        return
    _key, job, _path, _name = entry
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
server_limits = limits.current()
st.title("Video")
st.caption(
    "Upload a clip to get the skeleton on every frame, joint angles over time and a "
    "moving 3D skeleton. Detection uses the sidebar's settings and tracks people from "
    "frame to frame. Files stay in this browser session and are deleted when it ends."
)
_harvest()

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
        "Resolution cap", list(RESOLUTION_CAPS), format_func=RESOLUTION_CAPS.get, key=MAX_SIDE,
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

options = {"stride": int(stride), "max_side": max_side, "smoothing": smoothing}

if upload is None:
    st.info(
        f"Drag and drop a clip ({SUPPORTED_CONTAINERS}) onto the box above, or click "
        "**Upload**. A few seconds of one person moving works best.",
        icon=":material/upload:",
    )
else:
    digest = _digest(upload)
    input_path, info, error = _probe(upload, digest)
    key = (digest, settings.detector, int(stride), max_side, smoothing)
    job_entry = st.session_state.get(_JOB)
    results: dict = st.session_state.get(_RESULTS, {})
    error = error or st.session_state.get(_ERRORS, {}).get(key)
    result = results.get(key)
    shown_key = key if result is not None else st.session_state.get(_LATEST, {}).get(digest)
    shown = results.get(shown_key) if shown_key is not None else None

    if job_entry is not None:
        st.subheader(f"Analysing {report.plain(job_entry[3])}", anchor=False)
        _progress()
    elif error is not None:
        st.error(
            f"**Could not analyse {report.plain(upload.name)}.** {report.plain(error)}",
            icon=":material/broken_image:",
        )
    elif result is None or result.cancelled:
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
            st.session_state.get(_RESULTS, {}).pop(key, None)
            _start(key, input_path, info, options, upload.name)
            st.rerun()

    if job_entry is None and error is None and shown is not None:
        st.subheader(report.plain(upload.name), anchor=False, divider="orange")
        try:
            VIEW.show(shown, upload.name, settings.visibility_threshold)
        except Exception as exc:  # a display bug must not take the page down
            LOGGER.exception("Showing a video result failed")
            st.error(f"Could not display the result: {report.plain(str(exc))}")
