"""The Tuning lab charts' shared style: colours, label escaping, layout and marks.

The charts share the dark style of :mod:`pose_core.figures`, and each model variant
keeps one colour in every chart (lite sky blue, full orange, heavy green: Okabe-Ito
colours, as in the person palette of :mod:`pose_core.drawing`), as each person
detector does (MediaPipe blue, MoveNet yellow, NanoDet purple).

Image labels are user text (file names): Plotly renders a subset of HTML in tick
labels and hover text, so every label goes through :func:`plotly_text` first.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go

from ..drawing import PERSON_COLOURS
from ..figures import TEXT_COLOUR, chart_layout, css_rgb
from ..settings import MODEL_VARIANTS, PERSON_DETECTORS, ModelVariant, PersonDetectorName

VARIANT_COLOURS: dict[ModelVariant, str] = {
    "lite": css_rgb(PERSON_COLOURS[1]),  # sky blue
    "full": css_rgb(PERSON_COLOURS[0]),  # orange
    "heavy": css_rgb(PERSON_COLOURS[2]),  # bluish green
}
# The person detectors get hues apart from the variants' (blue, yellow, purple).
DETECTOR_COLOURS: dict[PersonDetectorName, str] = {
    "mediapipe": css_rgb(PERSON_COLOURS[6]),
    "movenet": css_rgb(PERSON_COLOURS[3]),
    "nanodet": css_rgb(PERSON_COLOURS[7]),
}
# Body parts get hues apart from the variants' (yellow, pink, vermilion, cyan, lavender).
BODY_PART_COLOURS: dict[str, str] = {
    "face": css_rgb(PERSON_COLOURS[3]),
    "arms": css_rgb(PERSON_COLOURS[4]),
    "hands": css_rgb(PERSON_COLOURS[5]),
    "hips_legs": css_rgb(PERSON_COLOURS[9]),
    "feet": "rgb(179,157,219)",
    "all": TEXT_COLOUR,
}
# The sidebar's current value and the lab's pick, drawn as vertical lines.
CURRENT_COLOUR = "#9aa4b2"
PICK_COLOUR = "#FF9100"
TOTAL_COLOUR = TEXT_COLOUR
IMAGES_COLOUR = css_rgb(PERSON_COLOURS[1])
ZERO_CELL = "#232a36"
MAX_LABEL_CHARS = 40


def plotly_text(label: str, max_chars: int = MAX_LABEL_CHARS) -> str:
    """User text made safe for Plotly labels: shortened, with ``<``, ``>``, ``&`` escaped."""
    label = str(label)
    if len(label) > max_chars:
        label = label[: max_chars - 1] + "…"
    return html.escape(label, quote=False)


def variant_order(variants: Iterable[str]) -> list[ModelVariant]:
    """The variants among ``variants``, lite to heavy (every chart lists them so)."""
    present = set(variants)
    return [variant for variant in MODEL_VARIANTS if variant in present]


def detector_order(detectors: Iterable[str]) -> list[PersonDetectorName]:
    """The person detectors among ``detectors``, in the settings panel's order."""
    present = set(detectors)
    return [detector for detector in PERSON_DETECTORS if detector in present]


def lab_layout(
    title: str, height: int, x_title: str, y_title: str, **extra: object
) -> dict[str, Any]:
    """:func:`pose_core.figures.chart_layout` with room for the marks' labels above the
    plot and the legend below the x-axis title."""
    return chart_layout(
        title,
        height,
        x_title=x_title,
        y_title=y_title,
        margin={"l": 60, "r": 20, "t": 72, "b": 96},
        # Below the x-axis title, not on it.
        legend={"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0.0},
        **extra,
    )


def add_marks(figure: go.Figure, current: float | None, pick: float | None) -> None:
    """Vertical lines at the sidebar's value and at the lab's pick (one line if equal).

    The labels sit just above the plot area, clear of the data.
    """
    label = {"yanchor": "bottom", "yref": "paper", "y": 1.0}
    same = pick is not None and current is not None and abs(pick - current) < 1e-9
    if current is not None:
        text = f"sidebar = pick {current:.2f}" if same else f"sidebar {current:.2f}"
        figure.add_vline(
            x=float(current),
            line={"color": PICK_COLOUR if same else CURRENT_COLOUR, "width": 1.5, "dash": "dot"},
            annotation={**label, "text": text, "font": {"color": CURRENT_COLOUR, "size": 11}},
            annotation_position="top left" if (pick or 0) >= current else "top right",
        )
    if pick is not None and not same:
        figure.add_vline(
            x=float(pick),
            line={"color": PICK_COLOUR, "width": 2, "dash": "dash"},
            annotation={**label, "text": f"pick {pick:.2f}", "font": {"color": PICK_COLOUR}},
            annotation_position="top right" if current is None or pick > current else "top left",
        )


def empty_chart(title: str, message: str, height: int) -> go.Figure:
    """A chart with no data, only ``message`` in the middle."""
    figure = go.Figure(layout=lab_layout(title, height, "", ""))
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.add_annotation(
        text=message, showarrow=False, font={"color": TEXT_COLOUR, "size": 14}, x=0.5, y=0.5,
        xref="paper", yref="paper",
    )  # fmt: skip
    return figure
