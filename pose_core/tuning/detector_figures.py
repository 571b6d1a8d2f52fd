"""Plotly charts of the person detector comparison (no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..settings import PERSON_DETECTOR_LABELS
from .charts import DETECTOR_COLOURS, detector_order, empty_chart, lab_layout, plotly_text
from .detectors import DetectorImage, DetectorSummary


def figure_detector_time(summaries: Sequence[DetectorSummary], height: int = 340) -> go.Figure:
    """Median time per image of each person detector on this machine."""
    title = "Median time per image on this machine"
    if not summaries:
        return empty_chart(title, "No comparison yet", height)
    by_detector = {summary.detector: summary for summary in summaries}
    rows = [by_detector[detector] for detector in detector_order(by_detector)]
    ms = np.array([row.median_ms for row in rows], dtype=np.float64)
    figure = go.Figure(
        go.Bar(
            x=[row.label for row in rows],
            y=ms,
            marker={"color": [DETECTOR_COLOURS[row.detector] for row in rows]},
            text=[f"{value:.0f} ms" for value in ms],
            textposition="outside",
            customdata=np.array([row.timed_calls for row in rows]),
            hovertemplate="%{x}: %{y:.1f} ms (median of %{customdata} calls)<extra></extra>",
        ),
        layout=lab_layout(title, height, "", "ms per image", showlegend=False),
    )
    top = float(np.nanmax(ms))
    figure.update_yaxes(range=[0, top * 1.25 if np.isfinite(top) and top > 0 else 1.0])
    return figure


def figure_detector_people(found: Sequence[DetectorImage], height: int = 360) -> go.Figure:
    """People each person detector found, image by image (one bar group per image)."""
    title = "People found per image"
    if not found:
        return empty_chart(title, "No comparison yet", height)
    # Images by position, not label: two images may share a label.
    keys = list(dict.fromkeys(record.image for record in found))
    labels = {record.image: plotly_text(record.label) for record in found}
    traces = []
    for detector in detector_order(record.detector for record in found):
        people = {r.image: r.people for r in found if r.detector == detector}
        name = PERSON_DETECTOR_LABELS[detector]
        traces.append(
            go.Bar(
                x=np.arange(len(keys)),
                y=np.array([people.get(key, np.nan) for key in keys], dtype=np.float64),
                name=name,
                marker={"color": DETECTOR_COLOURS[detector]},
                customdata=[labels[key] for key in keys],
                hovertemplate=f"{name}, %{{customdata}}: %{{y}} people<extra></extra>",
            )
        )
    figure = go.Figure(
        traces,
        layout=lab_layout(title, height, "", "people", barmode="group", hovermode="x unified"),
    )
    figure.update_xaxes(
        tickmode="array", tickvals=list(range(len(keys))), ticktext=[labels[k] for k in keys]
    )
    figure.update_yaxes(rangemode="tozero", dtick=1)
    return figure
