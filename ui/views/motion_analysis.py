"""The motion analysis' Streamlit parts: the counted curve and per-rep table of a clip or
recording, the session's taught pose classes and reference pose, and the live config.

The taught classes (a :class:`~pose_core.motion.PoseClassifier`) and the reference pose
are per browser session, in session state; the Poses page teaches them, the Webcam page
uses them live and the Video page along a clip.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pose_core.figures.reps import figure_class_timeline, figure_rep_curve
from pose_core.motion import (
    MotionConfig,
    PoseClassifier,
    ReferencePose,
    RepConfig,
    class_timeline,
    count_class_sequence,
    rep_rows,
)
from pose_core.motion.series import count_person
from pose_core.timeseries import to_csv_bytes
from pose_core.video import VideoResult
from ui.state.motion import SEQUENCE, motion_session
from ui.words.text import plain

REP_COLUMNS = {
    "rep": st.column_config.NumberColumn("Rep"),
    "start_s": st.column_config.NumberColumn("Start (s)", format="%.2f"),
    "end_s": st.column_config.NumberColumn("End (s)", format="%.2f"),
    "duration_s": st.column_config.NumberColumn("Duration (s)", format="%.2f"),
    "min_angle": st.column_config.NumberColumn("Min angle", format="%.0f°"),
    "max_angle": st.column_config.NumberColumn("Max angle", format="%.0f°"),
    "range_of_motion": st.column_config.NumberColumn("Range of motion", format="%.0f°"),
}


def classifier() -> PoseClassifier:
    """This session's taught pose classes (empty at first)."""
    return motion_session().classifier


def reference() -> ReferencePose | None:
    return motion_session().reference


def sequence() -> tuple[str, ...] | None:
    """The class sequence that counts reps instead of the angle, if the user set one."""
    value = st.session_state.get(SEQUENCE)
    labels = classifier().labels
    if not value or any(v not in labels for v in value) or len(value) < 2:
        return None
    return tuple(value)


def live_config(reps: RepConfig | None, *, use_classes: bool, use_reference: bool) -> MotionConfig:
    """The live stream's motion config (see :meth:`MotionSession.live_config`)."""
    return motion_session().live_config(
        reps, sequence(), use_classes=use_classes, use_reference=use_reference
    )


def rep_table(rows: list[dict[str, float]], *, key: str) -> None:
    if not rows:
        st.caption("No rep counted yet.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=key,
                 column_config=REP_COLUMNS)  # fmt: skip


def reps_and_poses(
    result: VideoResult, person: int, angles: pd.DataFrame, reps: RepConfig | None,
    *, stem: str, key: str,
) -> None:  # fmt: skip
    """The Video page's (and a recording's) rep counter and class timeline."""
    if reps is None:
        st.info(
            "Choose an exercise under **Rep counter** in the sidebar to count reps on this "
            "clip. Moving its thresholds recounts at once, from the stored angles.",
            icon=":material/fitness_center:",
        )
    else:
        counted = count_person(angles, person, reps)
        name = reps.joint.replace("_", " ")
        side = "" if len(reps.columns) == 1 else f" ({reps.side})"
        st.metric("Reps", counted.count)
        st.plotly_chart(
            figure_rep_curve(counted, f"{name.capitalize()} angle{side} — person {person + 1}"),
            key=f"{key}_curve", theme=None, config={"displaylogo": False},
        )  # fmt: skip
        st.caption(
            f"A rep goes from beyond the {'upper' if reps.active == 'below' else 'lower'} "
            f"threshold past the other and back, in at least {reps.min_duration_s:g} s. "
            "Set the thresholds in the sidebar (**Rep counter**): the count follows at once. "
            "Gaps are frames where the angle rests on landmarks below visibility "
            f"{reps.min_visibility:g}; a gap over {reps.max_gap_s:g} s drops the rep under way."
        )
        rows = rep_rows(counted.reps)
        rep_table(rows, key=f"{key}_table")
        if rows:
            st.download_button(
                "Reps CSV", to_csv_bytes(pd.DataFrame(rows)), file_name=f"{stem}_reps.csv",
                mime="text/csv", key=f"{key}_csv", icon=":material/table:", on_click="ignore",
            )  # fmt: skip
    clf = classifier()
    if not clf.ready:
        st.caption("Teach two or more pose classes on the **Poses** page to see them here.")
        return
    rows_of = result.table.for_person(person)
    _, smoothed = class_timeline(clf, rows_of, result.frame_width, result.frame_height)
    st.plotly_chart(
        figure_class_timeline(rows_of.time_s, smoothed, clf.labels),
        key=f"{key}_classes", theme=None, config={"displaylogo": False},
    )  # fmt: skip
    seen = pd.Series([s for s in smoothed if s is not None]).value_counts()
    if len(seen):
        st.caption(
            "Frames per class: " + ", ".join(f"{plain(str(c))} {n}" for c, n in seen.items())
        )
    seq = sequence()
    if seq:
        counted_seq = count_class_sequence(rows_of.time_s, smoothed, seq)
        st.metric(f"Reps by classes ({' → '.join(seq)})", len(counted_seq))
