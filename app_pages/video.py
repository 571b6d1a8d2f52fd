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

import numpy as np
import pandas as pd
import streamlit as st

from pose_core import CAMERA_PRESETS, LANDMARK_NAMES
from pose_core.figures_video import (
    figure_3d_animation,
    figure_angles_over_time,
    figure_coordinates_over_time,
)
from pose_core.smoothing import SmoothingParams
from pose_core.timeseries import ANGLE_NAMES, angle_table, to_csv_bytes, to_parquet_bytes
from pose_core.video import (
    SUPPORTED_CONTAINERS,
    VideoDecodeError,
    VideoInfo,
    VideoJob,
    VideoResult,
    probe_video,
    read_frame_at,
)
from ui import report, settings_panel

LOGGER = logging.getLogger(__name__)
VIDEO_TYPES = ["mp4", "m4v", "mov", "webm", "mkv", "avi"]
# Results kept per session (each holds its annotated video on disk and ~1 KB per
# person-frame in memory); the oldest go first.
MAX_RESULTS = 4
RESOLUTION_CAPS = {None: "Original", 1920: "1920 px", 1280: "1280 px", 960: "960 px", 640: "640 px"}
MIN_CUTOFFS = [0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0]
BETAS = [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0]
DEFAULT_JOINTS = ["left_knee", "right_knee", "left_elbow", "right_elbow"]
DEFAULT_LANDMARKS = ["left_wrist", "right_wrist"]

# Session-state keys.
UPLOAD = "video_upload"
STRIDE = "video_stride"
MAX_SIDE = "video_max_side"
SMOOTH = "video_smoothing"
MIN_CUTOFF = "video_min_cutoff"
BETA = "video_beta"
CURSOR = "video_cursor"
PERSON = "video_person"
ANGLES_CHART = "video_angles_chart"
COORDS_CHART = "video_coords_chart"
_TMP = "_video_tmpdir"
_RESULTS = "_video_results"
_LATEST = "_video_latest"
_JOB = "_video_job"
_ERRORS = "_video_errors"
_DIGESTS = "_video_digests"
_PROBES = "_video_probes"
_LAST_CLICK = "_video_last_click"
_FRAME_CACHE = "_video_frame_cache"
_RUNS = "_video_runs"
_CURSOR_FOR = "_video_cursor_for"


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
            probes[digest] = (path, probe_video(path), None)
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


# ---- results -------------------------------------------------------------------------


def _frame_at(result: VideoResult, time_s: float) -> np.ndarray | None:
    cache: dict = st.session_state.setdefault(_FRAME_CACHE, {})
    key = (str(result.video_path), round(time_s, 3))
    if key not in cache:
        cache.clear()  # one frame is enough: it is the one on screen
        cache[key] = read_frame_at(result.video_path, time_s) if result.video_path else None
    return cache[key]


def _cursor_from_click(result: VideoResult) -> None:
    """A click on a chart point moves the cursor (before the slider is drawn)."""
    for chart in (ANGLES_CHART, COORDS_CHART):
        event = st.session_state.get(chart)
        points = (event or {}).get("selection", {}).get("points", []) if event else []
        if not points or points[0].get("x") is None:
            continue
        token = (chart, points[0]["x"])
        if st.session_state.get(_LAST_CLICK) != token:
            st.session_state[_LAST_CLICK] = token
            position = result.nearest_frame(float(points[0]["x"]))
            st.session_state[CURSOR] = float(result.frame_time_s[position])


def _prepare_cursor(result: VideoResult, person: int | None) -> None:
    """Set the cursor before any tab uses it: a chart click moves it; a new result or
    person puts it on that person's first frame; it always lies within the clip."""
    _cursor_from_click(result)
    times = result.frame_time_s
    shown = (id(result), person)
    if st.session_state.get(_CURSOR_FOR) != shown or st.session_state.get(CURSOR) is None:
        st.session_state[_CURSOR_FOR] = shown
        rows = result.table.time_s[result.table.person == person]
        st.session_state[CURSOR] = float(rows[0] if len(rows) else times[0])
    st.session_state[CURSOR] = float(np.clip(st.session_state[CURSOR], times[0], times[-1]))


def _metrics(result: VideoResult, threshold: float) -> None:
    summary = result.summary(threshold)
    cols = st.columns(5)
    cols[0].metric("Frames analysed", summary.frames_analysed)
    cols[1].metric("With a person", f"{summary.person_ratio:.0%}")
    cols[2].metric("People tracked", summary.people)
    cols[3].metric("Duration", f"{result.duration_s:.1f} s")
    cols[4].metric("Processing speed", f"{result.processing_fps:.1f} fps")
    st.caption(
        f"{report.settings_caption(result.settings)} · one frame in {result.stride} · "
        f"{result.frame_width} × {result.frame_height} px · "
        + (
            f"One Euro smoothing (min cut-off {result.smoothing.min_cutoff:g} Hz, "
            f"beta {result.smoothing.beta:g})"
            if result.smoothing
            else "no smoothing"
        )
    )


def _person_picker(result: VideoResult) -> int | None:
    people = result.table.persons
    if not people:
        return None
    counts = {p: int((result.table.person == p).sum()) for p in people}
    if len(people) == 1:
        return people[0]
    if st.session_state.get(PERSON) not in people:
        st.session_state[PERSON] = people[0]
    return st.selectbox(
        "Person",
        people,
        key=PERSON,
        format_func=lambda p: f"Person {p + 1} ({counts[p]} frames)",
        help="People are numbered in the order they appear; the most seen is first.",
    )


def _time_series(result: VideoResult, person: int | None, threshold: float, angles) -> None:
    times = result.frame_time_s
    step = float(np.median(np.diff(times))) if len(times) > 1 else 0.1
    cursor = st.slider(
        "Cursor (s)",
        min_value=float(times[0]),
        max_value=float(max(times[-1], times[0] + step)),
        step=round(step, 3) or 0.001,
        key=CURSOR,
        format="%.2f",
        help="The frame shown, marked on the charts and where the video and the 3D "
        "playback start. Clicking a point on a chart moves it too.",
    )
    position = result.nearest_frame(cursor)
    cursor = float(times[position])
    left, right = st.columns([3, 2], gap="medium")
    with left:
        frame = _frame_at(result, cursor)
        if frame is not None:
            st.image(frame, caption=f"Frame {result.frame_index[position]} at {cursor:.2f} s")
    with right:
        rows = angles[(angles["frame"] == result.frame_index[position])]
        if person is not None:
            rows = rows[rows["person"] == person]
        if len(rows):
            row = rows.iloc[0]
            values = pd.DataFrame(
                {
                    "joint": [n.replace("_", " ").capitalize() for n in ANGLE_NAMES],
                    "angle": [row[n] for n in ANGLE_NAMES],
                    "visibility": [row[f"{n}_visibility"] for n in ANGLE_NAMES],
                }
            )
            st.dataframe(
                values,
                hide_index=True,
                width="stretch",
                key="video_angles_at_cursor",
                column_config={
                    "joint": st.column_config.TextColumn("Joint"),
                    "angle": st.column_config.ProgressColumn(
                        "Angle", min_value=0, max_value=180, format="%.0f°"
                    ),
                    "visibility": st.column_config.NumberColumn("Visibility", format="%.2f"),
                },
            )
        else:
            st.info("No person in this frame.", icon=":material/person_off:")

    joints = st.multiselect(
        "Joint angles",
        ANGLE_NAMES,
        default=DEFAULT_JOINTS,
        key="video_joints",
        format_func=lambda n: n.replace("_", " "),
    )
    st.plotly_chart(
        figure_angles_over_time(
            angles, joints, person=person, cursor_time=cursor, visibility_threshold=threshold
        ),
        key=ANGLES_CHART,
        on_select="rerun",
        selection_mode="points",
        theme=None,
        config={"displaylogo": False},
    )
    cols = st.columns([2, 1])
    names = cols[0].multiselect(
        "Landmarks",
        LANDMARK_NAMES,
        default=DEFAULT_LANDMARKS,
        key="video_landmarks",
        format_func=lambda n: n.replace("_", " "),
    )
    coordinates = cols[1].multiselect(
        "Coordinates",
        ["x", "y", "z", "world_x", "world_y", "world_z"],
        default=["x", "y"],
        key="video_coordinates",
        help="x and y in pixels of the analysed frames; z is MediaPipe's relative depth; "
        "world coordinates are in metres from the hips.",
    )
    st.plotly_chart(
        figure_coordinates_over_time(
            result.table,
            names,
            coordinates=coordinates,
            person=person,
            cursor_time=cursor,
            frame_size=(result.frame_width, result.frame_height),
            visibility_threshold=threshold,
        ),
        key=COORDS_CHART,
        on_select="rerun",
        selection_mode="points",
        theme=None,
        config={"displaylogo": False},
    )
    st.caption(
        "Faint stretches rest on landmarks below the visibility threshold; gaps are "
        "frames where this person was not found."
    )


def _jitter(result: VideoResult) -> None:
    jitter = result.jitter()
    st.markdown("**Jitter** — mean frame-to-frame movement of visible landmarks")
    cols = st.columns(2)
    if result.smoothing is None:
        cols[0].metric("Image landmarks", _num(jitter["raw_px"], "px"))
        cols[1].metric("World landmarks", _num(jitter["raw_mm"], "mm"))
        st.caption("Turn on smoothing above to compare with the One Euro filter.")
        return
    cols[0].metric(
        "Image landmarks, smoothed",
        _num(jitter["smoothed_px"], "px"),
        delta=_num(jitter["smoothed_px"] - jitter["raw_px"], "px"),
        delta_color="inverse",
        help=f"Raw: {_num(jitter['raw_px'], 'px')}",
    )
    cols[1].metric(
        "World landmarks, smoothed",
        _num(jitter["smoothed_mm"], "mm"),
        delta=_num(jitter["smoothed_mm"] - jitter["raw_mm"], "mm"),
        delta_color="inverse",
        help=f"Raw: {_num(jitter['raw_mm'], 'mm')}",
    )
    st.caption(
        "On a still subject all of this movement is jitter; with motion it also includes "
        "the real movement, so compare the raw and smoothed values of the same clip."
    )


def _num(value: float, unit: str) -> str:
    return "–" if not np.isfinite(value) else f"{value:.2f} {unit}"


def _show(result: VideoResult, name: str) -> None:
    threshold = settings.visibility_threshold
    for warning in result.warnings:
        st.warning(warning, icon=":material/warning:")
    if result.cancelled:
        st.warning(
            f"Cancelled: these results cover the first {result.duration_s:.1f} s "
            f"({result.frames_analysed} analysed frames) only.",
            icon=":material/stop_circle:",
        )
    _metrics(result, threshold)
    if not len(result.table):
        st.warning(
            "No person was found in any analysed frame. Try a clip where a whole person "
            "is visible and large enough, or lower the detection and presence confidence "
            "in the sidebar.",
            icon=":material/person_off:",
        )
    person = _person_picker(result)
    _prepare_cursor(result, person)
    angles = angle_table(result.table)
    stem = report.safe_stem(name)
    tab_video, tab_series, tab_3d, tab_data = st.tabs(
        [":material/movie: Annotated video", ":material/show_chart: Time series",
         ":material/view_in_ar: 3D playback", ":material/table: Data & downloads"]
    )  # fmt: skip
    with tab_video:
        if result.video_path is not None and result.video_path.exists():
            video_col, _ = st.columns([4, 1])
            video_col.video(
                str(result.video_path),
                format=result.video_mime or "video/mp4",
                start_time=int(st.session_state.get(CURSOR) or 0),
            )
            video_col.caption(
                "The skeleton is drawn with the display settings in force when the clip "
                "was analysed. Orange is a person's left side, blue their right (each "
                "person has a colour of their own when several are found)."
            )
    with tab_series:
        if person is None:
            st.info("No person to plot.", icon=":material/person_off:")
        else:
            _time_series(result, person, threshold, angles)
            _jitter(result)
    with tab_3d:
        if person is None:
            st.info("No person to show.", icon=":material/person_off:")
        else:
            camera = st.segmented_control(
                "Camera", list(CAMERA_PRESETS), default="front", required=True,
                format_func=report.CAMERA_LABELS.get, key="video_camera",
            )  # fmt: skip
            st.plotly_chart(
                figure_3d_animation(
                    result.table,
                    person=person,
                    visibility_threshold=threshold,
                    camera=camera or "front",
                    start_time=st.session_state.get(CURSOR),
                ),
                key="video_3d",
                theme=None,
                config={"displaylogo": False},
            )
            st.caption(
                "Press Play, or drag the slider. Axes stay fixed for the whole clip; long "
                "clips are sampled down to 300 frames. Orange is the person's left side, "
                "blue their right; faint joints are below the visibility threshold."
            )
    with tab_data:
        summary = result.summary(threshold)
        st.markdown(
            f"**{summary.frames_with_person} of {summary.frames_analysed}** analysed frames "
            f"have a person; **{len(result.table)}** person-frames in the table."
        )
        st.dataframe(
            summary.mean_visibility,
            hide_index=True,
            width="stretch",
            key="video_visibility",
            column_config={
                "landmark": st.column_config.TextColumn("Landmark"),
                "mean_visibility": st.column_config.ProgressColumn(
                    "Mean visibility", min_value=0.0, max_value=1.0, format="%.2f"
                ),
                "visible_share": st.column_config.ProgressColumn(
                    f"Share ≥ {threshold:.2f}", min_value=0.0, max_value=1.0, format="percent"
                ),
            },
        )
        table = result.table
        # Downloads are built when clicked, not on every rerun.
        cols = st.columns(4)
        if result.video_path is not None and result.video_path.exists():
            cols[0].download_button(
                "Annotated video", lambda: result.video_path.read_bytes(),
                file_name=f"{stem}_pose{result.video_path.suffix}",
                mime=result.video_mime, key="video_dl_video", icon=":material/movie:",
                width="stretch", on_click="ignore",
            )  # fmt: skip
        cols[1].download_button(
            "Landmarks CSV", lambda: to_csv_bytes(table.to_dataframe()),
            file_name=f"{stem}_landmarks.csv", mime="text/csv", key="video_dl_csv",
            icon=":material/table:", width="stretch", on_click="ignore",
        )  # fmt: skip
        cols[2].download_button(
            "Landmarks Parquet", lambda: to_parquet_bytes(table.to_dataframe()),
            file_name=f"{stem}_landmarks.parquet", mime="application/vnd.apache.parquet",
            key="video_dl_parquet", icon=":material/dataset:", width="stretch",
            on_click="ignore",
        )  # fmt: skip
        cols[3].download_button(
            "Joint angles CSV", lambda: to_csv_bytes(angles),
            file_name=f"{stem}_angles.csv", mime="text/csv", key="video_dl_angles",
            icon=":material/straighten:", width="stretch", on_click="ignore",
        )  # fmt: skip
        st.caption(
            "One row per frame, person and landmark: x and y are 0–1 across the analysed "
            "frame, z is relative depth, world x/y/z are metres from the hips (y down)."
        )
        if person is not None:
            st.dataframe(
                table.for_person(person).to_dataframe().head(10 * 33),
                hide_index=True,
                width="stretch",
                key="video_table_preview",
            )
            st.caption(f"The first 10 frames of person {person + 1}; the downloads have all.")


# ---- page ----------------------------------------------------------------------------

settings = settings_panel.current()
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
    help=f"Up to {st.get_option('server.maxUploadSize')} MB, 4K at most.",
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
            default = SmoothingParams()
            min_cutoff = st.select_slider(
                "Min. cut-off (Hz)", MIN_CUTOFFS, value=default.min_cutoff, key=MIN_CUTOFF,
                help="Lower: steadier still joints, more lag.",
            )  # fmt: skip
            beta = st.select_slider(
                "Beta (speed response)", BETAS, value=default.beta, key=BETA,
                help="Higher: less lag on fast moves, a little more jitter.",
            )  # fmt: skip
            smoothing = SmoothingParams(min_cutoff=min_cutoff, beta=beta)

options = {"stride": int(stride), "max_side": max_side, "smoothing": smoothing}

if upload is None:
    st.info(
        f"Drag and drop a clip ({SUPPORTED_CONTAINERS}) onto the box above, or click "
        "**Browse files**. A few seconds of one person moving works best.",
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
            _show(shown, upload.name)
        except Exception as exc:  # a display bug must not take the page down
            LOGGER.exception("Showing a video result failed")
            st.error(f"Could not display the result: {report.plain(str(exc))}")
