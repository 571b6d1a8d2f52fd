"""Plotly charts of the lite / full / heavy comparison (no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..settings import MODEL_VARIANT_LABELS
from .charts import CURRENT_COLOUR, VARIANT_COLOURS, empty_chart, lab_layout, variant_order
from .comparison import LandmarkDelta, VariantSummary


def _in_order(summaries: Sequence[VariantSummary]) -> list[VariantSummary]:
    by_variant = {summary.variant: summary for summary in summaries}
    return [by_variant[variant] for variant in variant_order(by_variant)]


def figure_inference_time(summaries: Sequence[VariantSummary], height: int = 340) -> go.Figure:
    """Median inference time per variant on this machine: on images with people (where
    the landmark model runs and the variants differ) and on all images."""
    title = "Median inference time on this machine"
    if not summaries:
        return empty_chart(title, "No comparison yet", height)
    rows = _in_order(summaries)
    names = [MODEL_VARIANT_LABELS[row.variant] for row in rows]
    colours = [VARIANT_COLOURS[row.variant] for row in rows]
    # Arrays, not lists: Plotly sends them to the browser as compact typed arrays.
    people_ms = np.array([row.median_ms_people for row in rows], dtype=np.float64)
    all_ms = np.array([row.median_ms for row in rows], dtype=np.float64)
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
            y=all_ms,
            name="all images",
            marker={"color": colours, "opacity": 0.4, "line": {"color": colours, "width": 1.5}},
            text=[f"{ms:.0f} ms" for ms in all_ms],
            textposition="outside",
            customdata=np.array([row.timed_calls for row in rows]),
            hovertemplate="%{x}, all images: %{y:.1f} ms (median of %{customdata} calls)"
            "<extra></extra>",
        ),
    ]
    figure = go.Figure(
        traces,
        layout=lab_layout(title, height, "", "ms per image", barmode="group", showlegend=False),
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
    top = float(np.nanmax(np.concatenate([people_ms, all_ms])))
    figure.update_yaxes(range=[0, top * 1.25 if np.isfinite(top) and top > 0 else 1.0])
    return figure


def figure_speed_accuracy(summaries: Sequence[VariantSummary], height: int = 340) -> go.Figure:
    """Each variant as a point: median time (images with people) against its mean
    distance to Heavy's visible landmarks."""
    title = "Speed vs. agreement with Heavy"
    if not summaries:
        return empty_chart(title, "No comparison yet", height)
    traces = []
    times = []
    for row in _in_order(summaries):
        variant, ms = row.variant, row.typical_ms
        times.append(ms)
        traces.append(
            go.Scatter(
                x=[ms],
                y=[row.mean_px_visible],
                mode="markers+text",
                name=MODEL_VARIANT_LABELS[variant],
                text=[MODEL_VARIANT_LABELS[variant]],
                textposition="top center",
                marker={
                    "color": VARIANT_COLOURS[variant],
                    "size": 16,
                    "line": {"color": "#141414", "width": 1},
                },
                hovertemplate=f"{MODEL_VARIANT_LABELS[variant]}: %{{x:.1f}} ms, "
                "%{y:.1f} px from Heavy<extra></extra>",
            )
        )
    figure = go.Figure(
        traces,
        layout=lab_layout(
            title,
            height,
            "median time, images with people (ms)",
            "px from Heavy (visible)",
            showlegend=False,
        ),
    )
    # Room around the points for their labels: heavy sits on the x axis by definition.
    top_ms = float(np.nanmax(times)) if times else 1.0
    top_px = float(np.nanmax([row.mean_px_visible for row in summaries]))
    top_px = top_px if np.isfinite(top_px) and top_px > 0 else 1.0
    figure.update_xaxes(range=[0, (top_ms if np.isfinite(top_ms) else 1.0) * 1.2])
    figure.update_yaxes(range=[-0.12 * top_px, top_px * 1.3])
    return figure


def figure_landmark_deltas(
    deltas: Sequence[LandmarkDelta], *, visible_only: bool = True, height: int = 420
) -> go.Figure:
    """Mean pixel distance to Heavy per landmark, one bar per compared variant.

    Args:
        deltas: ``Comparison.landmarks``.
        visible_only: Average only where Heavy sees the landmark (hidden landmarks are
            guesses, and their spread would drown the rest).
        height: Figure height in pixels.
    """

    def value(delta: LandmarkDelta) -> float:
        return delta.mean_px_visible if visible_only else delta.mean_px

    def count(delta: LandmarkDelta) -> int:
        return delta.visible_pairs if visible_only else delta.pairs

    title = "Per-landmark distance to Heavy" + (
        " (where Heavy sees the landmark)" if visible_only else " (all landmarks)"
    )
    if not deltas or max(count(delta) for delta in deltas) == 0:
        return empty_chart(title, "No person found by both models", height)
    traces = []
    for variant in variant_order(delta.variant for delta in deltas):
        bars = sorted((d for d in deltas if d.variant == variant), key=lambda d: d.index)
        traces.append(
            go.Bar(
                x=[short_landmark_name(delta.landmark) for delta in bars],
                y=np.array([value(delta) for delta in bars], dtype=np.float64),
                name=MODEL_VARIANT_LABELS[variant],
                marker={"color": VARIANT_COLOURS[variant]},
                customdata=np.array([count(delta) for delta in bars]),
                hovertemplate=f"{MODEL_VARIANT_LABELS[variant]}: %{{y:.1f}} px "
                "(%{customdata} people)<extra></extra>",
            )
        )
    figure = go.Figure(
        traces,
        layout=lab_layout(
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
