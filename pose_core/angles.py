"""Joint angles from world landmarks (metres), the figures a coach asks for."""

from __future__ import annotations

import dataclasses

import numpy as np

from .landmarks import LANDMARK_INDEX as I


@dataclasses.dataclass(frozen=True)
class JointAngle:
    """One joint angle of one person.

    Attributes:
        name: e.g. "left_knee".
        degrees: The angle in degrees, 0..180 (180 = straight limb for hinge joints).
        visibility: The lowest visibility of the landmarks it is computed from, so a
            caller can flag angles that rest on guessed joints.
    """

    name: str
    degrees: float
    visibility: float


def _joint_triplets(side: str) -> dict[str, tuple[int, int, int]]:
    def at(a: str, vertex: str, b: str) -> tuple[int, int, int]:
        return I[f"{side}_{a}"], I[f"{side}_{vertex}"], I[f"{side}_{b}"]

    return {
        # Arm against trunk: 0 with the arm down the side, 180 straight overhead.
        f"{side}_shoulder": at("elbow", "shoulder", "hip"),
        f"{side}_elbow": at("shoulder", "elbow", "wrist"),
        f"{side}_wrist": at("elbow", "wrist", "index"),
        # Trunk against thigh: 180 standing, about 90 sitting.
        f"{side}_hip": at("shoulder", "hip", "knee"),
        f"{side}_knee": at("hip", "knee", "ankle"),
        f"{side}_ankle": at("knee", "ankle", "foot_index"),
    }


# name -> (a, vertex, b): the angle at `vertex` between the rays to `a` and `b`,
# ordered head to toe, left before right.
_LEFT, _RIGHT = _joint_triplets("left"), _joint_triplets("right")
JOINT_ANGLES: dict[str, tuple[int, int, int]] = {
    name: triplet
    for pair in zip(_LEFT.items(), _RIGHT.items(), strict=True)
    for name, triplet in pair
}


# Every angle :func:`angle_rows` computes, in column order.
ANGLE_NAMES: tuple[str, ...] = (*JOINT_ANGLES, "trunk_lean")
_TRUNK = [I["left_hip"], I["right_hip"], I["left_shoulder"], I["right_shoulder"]]
# World y points down, so "up" from the hips is -y.
_UP = np.array([0.0, -1.0, 0.0])


def angles_at(a: np.ndarray, vertex: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angles in degrees at ``vertex`` between the rays to ``a`` and ``b``, over the last
    axis (any leading shape); NaN where a ray is degenerate or not finite."""
    u = np.asarray(a, dtype=np.float64) - vertex
    v = np.asarray(b, dtype=np.float64) - vertex
    norms = np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.clip(np.einsum("...i,...i->...", u, v) / norms, -1.0, 1.0)
        degrees = np.degrees(np.arccos(cosine))
    return np.where(np.isfinite(norms) & (norms >= 1e-12), degrees, np.nan)


def angle_at(a: np.ndarray, vertex: np.ndarray, b: np.ndarray) -> float:
    """Angle in degrees at ``vertex`` between the rays to ``a`` and ``b`` (NaN if degenerate)."""
    return float(angles_at(a, np.asarray(vertex, dtype=np.float64), b))


@dataclasses.dataclass(frozen=True, eq=False)
class AngleRows:
    """The angles of many poses at once.

    Attributes:
        degrees: (N, A) angles, columns in :data:`ANGLE_NAMES` order.
        visibility: (N, A) the lowest visibility of each angle's landmarks.
    """

    degrees: np.ndarray
    visibility: np.ndarray


def angle_rows(world_landmarks: np.ndarray, visibility: np.ndarray) -> AngleRows:
    """Every angle in :data:`ANGLE_NAMES` for N poses.

    Args:
        world_landmarks: (N, 33, 3) world landmarks in metres. 3D angles do not depend on
            the camera's viewpoint, unlike angles measured on the image.
        visibility: (N, 33) visibility scores.
    """
    world = np.asarray(world_landmarks, dtype=np.float64)
    vis = np.asarray(visibility, dtype=np.float64)
    degrees = [
        angles_at(world[:, a], world[:, v], world[:, b]) for a, v, b in JOINT_ANGLES.values()
    ]
    lowest = [vis[:, [a, v, b]].min(axis=1) for a, v, b in JOINT_ANGLES.values()]
    # The trunk's angle from vertical: 0 upright, 90 horizontal.
    hips = world[:, [I["left_hip"], I["right_hip"]]].mean(axis=1)
    shoulders = world[:, [I["left_shoulder"], I["right_shoulder"]]].mean(axis=1)
    degrees.append(angles_at(hips + _UP, hips, shoulders))
    lowest.append(vis[:, _TRUNK].min(axis=1))
    return AngleRows(np.stack(degrees, axis=1), np.stack(lowest, axis=1))


def joint_angles(
    world_landmarks: np.ndarray, visibility: np.ndarray | None = None
) -> list[JointAngle]:
    """Compute the joint angles of one person.

    Args:
        world_landmarks: (33, 3) world landmarks in metres (``PersonPose.world_landmarks``).
        visibility: Optional (33,) visibility scores, reported per angle.

    Returns:
        Elbows, shoulders, wrists, hips, knees and ankles (left and right), then
        ``trunk_lean``: the trunk's angle from vertical.
    """
    world = np.asarray(world_landmarks, dtype=np.float64)
    vis = np.ones(len(world)) if visibility is None else np.asarray(visibility, dtype=np.float64)
    rows = angle_rows(world[None], vis[None])
    return [
        JointAngle(name, float(rows.degrees[0, k]), float(rows.visibility[0, k]))
        for k, name in enumerate(ANGLE_NAMES)
    ]
