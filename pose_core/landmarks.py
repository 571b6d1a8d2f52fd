"""The 33 BlazePose landmarks: names, skeleton edges, body sides and a person's size."""

from __future__ import annotations

import numpy as np

LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
NUM_LANDMARKS = len(LANDMARK_NAMES)
LANDMARK_INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

# The BlazePose topology (the same 35 edges MediaPipe draws).
POSE_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)  # fmt: skip


def side_of(index: int) -> str:
    """Return "left", "right" or "center" for a landmark index (the person's own side)."""
    name = LANDMARK_NAMES[index]
    if name.startswith("left_") or name == "mouth_left":
        return "left"
    if name.startswith("right_") or name == "mouth_right":
        return "right"
    return "center"


def side_of_connection(edge: tuple[int, int]) -> str:
    """Return the side of a bone: the shared side of its ends, else "center"."""
    a, b = (side_of(i) for i in edge)
    return a if a == b else "center"


BODY_PARTS: dict[str, tuple[int, ...]] = {
    "face": tuple(range(0, 11)),
    "arms": (11, 12, 13, 14, 15, 16),
    "hands": (17, 18, 19, 20, 21, 22),
    "hips_legs": (23, 24, 25, 26, 27, 28),
    "feet": (29, 30, 31, 32),
}


def landmark_span(xy: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """A person's extent: the (width, height) of their landmarks' bounding box.

    The one definition of how big a person is; callers reduce it to the single number
    their thresholds were calibrated on (:func:`person_size`'s diagonal for comparing
    poses, the longest side for tracking, the mean side for smoothing speeds).

    Args:
        xy: (N, 2) landmark positions, in pixels or normalised units (the extent comes
            back in the same units). Rows with a NaN or infinity are skipped.
        keep: Optional (N,) mask of the landmarks to use (say, the visible ones).

    Returns:
        (2,) width and height, or NaN twice with fewer than two usable landmarks.
    """
    points = np.asarray(xy, dtype=np.float64)
    usable = np.isfinite(points).all(axis=1)
    if keep is not None:
        usable &= keep
    points = points[usable]
    if len(points) < 2:
        return np.full(2, np.nan)
    span: np.ndarray = points.max(axis=0) - points.min(axis=0)
    return span


def person_size(xy: np.ndarray) -> float:
    """How big a person is: the diagonal of their landmarks' bounding box.

    Distances between two estimates of a person only mean something relative to the
    person: 10 px is a miss on someone 60 px tall and noise on someone filling the
    frame. The diagonal uses both extents, so a person lying down or seen from above
    (wide, not tall) is not taken for a small one. Landmarks out of frame count: their
    estimated positions still say how big the person is.

    Args:
        xy: (N, 2) landmark positions (see :func:`landmark_span`).

    Returns:
        The diagonal, or NaN with fewer than two usable landmarks.
    """
    return float(np.linalg.norm(landmark_span(xy)))
