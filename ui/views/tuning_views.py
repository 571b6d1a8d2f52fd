"""What the Tuning lab page shows of its results: text, tables and charts."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import streamlit as st

from pose_core import MODEL_VARIANT_LABELS, tuning
from pose_core.settings import PERSON_DETECTOR_LABELS, ModelVariant, PersonDetectorName
from ui.state.tuning_lab import DetectorPick, Pick, Shown

T = TypeVar("T")

# The visibility thresholds the survival table lists.
SURVIVAL_TABLE_THRESHOLDS = (0.3, 0.5, 0.7, 0.9)


@dataclasses.dataclass(frozen=True)
class RunButton:
    """The button that runs a section's computation, and what it runs."""

    label: str
    key: str
    icon: str
    help: str
    action: Callable[[], None]


def computed_section(
    shown: Callable[[], Shown[T] | None],
    show: Callable[[T], None],
    *,
    not_run: str,
    not_run_icon: str,
    stale: str,
    run: RunButton | None = None,
) -> None:
    """One of the page's computed sections: its run button (if any), what to press
    while nothing has run, the result otherwise, under a note when it is from earlier
    images or settings."""
    if run is not None and st.button(run.label, key=run.key, icon=run.icon, help=run.help):
        run.action()
    result = shown()
    if result is None:
        st.info(not_run, icon=not_run_icon)
        return
    if not result.current:
        st.info(stale, icon=":material/history:")
    show(result.result)


def chart(container: Any, figure: Any, key: str) -> None:
    # theme=None keeps the figures' own dark style (Streamlit's theme recolours text).
    container.plotly_chart(figure, key=key, theme=None, config={"displaylogo": False})


def people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def percent(value: float | None) -> str:
    return "—" if value is None or np.isnan(value) else f"{value:.0%}"


def survival_table(survival: tuning.Survival) -> pd.DataFrame | None:
    """The share of each body part's landmarks kept at a few thresholds, as text (None
    if nobody was found)."""
    table = survival.fractions(SURVIVAL_TABLE_THRESHOLDS)
    if table.columns.empty:
        return None
    table.columns = [f"≥ {t:.1f}" for t in table.columns]
    return table.map(percent)


def comparison_table(comparison: tuning.Comparison) -> pd.DataFrame:
    """The comparison's summary, one row per variant, in :data:`COMPARISON_COLUMNS`."""
    summary = comparison.summary.copy()
    summary["variant"] = summary["variant"].map(MODEL_VARIANT_LABELS)
    return summary[list(COMPARISON_COLUMNS)]


COMPARISON_COLUMNS = {
    "variant": st.column_config.TextColumn("model"),
    "median_ms_people": st.column_config.NumberColumn(
        "median time",
        format="%.1f ms",
        help="Median inference time on this server, over images where the model found "
        "someone: only there does the landmark model (which differs between the three) run.",
    ),
    "median_ms": st.column_config.NumberColumn(
        "… all images",
        format="%.1f ms",
        help="Median over every image. With nobody in view only the person detector runs, "
        "and it is the same model in all three.",
    ),
    "relative_time": st.column_config.NumberColumn(
        "time vs Heavy", format="%.2f×", help="Median time relative to Heavy's."
    ),
    "people": st.column_config.NumberColumn("people"),
    "mean_visibility": st.column_config.NumberColumn("mean visibility", format="%.2f"),
    "matched": st.column_config.NumberColumn(
        "matched to Heavy", help="People paired with one Heavy found in the same image."
    ),
    "unmatched": st.column_config.NumberColumn(
        "unmatched", help="People found by this model or by Heavy but not both."
    ),
    "mean_px": st.column_config.NumberColumn(
        "distance to Heavy", format="%.1f px", help="Mean landmark distance, all landmarks."
    ),
    "mean_px_visible": st.column_config.NumberColumn(
        "… visible ones",
        format="%.1f px",
        help=f"Mean distance over landmarks Heavy sees (visibility ≥ "
        f"{tuning.AGREEMENT_VISIBILITY:.1f}).",
    ),
}


def detector_table(comparison: tuning.DetectorComparison) -> pd.DataFrame:
    """The person detector comparison's summary, one row per detector, in
    :data:`DETECTOR_COLUMNS`."""
    summary = comparison.summary.copy()
    summary["detector"] = summary["detector"].map(PERSON_DETECTOR_LABELS)
    return summary[list(DETECTOR_COLUMNS)]


DETECTOR_COLUMNS = {
    "detector": st.column_config.TextColumn("person detector"),
    "confidence": st.column_config.NumberColumn(
        "confidence",
        format="%.2f",
        help="The person confidence it ran at: its default (each detector's scores are on "
        "a scale of their own; MediaPipe's is its detection confidence).",
    ),
    "people": st.column_config.NumberColumn("people"),
    "images_with_people": st.column_config.NumberColumn("images with people"),
    "median_ms": st.column_config.NumberColumn(
        "median time",
        format="%.1f ms",
        help="Median time per image on this server, person detector and landmark model "
        "together (MoveNet and NanoDet read each person found separately).",
    ),
    "mean_visibility": st.column_config.NumberColumn("mean visibility", format="%.2f"),
}


def detector_people_table(comparison: tuning.DetectorComparison) -> pd.DataFrame:
    """People found and median time per image: one row per image, a people column and a
    time column per detector (``<label>`` and ``<label> ms``)."""
    rows: dict[str, dict[str, object]] = {}
    for record in comparison.found:
        row = rows.setdefault(record.image, {"image": record.label})
        label = PERSON_DETECTOR_LABELS[record.detector]
        row[label] = record.people
        row[f"{label} ms"] = record.median_ms
    return pd.DataFrame(list(rows.values()))


def detector_people_columns(table: pd.DataFrame) -> dict[str, Any]:
    """Column settings for :func:`detector_people_table`."""
    columns: dict[str, Any] = {"image": st.column_config.TextColumn("image")}
    for name in table.columns:
        if name.endswith(" ms"):
            columns[name] = st.column_config.NumberColumn(
                name, format="%.0f ms", help="Median time on this image."
            )
        elif name != "image":
            columns[name] = st.column_config.NumberColumn(name, help="People found.")
    return columns


def detector_overlay_caption(
    comparison: tuning.DetectorComparison, detector: PersonDetectorName, index: int
) -> str:
    """ "MoveNet: 3 people, 412 ms" for image ``index`` of the comparison."""
    runs = comparison.runs[detector]
    found = people(runs.results[index].num_poses)
    return f"{PERSON_DETECTOR_LABELS[detector]}: {found}, {runs.image_median_ms[index]:.0f} ms"


def applied_detector_text(pick: DetectorPick) -> str:
    """ "Applied: MoveNet, person confidence 0.05." """
    return (
        f"Applied: {PERSON_DETECTOR_LABELS[pick.detector]}, {pick.threshold.short} "
        f"{pick.confidence:.2f}."
    )


def applied_text(pick: Pick) -> str:
    """ "Applied: Heavy, MoveNet person confidence 0.10, presence 0.30, visibility 0.65." """
    return (
        f"Applied: {MODEL_VARIANT_LABELS[pick.model]}, {PERSON_DETECTOR_LABELS[pick.detector]} "
        f"{pick.threshold.short} {pick.detection:.2f}, presence {pick.presence:.2f}, "
        f"visibility {pick.visibility:.2f}."
    )


def overlay_caption(comparison: tuning.Comparison, variant: ModelVariant, index: int) -> str:
    """ "Lite: 1 person, 4.2 px from Heavy" for image ``index`` of the comparison."""
    result = comparison.runs[variant].results[index]
    distance = comparison.distance(variant, comparison.images[index].key)
    agreement = (
        "" if variant == comparison.reference or np.isnan(distance)
        else f", {distance:.1f} px from Heavy"
    )  # fmt: skip
    return f"{MODEL_VARIANT_LABELS[variant]}: {people(result.num_poses)}{agreement}"


def set_description(images: Sequence[tuning.TuningImage]) -> str:
    """ "12 images in the set: 4 samples, 8 uploads"."""
    nouns = {"sample": "sample", "upload": "upload", "video": "video frame"}
    parts = [count(n, nouns[source]) for source, n in tuning.source_counts(images).items()]
    return f"{count(len(images), 'image')} in the set: {', '.join(parts)}"


def presence_derivation(sweep: tuning.Sweep) -> str:
    """How the presence sweep was worked out: derived, or (for images whose runs were
    not nested) run at every value."""
    table = sweep.table
    ran = table.loc[~table["derived"], "image"].nunique()
    how = (
        "Derived, not re-run per value: raising the presence threshold only drops poses, "
        "unchanged, so each pose's hidden presence score was bracketed by bisection"
        if not ran
        else f"Derived by bisection where raising the presence threshold only dropped "
        f"poses; {count(ran, 'image')} whose runs were not nested ran at every value"
    )
    return (
        f"{how} — {sweep.model_runs} new model runs instead of {sweep.naive_runs}, with "
        "the same counts."
    )


def pick_summary(sweeps: tuning.SweepSet | None, pick: Pick) -> str | None:
    """What the last sweep found at the picked thresholds (nearest grid values)."""
    if sweeps is None:
        return None
    lines = []
    thresholds: list[tuple[tuning.Parameter, float]] = [("presence", pick.presence)]
    # A detection pick only reads on a sweep of the same person detector's threshold.
    if sweeps.settings.person_detector == pick.detector:
        thresholds.insert(0, ("detection", pick.detection))
    for parameter, value in thresholds:
        sweep = sweeps.sweep(parameter)
        found = sweep.count_at(value)
        if found is not None:
            lines.append(
                f"- At {sweep.threshold.short} {found.threshold:.2f}: **{found.people} "
                f"people** in {found.images_with_people} of {found.images} images"
            )
    point = sweeps.survival.at(pick.visibility)
    if point is not None and point.total:
        lines.append(
            f"- At visibility {point.threshold:.2f}: **{percent(point.fraction)}** of "
            "landmarks drawn at full strength"
        )
    if not lines:
        return None
    used = sweeps.settings
    return (
        f"In the last sweep ({MODEL_VARIANT_LABELS[used.model_variant]}, "
        f"{PERSON_DETECTOR_LABELS[used.person_detector]}, the other threshold held at its "
        "sidebar value; nearest grid value):\n" + "\n".join(lines)
    )
