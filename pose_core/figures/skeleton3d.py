"""Plotly figures of pose results: world landmarks in metres and image-space landmarks.

Pure functions on :class:`PoseResult`; Plotly only, no Streamlit, so the app, notebooks
and reports draw the same figures.

Both figures turn MediaPipe's coordinates into Plotly's z-up scene (:mod:`.scene`,
shared with the animation). Axis titles name the original quantities, and hovering a
joint shows its original MediaPipe values.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import plotly.graph_objects as go

from ..drawing import RGB, colour_slot, person_colours
from ..landmarks import LANDMARK_NAMES
from ..results import PoseResult
from .scene import (
    SKELETON_GROUPS,
    WORLD_AXES,
    CameraPreset,
    SceneAxes,
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
from .style import GRID_COLOUR, css_rgb

# Gap between people placed side by side in the world view, in metres.
PERSON_GAP_M = 0.6

IMAGE_AXES = SceneAxes("x (0..1 across)", "depth z", "up −y", min_extent=0.2)


def _people(result: PoseResult, person: int | None, camera: str) -> list[int]:
    """Both figures' checks of their arguments; the people to plot, none when nobody
    was detected.

    Raises:
        ValueError: ``camera`` is not a preset or ``person`` is out of range.
    """
    check_camera(camera)
    if not result.poses or person is None:
        return list(range(result.num_poses))
    if not 0 <= person < result.num_poses:
        raise ValueError(f"person must be between 0 and {result.num_poses - 1}, not {person}")
    return [person]


@dataclasses.dataclass(frozen=True)
class _Look:
    """How one person is drawn: their label and the colour of each body side."""

    label: str
    colours: dict[str, RGB]

    @classmethod
    def of(cls, result: PoseResult, i: int) -> _Look:
        # The same colour rule as the drawn frame, so a person matches across views.
        colours = person_colours(colour_slot(result.poses[i], i), result.num_poses)
        return cls(f"Person {i + 1}", colours)


def _skeleton_traces(
    points: np.ndarray,
    original: np.ndarray,
    visibility: np.ndarray,
    visibility_threshold: float,
    look: _Look,
    units: str,
) -> list[go.Scatter3d]:
    """Bones, then joints, of one person, a trace per side and visibility."""
    label, colours = look.label, look.colours
    mask = SkeletonMask.of(points, visibility, visibility_threshold)
    traces: list[go.Scatter3d] = []
    for group in SKELETON_GROUPS:
        bones = mask.bones(group)
        if bones:
            traces.append(
                bone_trace(
                    group,
                    css_rgb(colours[group.side]),
                    f"{label} {group.name('bones')}",
                    legendgroup=label,
                    **bone_segments(points, bones).as_trace_data(),
                )
            )
    hover = joint_hover(units, label)
    for group in SKELETON_GROUPS:
        idx = mask.joints(group)
        if not idx:
            continue
        traces.append(
            joint_trace(
                group,
                css_rgb(colours[group.side]),
                f"{label} {group.name('joints')}",
                x=points[idx, 0],
                y=points[idx, 1],
                z=points[idx, 2],
                customdata=[
                    [LANDMARK_NAMES[i], float(visibility[i]), *map(float, original[i])] for i in idx
                ],
                hovertemplate=hover,
                legendgroup=label,
            )
        )
    return traces


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
    title = "3D pose — world landmarks (metres, hip-centred)"
    people = _people(result, person, camera)
    if not people:
        return no_person_figure(title, height)
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
        look = _Look.of(result, i)
        traces += _skeleton_traces(
            points, pose.world_landmarks, pose.visibility, visibility_threshold, look, " m"
        )
        all_points.append(points)
        if num_people > 1 and len(finite):
            traces.append(_label_trace(points, look.label, look.colours["left"]))
            tag = traces[-1]
            all_points.append(np.array([[tag.x[0], tag.y[0], tag.z[0]]]))
    layout = scene_layout(title, all_points, WORLD_AXES, camera, height)
    # Layout given to the constructor: update_layout on a figure with traces costs
    # ~15 ms more (Plotly's relayout machinery), on every page run.
    return go.Figure(data=traces, layout=layout)


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
    scale as x). The image's frame is drawn around them.

    Arguments, result and errors as :func:`figure_3d`'s, except that with ``person``
    None everyone stays where they are in the image.
    """
    title = "Image space — normalised landmarks (x = 0..1 across the image)"
    people = _people(result, person, camera)
    if not people:
        return no_person_figure(title, height)
    aspect = result.image_height / max(result.image_width, 1)
    traces: list[go.BaseTraceType] = []
    all_points = []
    for i in people:
        pose = result.poses[i]
        xyz = pose.landmarks[:, :3].astype(np.float64) * np.array([1.0, aspect, 1.0])
        points = to_plot_axes(xyz)
        look = _Look.of(result, i)
        original = pose.landmarks[:, :3]
        traces += _skeleton_traces(
            points, original, pose.visibility, visibility_threshold, look, ""
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
    layout = scene_layout(title, all_points, IMAGE_AXES, camera, height)
    # Layout given to the constructor: update_layout on a figure with traces costs
    # ~15 ms more (Plotly's relayout machinery), on every page run.
    return go.Figure(data=traces, layout=layout)
