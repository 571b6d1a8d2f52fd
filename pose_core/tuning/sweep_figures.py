"""Plotly figures of the Tuning lab: threshold sweeps, visibility survival and the
lite / full / heavy comparison.

Pure functions on the DataFrames of :mod:`pose_core.tuning`; Plotly only, no Streamlit.
They share the dark chart style of :mod:`pose_core.figures_video`, and each model
variant keeps one colour in every chart (lite sky blue, full orange, heavy green:
Okabe-Ito colours, as in the person palette of :mod:`pose_core.drawing`).

Image labels are user text (file names): Plotly renders a subset of HTML in tick
labels and hover text, so every label goes through :func:`plotly_text` first.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..drawing import PERSON_COLOURS
from ..figures import SCENE_BACKGROUND, TEXT_COLOUR, chart_layout, css_rgb
from .sweeps import BODY_PART_LABELS, PARAMETER_LABELS

VARIANT_COLOURS: dict[str, str] = {
    "lite": css_rgb(PERSON_COLOURS[1]),  # sky blue
    "full": css_rgb(PERSON_COLOURS[0]),  # orange
    "heavy": css_rgb(PERSON_COLOURS[2]),  # bluish green
}
VARIANT_LABELS = {"lite": "Lite", "full": "Full", "heavy": "Heavy"}
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


def _layout(title: str, height: int, x_title: str, y_title: str, **extra: object) -> dict:
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


def _marks(figure: go.Figure, current: float | None, pick: float | None) -> None:
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


def _empty(title: str, message: str, height: int) -> go.Figure:
    figure = go.Figure(layout=_layout(title, height, "", ""))
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.add_annotation(
        text=message, showarrow=False, font={"color": TEXT_COLOUR, "size": 14}, x=0.5, y=0.5,
        xref="paper", yref="paper",
    )  # fmt: skip
    return figure


def figure_sweep_people(
    summary: pd.DataFrame,
    parameter: str,
    *,
    current: float | None = None,
    pick: float | None = None,
    height: int = 340,
) -> go.Figure:
    """People found in total, and images with a person, against one threshold.

    Args:
        summary: :func:`pose_core.tuning.summarise_sweep` of the sweep.
        parameter: "detection" or "presence".
        current: The sidebar's value, drawn as a dotted line.
        pick: The lab's chosen value, drawn as a dashed line.
        height: Figure height in pixels.
    """
    title = f"People found vs. {PARAMETER_LABELS[parameter].lower()}"
    if summary.empty:
        return _empty(title, "No sweep yet", height)
    images = int(summary["images"].max())
    figure = go.Figure(
        [
            go.Scatter(
                x=summary["threshold"],
                y=summary["people"],
                mode="lines+markers",
                name="People found",
                line={"color": TOTAL_COLOUR, "width": 3, "shape": "hv"},
                hovertemplate="%{y} people<extra></extra>",
            ),
            go.Scatter(
                x=summary["threshold"],
                y=summary["images_with_people"],
                mode="lines+markers",
                name=f"Images with a person (of {images})",
                line={"color": IMAGES_COLOUR, "width": 2, "dash": "dash", "shape": "hv"},
                hovertemplate=f"%{{y}} of {images} images<extra></extra>",
            ),
        ],
        layout=_layout(title, height, PARAMETER_LABELS[parameter], "count", hovermode="x unified"),
    )
    figure.update_yaxes(rangemode="tozero")
    figure.update_xaxes(range=[-0.02, 1.02])
    _marks(figure, current, pick)
    return figure


def figure_sweep_heatmap(
    per_image: pd.DataFrame,
    parameter: str,
    *,
    current: float | None = None,
    pick: float | None = None,
) -> go.Figure:
    """People found per image (rows) and threshold (columns); dark cells have nobody.

    Where a row turns dark the image flips from "person" to "no person".
    """
    title = f"People per image vs. {PARAMETER_LABELS[parameter].lower()}"
    if per_image.empty:
        return _empty(title, "No sweep yet", 300)
    order = list(dict.fromkeys(per_image["image"]))
    labels = dict(zip(per_image["image"], per_image["label"], strict=False))
    thresholds = np.sort(per_image["threshold"].unique())
    table = per_image.pivot_table(
        index="image", columns="threshold", values="people", aggfunc="first"
    ).reindex(index=order, columns=thresholds)
    z = table.to_numpy(dtype=np.float64)
    top = max(2.0, float(np.nanmax(z)) if z.size else 2.0)
    names = [plotly_text(labels[key]) for key in order]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=thresholds,
            y=names,
            texttemplate="%{z:.0f}",
            zmin=0,
            zmax=top,
            # Zero is its own dark colour; one or more people shade to orange.
            colorscale=[
                [0.0, ZERO_CELL],
                [0.5 / top, ZERO_CELL],
                [0.5 / top, "#7a4a00"],
                [1.0, PICK_COLOUR],
            ],
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y}<br>threshold %{x:.2f}: %{z:.0f} people<extra></extra>",
        ),
        layout=_layout(title, 90 + 30 * len(order), PARAMETER_LABELS[parameter], ""),
    )
    figure.update_yaxes(autorange="reversed", gridcolor=SCENE_BACKGROUND)
    figure.update_xaxes(gridcolor=SCENE_BACKGROUND)
    figure.update_layout(margin={"l": 160, "r": 20, "t": 72, "b": 50})
    _marks(figure, current, pick)
    return figure


def figure_sweep_visibility(
    per_image: pd.DataFrame,
    summary: pd.DataFrame,
    parameter: str,
    *,
    current: float | None = None,
    pick: float | None = None,
    height: int = 340,
) -> go.Figure:
    """Mean landmark visibility of the people found, over all images and per image."""
    title = f"Mean landmark visibility vs. {PARAMETER_LABELS[parameter].lower()}"
    if summary.empty:
        return _empty(title, "No sweep yet", height)
    traces = []
    for key, frame in per_image.groupby("image", sort=False):
        label = plotly_text(frame["label"].iloc[0])
        traces.append(
            go.Scatter(
                x=frame["threshold"],
                y=frame["mean_visibility"],
                mode="lines",
                name=label,
                legendgroup="images",
                showlegend=False,
                line={"color": "rgba(154,164,178,0.45)", "width": 1},
                hovertemplate=f"{label}: %{{y:.2f}}<extra></extra>",
                uid=str(key),
            )
        )
    traces.append(
        go.Scatter(
            x=summary["threshold"],
            y=summary["mean_visibility"],
            mode="lines+markers",
            name="All people found",
            line={"color": TOTAL_COLOUR, "width": 3},
            hovertemplate="all: %{y:.2f}<extra></extra>",
        )
    )
    traces.append(
        go.Scatter(
            x=[None], y=[None], mode="lines", name="One image",
            line={"color": "rgba(154,164,178,0.7)", "width": 1},
        )
    )  # fmt: skip
    figure = go.Figure(
        traces,
        layout=_layout(
            title, height, PARAMETER_LABELS[parameter], "mean visibility", hovermode="closest"
        ),
    )
    figure.update_yaxes(range=[0, 1.02])
    figure.update_xaxes(range=[-0.02, 1.02])
    _marks(figure, current, pick)
    return figure


def figure_visibility_survival(
    survival: pd.DataFrame,
    *,
    current: float | None = None,
    pick: float | None = None,
    height: int = 380,
) -> go.Figure:
    """Share of landmarks at or above each visibility threshold, per body part.

    Args:
        survival: :func:`pose_core.tuning.visibility_survival`.
        current: The sidebar's visibility threshold.
        pick: The lab's chosen threshold.
        height: Figure height in pixels.
    """
    title = "Landmarks drawn at full strength vs. visibility threshold"
    if survival.empty or survival["total"].max() == 0:
        return _empty(title, "No person found in these images", height)
    traces = []
    for part, frame in survival.groupby("body_part", sort=False):
        label = BODY_PART_LABELS.get(part, str(part))
        traces.append(
            go.Scatter(
                x=frame["threshold"],
                y=frame["fraction"] * 100.0,
                customdata=np.column_stack([frame["kept"], frame["total"]]),
                mode="lines+markers" if part == "all" else "lines",
                name=label,
                line={
                    "color": BODY_PART_COLOURS.get(part, TEXT_COLOUR),
                    "width": 3.5 if part == "all" else 2,
                    "dash": "dot" if part == "all" else "solid",
                },
                hovertemplate=f"{label}: %{{y:.0f}} %% (%{{customdata[0]}} of "
                "%{customdata[1]})<extra></extra>",
            )
        )
    figure = go.Figure(
        traces,
        layout=_layout(
            title, height, "visibility threshold", "landmarks kept (%)", hovermode="x unified"
        ),
    )
    figure.update_yaxes(range=[0, 103])
    figure.update_xaxes(range=[-0.02, 1.02])
    _marks(figure, current, pick)
    return figure


def _variant_order(frame: pd.DataFrame) -> list[str]:
    return [v for v in VARIANT_COLOURS if v in set(frame["variant"])]


def _typical_ms(row: pd.Series) -> float:
    with_people = float(row.get("median_ms_people", np.nan))
    return with_people if np.isfinite(with_people) else float(row["median_ms"])


def figure_inference_time(summary: pd.DataFrame, height: int = 340) -> go.Figure:
    """Median inference time per variant on this machine: on images with people (where
    the landmark model runs and the variants differ) and on all images."""
    title = "Median inference time on this machine"
    if summary.empty:
        return _empty(title, "No comparison yet", height)
    rows = summary.set_index("variant").loc[_variant_order(summary)]
    names = [VARIANT_LABELS[v] for v in rows.index]
    colours = [VARIANT_COLOURS[v] for v in rows.index]
    people_ms = rows.get("median_ms_people", pd.Series(np.nan, index=rows.index))
    traces = [
        go.Bar(
            x=names,
            y=people_ms,
            name="images with people",
            marker={"color": colours},
            text=["" if np.isnan(ms) else f"{ms:.0f} ms" for ms in people_ms],
            textposition="outside",
            hovertemplate="%{x}, images with people: %{y:.1f} ms<extra></extra>",
        ),
        go.Bar(
            x=names,
            y=rows["median_ms"],
            name="all images",
            marker={"color": colours, "opacity": 0.4, "line": {"color": colours, "width": 1.5}},
            text=[f"{ms:.0f} ms" for ms in rows["median_ms"]],
            textposition="outside",
            customdata=rows["timed_calls"],
            hovertemplate="%{x}, all images: %{y:.1f} ms (median of %{customdata} calls)"
            "<extra></extra>",
        ),
    ]
    figure = go.Figure(
        traces,
        layout=_layout(title, height, "", "ms per image", barmode="group", showlegend=False),
    )
    # A legend would show one variant's colour for both series: say it in words.
    figure.add_annotation(
        text="solid: images with people · faded: all images",
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0.0,
        y=-0.2,
        xanchor="left",
        yanchor="top",
        font={"color": CURRENT_COLOUR, "size": 12},
    )
    top = float(np.nanmax(np.concatenate([people_ms.to_numpy(), rows["median_ms"].to_numpy()])))
    figure.update_yaxes(range=[0, top * 1.25 if np.isfinite(top) and top > 0 else 1.0])
    return figure


def figure_speed_accuracy(summary: pd.DataFrame, height: int = 340) -> go.Figure:
    """Each variant as a point: median time (images with people) against its mean
    distance to Heavy's visible landmarks."""
    title = "Speed vs. agreement with Heavy"
    if summary.empty:
        return _empty(title, "No comparison yet", height)
    traces = []
    times = []
    for variant in _variant_order(summary):
        row = summary[summary["variant"] == variant].iloc[0]
        ms = _typical_ms(row)
        times.append(ms)
        traces.append(
            go.Scatter(
                x=[ms],
                y=[row["mean_px_visible"]],
                mode="markers+text",
                name=VARIANT_LABELS[variant],
                text=[VARIANT_LABELS[variant]],
                textposition="top center",
                marker={
                    "color": VARIANT_COLOURS[variant],
                    "size": 16,
                    "line": {"color": "#141414", "width": 1},
                },
                hovertemplate=f"{VARIANT_LABELS[variant]}: %{{x:.1f}} ms, "
                "%{y:.1f} px from Heavy<extra></extra>",
            )
        )
    figure = go.Figure(
        traces,
        layout=_layout(
            title,
            height,
            "median time, images with people (ms)",
            "px from Heavy (visible)",
            showlegend=False,
        ),
    )
    # Room around the points for their labels: heavy sits on the x axis by definition.
    top_ms = float(np.nanmax(times)) if times else 1.0
    top_px = float(np.nanmax(summary["mean_px_visible"])) if len(summary) else 1.0
    top_px = top_px if np.isfinite(top_px) and top_px > 0 else 1.0
    figure.update_xaxes(range=[0, (top_ms if np.isfinite(top_ms) else 1.0) * 1.2])
    figure.update_yaxes(range=[-0.12 * top_px, top_px * 1.3])
    return figure


def figure_landmark_deltas(
    per_landmark: pd.DataFrame, *, visible_only: bool = True, height: int = 420
) -> go.Figure:
    """Mean pixel distance to Heavy per landmark, one bar per compared variant.

    Args:
        per_landmark: ``Comparison.per_landmark``.
        visible_only: Average only where Heavy sees the landmark (hidden landmarks are
            guesses, and their spread would drown the rest).
        height: Figure height in pixels.
    """
    value, count = ("mean_px_visible", "visible_pairs") if visible_only else ("mean_px", "pairs")
    title = "Per-landmark distance to Heavy" + (
        " (where Heavy sees the landmark)" if visible_only else " (all landmarks)"
    )
    if per_landmark.empty or per_landmark[count].max() == 0:
        return _empty(title, "No person found by both models", height)
    traces = []
    for variant in _variant_order(per_landmark):
        frame = per_landmark[per_landmark["variant"] == variant].sort_values("index")
        traces.append(
            go.Bar(
                x=[short_landmark_name(name) for name in frame["landmark"]],
                y=frame[value],
                name=VARIANT_LABELS[variant],
                marker={"color": VARIANT_COLOURS[variant]},
                customdata=frame[count],
                hovertemplate=f"{VARIANT_LABELS[variant]}: %{{y:.1f}} px "
                "(%{customdata} people)<extra></extra>",
            )
        )
    figure = go.Figure(
        traces,
        layout=_layout(
            title, height, "", "mean distance (px)", barmode="group", hovermode="x unified"
        ),
    )
    figure.update_xaxes(tickangle=-60)
    figure.update_layout(
        margin={"l": 60, "r": 20, "t": 72, "b": 100},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1.0, "xanchor": "right"},
    )
    return figure


def short_landmark_name(name: str) -> str:
    """ "left_eye_inner" -> "L eye inner": short enough for a tick label."""
    side, _, rest = name.partition("_")
    if side in ("left", "right") and rest:
        return f"{side[0].upper()} {rest.replace('_', ' ')}"
    return name.replace("_", " ")
