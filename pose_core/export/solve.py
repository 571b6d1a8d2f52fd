"""Bone rotations from landmarks, forward kinematics and Euler angles without jumps.

A person's :class:`Skeleton` (rest pose and bone offsets from their proportions) and,
per frame, each joint's rotation relative to its parent (BVH's local rotation):

- the root (Hips) and the Head are oriented as a whole from two directions (the hips'
  line and the spine; the ears' line and the nose), the first followed exactly;
- every other joint swings from its parent by the smallest rotation that points its bone
  at its child's landmark, then turns about the bone to line up a second direction (the
  shoulders' line, the hand's knuckles, the foot), weighted by how far that direction is
  from the bone's axis: a limb bent hardly at all gives no twist rather than noise.

Rotations act on column vectors; a joint's world rotation is its parent's times its
local one, and a child sits at ``parent + R_parent_world @ offset``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .skeleton import (
    JOINTS,
    PARENTS,
    Proportions,
    TwistRef,
    bone_target,
    floor_height,
    joint_points,
    measure,
    rest_landmarks,
)

# Below this, a direction is too short to say anything (metres, or unit-vector lengths).
_EPS = 1e-9
# A twist direction counts fully once it is this far (sine of the angle) from the bone.
TWIST_FULL_SINE = 0.5


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    out: np.ndarray = v / np.where(n > _EPS, n, 1.0)
    return out


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.sum(a * b, axis=-1)
    return out


def axis_angle(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotations by ``angle`` (radians) about unit ``axis`` (Rodrigues)."""
    axis = np.asarray(axis, dtype=np.float64)
    angle = np.asarray(angle, dtype=np.float64)[..., None, None]
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    zero = np.zeros_like(x)
    k = np.stack(
        [np.stack([zero, -z, y], -1), np.stack([z, zero, -x], -1), np.stack([-y, x, zero], -1)],
        -2,
    )
    eye = np.broadcast_to(np.eye(3), k.shape)
    out: np.ndarray = eye + np.sin(angle) * k + (1.0 - np.cos(angle)) * (k @ k)
    return out


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(..., 3, 3) the smallest rotations taking unit vectors ``a`` to unit vectors ``b``.

    Opposite vectors (no unique smallest rotation) turn half a turn about an axis
    perpendicular to ``a``.
    """
    a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    cross = np.cross(a, b)
    sine = np.linalg.norm(cross, axis=-1)
    cosine = _dot(a, b)
    axis = _unit(cross)
    opposite = (sine < 1e-9) & (cosine < 0)
    if opposite.any():
        helper = np.where(np.abs(a[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
        axis = np.where(opposite[..., None], _unit(np.cross(a, helper)), axis)
    return axis_angle(axis, np.arctan2(sine, cosine))


def basis(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """(..., 3, 3) orthonormal frames (columns): ``primary``, ``secondary`` made
    perpendicular to it, and their cross product."""
    e1 = _unit(primary)
    e2 = _unit(secondary - _dot(secondary, e1)[..., None] * e1)
    return np.stack([e1, e2, np.cross(e1, e2)], axis=-1)


@dataclasses.dataclass(frozen=True, eq=False)
class Skeleton:
    """A person's exported skeleton, in the export frame, metres.

    Attributes:
        proportions: The measures it was built from.
        rest: (33, 3) landmarks in the rest pose.
        offsets: (J, 3) each joint's offset from its parent in the rest pose (the root's
            is zero).
        end_offsets: (J, 3) end-site offsets of leaf joints (NaN for the others).
        floor: Height of the hips' centre above the floor in the rest pose.
    """

    proportions: Proportions
    rest: np.ndarray
    offsets: np.ndarray
    end_offsets: np.ndarray
    floor: float

    @classmethod
    def from_proportions(cls, proportions: Proportions) -> Skeleton:
        rest = rest_landmarks(proportions)
        points = joint_points(rest)
        offsets = np.zeros((len(JOINTS), 3))
        end_offsets = np.full((len(JOINTS), 3), np.nan)
        for j, joint in enumerate(JOINTS):
            if joint.parent >= 0:
                offsets[j] = points[j] - points[joint.parent]
            if joint.end is not None:
                end_offsets[j] = joint.end(rest) - points[j]
        return cls(proportions, rest, offsets, end_offsets, floor_height(proportions))

    @classmethod
    def fit(cls, landmarks: np.ndarray, visibility: np.ndarray, threshold: float) -> Skeleton:
        """The skeleton of the person whose (F, 33, 3) export-frame landmarks these are."""
        return cls.from_proportions(measure(landmarks, visibility, threshold))

    def bone_lengths(self) -> np.ndarray:
        """(J,) length of each joint's offset from its parent."""
        out: np.ndarray = np.linalg.norm(self.offsets, axis=-1)
        return out


def solve_rotations(landmarks: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Each joint's local rotation in each frame.

    Args:
        landmarks: (F, 33, 3) landmarks in the export frame (metres; the position of the
            whole body does not matter, only directions are used).
        skeleton: The person's :class:`Skeleton`.

    Returns:
        (F, J, 3, 3) rotations relative to the parent (the root's relative to the world),
        the rest pose being all identities.
    """
    x = np.asarray(landmarks, dtype=np.float64)
    rest = skeleton.rest
    frames = len(x)
    world = np.zeros((frames, len(JOINTS), 3, 3))
    local = np.zeros_like(world)
    for j, joint in enumerate(JOINTS):
        parent_world = world[:, joint.parent] if joint.parent >= 0 else np.eye(3)[None]
        if joint.frame is not None:
            primary, secondary = joint.frame
            now = basis(primary(x), secondary(x))
            at_rest = basis(primary(rest), secondary(rest))
            world[:, j] = now @ at_rest.T
        else:
            origin_now, origin_rest = joint.point(x), joint.point(rest)
            bone_now = _unit(bone_target(x, j) - origin_now)
            bone_rest = _unit(bone_target(rest, j) - origin_rest)
            inverse_parent = np.broadcast_to(np.swapaxes(parent_world, -1, -2), (frames, 3, 3))
            # The bone's direction seen from the parent (whose rest frame is the world's).
            bone_local = np.einsum("fab,fb->fa", inverse_parent, bone_now)
            swing = rotation_between(np.broadcast_to(bone_rest, bone_local.shape), bone_local)
            turn = _twist(x, joint.twist, rest, inverse_parent, swing, bone_local, bone_rest)
            world[:, j] = parent_world @ (axis_angle(bone_local, turn) @ swing)
        local[:, j] = np.swapaxes(parent_world, -1, -2) @ world[:, j]
    return local


def _twist(
    x: np.ndarray,
    refs: tuple[TwistRef, ...],
    rest: np.ndarray,
    inverse_parent: np.ndarray,
    swing: np.ndarray,
    bone: np.ndarray,
    bone_rest: np.ndarray,
) -> np.ndarray:
    """(F,) turn about the swung bone (radians) that best lines up the twist directions."""
    frames = len(x)
    sin_sum, cos_sum, weight_sum = np.zeros(frames), np.zeros(frames), np.zeros(frames)
    for ref in refs:
        vector, rest_dir = ref.vector, ref.rest
        want = np.einsum("fab,fb->fa", inverse_parent, vector(x))
        have_rest = np.asarray(rest_dir if rest_dir is not None else vector(rest), np.float64)
        have_rest = have_rest - _dot(have_rest, bone_rest) * bone_rest
        have = np.einsum("fab,b->fa", swing, _unit(have_rest))
        want_perp = want - _dot(want, bone)[:, None] * bone
        have_perp = have - _dot(have, bone)[:, None] * bone
        length = np.linalg.norm(want, axis=-1)
        sine_from_bone = np.linalg.norm(want_perp, axis=-1) / np.where(length > _EPS, length, 1.0)
        weight = np.clip(sine_from_bone / TWIST_FULL_SINE, 0.0, 1.0)
        a, b = _unit(have_perp), _unit(want_perp)
        angle = np.arctan2(_dot(np.cross(a, b), bone), _dot(a, b))
        sin_sum += weight * np.sin(angle)
        cos_sum += weight * np.cos(angle)
        weight_sum += weight
    if not refs:
        return np.zeros(frames)
    out: np.ndarray = np.arctan2(sin_sum, cos_sum) * np.clip(weight_sum, 0.0, 1.0)
    return out


def forward_kinematics(
    offsets: np.ndarray, parents: tuple[int, ...], local: np.ndarray, root: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Joint positions and world rotations from local rotations.

    Args:
        offsets: (J, 3) rest offsets from the parent.
        parents: Parent index per joint (-1 for the root), parents before children.
        local: (F, J, 3, 3) local rotations.
        root: (F, 3) the root's position.

    Returns:
        (F, J, 3) positions and (F, J, 3, 3) world rotations.
    """
    frames, count = local.shape[:2]
    positions = np.zeros((frames, count, 3))
    world = np.zeros((frames, count, 3, 3))
    for j, parent in enumerate(parents):
        if parent < 0:
            positions[:, j] = root
            world[:, j] = local[:, j]
        else:
            positions[:, j] = positions[:, parent] + np.einsum(
                "fab,b->fa", world[:, parent], offsets[j]
            )
            world[:, j] = world[:, parent] @ local[:, j]
    return positions, world


def normalised_positions(landmarks: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """The joints where the landmarks put them, with the skeleton's bone lengths.

    Walks the hierarchy from the root (at the hips' centre): each joint lies along the
    direction from its parent's landmark point to its own, at the skeleton's rest
    length. This is what a faithful export reproduces, independent of the rotation
    solver. Returns (F, J, 3).
    """
    points = joint_points(np.asarray(landmarks, dtype=np.float64))
    out = np.zeros_like(points)
    lengths = skeleton.bone_lengths()
    for j, parent in enumerate(PARENTS):
        if parent < 0:
            out[:, j] = points[:, j]
        else:
            out[:, j] = out[:, parent] + lengths[j] * _unit(points[:, j] - points[:, parent])
    return out


# ---- Euler angles and quaternions ------------------------------------------------------

# BVH channel order written for every joint: R = Rz(z) @ Rx(x) @ Ry(y).
EULER_ORDER = "ZXY"


def _rx(a: np.ndarray) -> np.ndarray:
    return axis_angle(np.broadcast_to([1.0, 0.0, 0.0], (*a.shape, 3)), a)


def _ry(a: np.ndarray) -> np.ndarray:
    return axis_angle(np.broadcast_to([0.0, 1.0, 0.0], (*a.shape, 3)), a)


def _rz(a: np.ndarray) -> np.ndarray:
    return axis_angle(np.broadcast_to([0.0, 0.0, 1.0], (*a.shape, 3)), a)


def matrices_from_euler_zxy(degrees: np.ndarray) -> np.ndarray:
    """(..., 3, 3) from (..., 3) angles (z, x, y) in degrees: Rz @ Rx @ Ry."""
    r = np.radians(np.asarray(degrees, dtype=np.float64))
    out: np.ndarray = _rz(r[..., 0]) @ _rx(r[..., 1]) @ _ry(r[..., 2])
    return out


def _euler_candidates(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both (z, x, y) solutions (radians) of each rotation, shape (..., 3) each."""
    x = np.arcsin(np.clip(m[..., 2, 1], -1.0, 1.0))
    cos_x = np.cos(x)
    regular = cos_x > 1e-6
    z = np.where(
        regular, np.arctan2(-m[..., 0, 1], m[..., 1, 1]), np.arctan2(m[..., 1, 0], m[..., 0, 0])
    )
    y = np.where(regular, np.arctan2(-m[..., 2, 0], m[..., 2, 2]), 0.0)
    first = np.stack([z, x, y], -1)
    second = np.stack([z + np.pi, np.pi - x, y + np.pi], -1)
    return first, second


def _nearest_turn(angles: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``angles`` shifted by whole turns to lie within half a turn of ``reference``."""
    out: np.ndarray = angles - 2 * np.pi * np.round((angles - reference) / (2 * np.pi))
    return out


def euler_zxy_continuous(local: np.ndarray) -> np.ndarray:
    """(F, J, 3) Euler angles (z, x, y) in degrees without jumps between frames.

    Each rotation has two (z, x, y) solutions, and every angle is free up to whole
    turns; frame by frame the solution and turns nearest the previous frame's angles are
    kept, so a joint turning past 180 degrees, or through x = 90 degrees, writes angles
    that keep going instead of flipping. The first frame starts from the solution with
    angles within half a turn.
    """
    first, second = _euler_candidates(np.asarray(local, dtype=np.float64))
    out = np.zeros_like(first)
    if not len(out):
        return out
    second = _nearest_turn(second, np.zeros_like(second))
    pick_first = np.abs(first[0]).sum(-1) <= np.abs(second[0]).sum(-1)
    out[0] = np.where(pick_first[:, None], first[0], second[0])
    for f in range(1, len(out)):
        previous = out[f - 1]
        a = _nearest_turn(first[f], previous)
        b = _nearest_turn(second[f], previous)
        closer = np.abs(a - previous).sum(-1) <= np.abs(b - previous).sum(-1)
        out[f] = np.where(closer[:, None], a, b)
    result: np.ndarray = np.degrees(out)
    return result


def quaternions(local: np.ndarray) -> np.ndarray:
    """(F, J, 4) unit quaternions (w, x, y, z) of the rotations, each frame's on the same
    hemisphere as the previous frame's (q and -q are one rotation)."""
    m = np.asarray(local, dtype=np.float64)
    # Shepperd's method: divide by the largest of the four components, never by ~0.
    trace = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    candidates = np.stack(
        [
            np.stack([1 + trace, m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0],
                      m[..., 1, 0] - m[..., 0, 1]], -1),
            np.stack([m[..., 2, 1] - m[..., 1, 2], 1 + 2 * m[..., 0, 0] - trace,
                      m[..., 0, 1] + m[..., 1, 0], m[..., 0, 2] + m[..., 2, 0]], -1),
            np.stack([m[..., 0, 2] - m[..., 2, 0], m[..., 0, 1] + m[..., 1, 0],
                      1 + 2 * m[..., 1, 1] - trace, m[..., 1, 2] + m[..., 2, 1]], -1),
            np.stack([m[..., 1, 0] - m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0],
                      m[..., 1, 2] + m[..., 2, 1], 1 + 2 * m[..., 2, 2] - trace], -1),
        ],
        -2,
    )  # fmt: skip
    diagonal = np.stack([trace, m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]], -1)
    best = np.argmax(diagonal, axis=-1)
    chosen = np.take_along_axis(candidates, best[..., None, None], axis=-2)[..., 0, :]
    w, x, y, z = np.moveaxis(chosen, -1, 0)
    q = _unit(np.stack([w, x, y, z], -1))
    for f in range(1, len(q)):
        flip = _dot(q[f], q[f - 1]) < 0
        q[f, flip] *= -1
    return q


def rotation_steps_deg(local: np.ndarray) -> np.ndarray:
    """(F-1, J) angle in degrees of each joint's rotation change between frames."""
    q = quaternions(local)
    if len(q) < 2:
        return np.zeros((0, q.shape[1]))
    cosine = np.clip(np.abs(_dot(q[1:], q[:-1])), 0.0, 1.0)
    out: np.ndarray = np.degrees(2 * np.arccos(cosine))
    return out
