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


def angle_at(a: np.ndarray, vertex: np.ndarray, b: np.ndarray) -> float:
    """Angle in degrees at ``vertex`` between the rays to ``a`` and ``b`` (NaN if degenerate)."""
    u = np.asarray(a, dtype=np.float64) - vertex
    v = np.asarray(b, dtype=np.float64) - vertex
    norms = np.linalg.norm(u) * np.linalg.norm(v)
    if not np.isfinite(norms) or norms < 1e-12:
        return float("nan")
    cosine = np.clip(np.dot(u, v) / norms, -1.0, 1.0)
    return float(np.degrees(np.arccos(cosine)))


def _trunk_lean(world: np.ndarray) -> float:
    # World y points down, so "up" is -y. 0 = upright trunk, 90 = horizontal.
    mid_hip = (world[I["left_hip"]] + world[I["right_hip"]]) / 2
    mid_shoulder = (world[I["left_shoulder"]] + world[I["right_shoulder"]]) / 2
    return angle_at(mid_hip + np.array([0.0, -1.0, 0.0]), mid_hip, mid_shoulder)


def joint_angles(
    world_landmarks: np.ndarray, visibility: np.ndarray | None = None
) -> list[JointAngle]:
    """Compute the joint angles of one person.

    Args:
        world_landmarks: (33, 3) world landmarks in metres (``PersonPose.world_landmarks``).
            3D angles do not depend on the camera's viewpoint, unlike angles measured on
            the image.
        visibility: Optional (33,) visibility scores, reported per angle.

    Returns:
        Elbows, shoulders, wrists, hips, knees and ankles (left and right), then
        ``trunk_lean``: the trunk's angle from vertical.
    """
    world = np.asarray(world_landmarks, dtype=np.float64)
    vis = np.ones(len(world)) if visibility is None else np.asarray(visibility, dtype=np.float64)
    angles = [
        JointAngle(name, angle_at(world[a], world[v], world[b]), float(min(vis[a], vis[v], vis[b])))
        for name, (a, v, b) in JOINT_ANGLES.items()
    ]
    trunk = [I["left_hip"], I["right_hip"], I["left_shoulder"], I["right_shoulder"]]
    angles.append(JointAngle("trunk_lean", _trunk_lean(world), float(vis[trunk].min())))
    return angles
