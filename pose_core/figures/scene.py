"""What the still 3D figures (:mod:`.skeleton3d`) and the animated playback
(:mod:`.animation`) share, so a video looks like the still 3D view: the rotation into
Plotly's z-up scene, the camera presets, the equal-scale scene and its layout, and a
skeleton's bones and joints split into traces by body side and visibility.

MediaPipe's coordinates (x right, y down, z away from the camera) become plot x = x,
plot y = z (depth), plot z = -y (up). That is a proper rotation (-90 degrees about x),
not a mirror, so the person's left stays their left; and with the vertical on Plotly's
z axis, dragging turns the scene like a turntable and the person stays upright.

Plotly only, no Streamlit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go

from ..landmarks import NUM_LANDMARKS, POSE_CONNECTIONS, side_of, side_of_connection
from .style import DIM_OPACITY, GRID_COLOUR, SCENE_BACKGROUND, TEXT_COLOUR, empty_figure

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

NO_PERSON = "No person detected"


@dataclasses.dataclass(frozen=True)
class SceneAxes:
    """The titles of a scene's three plot axes (they name MediaPipe's own quantities),
    and the least extent an axis is given, so a person seen edge-on keeps some depth."""

    x: str
    depth: str
    up: str
    min_extent: float


# World landmarks (metres, hip-centred): the still 3D view and the playback alike.
WORLD_AXES = SceneAxes("x (m)", "depth z (m)", "up −y (m)", min_extent=0.5)


def to_plot_axes(xyz: np.ndarray) -> np.ndarray:
    """MediaPipe (x right, y down, z away) -> plot (x right, y = depth away, z up)."""
    xyz = np.asarray(xyz, dtype=np.float64)
    return np.column_stack([xyz[:, 0], xyz[:, 2], -xyz[:, 1]])


def check_camera(camera: str) -> None:
    """Raise ValueError unless ``camera`` names one of :data:`CAMERA_PRESETS`."""
    if camera not in CAMERA_PRESETS:
        raise ValueError(f"camera must be one of {', '.join(CAMERA_PRESETS)}, not {camera!r}")


def no_person_figure(title: str, height: int) -> go.Figure:
    """The 3D figures' stand-in when there is nobody to draw."""
    return empty_figure(title, NO_PERSON, height)


def equal_scale_scene(
    points: Sequence[np.ndarray], axes: SceneAxes, camera: CameraPreset
) -> dict[str, Any]:
    """A scene around every finite point of ``points`` whose three axes share one scale
    (1 unit is as long on each axis)."""
    stacked = np.concatenate([p[np.isfinite(p).all(axis=1)] for p in points] or [np.zeros((0, 3))])
    if len(stacked) == 0:
        stacked = np.zeros((1, 3))
    low, high = stacked.min(axis=0), stacked.max(axis=0)
    centre = (low + high) / 2
    # Pad, and keep a flat axis (a person seen edge-on) from collapsing to nothing.
    extent = np.maximum((high - low) * 1.15, axes.min_extent)
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
    titles = (axes.x, axes.depth, axes.up)
    x_axis, y_axis, z_axis = (
        {**axis, "title": {"text": title}, "range": span}
        for title, span in zip(titles, ranges, strict=True)
    )
    return {
        "xaxis": x_axis,
        "yaxis": y_axis,
        "zaxis": z_axis,
        "aspectmode": "manual",
        "aspectratio": {"x": float(ratio[0]), "y": float(ratio[1]), "z": float(ratio[2])},
        "camera": {**CAMERA_PRESETS[camera], "projection": {"type": "perspective"}},
        # Turntable spins about the vertical (plot z): the person stays upright.
        "dragmode": "turntable",
        "bgcolor": SCENE_BACKGROUND,
    }


def scene_layout(
    title: str,
    points: Sequence[np.ndarray],
    axes: SceneAxes,
    camera: CameraPreset,
    height: int,
) -> dict[str, Any]:
    """Layout of a 3D figure: an equal-scale scene around ``points`` (see
    :func:`equal_scale_scene`), title, dark paper, no legend, and the user's rotation
    kept until the camera preset changes."""
    return {
        "title": {"text": title, "font": {"color": TEXT_COLOUR, "size": 15}, "x": 0.02},
        "scene": equal_scale_scene(points, axes, camera),
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


SIDES = ("left", "right", "center")


@dataclasses.dataclass(frozen=True)
class SkeletonGroup:
    """The bones or joints of one body side, either bright or dimmed (at least one end
    under the visibility threshold): one trace, as Plotly sets opacity per trace."""

    side: str
    bright: bool

    @property
    def opacity(self) -> float:
        return 1.0 if self.bright else DIM_OPACITY

    def name(self, kind: str) -> str:
        return f"{self.side} {kind}" + ("" if self.bright else " (low visibility)")


# Every group, in the order both figures draw them (the playback's frames replace traces
# by position, so it holds one trace per group in this order).
SKELETON_GROUPS = tuple(SkeletonGroup(side, bright) for bright in (True, False) for side in SIDES)


@dataclasses.dataclass(frozen=True)
class SkeletonMask:
    """Which joints of one skeleton have a position, and which of those are visible."""

    finite: np.ndarray
    visible: np.ndarray

    @classmethod
    def of(cls, points: np.ndarray, visibility: np.ndarray, threshold: float) -> SkeletonMask:
        finite = np.isfinite(points).all(axis=1)
        return cls(finite, (visibility >= threshold) & finite)

    def bones(self, group: SkeletonGroup) -> list[tuple[int, int]]:
        """The bones of ``group``; a bone is bright only when both its joints are."""
        return [
            (a, b)
            for a, b in POSE_CONNECTIONS
            if side_of_connection((a, b)) == group.side
            and self.finite[a]
            and self.finite[b]
            and bool(self.visible[a] and self.visible[b]) == group.bright
        ]

    def joints(self, group: SkeletonGroup) -> list[int]:
        return [
            i
            for i in range(NUM_LANDMARKS)
            if side_of(i) == group.side and self.finite[i] and bool(self.visible[i]) == group.bright
        ]


@dataclasses.dataclass(frozen=True)
class Segments:
    """Line segments as one Plotly line trace's coordinates."""

    x: list[float | None]
    y: list[float | None]
    z: list[float | None]

    def as_trace_data(self) -> dict[str, list[float | None]]:
        return {"x": self.x, "y": self.y, "z": self.z}


def bone_segments(points: np.ndarray, bones: Iterable[tuple[int, int]]) -> Segments:
    """The segments joining ``points`` (plot axes) pairwise along ``bones``."""
    segments = Segments([], [], [])
    for a, b in bones:
        # None breaks the line, so one trace holds every bone.
        segments.x.extend([float(points[a, 0]), float(points[b, 0]), None])
        segments.y.extend([float(points[a, 1]), float(points[b, 1]), None])
        segments.z.extend([float(points[a, 2]), float(points[b, 2]), None])
    return segments


def joint_hover(units: str, label: str) -> str:
    """Hover text of a joint: its name, visibility and MediaPipe's own coordinates (the
    traces' customdata rows: name, visibility, x, y, z), not the rotated plot ones."""
    return (
        "<b>%{customdata[0]}</b><br>visibility %{customdata[1]:.2f}<br>"
        f"x %{{customdata[2]:.3f}}{units}<br>y %{{customdata[3]:.3f}}{units}<br>"
        f"z %{{customdata[4]:.3f}}{units}"
        f"<extra>{label}</extra>"
    )


def bone_trace(group: SkeletonGroup, colour: str, name: str, **data: Any) -> go.Scatter3d:
    """The look of a group's bones; ``data`` holds coordinates and any further keys."""
    return go.Scatter3d(
        mode="lines",
        line={"color": colour, "width": 7 if group.bright else 4},
        opacity=group.opacity,
        hoverinfo="skip",
        showlegend=False,
        name=name,
        **data,
    )


def joint_trace(group: SkeletonGroup, colour: str, name: str, **data: Any) -> go.Scatter3d:
    """The look of a group's joints; ``data`` holds coordinates, hover and any further
    keys."""
    return go.Scatter3d(
        mode="markers",
        marker={
            "size": 5 if group.bright else 4,
            "color": colour,
            "line": {"color": "#141414", "width": 1},
        },
        opacity=group.opacity,
        showlegend=False,
        name=name,
        **data,
    )
