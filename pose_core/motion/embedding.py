"""A pose as a vector that does not depend on where the person stands or how big they
look: the embedding of MediaPipe's pose-classification guide.

Landmarks are centred on the hips' midpoint and divided by the pose's size (the larger
of 2.5 torso lengths and the farthest landmark from the hips), then described by 23
difference vectors between landmarks: single bones, two- to five-joint chains and
left-to-right pairs. Differences rather than positions make nearby joints' errors
matter less for far-apart ones, which is why the guide uses them.

Input is image landmarks in pixels with MediaPipe's z (same scale as x): the picture's
own view, which is what a pose class is taught from. Mirror images are handled by the
classifier, which also compares with :func:`mirror_points` of each example.
"""

from __future__ import annotations

import numpy as np

from ..landmarks import LANDMARK_INDEX as I
from ..landmarks import LANDMARK_NAMES
from ..results import PersonPose

TORSO_SIZE_MULTIPLIER = 2.5


def _pairs() -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    def one(name: str) -> tuple[int, ...]:
        return (I[name],)

    hips = (I["left_hip"], I["right_hip"])
    shoulders = (I["left_shoulder"], I["right_shoulder"])
    pairs: list[tuple[tuple[int, ...], tuple[int, ...]]] = [(hips, shoulders)]
    chains = [
        ("shoulder", "elbow"), ("elbow", "wrist"), ("hip", "knee"), ("knee", "ankle"),
        ("shoulder", "wrist"), ("hip", "ankle"), ("hip", "wrist"), ("shoulder", "ankle"),
        ("hip", "wrist"),
    ]  # fmt: skip
    # The guide lists hip->wrist twice (as its four- and its five-joint chain); kept,
    # so that distances weigh the arms as the guide's do.
    for a, b in chains:
        for side in ("left", "right"):
            pairs.append((one(f"{side}_{a}"), one(f"{side}_{b}")))
    for joint in ("elbow", "knee", "wrist", "ankle"):
        pairs.append((one(f"left_{joint}"), one(f"right_{joint}")))
    return tuple(pairs)


# (from, to) landmark groups; a group of two means their midpoint.
EMBEDDING_PAIRS = _pairs()
EMBEDDING_SIZE = len(EMBEDDING_PAIRS)
_FROM = np.array([p[0] + p[0][:1] * (2 - len(p[0])) for p in EMBEDDING_PAIRS])
_TO = np.array([p[1] + p[1][:1] * (2 - len(p[1])) for p in EMBEDDING_PAIRS])
_HIPS = [I["left_hip"], I["right_hip"]]
_SHOULDERS = [I["left_shoulder"], I["right_shoulder"]]


def pose_points(pose: PersonPose, width: int, height: int) -> np.ndarray:
    """(33, 3) pixel x, y and MediaPipe's z (scaled like x) of one person."""
    lm = np.asarray(pose.landmarks, dtype=np.float64)
    return np.stack([lm[:, 0] * width, lm[:, 1] * height, lm[:, 2] * width], axis=1)


def normalise(points: np.ndarray) -> np.ndarray:
    """(..., 33, 3) landmarks centred on the hips and divided by the pose's size.

    Raises:
        ValueError: on a pose of no size (every landmark in one place) or non-finite
            landmarks.
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.shape[-2:] != (33, 3):
        raise ValueError(f"expected (..., 33, 3) landmarks, got {pts.shape}")
    if not np.isfinite(pts).all():
        raise ValueError("landmarks must be finite")
    centre = pts[..., _HIPS, :].mean(axis=-2, keepdims=True)
    shoulders = pts[..., _SHOULDERS, :].mean(axis=-2, keepdims=True)
    # Size from x and y only, as the guide does: z is the least reliable coordinate.
    torso = np.linalg.norm((shoulders - centre)[..., :2], axis=-1)[..., 0]
    farthest = np.linalg.norm((pts - centre)[..., :2], axis=-1).max(axis=-1)
    size = np.maximum(torso * TORSO_SIZE_MULTIPLIER, farthest)
    if np.any(size <= 1e-9):
        raise ValueError("the pose has no size (all landmarks in one place)")
    out: np.ndarray = (pts - centre) / size[..., None, None]
    return out


def embed(points: np.ndarray) -> np.ndarray:
    """(..., 23, 3) embedding of (..., 33, 3) landmarks (see the module docstring)."""
    pts = normalise(points)
    start = pts[..., _FROM, :].mean(axis=-2)
    end = pts[..., _TO, :].mean(axis=-2)
    out: np.ndarray = end - start
    return out


def _swap_order() -> np.ndarray:
    order = np.arange(len(LANDMARK_NAMES))
    for i, name in enumerate(LANDMARK_NAMES):
        for a, b in (("left", "right"), ("right", "left")):
            if a in name:
                order[i] = LANDMARK_NAMES.index(name.replace(a, b))
    return order


_SWAP = _swap_order()


def mirror_points(points: np.ndarray) -> np.ndarray:
    """(..., 33, 3) landmarks of the same pose seen in a mirror: x negated and left and
    right swapped, which is what the detector reports on a flipped picture (it names the
    sides by the body, not by the picture). A left-leg lunge mirrored is a right-leg one.
    MediaPipe's guide flips x only; without the swap a flipped picture's own detection
    does not come out near the original's (docs/motion.md)."""
    pts = np.asarray(points, dtype=np.float64)[..., _SWAP, :]
    out: np.ndarray = pts * np.array([-1.0, 1.0, 1.0])
    return out
