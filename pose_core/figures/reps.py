"""Figures of the motion analysis: the counted angle curve, the class timeline and the
leave-one-out confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..motion import Evaluation, RepResult
from .style import chart_layout

THRESHOLD_COLOUR = "rgba(255, 200, 80, 0.9)"
REP_FILL = "rgba(80, 200, 120, 0.18)"


def figure_rep_curve(result: RepResult, title: str, *, height: int = 320) -> go.Figure:
    """The followed angle over time, the two thresholds as lines, each rep shaded."""
    cfg = result.config
    figure = go.Figure()
    for rep in result.reps:
        figure.add_vrect(x0=rep.start_s, x1=rep.end_s, fillcolor=REP_FILL, line_width=0,
                         annotation_text=str(rep.number),
                         annotation_position="top left")  # fmt: skip
    figure.add_trace(
        go.Scatter(x=result.time_s, y=result.angle, mode="lines", name="angle",
                   line={"width": 2}, hovertemplate="%{x:.2f} s · %{y:.0f}°", connectgaps=False)
    )  # fmt: skip
    for value, name in ((cfg.low, "lower"), (cfg.high, "upper")):
        figure.add_hline(y=value, line={"color": THRESHOLD_COLOUR, "dash": "dash", "width": 2},
                         annotation_text=f"{name} {value:g}°",
                         annotation_position="right")  # fmt: skip
    figure.update_layout(
        **chart_layout(title, height, x_title="time (s)", y_title="degrees",
                       uirevision="reps", showlegend=False)
    )  # fmt: skip
    figure.update_yaxes(range=[0, 185])
    return figure


def figure_class_timeline(
    time_s: np.ndarray, labels: Sequence[str | None], classes: Sequence[str], *, height: int = 200
) -> go.Figure:
    """The smoothed class of each frame as a strip: one row per class."""
    rows = list(classes)
    y = [rows.index(label) if label in rows else None for label in labels]
    figure = go.Figure(
        go.Scatter(x=time_s, y=y, mode="markers", marker={"symbol": "line-ns-open", "size": 14},
                   hovertemplate="%{x:.2f} s", name="class")
    )  # fmt: skip
    figure.update_layout(
        **chart_layout("Pose class over time (smoothed)", height, x_title="time (s)",
                       showlegend=False)
    )  # fmt: skip
    figure.update_yaxes(
        tickvals=list(range(len(rows))), ticktext=rows, range=[-0.5, len(rows) - 0.5]
    )
    return figure


def figure_confusion(evaluation: Evaluation, *, height: int = 320) -> go.Figure:
    """Leave-one-out confusion matrix: rows the taught class, columns the predicted one."""
    labels = list(evaluation.labels)
    figure = go.Figure(
        go.Heatmap(z=evaluation.confusion, x=labels, y=labels, colorscale="Greens",
                   text=evaluation.confusion, texttemplate="%{text}", showscale=False,
                   hovertemplate="taught %{y}, predicted %{x}: %{z}<extra></extra>")
    )  # fmt: skip
    figure.update_layout(
        **chart_layout("Leave-one-out: taught (rows), predicted (columns)", height,
                       x_title="predicted")
    )  # fmt: skip
    figure.update_yaxes(autorange="reversed")
    return figure
