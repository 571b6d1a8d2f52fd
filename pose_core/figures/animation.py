"""The animated 3D skeleton of a video: one person's world landmarks, frame by frame,
with play/pause and a frame slider.

Plotly only, no Streamlit. Shares the still 3D view's scene (:mod:`.scene`: axes
rotated so plot z is up, dark scene, one scale on every axis) and its look (orange left
/ blue right, dimmed low-visibility joints) so a video looks like the still 3D view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from ..landmarks import LANDMARK_NAMES
from ..timeseries import LandmarkTable
from .motion import person_rows
from .scene import (
    SKELETON_GROUPS,
    WORLD_AXES,
    CameraPreset,
    SkeletonMask,
    bone_segments,
    bone_trace,
    check_camera,
    joint_hover,
    joint_trace,
    no_person_figure,
    scene_layout,
    to_plot_axes,
)
from .style import GRID_COLOUR, SIDE_COLOURS, TEXT_COLOUR, css_rgb

if TYPE_CHECKING:
    from ..export import SkeletonPlayback

# The exported skeleton drawn over the landmarks: thin and light, so both stay readable.
OVERLAY_COLOUR = "rgba(235, 235, 235, 0.85)"

# Plotly redraws the whole 3D scene per animation frame; beyond a few hundred frames the
# browser stutters and the figure's JSON grows to many megabytes, so longer clips are
# sampled evenly down to this many frames.
MAX_ANIMATION_FRAMES = 300


def _frame_traces(
    points: np.ndarray, original: np.ndarray, visibility: np.ndarray, threshold: float
) -> list[dict[str, Any]]:
    """One frame's trace updates: the bones of every skeleton group, then the joints of
    every group, even the empty ones (animation frames replace traces by position, so
    the list must never change).

    ``points`` are in plot axes; ``original`` are MediaPipe's values, shown on hover.
    """
    # A tenth of a millimetre is plenty on screen, and the figure's JSON (every frame
    # is sent to the browser) shrinks by about a third without the float noise.
    points = np.round(points, 4)
    original = np.round(original.astype(np.float64), 4)
    mask = SkeletonMask.of(points, visibility, threshold)
    out: list[dict[str, Any]] = [
        bone_segments(points, mask.bones(group)).as_trace_data() for group in SKELETON_GROUPS
    ]
    for group in SKELETON_GROUPS:
        idx = mask.joints(group)
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
    return bone_segments(points, overlay.edges).as_trace_data()


def _trace_styles() -> list[go.Scatter3d]:
    """The traces' fixed look, in :func:`_frame_traces`' order; frames fill in the data."""
    bones = [
        bone_trace(group, css_rgb(SIDE_COLOURS[group.side]), group.name("bones"))
        for group in SKELETON_GROUPS
    ]
    hover = joint_hover(" m", "")
    joints = [
        joint_trace(
            group, css_rgb(SIDE_COLOURS[group.side]), group.name("joints"), hovertemplate=hover
        )
        for group in SKELETON_GROUPS
    ]
    return bones + joints


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
        return no_person_figure(title, height)
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
    layout = scene_layout(f"{title} — person {person + 1}", points, WORLD_AXES, camera, height)
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
