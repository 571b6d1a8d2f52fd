"""Views of landmarks over time, shared by the Video and Webcam pages.

:class:`MotionView` renders a :class:`~pose_core.video.VideoResult` (an analysed clip or
a webcam recording turned into one): headline metrics, a person picker, joint-angle and
coordinate curves with a cursor, the jitter readout, the animated 3D skeleton, the
per-landmark visibility summary and CSV/Parquet downloads. Widget and session-state keys
carry the page's prefix (``video_cursor``, ``_video_frame_cache``...), so two pages keep
their own cursor and selections.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

from pose_core import LANDMARK_NAMES, recommended
from pose_core.angles import ANGLE_NAMES
from pose_core.export import ExportError
from pose_core.figures import (
    figure_3d_animation,
    figure_angles_over_time,
    figure_coordinates_over_time,
)
from pose_core.smoothing import SmoothingParams
from pose_core.timeseries import (
    VideoSummary,
    angle_table,
    to_csv_bytes,
    to_parquet_bytes,
)
from pose_core.video import VideoResult, read_frame_at
from ui.state.session import session_object
from ui.views import exports, motion_analysis, report
from ui.widgets import settings_panel
from ui.words.text import plain, safe_stem

# Choices of the One Euro filter sliders (Video and Webcam pages).
MIN_CUTOFFS = [0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0]
BETAS = [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0]


def smoothing_sliders(*, min_cutoff_key: str, beta_key: str) -> SmoothingParams:
    """The One Euro filter's two sliders (shared by the Video and Webcam pages)."""
    default = recommended().smoothing
    min_cutoff = st.select_slider(
        "Min. cut-off (Hz)", MIN_CUTOFFS, value=default.min_cutoff, key=min_cutoff_key,
        help="Lower: steadier still joints, more lag.",
    )  # fmt: skip
    beta = st.select_slider(
        "Beta (speed response)", BETAS, value=default.beta, key=beta_key,
        help="Higher: less lag on fast moves, a little more jitter.",
    )  # fmt: skip
    return SmoothingParams(min_cutoff=min_cutoff, beta=beta)


DEFAULT_JOINTS = ["left_knee", "right_knee", "left_elbow", "right_elbow"]
DEFAULT_LANDMARKS = ["left_wrist", "right_wrist"]


@dataclasses.dataclass(frozen=True)
class _FrameAt:
    video: str
    time_s: float


@dataclasses.dataclass(frozen=True)
class _Click:
    chart: str
    x: float


@dataclasses.dataclass(frozen=True)
class _Shown:
    result_id: int
    person: int | None


@dataclasses.dataclass
class _ViewMemory:
    """What one view remembers between reruns besides its widgets: the frame on screen,
    the chart click already followed, and which result and person the cursor is for."""

    frame_at: _FrameAt | None = None
    frame: np.ndarray | None = None
    last_click: _Click | None = None
    cursor_for: _Shown | None = None


class MotionView:
    """Renders one result with the widgets of one page.

    Args:
        prefix: Start of every widget and session-state key ("video" gives
            ``video_cursor``, ``video_joints``, ``_video_view``...).
        video_tab: Show the "Annotated video" tab (the result has a video file).
    """

    def __init__(self, prefix: str, *, video_tab: bool = True) -> None:
        self.prefix = prefix
        self.video_tab = video_tab
        self.cursor = self.key("cursor")
        self.person_key = self.key("person")
        self.angles_chart = self.key("angles_chart")
        self.coords_chart = self.key("coords_chart")

    def key(self, name: str) -> str:
        """``prefix_name``, or ``_prefix_name`` for a private name (``_name``)."""
        return f"_{self.prefix}{name}" if name.startswith("_") else f"{self.prefix}_{name}"

    @property
    def _memory(self) -> _ViewMemory:
        return session_object(self.key("_view"), _ViewMemory)

    def _frame_at(self, result: VideoResult, time_s: float) -> np.ndarray | None:
        memory = self._memory
        at = _FrameAt(str(result.video_path), round(time_s, 3))
        if memory.frame_at != at:  # one frame is kept: the one on screen
            memory.frame_at = at
            memory.frame = read_frame_at(result.video_path, time_s) if result.video_path else None
        return memory.frame

    def _cursor_from_click(self, result: VideoResult) -> None:
        """A click on a chart point moves the cursor (before the slider is drawn)."""
        for chart in (self.angles_chart, self.coords_chart):
            event = st.session_state.get(chart)
            points = (event or {}).get("selection", {}).get("points", []) if event else []
            if not points or points[0].get("x") is None:
                continue
            click = _Click(chart, float(points[0]["x"]))
            if self._memory.last_click != click:
                self._memory.last_click = click
                position = result.nearest_frame(float(points[0]["x"]))
                st.session_state[self.cursor] = float(result.frame_time_s[position])

    def _prepare_cursor(self, result: VideoResult, person: int | None) -> None:
        """Set the cursor before any tab uses it: a chart click moves it; a new result or
        person puts it on that person's first frame; it always lies within the clip."""
        self._cursor_from_click(result)
        times = result.frame_time_s
        shown = _Shown(id(result), person)
        if self._memory.cursor_for != shown or st.session_state.get(self.cursor) is None:
            self._memory.cursor_for = shown
            rows = result.table.time_s[result.table.person == person]
            st.session_state[self.cursor] = float(rows[0] if len(rows) else times[0])
        st.session_state[self.cursor] = float(
            np.clip(st.session_state[self.cursor], times[0], times[-1])
        )

    def _metrics(self, result: VideoResult, summary: VideoSummary) -> None:
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

    def _person_picker(self, result: VideoResult) -> int | None:
        people = result.table.persons
        if not people:
            return None
        counts = {p: int((result.table.person == p).sum()) for p in people}
        if len(people) == 1:
            return people[0]
        if st.session_state.get(self.person_key) not in people:
            st.session_state[self.person_key] = people[0]
        return st.selectbox(
            "Person",
            people,
            key=self.person_key,
            format_func=lambda p: f"Person {p + 1} ({counts[p]} frames)",
            help="People are numbered in the order they appear; the most seen is first.",
        )

    def _time_series(
        self, result: VideoResult, person: int | None, threshold: float, angles: pd.DataFrame
    ) -> None:
        times = result.frame_time_s
        step = float(np.median(np.diff(times))) if len(times) > 1 else 0.1
        cursor = st.slider(
            "Cursor (s)",
            min_value=float(times[0]),
            max_value=float(max(times[-1], times[0] + step)),
            step=round(step, 3) or 0.001,
            key=self.cursor,
            format="%.2f",
            help="The frame shown, marked on the charts and where the video and the 3D "
            "playback start. Clicking a point on a chart moves it too.",
        )
        position = result.nearest_frame(cursor)
        cursor = float(times[position])
        left, right = st.columns([3, 2], gap="medium")
        with left:
            frame = self._frame_at(result, cursor)
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
                    key=self.key("angles_at_cursor"),
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
            key=self.key("joints"),
            format_func=lambda n: n.replace("_", " "),
        )
        st.plotly_chart(
            figure_angles_over_time(
                angles, joints, person=person, cursor_time=cursor, visibility_threshold=threshold
            ),
            key=self.angles_chart,
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
            key=self.key("landmarks"),
            format_func=lambda n: n.replace("_", " "),
        )
        coordinates = cols[1].multiselect(
            "Coordinates",
            ["x", "y", "z", "world_x", "world_y", "world_z"],
            default=["x", "y"],
            key=self.key("coordinates"),
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
            key=self.coords_chart,
            on_select="rerun",
            selection_mode="points",
            theme=None,
            config={"displaylogo": False},
        )
        st.caption(
            "Faint stretches rest on landmarks below the visibility threshold; gaps are "
            "frames where this person was not found."
        )

    def _jitter(self, result: VideoResult) -> None:
        jitter = result.jitter()
        st.markdown("**Jitter** — mean frame-to-frame movement of visible landmarks")
        cols = st.columns(2)
        if result.smoothing is None:
            cols[0].metric("Image landmarks", self._num(jitter["raw_px"], "px"))
            cols[1].metric("World landmarks", self._num(jitter["raw_mm"], "mm"))
            st.caption("Turn on smoothing above to compare with the One Euro filter.")
            return
        cols[0].metric(
            "Image landmarks, smoothed",
            self._num(jitter["smoothed_px"], "px"),
            delta=self._num(jitter["smoothed_px"] - jitter["raw_px"], "px"),
            delta_color="inverse",
            help=f"Raw: {self._num(jitter['raw_px'], 'px')}",
        )
        cols[1].metric(
            "World landmarks, smoothed",
            self._num(jitter["smoothed_mm"], "mm"),
            delta=self._num(jitter["smoothed_mm"] - jitter["raw_mm"], "mm"),
            delta_color="inverse",
            help=f"Raw: {self._num(jitter['raw_mm'], 'mm')}",
        )
        st.caption(
            "On a still subject all of this movement is jitter; with motion it also includes "
            "the real movement, so compare the raw and smoothed values of the same clip."
        )

    def _num(self, value: float, unit: str) -> str:
        return "–" if not np.isfinite(value) else f"{value:.2f} {unit}"

    def _video(self, result: VideoResult) -> None:
        if result.video_path is not None and result.video_path.exists():
            video_col, _ = st.columns([4, 1])
            video_col.video(
                str(result.video_path),
                format=result.video_mime or "video/mp4",
                start_time=int(st.session_state.get(self.cursor) or 0),
            )
            video_col.caption(
                "The skeleton is drawn with the display settings in force when the clip "
                "was analysed. Orange is a person's left side, blue their right (each "
                "person has a colour of their own when several are found)."
            )

    def show(self, result: VideoResult, name: str, threshold: float) -> None:
        """Render a result: warnings, metrics, person picker and the tabs."""
        for warning in result.warnings:
            st.warning(warning, icon=":material/warning:")
        if result.cancelled:
            st.warning(
                f"Cancelled: these results cover the first {result.duration_s:.1f} s "
                f"({result.frames_analysed} analysed frames) only.",
                icon=":material/stop_circle:",
            )
        summary = result.summary(threshold)  # for the metrics and the data tab
        self._metrics(result, summary)
        if not len(result.table):
            st.warning(
                "No person was found in any analysed frame. Try a clip where a whole person "
                "is visible and large enough, or lower the detection and presence confidence "
                "in the sidebar.",
                icon=":material/person_off:",
            )
        person = self._person_picker(result)
        self._prepare_cursor(result, person)
        angles = angle_table(result.table)
        stem = safe_stem(name)
        labels = [":material/show_chart: Time series",
                  ":material/fitness_center: Reps & poses", ":material/view_in_ar: 3D playback",
                  ":material/table: Data & downloads"]  # fmt: skip
        if self.video_tab:
            labels.insert(0, ":material/movie: Annotated video")
        tabs = st.tabs(labels)
        tab_series, tab_reps, tab_3d, tab_data = tabs[-4:]
        if self.video_tab:
            with tabs[0]:
                self._video(result)
        with tab_series:
            if person is None:
                st.info("No person to plot.", icon=":material/person_off:")
            else:
                self._time_series(result, person, threshold, angles)
                self._jitter(result)
        with tab_reps:
            if person is None:
                st.info("No person to count.", icon=":material/person_off:")
            else:
                motion_analysis.reps_and_poses(
                    result, person, angles, settings_panel.current().reps, stem=stem,
                    key=self.key("reps"),
                )  # fmt: skip
        with tab_3d:
            if person is None:
                st.info("No person to show.", icon=":material/person_off:")
            else:
                self._playback_3d(result, person, threshold)
        with tab_data:
            self._data(result, summary, person, threshold=threshold, angles=angles, stem=stem)

    def _playback_3d(self, result: VideoResult, person: int, threshold: float) -> None:
        """The 3D playback tab: camera, the exported skeleton read back, the animation."""
        controls = st.columns([2, 3])
        with controls[0]:
            camera = st.segmented_control(
                "Camera", list(report.CAMERA_LABELS), default="front", required=True,
                format_func=report.CAMERA_LABELS.__getitem__, key=self.key("camera"),
            )  # fmt: skip
        overlay = None
        with controls[1]:
            if st.checkbox(
                "Show the exported skeleton (BVH, read back)",
                key=self.key("show_export"),
                help="The BVH download, read back joint by joint (forward "
                "kinematics), drawn in white over the landmarks: check that the "
                "export follows the person before taking it to Blender or Unity.",
            ):
                try:
                    overlay = exports.exported_skeleton(result, person, threshold)
                except ExportError as exc:
                    st.caption(plain(str(exc)))
        st.plotly_chart(
            figure_3d_animation(
                result.table,
                person=person,
                visibility_threshold=threshold,
                camera=camera or "front",
                start_time=st.session_state.get(self.cursor),
                overlay=overlay,
            ),
            key=self.key("3d"),
            theme=None,
            config={"displaylogo": False},
        )
        st.caption(
            "Press Play, or drag the slider. Axes stay fixed for the whole clip; long "
            "clips are sampled down to 300 frames. Orange is the person's left side, "
            "blue their right; faint joints are below the visibility threshold."
        )

    def _data(
        self, result: VideoResult, summary: VideoSummary, person: int | None, *,
        threshold: float, angles: pd.DataFrame, stem: str,
    ) -> None:  # fmt: skip
        """The data tab: visibility per landmark, the downloads and a preview."""
        st.markdown(
            f"**{summary.frames_with_person} of {summary.frames_analysed}** analysed frames "
            f"have a person; **{len(result.table)}** person-frames in the table."
        )
        st.dataframe(
            summary.mean_visibility,
            hide_index=True,
            width="stretch",
            key=self.key("visibility"),
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
        video_path = result.video_path
        if video_path is not None and video_path.exists():
            cols[0].download_button(
                "Annotated video", video_path.read_bytes,
                file_name=f"{stem}_pose{video_path.suffix}",
                mime=result.video_mime, key=self.key("dl_video"), icon=":material/movie:",
                width="stretch", on_click="ignore",
            )  # fmt: skip
        cols[1].download_button(
            "Landmarks CSV", lambda: to_csv_bytes(table.to_dataframe()),
            file_name=f"{stem}_landmarks.csv", mime="text/csv", key=self.key("dl_csv"),
            icon=":material/table:", width="stretch", on_click="ignore",
        )  # fmt: skip
        cols[2].download_button(
            "Landmarks Parquet", lambda: to_parquet_bytes(table.to_dataframe()),
            file_name=f"{stem}_landmarks.parquet", mime="application/vnd.apache.parquet",
            key=self.key("dl_parquet"), icon=":material/dataset:", width="stretch",
            on_click="ignore",
        )  # fmt: skip
        cols[3].download_button(
            "Joint angles CSV", lambda: to_csv_bytes(angles),
            file_name=f"{stem}_angles.csv", mime="text/csv", key=self.key("dl_angles"),
            icon=":material/straighten:", width="stretch", on_click="ignore",
        )  # fmt: skip
        st.caption(
            "One row per frame, person and landmark: x and y are 0–1 across the analysed "
            "frame, z is relative depth, world x/y/z are metres from the hips (y down)."
        )
        if person is not None:
            st.markdown("**Motion for animation and biomechanics**")
            exports.motion_downloads(
                result, person, stem, key=self.key("export"), threshold=threshold
            )
        if person is not None:
            st.dataframe(
                table.for_person(person).to_dataframe().head(10 * 33),
                hide_index=True,
                width="stretch",
                key=self.key("table_preview"),
            )
            st.caption(f"The first 10 frames of person {person + 1}; the downloads have all.")
