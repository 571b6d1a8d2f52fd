"""The animated 3D skeleton of a video: one person's world landmarks, frame by frame,
with play/pause and a frame slider.

Plotly only, no Streamlit. Reuses the still 3D view's scene (:mod:`.skeleton3d`: axes
rotated so plot z is up, dark scene, one scale on every axis) and its look (orange left
/ blue right, dimmed low-visibility joints) so a video looks like the still 3D view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from ..landmarks import (
    LANDMARK_NAMES,
    NUM_LANDMARKS,
    POSE_CONNECTIONS,
    side_of,
    side_of_connection,
)
from ..timeseries import LandmarkTable
from .motion import person_rows
from .skeleton3d import CameraPreset, base_layout, check_camera, equal_scale_scene, to_plot_axes
from .style import DIM_OPACITY, GRID_COLOUR, SIDE_COLOURS, TEXT_COLOUR, css_rgb, empty_figure

if TYPE_CHECKING:
    from ..export import SkeletonPlayback

# The exported skeleton drawn over the landmarks: thin and light, so both stay readable.
OVERLAY_COLOUR = "rgba(235, 235, 235, 0.85)"

# Plotly redraws the whole 3D scene per animation frame; beyond a few hundred frames the
# browser stutters and the figure's JSON grows to many megabytes, so longer clips are
# sampled evenly down to this many frames.
MAX_ANIMATION_FRAMES = 300
# The still 3D view's axis titles (pose_core.figures.figure_3d): plot z is up.
WORLD_AXIS_TITLES = ("x (m)", "depth z (m)", "up −y (m)")
_SIDES = ("left", "right", "center")

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


def _overlay_trace(overlay: SkeletonPlayback, time_s: float) -> dict[str, Any]:
    """The overlay skeleton's bones at its frame nearest ``time_s``, in plot axes."""
    frame = int(np.abs(overlay.times - time_s).argmin())
    points = np.round(to_plot_axes(overlay.points[frame]), 4)
    xs: list[float | None] = []
    ys: list[float | None] = []
    zs: list[float | None] = []
    for a, b in overlay.edges:
        xs += [float(points[a, 0]), float(points[b, 0]), None]
        ys += [float(points[a, 1]), float(points[b, 1]), None]
        zs += [float(points[a, 2]), float(points[b, 2]), None]
    return {"x": xs, "y": ys, "z": zs}


def _trace_styles() -> list[go.Scatter3d]:
    hover = (
        "<b>%{customdata[0]}</b><br>visibility %{customdata[1]:.2f}<br>"
        "x %{customdata[2]:.3f} m<br>y %{customdata[3]:.3f} m<br>"
        "z %{customdata[4]:.3f} m<extra></extra>"
    )
    traces = []
    for kind, side, bright in _TRACE_KEYS:
        colour = css_rgb(SIDE_COLOURS[side])
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
    overlay: SkeletonPlayback | None = None,
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
        overlay: A skeleton to draw over the landmarks in every frame (the export read
            back from its BVH file), its frame nearest each landmark frame's time.

    Returns:
        A Plotly figure with ``frames``; each frame is named by its time in seconds.

    Raises:
        ValueError: ``camera`` is not a preset.
    """
    check_camera(camera)
    title = "3D playback — world landmarks (metres, hip-centred)"
    rows, person = person_rows(table, person)
    if person is None or not len(rows):
        return empty_figure(title, "No person detected", height)
    if len(rows) > max_frames:
        keep = np.unique(np.linspace(0, len(rows) - 1, max_frames).round().astype(int))
        rows = LandmarkTable(
            rows.frame[keep],
            rows.time_s[keep],
            rows.person[keep],
            rows.landmarks[keep],
            rows.world_landmarks[keep],
        )
    points = [to_plot_axes(w) for w in rows.world_landmarks]
    visibility = rows.landmarks[:, :, 3]
    updates = [
        _frame_traces(p, w, v, visibility_threshold)
        for p, w, v in zip(points, rows.world_landmarks, visibility, strict=True)
    ]
    names = [f"{t:.2f}" for t in rows.time_s]
    start = 0 if start_time is None else int(np.abs(rows.time_s - start_time).argmin())

    traces = _trace_styles()
    if overlay is not None and len(overlay.times):
        traces.append(
            go.Scatter3d(
                mode="lines+markers", line={"color": OVERLAY_COLOUR, "width": 3},
                marker={"size": 2, "color": OVERLAY_COLOUR}, hoverinfo="skip",
                name="exported skeleton (BVH)", showlegend=False,
            )
        )  # fmt: skip
        for frame_updates, time_s in zip(updates, rows.time_s, strict=True):
            frame_updates.append(_overlay_trace(overlay, float(time_s)))
    for trace, first in zip(traces, updates[start], strict=True):
        trace.update(**first)
    figure = go.Figure(
        data=traces,
        frames=[
            go.Frame(
                data=[go.Scatter3d(**u) for u in update],
                name=name,
                traces=list(range(len(traces))),
            )
            for update, name in zip(updates, names, strict=True)
        ],
    )
    # Fixed axes: the scene is sized for every frame, so the skeleton moves, not the box.
    scene = equal_scale_scene(points, WORLD_AXIS_TITLES, camera, min_extent=0.5)
    layout = base_layout(f"{title} — person {person + 1}", scene, camera, height)
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
