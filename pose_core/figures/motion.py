"""Plotly figures of a video's landmarks over time: joint-angle and coordinate curves of
one person, with a cursor at the frame shown.

Plotly only, no Streamlit. The charts share the dark style of :mod:`.style` and colour
each body side as the overlay does (orange left, blue right).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..angles import ANGLE_NAMES
from ..landmarks import LANDMARK_INDEX, side_of
from ..timeseries import LandmarkTable
from .style import (
    DIM_OPACITY,
    GRID_COLOUR,
    SIDE_COLOURS,
    TEXT_COLOUR,
    chart_layout,
    css_rgb,
    empty_figure,
)

# A line is broken where consecutive samples are further apart than this many typical
# frame intervals (the person was not detected in between).
GAP_FACTOR = 1.5
CURSOR_COLOUR = "#ffffff"
# Several joints of one side share its colour; the dash tells them apart.
_PART_DASH = {
    "shoulder": "dot",
    "elbow": "solid",
    "wrist": "longdash",
    "hip": "dashdot",
    "knee": "dash",
    "ankle": "longdashdot",
}


def _side_and_part(name: str) -> tuple[str, str]:
    side, _, part = name.partition("_")
    if side not in ("left", "right"):
        return "center", name
    return side, part


_Rows = TypeVar("_Rows", pd.DataFrame, LandmarkTable)


def person_rows(frame: _Rows, person: int | None) -> tuple[_Rows, int | None]:
    """Rows of one person: the given one, else the one seen in most frames."""
    people = frame["person"] if isinstance(frame, pd.DataFrame) else frame.person
    if len(people) == 0:
        return frame, None
    if person is None:
        ids, counts = np.unique(np.asarray(people), return_counts=True)
        person = int(ids[np.argmax(counts)])
    if isinstance(frame, pd.DataFrame):
        return frame[frame["person"] == person], person
    return frame.for_person(person), person


def _break_gaps(times: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Insert a NaN sample into every gap, so Plotly does not join across it."""
    if len(times) < 2:
        return (times, *columns)
    steps = np.diff(times)
    typical = float(np.median(steps)) if len(steps) else 0.0
    gaps = np.nonzero(steps > GAP_FACTOR * typical)[0] + 1 if typical > 0 else np.array([], int)
    if not len(gaps):
        return (times, *columns)
    times = np.insert(times.astype(np.float64), gaps, np.nan)
    return (times, *(np.insert(c.astype(np.float64), gaps, np.nan) for c in columns))


def _time_layout(title: str, height: int) -> dict[str, Any]:
    return chart_layout(
        title,
        height,
        x_title="time (s)",
        hovermode="x unified",
        # Keep the user's zoom when only the cursor moves.
        uirevision="timeseries",
    )


def _add_cursor(figure: go.Figure, cursor_time: float | None) -> None:
    if cursor_time is None:
        return
    figure.add_vline(
        x=float(cursor_time),
        line={"color": CURSOR_COLOUR, "width": 1.5, "dash": "dot"},
        annotation={"text": f"{cursor_time:.2f} s", "font": {"color": CURSOR_COLOUR}},
        annotation_position="top",
    )


def figure_angles_over_time(
    angles: pd.DataFrame,
    joints: Sequence[str],
    *,
    person: int | None = None,
    cursor_time: float | None = None,
    visibility_threshold: float = 0.5,
    height: int = 420,
) -> go.Figure:
    """Joint angles of one person over time, with a cursor at the frame shown.

    Args:
        angles: The output of :func:`pose_core.timeseries.angle_table`.
        joints: Angle names from :data:`pose_core.timeseries.ANGLE_NAMES`.
        person: Person id; None picks the person seen in most frames.
        cursor_time: Time in seconds to mark with a vertical line, or None.
        visibility_threshold: Samples resting on a landmark below this visibility are
            drawn faintly (MediaPipe guessed that joint).
        height: Figure height in pixels.

    Returns:
        A Plotly figure: left joints orange, right blue, trunk grey; one dash style per
        joint kind; the y axis spans 0-180 degrees.

    Raises:
        ValueError: An unknown joint name.
    """
    unknown = [j for j in joints if j not in ANGLE_NAMES]
    if unknown:
        raise ValueError(f"unknown joint angles: {', '.join(unknown)}")
    title = "Joint angles over time (degrees, from world landmarks)"
    rows, person = person_rows(angles, person)
    if person is None or not len(rows):
        return empty_figure(title, "No person detected", height)
    if not joints:
        return empty_figure(title, "Pick joints to plot", height)
    figure = go.Figure()
    times = rows["time_s"].to_numpy()
    for joint in joints:
        side, part = _side_and_part(joint)
        colour = css_rgb(SIDE_COLOURS[side])
        values = rows[joint].to_numpy(dtype=np.float64)
        reliable = rows[f"{joint}_visibility"].to_numpy() >= visibility_threshold
        label = joint.replace("_", " ")
        t, faint = _break_gaps(times, values)
        figure.add_trace(
            go.Scatter(
                x=t, y=faint, mode="lines", name=f"{label} (all)", legendgroup=joint,
                line={"color": colour, "width": 1, "dash": _PART_DASH.get(part, "solid")},
                opacity=DIM_OPACITY, showlegend=False, hoverinfo="skip",
            )
        )  # fmt: skip
        t, solid = _break_gaps(times, np.where(reliable, values, np.nan))
        # Small markers: a click on one moves the page's cursor there (Plotly selects
        # points, not stretches of line).
        figure.add_trace(
            go.Scatter(
                x=t, y=solid, mode="lines+markers", name=label, legendgroup=joint,
                marker={"size": 3, "color": colour},
                line={"color": colour, "width": 2.5, "dash": _PART_DASH.get(part, "solid")},
                hovertemplate="%{y:.0f}°",
            )
        )  # fmt: skip
    layout = _time_layout(f"{title} — person {person + 1}", height)
    layout["yaxis"] = {**layout["yaxis"], "title": {"text": "degrees"}, "range": [0, 180]}
    figure.update_layout(**layout)
    _add_cursor(figure, cursor_time)
    return figure


COORDINATES: tuple[str, ...] = ("x", "y", "z", "world_x", "world_y", "world_z")
_COORDINATE_TITLES = {
    "x": "x (px)",
    "y": "y (px, down)",
    "z": "z (depth, x scale)",
    "world_x": "world x (m)",
    "world_y": "world y (m, down)",
    "world_z": "world z (m)",
}


def figure_coordinates_over_time(
    table: LandmarkTable,
    landmarks: Sequence[str],
    *,
    coordinates: Sequence[str] = ("x", "y"),
    person: int | None = None,
    cursor_time: float | None = None,
    frame_size: tuple[int, int] | None = None,
    visibility_threshold: float = 0.5,
    height: int | None = None,
) -> go.Figure:
    """Landmark coordinates of one person over time, one panel per coordinate.

    Args:
        table: The landmarks.
        landmarks: Landmark names, e.g. ("left_wrist", "right_wrist").
        coordinates: Any of :data:`COORDINATES`: image x, y, z and world x, y, z.
        person: Person id; None picks the person seen in most frames.
        cursor_time: Time in seconds to mark, or None.
        frame_size: (width, height) of the analysed frames, to show image x and y in
            pixels; normalised 0..1 otherwise.
        visibility_threshold: Samples under this visibility are left out.
        height: Figure height; by default 220 pixels per panel plus margins.

    Returns:
        A Plotly figure. Image and world y point down, as in MediaPipe; their axes are
        reversed so that up on the chart is up in the picture.

    Raises:
        ValueError: An unknown landmark or coordinate.
    """
    bad = [n for n in landmarks if n not in LANDMARK_INDEX]
    bad += [c for c in coordinates if c not in COORDINATES]
    if bad:
        raise ValueError(f"unknown landmarks or coordinates: {', '.join(bad)}")
    height = height or 110 + 220 * max(len(coordinates), 1)
    title = "Landmark coordinates over time"
    rows, person = person_rows(table, person)
    if person is None or not len(rows):
        return empty_figure(title, "No person detected", height)
    if not landmarks or not coordinates:
        return empty_figure(title, "Pick landmarks and coordinates to plot", height)
    figure = make_subplots(rows=len(coordinates), cols=1, shared_xaxes=True, vertical_spacing=0.06)
    # Several landmarks of one side: vary the dash so each stays identifiable.
    dashes = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
    seen_per_side: dict[str, int] = {}
    styles = {}
    for name in landmarks:
        side = side_of(LANDMARK_INDEX[name])
        styles[name] = (css_rgb(SIDE_COLOURS[side]), dashes[seen_per_side.get(side, 0) % 6])
        seen_per_side[side] = seen_per_side.get(side, 0) + 1
    visible = rows.landmarks[:, :, 3] >= visibility_threshold
    for r, coordinate in enumerate(coordinates, start=1):
        for name in landmarks:
            i = LANDMARK_INDEX[name]
            if coordinate.startswith("world_"):
                values = rows.world_landmarks[:, i, "xyz".index(coordinate[-1])]
            else:
                values = rows.landmarks[:, i, "xyz".index(coordinate)].astype(np.float64)
                if frame_size is not None and coordinate in ("x", "y"):
                    values = values * frame_size[0 if coordinate == "x" else 1]
            values = np.where(visible[:, i], values, np.nan)
            t, v = _break_gaps(rows.time_s, values)
            colour, dash = styles[name]
            figure.add_trace(
                go.Scatter(
                    x=t, y=v, mode="lines+markers", name=name.replace("_", " "),
                    legendgroup=name, marker={"size": 3, "color": colour},
                    showlegend=r == 1, line={"color": colour, "width": 2, "dash": dash},
                    hovertemplate="%{y:.3f}",
                ),
                row=r, col=1,
            )  # fmt: skip
        axis_title = _COORDINATE_TITLES[coordinate]
        if frame_size is None and coordinate in ("x", "y"):
            axis_title = axis_title.replace("px", "0-1")
        figure.update_yaxes(
            title={"text": axis_title},
            autorange="reversed" if coordinate in ("y", "world_y") else True,
            gridcolor=GRID_COLOUR,
            zerolinecolor=GRID_COLOUR,
            color=TEXT_COLOUR,
            row=r,
            col=1,
        )
    layout = _time_layout(f"{title} — person {person + 1}", height)
    del layout["xaxis"], layout["yaxis"]
    figure.update_layout(**layout)
    figure.update_xaxes(gridcolor=GRID_COLOUR, zerolinecolor=GRID_COLOUR, color=TEXT_COLOUR)
    figure.update_xaxes(title={"text": "time (s)"}, row=len(coordinates), col=1)
    _add_cursor(figure, cursor_time)
    return figure
