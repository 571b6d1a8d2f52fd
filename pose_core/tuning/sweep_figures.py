"""Plotly charts of the threshold sweeps and of visibility survival (no Streamlit)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..figures import SCENE_BACKGROUND, TEXT_COLOUR
from .charts import (
    BODY_PART_COLOURS,
    IMAGES_COLOUR,
    PICK_COLOUR,
    TOTAL_COLOUR,
    ZERO_CELL,
    add_marks,
    empty_chart,
    lab_layout,
    plotly_text,
)
from .sweeps import Sweep
from .visibility import ALL_PARTS, BODY_PART_LABELS, Survival


def figure_sweep_people(
    sweep: Sweep,
    *,
    current: float | None = None,
    pick: float | None = None,
    height: int = 340,
) -> go.Figure:
    """People found in total, and images with a person, against one threshold.

    Args:
        sweep: The sweep.
        current: The sidebar's value, drawn as a dotted line.
        pick: The lab's chosen value, drawn as a dashed line.
        height: Figure height in pixels.
    """
    summary, threshold = sweep.summary, sweep.threshold
    title = f"People found vs. {threshold.in_text}"
    if summary.empty:
        return empty_chart(title, "No sweep yet", height)
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
        layout=lab_layout(title, height, threshold.label, "count", hovermode="x unified"),
    )
    figure.update_yaxes(rangemode="tozero")
    figure.update_xaxes(range=[-0.02, 1.02])
    add_marks(figure, current, pick)
    return figure


def figure_sweep_heatmap(
    sweep: Sweep,
    *,
    current: float | None = None,
    pick: float | None = None,
) -> go.Figure:
    """People found per image (rows) and threshold (columns); dark cells have nobody.

    Where a row turns dark the image flips from "person" to "no person".
    """
    per_image, threshold = sweep.table, sweep.threshold
    title = f"People per image vs. {threshold.in_text}"
    if per_image.empty:
        return empty_chart(title, "No sweep yet", 300)
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
        layout=lab_layout(title, 90 + 30 * len(order), threshold.label, ""),
    )
    figure.update_yaxes(autorange="reversed", gridcolor=SCENE_BACKGROUND)
    figure.update_xaxes(gridcolor=SCENE_BACKGROUND)
    figure.update_layout(margin={"l": 160, "r": 20, "t": 72, "b": 50})
    add_marks(figure, current, pick)
    return figure


def figure_sweep_visibility(
    sweep: Sweep,
    *,
    current: float | None = None,
    pick: float | None = None,
    height: int = 340,
) -> go.Figure:
    """Mean landmark visibility of the people found, over all images and per image."""
    per_image, summary, threshold = sweep.table, sweep.summary, sweep.threshold
    title = f"Mean landmark visibility vs. {threshold.in_text}"
    if summary.empty:
        return empty_chart(title, "No sweep yet", height)
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
        layout=lab_layout(title, height, threshold.label, "mean visibility", hovermode="closest"),
    )
    figure.update_yaxes(range=[0, 1.02])
    figure.update_xaxes(range=[-0.02, 1.02])
    add_marks(figure, current, pick)
    return figure


def figure_visibility_survival(
    survival: Survival,
    *,
    current: float | None = None,
    pick: float | None = None,
    height: int = 380,
) -> go.Figure:
    """Share of landmarks at or above each visibility threshold, per body part.

    Args:
        survival: :func:`pose_core.tuning.visibility_survival` of the results.
        current: The sidebar's visibility threshold.
        pick: The lab's chosen threshold.
        height: Figure height in pixels.
    """
    title = "Landmarks drawn at full strength vs. visibility threshold"
    if not survival.found_anyone:
        return empty_chart(title, "No person found in these images", height)
    traces = []
    for group, frame in survival.table.groupby("body_part", sort=False):
        part = str(group)
        label = BODY_PART_LABELS.get(part, part)
        traces.append(
            go.Scatter(
                x=frame["threshold"],
                y=frame["fraction"] * 100.0,
                customdata=np.column_stack([frame["kept"], frame["total"]]),
                mode="lines+markers" if part == ALL_PARTS else "lines",
                name=label,
                line={
                    "color": BODY_PART_COLOURS.get(part, TEXT_COLOUR),
                    "width": 3.5 if part == ALL_PARTS else 2,
                    "dash": "dot" if part == ALL_PARTS else "solid",
                },
                hovertemplate=f"{label}: %{{y:.0f}} %% (%{{customdata[0]}} of "
                "%{customdata[1]})<extra></extra>",
            )
        )
    figure = go.Figure(
        traces,
        layout=lab_layout(
            title, height, "visibility threshold", "landmarks kept (%)", hovermode="x unified"
        ),
    )
    figure.update_yaxes(range=[0, 103])
    figure.update_xaxes(range=[-0.02, 1.02])
    add_marks(figure, current, pick)
    return figure
