"""Plotly figures of a video's landmarks over time: angle and coordinate curves with a
time cursor, and an animated 3D skeleton.

Plotly only, no Streamlit. The 3D animation reuses the styling of
:mod:`pose_core.figures` (axes rotated so y points up, dark scene, orange left / blue
right, dimmed low-visibility joints) so a video looks like the still 3D view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..angles import ANGLE_NAMES
from ..drawing import CENTRE_COLOUR, LEFT_COLOUR, RIGHT_COLOUR
from ..landmarks import (
    LANDMARK_INDEX,
    LANDMARK_NAMES,
    NUM_LANDMARKS,
    POSE_CONNECTIONS,
    side_of,
    side_of_connection,
)
from ..timeseries import LandmarkTable
from .skeleton3d import (
    DIM_OPACITY,
    GRID_COLOUR,
    TEXT_COLOUR,
    CameraPreset,
    _base_layout,
    _check_camera,
    _empty_figure,
    _equal_scale_scene,
    _to_plot_axes,
    chart_layout,
    css_rgb,
)

# Plotly redraws the whole 3D scene per animation frame; beyond a few hundred frames the
# browser stutters and the figure's JSON grows to many megabytes, so longer clips are
# sampled evenly down to this many frames.
MAX_ANIMATION_FRAMES = 300
# The still 3D view's axis titles (pose_core.figures.figure_3d): plot z is up.
WORLD_AXIS_TITLES = ("x (m)", "depth z (m)", "up −y (m)")
# A line is broken where consecutive samples are further apart than this many typical
# frame intervals (the person was not detected in between).
GAP_FACTOR = 1.5
CURSOR_COLOUR = "#ffffff"
_SIDES = ("left", "right", "center")
_SIDE_COLOURS = {"left": LEFT_COLOUR, "right": RIGHT_COLOUR, "center": CENTRE_COLOUR}
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


def _person_rows(frame: _Rows, person: int | None) -> tuple[_Rows, int | None]:
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
    rows, person = _person_rows(angles, person)
    if person is None or not len(rows):
        return _empty_figure(title, "No person detected", height)
    if not joints:
        return _empty_figure(title, "Pick joints to plot", height)
    figure = go.Figure()
    times = rows["time_s"].to_numpy()
    for joint in joints:
        side, part = _side_and_part(joint)
        colour = css_rgb(_SIDE_COLOURS[side])
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
    rows, person = _person_rows(table, person)
    if person is None or not len(rows):
        return _empty_figure(title, "No person detected", height)
    if not landmarks or not coordinates:
        return _empty_figure(title, "Pick landmarks and coordinates to plot", height)
    figure = make_subplots(rows=len(coordinates), cols=1, shared_xaxes=True, vertical_spacing=0.06)
    # Several landmarks of one side: vary the dash so each stays identifiable.
    dashes = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
    seen_per_side: dict[str, int] = {}
    styles = {}
    for name in landmarks:
        side = side_of(LANDMARK_INDEX[name])
        styles[name] = (css_rgb(_SIDE_COLOURS[side]), dashes[seen_per_side.get(side, 0) % 6])
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


# ---- 3D animation --------------------------------------------------------------------

# One trace per (kind, side, brightness), present in every frame even when empty:
# Plotly animation frames replace traces by position, so the list must never change.
_TRACE_KEYS: tuple[tuple[str, str, bool], ...] = tuple(
    (kind, side, bright)
    for kind in ("bones", "joints")
    for bright in (True, False)
    for side in _SIDES
)


def _frame_traces(
    points: np.ndarray, original: np.ndarray, visibility: np.ndarray, threshold: float
) -> list[dict[str, Any]]:
    """The fixed list of trace updates for one frame (same order as _TRACE_KEYS).

    ``points`` are in plot axes; ``original`` are MediaPipe's values, shown on hover.
    """
    # A tenth of a millimetre is plenty on screen, and the figure's JSON (every frame
    # is sent to the browser) shrinks by about a third without the float noise.
    points = np.round(points, 4)
    original = np.round(original.astype(np.float64), 4)
    finite = np.isfinite(points).all(axis=1)
    visible = (visibility >= threshold) & finite
    out: list[dict[str, Any]] = []
    for kind, side, bright in _TRACE_KEYS:
        if kind == "bones":
            xs: list[float | None] = []
            ys: list[float | None] = []
            zs: list[float | None] = []
            for a, b in POSE_CONNECTIONS:
                if side_of_connection((a, b)) != side or not (finite[a] and finite[b]):
                    continue
                if bool(visible[a] and visible[b]) != bright:
                    continue
                xs += [float(points[a, 0]), float(points[b, 0]), None]
                ys += [float(points[a, 1]), float(points[b, 1]), None]
                zs += [float(points[a, 2]), float(points[b, 2]), None]
            out.append({"x": xs, "y": ys, "z": zs})
        else:
            idx = [
                i
                for i in range(NUM_LANDMARKS)
                if side_of(i) == side and finite[i] and bool(visible[i]) == bright
            ]
            out.append(
                {
                    "x": points[idx, 0].tolist(),
                    "y": points[idx, 1].tolist(),
                    "z": points[idx, 2].tolist(),
                    "customdata": [
                        [LANDMARK_NAMES[i], round(float(visibility[i]), 3), *original[i].tolist()]
                        for i in idx
                    ],
                }
            )
    return out


def _trace_styles() -> list[go.Scatter3d]:
    hover = (
        "<b>%{customdata[0]}</b><br>visibility %{customdata[1]:.2f}<br>"
        "x %{customdata[2]:.3f} m<br>y %{customdata[3]:.3f} m<br>"
        "z %{customdata[4]:.3f} m<extra></extra>"
    )
    traces = []
    for kind, side, bright in _TRACE_KEYS:
        colour = css_rgb(_SIDE_COLOURS[side])
        name = f"{side} {kind}" + ("" if bright else " (low visibility)")
        opacity = 1.0 if bright else DIM_OPACITY
        if kind == "bones":
            traces.append(
                go.Scatter3d(
                    mode="lines", line={"color": colour, "width": 7 if bright else 4},
                    opacity=opacity, hoverinfo="skip", showlegend=False, name=name,
                )
            )  # fmt: skip
        else:
            traces.append(
                go.Scatter3d(
                    mode="markers",
                    marker={
                        "size": 5 if bright else 4, "color": colour,
                        "line": {"color": "#141414", "width": 1},
                    },
                    opacity=opacity, hovertemplate=hover, showlegend=False, name=name,
                )
            )  # fmt: skip
    return traces


def figure_3d_animation(
    table: LandmarkTable,
    *,
    person: int | None = None,
    visibility_threshold: float = 0.5,
    camera: CameraPreset = "front",
    start_time: float | None = None,
    max_frames: int = MAX_ANIMATION_FRAMES,
    playback_speed: float = 1.0,
    height: int = 600,
) -> go.Figure:
    """An animated 3D skeleton of one person's world landmarks, with play/pause and a
    frame slider.

    Axes are fixed over the whole clip (computed from every frame), share one scale and
    are oriented as in :func:`pose_core.figure_3d` (plot z is up; hovering a joint
    shows MediaPipe's own coordinates).

    Args:
        table: The landmarks (e.g. ``VideoResult.table``).
        person: Person id; None picks the person seen in most frames.
        visibility_threshold: Joints below this visibility are dimmed.
        camera: "front", "side" or "top".
        start_time: Open on the frame nearest this time (seconds); the first otherwise.
        max_frames: Longer clips are sampled evenly down to this many frames.
        playback_speed: 1.0 plays in real time (frame durations follow the clip).
        height: Figure height in pixels.

    Returns:
        A Plotly figure with ``frames``; each frame is named by its time in seconds.

    Raises:
        ValueError: ``camera`` is not a preset.
    """
    _check_camera(camera)
    title = "3D playback — world landmarks (metres, hip-centred)"
    rows, person = _person_rows(table, person)
    if person is None or not len(rows):
        return _empty_figure(title, "No person detected", height)
    if len(rows) > max_frames:
        keep = np.unique(np.linspace(0, len(rows) - 1, max_frames).round().astype(int))
        rows = LandmarkTable(
            rows.frame[keep],
            rows.time_s[keep],
            rows.person[keep],
            rows.landmarks[keep],
            rows.world_landmarks[keep],
        )
    points = [_to_plot_axes(w) for w in rows.world_landmarks]
    visibility = rows.landmarks[:, :, 3]
    updates = [
        _frame_traces(p, w, v, visibility_threshold)
        for p, w, v in zip(points, rows.world_landmarks, visibility, strict=True)
    ]
    names = [f"{t:.2f}" for t in rows.time_s]
    start = 0 if start_time is None else int(np.abs(rows.time_s - start_time).argmin())

    traces = _trace_styles()
    for trace, update in zip(traces, updates[start], strict=True):
        trace.update(**update)
    figure = go.Figure(
        data=traces,
        frames=[
            go.Frame(data=[go.Scatter3d(**u) for u in update], name=name, traces=list(range(12)))
            for update, name in zip(updates, names, strict=True)
        ],
    )
    # Fixed axes: the scene is sized for every frame, so the skeleton moves, not the box.
    scene = _equal_scale_scene(points, WORLD_AXIS_TITLES, camera, min_extent=0.5)
    layout = _base_layout(f"{title} — person {person + 1}", scene, camera, height)
    layout["margin"] = {"l": 0, "r": 0, "t": 40, "b": 90}
    steps = np.diff(rows.time_s)
    frame_ms = float(np.median(steps)) * 1000.0 / playback_speed if len(steps) else 100.0
    play = {
        "frame": {"duration": max(frame_ms, 10.0), "redraw": True},
        "fromcurrent": True,
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    layout["updatemenus"] = [
        {
            "type": "buttons",
            "direction": "left",
            "showactive": False,
            "x": 0.0,
            "y": 0.0,
            "xanchor": "left",
            "yanchor": "top",
            "pad": {"t": 30, "r": 10},
            "bgcolor": "#1f2633",
            "bordercolor": GRID_COLOUR,
            "font": {"color": TEXT_COLOUR},
            "buttons": [
                {"label": "▶ Play", "method": "animate", "args": [None, play]},
                {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]},
            ],
        }
    ]
    layout["sliders"] = [
        {
            "active": start,
            "x": 0.16,
            "y": 0.0,
            "len": 0.84,
            "xanchor": "left",
            "yanchor": "top",
            "pad": {"t": 20},
            "bgcolor": "#1f2633",
            "bordercolor": GRID_COLOUR,
            # Hundreds of step labels would overlap into a smear: hide them (transparent)
            # and show the current time above the slider instead.
            "font": {"color": "rgba(0,0,0,0)", "size": 1},
            "ticklen": 0,
            "minorticklen": 0,
            "currentvalue": {
                "prefix": "t = ",
                "suffix": " s",
                "font": {"color": TEXT_COLOUR, "size": 13},
            },
            "steps": [
                {
                    "label": name,
                    "method": "animate",
                    "args": [
                        [name],
                        {"frame": {"duration": 0, "redraw": True}, "mode": "immediate"},
                    ],
                }
                for name in names
            ],
        }
    ]
    figure.update_layout(**layout)
    return figure
