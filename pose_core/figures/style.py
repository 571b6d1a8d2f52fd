"""The figures' shared look: the dark scene colours, the 2D chart layout, the colour
of each body side, and the figure shown when there is nothing to plot.

Plotly only, no Streamlit.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from ..drawing import CENTRE_COLOUR, LEFT_COLOUR, RIGHT_COLOUR

# Points and bones resting on a landmark under the visibility threshold are drawn this
# faintly, as on the 2D overlay.
DIM_OPACITY = 0.25
# Scene colours: a dark "viewport" so the orange/blue/white skeleton reads on a projector.
SCENE_BACKGROUND = "#10141c"
GRID_COLOUR = "#2c3442"
TEXT_COLOUR = "#e6e6e6"
# One person's body sides, coloured as on the 2D overlay (the time series and the
# animation; the still 3D view colours each person with pose_core.drawing.person_colours).
SIDE_COLOURS = {"left": LEFT_COLOUR, "right": RIGHT_COLOUR, "center": CENTRE_COLOUR}


def chart_layout(
    title: str,
    height: int,
    *,
    x_title: str,
    y_title: str | None = None,
    margin: dict[str, int] | None = None,
    legend: dict[str, object] | None = None,
    **extra: object,
) -> dict[str, Any]:
    """Layout of the 2D charts (time series, sweeps) in the 3D view's dark style.

    Args:
        title: Chart title.
        height: Height in pixels.
        x_title: x-axis title.
        y_title: y-axis title, if any.
        margin: Plot margins; defaults suit a chart with a legend under it.
        legend: Legend placement; defaults to a horizontal legend below the plot.
        **extra: Further layout keys, added as they are.
    """
    axis = {"gridcolor": GRID_COLOUR, "zerolinecolor": GRID_COLOUR, "color": TEXT_COLOUR}
    y_axis = dict(axis) if y_title is None else {**axis, "title": {"text": y_title}}
    return {
        "title": {"text": title, "font": {"color": TEXT_COLOUR, "size": 15}, "x": 0.02},
        "paper_bgcolor": SCENE_BACKGROUND,
        "plot_bgcolor": SCENE_BACKGROUND,
        "font": {"color": TEXT_COLOUR},
        "height": height,
        "margin": margin or {"l": 60, "r": 20, "t": 50, "b": 50},
        "legend": legend or {"orientation": "h", "y": -0.18, "x": 0.0},
        "xaxis": {**axis, "title": {"text": x_title}},
        "yaxis": y_axis,
        "hoverlabel": {"bgcolor": "#1f2633", "font": {"color": TEXT_COLOUR}},
        **extra,
    }


def css_rgb(colour: tuple[int, int, int]) -> str:
    """An RGB triple (0-255, as :mod:`pose_core.drawing` keeps its colours) as the CSS
    colour Plotly takes, e.g. ``(255, 145, 0)`` -> ``"rgb(255,145,0)"``.

    The charts draw with the overlays' own colours, so a person or body side looks the
    same in a chart as on the image.
    """
    red, green, blue = colour
    return f"rgb({red},{green},{blue})"


def empty_figure(title: str, message: str, height: int) -> go.Figure:
    """A blank figure in the dark style with ``message`` in the middle (nothing to plot)."""
    figure = go.Figure()
    figure.update_layout(
        title={"text": title, "font": {"color": TEXT_COLOUR, "size": 15}, "x": 0.02},
        paper_bgcolor=SCENE_BACKGROUND,
        plot_bgcolor=SCENE_BACKGROUND,
        height=height,
        xaxis={"visible": False},
        yaxis={"visible": False},
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        annotations=[
            {
                "text": message,
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "font": {"size": 16, "color": TEXT_COLOUR},
            }
        ],
    )
    return figure
