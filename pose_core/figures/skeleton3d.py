"""Plotly figures of pose results: world landmarks in metres and image-space landmarks.

Pure functions on :class:`PoseResult`; Plotly only, no Streamlit, so the app, notebooks
and reports draw the same figures.

Both figures turn MediaPipe's coordinates (x right, y down, z away from the camera)
into Plotly's z-up scene: plot x = x, plot y = z (depth), plot z = -y (up). That is a
proper rotation (-90 degrees about x), not a mirror, so the person's left stays their
left; and with the vertical on Plotly's z axis, dragging turns the scene like a
turntable and the person stays upright. Axis titles name the original quantities, and
hovering a joint shows its original MediaPipe values. The animation
(:mod:`.animation`) builds its scene with the same helpers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go

from ..drawing import colour_slot, person_colours
from ..landmarks import LANDMARK_NAMES, NUM_LANDMARKS, POSE_CONNECTIONS, side_of, side_of_connection
from ..results import PoseResult
from .style import DIM_OPACITY, GRID_COLOUR, SCENE_BACKGROUND, TEXT_COLOUR, css_rgb, empty_figure

CameraPreset = Literal["front", "side", "top"]

# Plotly camera eyes are in units of the (normalised) scene box; ~2 fits it in view.
# Plot axes: x right, y depth (away from the camera), z up. "front" looks from where the
# camera was; "side" from the image's right edge; "top" from above, camera side at the
# bottom of the screen.
_UP = {"x": 0.0, "y": 0.0, "z": 1.0}
CAMERA_PRESETS: dict[CameraPreset, dict[str, dict[str, float]]] = {
    # Slightly off-axis: head-on, the depth axis collapses to a line and its title garbles.
    "front": {"eye": {"x": 0.35, "y": -1.9, "z": 0.35}, "up": _UP},
    "side": {"eye": {"x": 1.6, "y": 0.0, "z": 0.12}, "up": _UP},
    "top": {"eye": {"x": 0.0, "y": -0.3, "z": 1.8}, "up": _UP},
}

# Gap between people placed side by side in the world view, in metres.
PERSON_GAP_M = 0.6

_SIDES = ("left", "right", "center")


def to_plot_axes(xyz: np.ndarray) -> np.ndarray:
    """MediaPipe (x right, y down, z away) -> plot (x right, y = depth away, z up)."""
    xyz = np.asarray(xyz, dtype=np.float64)
    return np.column_stack([xyz[:, 0], xyz[:, 2], -xyz[:, 1]])


def check_camera(camera: str) -> None:
    """Raise ValueError unless ``camera`` names one of :data:`CAMERA_PRESETS`."""
    if camera not in CAMERA_PRESETS:
        raise ValueError(f"camera must be one of {', '.join(CAMERA_PRESETS)}, not {camera!r}")


def _people(result: PoseResult, person: int | None) -> list[int]:
    if person is None:
        return list(range(result.num_poses))
    if not 0 <= person < result.num_poses:
        raise ValueError(f"person must be between 0 and {result.num_poses - 1}, not {person}")
    return [person]


def _skeleton_traces(
    points: np.ndarray,
    original: np.ndarray,
    visibility: np.ndarray,
    visibility_threshold: float,
    colours: dict[str, tuple[int, int, int]],
    label: str,
    units: str,
) -> list[go.Scatter3d]:
    """Bones and joints of one person, split by side and by visibility.

    Plotly sets opacity per trace, so dimmed parts are separate traces.
    """
    finite = np.isfinite(points).all(axis=1)
    visible = (visibility >= visibility_threshold) & finite
    traces: list[go.Scatter3d] = []
    for bright in (True, False):
        for side in _SIDES:
            xs: list[float | None] = []
            ys: list[float | None] = []
            zs: list[float | None] = []
            for a, b in POSE_CONNECTIONS:
                if side_of_connection((a, b)) != side or not (finite[a] and finite[b]):
                    continue
                if (visible[a] and visible[b]) != bright:
                    continue
                # None breaks the line, so one trace holds every bone of this group.
                xs += [points[a, 0], points[b, 0], None]
                ys += [points[a, 1], points[b, 1], None]
                zs += [points[a, 2], points[b, 2], None]
            if xs:
                traces.append(
                    go.Scatter3d(
                        x=xs,
                        y=ys,
                        z=zs,
                        mode="lines",
                        line={"color": css_rgb(colours[side]), "width": 7 if bright else 4},
                        opacity=1.0 if bright else DIM_OPACITY,
                        hoverinfo="skip",
                        showlegend=False,
                        legendgroup=label,
                        name=f"{label} {side} bones" + ("" if bright else " (low visibility)"),
                    )
                )
    hover = (
        "<b>%{customdata[0]}</b><br>visibility %{customdata[1]:.2f}<br>"
        f"x %{{customdata[2]:.3f}}{units}<br>y %{{customdata[3]:.3f}}{units}<br>"
        f"z %{{customdata[4]:.3f}}{units}"
        f"<extra>{label}</extra>"
    )
    for bright in (True, False):
        for side in _SIDES:
            idx = [
                i
                for i in range(NUM_LANDMARKS)
                if side_of(i) == side and finite[i] and bool(visible[i]) == bright
            ]
            if not idx:
                continue
            traces.append(
                go.Scatter3d(
                    x=points[idx, 0],
                    y=points[idx, 1],
                    z=points[idx, 2],
                    mode="markers",
                    marker={
                        "size": 5 if bright else 4,
                        "color": css_rgb(colours[side]),
                        "line": {"color": "#141414", "width": 1},
                    },
                    opacity=1.0 if bright else DIM_OPACITY,
                    # Hover shows MediaPipe's own coordinates, not the rotated ones.
                    customdata=[
                        [LANDMARK_NAMES[i], float(visibility[i]), *map(float, original[i])]
                        for i in idx
                    ],
                    hovertemplate=hover,
                    showlegend=False,
                    legendgroup=label,
                    name=f"{label} {side} joints" + ("" if bright else " (low visibility)"),
                )
            )
    return traces


def equal_scale_scene(
    points: Sequence[np.ndarray],
    axis_titles: tuple[str, str, str],
    camera: CameraPreset,
    min_extent: float,
) -> dict[str, Any]:
    """A scene whose three axes share one scale (1 unit is as long on each axis)."""
    stacked = np.concatenate([p[np.isfinite(p).all(axis=1)] for p in points] or [np.zeros((0, 3))])
    if len(stacked) == 0:
        stacked = np.zeros((1, 3))
    low, high = stacked.min(axis=0), stacked.max(axis=0)
    centre = (low + high) / 2
    # Pad, and keep a flat axis (a person seen edge-on) from collapsing to nothing.
    extent = np.maximum((high - low) * 1.15, min_extent)
    ranges = [[float(c - e / 2), float(c + e / 2)] for c, e in zip(centre, extent, strict=True)]
    ratio = extent / extent.max()
    axis = {
        "backgroundcolor": SCENE_BACKGROUND,
        "gridcolor": GRID_COLOUR,
        "zerolinecolor": GRID_COLOUR,
        "showbackground": True,
        "color": TEXT_COLOUR,
        "tickfont": {"size": 10},
    }
    return {
        "xaxis": {**axis, "title": {"text": axis_titles[0]}, "range": ranges[0]},
        "yaxis": {**axis, "title": {"text": axis_titles[1]}, "range": ranges[1]},
        "zaxis": {**axis, "title": {"text": axis_titles[2]}, "range": ranges[2]},
        "aspectmode": "manual",
        "aspectratio": {"x": float(ratio[0]), "y": float(ratio[1]), "z": float(ratio[2])},
        "camera": {**CAMERA_PRESETS[camera], "projection": {"type": "perspective"}},
        # Turntable spins about the vertical (plot z): the person stays upright.
        "dragmode": "turntable",
        "bgcolor": SCENE_BACKGROUND,
    }


def base_layout(
    title: str, scene: dict[str, Any], camera: CameraPreset, height: int
) -> dict[str, Any]:
    """Layout of a 3D figure around ``scene``: title, dark paper, no legend, and the
    user's rotation kept until the camera preset changes."""
    return {
        "title": {"text": title, "font": {"color": TEXT_COLOUR, "size": 15}, "x": 0.02},
        "scene": scene,
        "paper_bgcolor": SCENE_BACKGROUND,
        "font": {"color": TEXT_COLOUR},
        "margin": {"l": 0, "r": 0, "t": 40, "b": 0},
        "height": height,
        "showlegend": False,
        # Same camera preset -> the user's own rotation survives a rerun; a new preset
        # moves the camera.
        "uirevision": camera,
        "hoverlabel": {"bgcolor": "#1f2633", "font": {"color": TEXT_COLOUR}},
    }


def _label_trace(points: np.ndarray, text: str, colour: tuple[int, int, int]) -> go.Scatter3d:
    finite = points[np.isfinite(points).all(axis=1)]
    # Just above the head (plot z is up).
    x, y, z = (
        float(np.median(finite[:, 0])),
        float(np.median(finite[:, 1])),
        float(finite[:, 2].max()) + 0.15,
    )
    return go.Scatter3d(
        x=[x],
        y=[y],
        z=[z],
        mode="text",
        text=[text],
        textfont={"color": css_rgb(colour), "size": 14},
        hoverinfo="skip",
        showlegend=False,
        name=text,
    )


def figure_3d(
    result: PoseResult,
    *,
    visibility_threshold: float = 0.5,
    camera: CameraPreset = "front",
    person: int | None = None,
    height: int = 560,
) -> go.Figure:
    """A 3D skeleton of the world landmarks (metres, hip-centred).

    Bones are lines coloured by side like the 2D overlay (orange left, blue right for a
    single person; one hue per person otherwise); joints under ``visibility_threshold``
    and the bones touching them are dimmed. Hovering a joint shows its name and
    visibility. Axes share one scale, y points up.

    Args:
        result: The poses to plot.
        visibility_threshold: Joints below this visibility are dimmed.
        camera: "front" (as the photo was taken), "side" or "top".
        person: Index of one person to plot; None plots everyone side by side, ordered
            left to right as they stand in the image (each person's world landmarks
            are centred on their own hips, so they are spread apart to not overlap).
        height: Figure height in pixels.

    Returns:
        A Plotly figure.

    Raises:
        ValueError: ``camera`` is not a preset or ``person`` is out of range.
    """
    check_camera(camera)
    title = "3D pose — world landmarks (metres, hip-centred)"
    if not result.poses:
        return empty_figure(title, "No person detected", height)
    people = _people(result, person)
    num_people = result.num_poses
    # Left-to-right order in the image, from the mean x of each person's hips.
    order = sorted(people, key=lambda i: float(np.nanmean(result.poses[i].landmarks[[23, 24], 0])))
    traces: list[go.BaseTraceType] = []
    all_points = []
    offset = 0.0
    for position, i in enumerate(order):
        pose = result.poses[i]
        points = to_plot_axes(pose.world_landmarks)
        finite = points[np.isfinite(points).all(axis=1)]
        if len(order) > 1 and len(finite):
            # Place this person to the right of the previous one, a gap between them.
            if position > 0:
                offset -= float(finite[:, 0].min())
            points = points + np.array([offset, 0.0, 0.0])
            offset += float(finite[:, 0].max()) + PERSON_GAP_M
        colours = person_colours(colour_slot(result.poses[i], i), num_people)
        label = f"Person {i + 1}"
        traces += _skeleton_traces(
            points,
            pose.world_landmarks,
            pose.visibility,
            visibility_threshold,
            colours,
            label,
            " m",
        )
        all_points.append(points)
        if num_people > 1 and len(finite):
            traces.append(_label_trace(points, label, colours["left"]))
            tag = traces[-1]
            all_points.append(np.array([[tag.x[0], tag.y[0], tag.z[0]]]))
    scene = equal_scale_scene(
        all_points, ("x (m)", "depth z (m)", "up −y (m)"), camera, min_extent=0.5
    )
    # Layout given to the constructor: update_layout on a figure with traces costs
    # ~15 ms more (Plotly's relayout machinery), on every page run.
    return go.Figure(data=traces, layout=base_layout(title, scene, camera, height))


def figure_image_space(
    result: PoseResult,
    *,
    visibility_threshold: float = 0.5,
    camera: CameraPreset = "front",
    person: int | None = None,
    height: int = 560,
) -> go.Figure:
    """A 3D plot of the normalised image-space landmarks (x, y, z).

    x runs 0..1 across the image width; y is scaled by height / width so the image's
    proportions are kept, and plotted upwards; z is MediaPipe's relative depth (same
    scale as x). Everyone stays where they are in the image.

    Args:
        result: The poses to plot.
        visibility_threshold: Joints below this visibility are dimmed.
        camera: "front", "side" or "top".
        person: Index of one person to plot, or None for everyone.
        height: Figure height in pixels.

    Returns:
        A Plotly figure.

    Raises:
        ValueError: ``camera`` is not a preset or ``person`` is out of range.
    """
    check_camera(camera)
    title = "Image space — normalised landmarks (x = 0..1 across the image)"
    if not result.poses:
        return empty_figure(title, "No person detected", height)
    aspect = result.image_height / max(result.image_width, 1)
    traces: list[go.BaseTraceType] = []
    all_points = []
    for i in _people(result, person):
        pose = result.poses[i]
        xyz = pose.landmarks[:, :3].astype(np.float64) * np.array([1.0, aspect, 1.0])
        points = to_plot_axes(xyz)
        colours = person_colours(colour_slot(pose, i), result.num_poses)
        label = f"Person {i + 1}"
        traces += _skeleton_traces(
            points,
            pose.landmarks[:, :3],
            pose.visibility,
            visibility_threshold,
            colours,
            label,
            "",
        )
        all_points.append(points)
    # The image frame, so positions read against the photo's edges.
    frame_x = [0.0, 1.0, 1.0, 0.0, 0.0]
    frame_up = [0.0, 0.0, -aspect, -aspect, 0.0]
    traces.append(
        go.Scatter3d(
            x=frame_x,
            y=[0.0] * 5,
            z=frame_up,
            mode="lines",
            line={"color": GRID_COLOUR, "width": 3},
            hoverinfo="skip",
            showlegend=False,
            name="image frame",
        )
    )
    all_points.append(np.column_stack([frame_x, np.zeros(5), frame_up]))
    scene = equal_scale_scene(
        all_points, ("x (0..1 across)", "depth z", "up −y"), camera, min_extent=0.2
    )
    # Layout given to the constructor: update_layout on a figure with traces costs
    # ~15 ms more (Plotly's relayout machinery), on every page run.
    return go.Figure(data=traces, layout=base_layout(title, scene, camera, height))
