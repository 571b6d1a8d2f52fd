"""Skeleton overlays drawn on the original-size RGB image."""

from __future__ import annotations

import dataclasses
from typing import Literal

import cv2
import numpy as np

from .defaults import VISIBILITY_THRESHOLD
from .landmarks import NUM_LANDMARKS, POSE_CONNECTIONS, side_of, side_of_connection
from .results import PersonPose, PoseResult

RGB = tuple[int, int, int]

# All colours are RGB: drawing happens on rgb_image arrays.
LEFT_COLOUR: RGB = (255, 145, 0)  # orange: the person's left side
RIGHT_COLOUR: RGB = (0, 170, 255)  # blue: the person's right side
CENTRE_COLOUR: RGB = (235, 235, 235)
# One hue per person when several are found, as many as MAX_NUM_POSES: Okabe-Ito's
# colour-blind-safe set (without black) plus three more that stay apart from it. None is
# white, so each one's lightened right side differs from its left.
PERSON_COLOURS: tuple[RGB, ...] = (
    (230, 159, 0),
    (86, 180, 233),
    (0, 158, 115),
    (240, 228, 66),
    (204, 121, 167),
    (213, 94, 0),
    (0, 114, 178),
    (148, 103, 189),
    (140, 86, 75),
    (23, 190, 207),
)
OUTLINE_COLOUR: RGB = (20, 20, 20)


@dataclasses.dataclass(frozen=True)
class DrawingStyle:
    """How to draw poses.

    Attributes:
        visibility_threshold: Landmarks with visibility below this are dimmed or hidden.
        low_visibility: "dim" draws them faintly, "hide" leaves them out.
        draw_segmentation: Tint each person's segmentation mask, when the result has one.
        thickness: Bone thickness in pixels; None scales it with the image size.
    """

    visibility_threshold: float = VISIBILITY_THRESHOLD
    low_visibility: Literal["dim", "hide"] = "dim"
    draw_segmentation: bool = True
    thickness: int | None = None


def colour_slot(pose: PersonPose, position: int) -> int:
    """Which person colour ``pose`` gets: its track id when a detector tracks people
    (so a person keeps their colour while others come and go), else its position."""
    return pose.track_id if pose.track_id is not None else position


def person_colours(person: int, num_people: int) -> dict[str, RGB]:
    """Colours for the left, right and centre of one person.

    Alone, a person is drawn orange (left) and blue (right). With several people each
    gets a hue of their own; their right side is the same hue mixed with white, so
    sides stay distinguishable.
    """
    if num_people <= 1:
        return {"left": LEFT_COLOUR, "right": RIGHT_COLOUR, "center": CENTRE_COLOUR}
    hue = np.array(PERSON_COLOURS[person % len(PERSON_COLOURS)], dtype=np.float64)
    light = hue + (255 - hue) * 0.55

    def as_rgb(colour: np.ndarray) -> RGB:
        red, green, blue = (round(float(v)) for v in colour)
        return red, green, blue

    return {"left": as_rgb(hue), "right": as_rgb(light), "center": as_rgb((hue + light) / 2)}


def _segmentation_overlay(canvas: np.ndarray, pose: PersonPose, colour: RGB) -> None:
    mask = pose.segmentation_mask
    if mask is None:
        return
    height, width = canvas.shape[:2]
    if mask.shape != (height, width):
        mask = cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)
    alpha = (np.clip(mask, 0.0, 1.0) * 0.45)[..., None]
    blended = canvas * (1.0 - alpha) + np.array(colour, dtype=np.float32) * alpha
    canvas[...] = blended.astype(np.uint8)


def _draw_skeleton(
    canvas: np.ndarray,
    points: np.ndarray,
    keep: np.ndarray,
    colours: dict[str, RGB],
    thickness: int,
) -> None:
    radius = max(2, round(thickness * 1.4))
    finite = np.isfinite(points).all(axis=1)
    # Joints far out of frame still get drawn towards; clipping keeps ints in range.
    limit = 4 * max(canvas.shape[:2])
    points = np.clip(np.nan_to_num(points), -limit, limit)
    for a, b in POSE_CONNECTIONS:
        if keep[a] and keep[b] and finite[a] and finite[b]:
            pa, pb = tuple(points[a].astype(int)), tuple(points[b].astype(int))
            # A dark outline keeps bones readable on light and dark backgrounds.
            cv2.line(canvas, pa, pb, OUTLINE_COLOUR, thickness + 2, cv2.LINE_AA)
            cv2.line(canvas, pa, pb, colours[side_of_connection((a, b))], thickness, cv2.LINE_AA)
    for i in range(NUM_LANDMARKS):
        if keep[i] and finite[i]:
            centre = tuple(points[i].astype(int))
            cv2.circle(canvas, centre, radius + 1, OUTLINE_COLOUR, -1, cv2.LINE_AA)
            cv2.circle(canvas, centre, radius, colours[side_of(i)], -1, cv2.LINE_AA)


def draw_poses(
    rgb_image: np.ndarray, result: PoseResult, style: DrawingStyle | None = None
) -> np.ndarray:
    """Draw every person of ``result`` on a copy of ``rgb_image``.

    Args:
        rgb_image: The original image (H x W x 3 uint8 RGB) the result was computed on;
            it is not modified.
        result: The poses to draw.
        style: Threshold and appearance; defaults to :class:`DrawingStyle()`.

    Returns:
        A new annotated RGB image of the same size.
    """
    style = style or DrawingStyle()
    # order="C": OpenCV draws only on C-contiguous arrays (np.rot90 and .T give views).
    canvas = np.array(rgb_image, dtype=np.uint8, copy=True, order="C")
    height, width = canvas.shape[:2]
    thickness = style.thickness or max(2, round(min(height, width) / 220))
    # Per person, once: colours, pixel positions, and which joints are visible enough.
    people = [
        (
            pose,
            person_colours(colour_slot(pose, person), result.num_poses),
            pose.pixel_xy(width, height),
            pose.visibility >= style.visibility_threshold,
        )
        for person, pose in enumerate(result.poses)
    ]

    # Three passes, bottom to top: silhouettes, the faint layer, the solid skeletons.
    if style.draw_segmentation:
        for pose, colours, _points, _visible in people:
            _segmentation_overlay(canvas, pose, colours["left"])

    dimmed = [p for p in people if not p[3].all()]
    if style.low_visibility == "dim" and dimmed:
        # Low-visibility joints (and bones touching them) go on a layer blended in faintly.
        dim_layer = canvas.copy()
        all_joints = np.ones(NUM_LANDMARKS, bool)
        for _pose, colours, points, _visible in dimmed:
            _draw_skeleton(dim_layer, points, all_joints, colours, thickness)
        cv2.addWeighted(dim_layer, 0.35, canvas, 0.65, 0.0, dst=canvas)

    for _pose, colours, points, visible in people:
        _draw_skeleton(canvas, points, visible, colours, thickness)
    return canvas
