"""The exported humanoid: joint hierarchy, where each joint sits on the 33 landmarks, and a
person's bone lengths and rest pose (a T-pose).

Everything here works in the export frame (:data:`EXPORT_FROM_MEDIAPIPE`): y up, the
person facing +z when they face the camera, their left on +x, metres. That is BVH's
usual frame (Blender's importer maps it to its z-up scene with its defaults).

Joint names follow the Mixamo / Blender humanoid convention (Hips, Spine, Chest, Neck,
Head, LeftShoulder, LeftArm, LeftForeArm, LeftHand, LeftUpLeg, LeftLeg, LeftFoot,
LeftToeBase and the Right ones), which Blender's BVH importer keeps as bone names and
Unity's humanoid avatar maps by name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np

from ..landmarks import LANDMARK_INDEX, NUM_LANDMARKS

# MediaPipe's world frame (x right in the image, y down, z away from the camera) to the
# export frame: a half turn about x, a rotation (not a mirror), so left stays left.
EXPORT_FROM_MEDIAPIPE = np.diag([1.0, -1.0, -1.0])

# Where the two virtual spine joints sit on the line from the hips' centre to the
# shoulders' centre. Spine low, so that the pelvis' own tilt (which the root's rotation
# follows) moves the spine joint very little.
SPINE_AT = 0.1
CHEST_AT = 0.5
# The head's end site (the top of the head, which no landmark marks) above the ears'
# centre, in ear-to-ear widths; only the head bone's drawn length depends on it.
HEAD_TOP_EAR_WIDTHS = 0.8
# The toe bone's end site in front of the foot index landmark, in foot lengths.
TOE_END_FOOT_LENGTHS = 0.25

_I = LANDMARK_INDEX

Points = Callable[[np.ndarray], np.ndarray]


def _lm(name: str) -> Points:
    index = _I[name]
    return lambda x: x[..., index, :]


def _mid(a: str, b: str) -> Points:
    ia, ib = _I[a], _I[b]
    return lambda x: 0.5 * (x[..., ia, :] + x[..., ib, :])


def _between(t: float) -> Points:
    hips, shoulders = _mid("left_hip", "right_hip"), _mid("left_shoulder", "right_shoulder")
    return lambda x: hips(x) + t * (shoulders(x) - hips(x))


def _sub(a: Points, b: Points) -> Points:
    return lambda x: a(x) - b(x)


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    out: np.ndarray = v / np.where(n > 1e-12, n, 1.0)
    return out


def _unit_sum(a: Points, b: Points) -> Points:
    return lambda x: _unit(a(x)) + _unit(b(x))


def _cross(a: Points, b: Points) -> Points:
    return lambda x: np.cross(a(x), b(x))


@dataclasses.dataclass(frozen=True)
class TwistRef:
    """A second direction that fixes a bone's turn about its own axis.

    Attributes:
        vector: The direction from the landmarks (export frame).
        rest: Its direction in the rest pose, or None to take ``vector`` of the rest
            landmarks. Given where the rest pose cannot say (a limb's bend direction is
            undefined when the limb is straight, as in a T-pose).
    """

    vector: Points
    rest: tuple[float, float, float] | None = None


@dataclasses.dataclass(frozen=True)
class JointDef:
    """One joint of the hierarchy.

    Attributes:
        name: BVH joint name.
        parent: Index of the parent joint, -1 for the root.
        point: The joint's position from the landmarks.
        end: The end site's position from the landmarks (leaf joints), else None.
        frame: For joints oriented as a whole from two directions (the root, the head):
            (primary, secondary), the primary followed exactly. None for the others,
            which turn from the parent by the smallest rotation that points the bone at
            its child (swing), then about the bone by ``twist``.
        twist: Directions for the turn about the bone; each counts in proportion to
            how far it is from the bone's axis, and with none usable the turn is zero.
    """

    name: str
    parent: int
    point: Points
    end: Points | None = None
    frame: tuple[Points, Points] | None = None
    twist: tuple[TwistRef, ...] = ()


def _plus(origin: Points, direction: Points, factor: float) -> Points:
    return lambda x: origin(x) + factor * direction(x)


def _head_top(ears: Points, ear_line: Points, shoulders: Points) -> Points:
    # Above the ears' centre along the neck, in ear-to-ear widths: drawn length only.
    def point(x: np.ndarray) -> np.ndarray:
        width = np.linalg.norm(ear_line(x), axis=-1, keepdims=True)
        out: np.ndarray = ears(x) + HEAD_TOP_EAR_WIDTHS * width * _unit(ears(x) - shoulders(x))
        return out

    return point


def _build_joints() -> tuple[JointDef, ...]:
    hips = _mid("left_hip", "right_hip")
    shoulders = _mid("left_shoulder", "right_shoulder")
    ears = _mid("left_ear", "right_ear")
    hip_line = _sub(_lm("left_hip"), _lm("right_hip"))
    shoulder_line = _sub(_lm("left_shoulder"), _lm("right_shoulder"))
    ear_line = _sub(_lm("left_ear"), _lm("right_ear"))
    up = _sub(shoulders, hips)
    joints: list[JointDef] = [
        JointDef("Hips", -1, hips, frame=(hip_line, up)),
        JointDef(
            "Spine", 0, _between(SPINE_AT), twist=(TwistRef(_unit_sum(hip_line, shoulder_line)),)
        ),
        JointDef("Chest", 1, _between(CHEST_AT), twist=(TwistRef(shoulder_line),)),
        JointDef("Neck", 2, shoulders, twist=(TwistRef(_unit_sum(shoulder_line, ear_line)),)),
        JointDef(
            "Head", 3, ears, end=_head_top(ears, ear_line, shoulders),
            frame=(ear_line, _sub(_lm("nose"), ears)),
        ),
    ]  # fmt: skip
    for side in ("Left", "Right"):
        s = side.lower()
        palm = _sub(_lm(f"{s}_index"), _lm(f"{s}_pinky"))
        base = len(joints)
        joints += [
            JointDef(f"{side}Shoulder", 2, shoulders, twist=(TwistRef(up),)),
            # The upper arm's turn comes from the plane the elbow bends in (forward, in
            # a palms-down T-pose); with the arm straight it fades to the smallest swing.
            JointDef(
                f"{side}Arm", base, _lm(f"{s}_shoulder"),
                twist=(TwistRef(_sub(_lm(f"{s}_wrist"), _lm(f"{s}_elbow")), rest=(0.0, 0.0, 1.0)),),
            ),
            JointDef(f"{side}ForeArm", base + 1, _lm(f"{s}_elbow"), twist=(TwistRef(palm),)),
            JointDef(
                f"{side}Hand", base + 2, _lm(f"{s}_wrist"), end=_mid(f"{s}_index", f"{s}_pinky"),
                twist=(TwistRef(palm),),
            ),
        ]  # fmt: skip
    for side in ("Left", "Right"):
        s = side.lower()
        foot_forward = _sub(_lm(f"{s}_foot_index"), _lm(f"{s}_heel"))
        foot_left = _cross(_sub(_lm(f"{s}_ankle"), _lm(f"{s}_heel")), foot_forward)
        base = len(joints)
        joints += [
            # The thigh's turn: the knee's bend plane (the shin goes back) when the knee
            # is bent, the foot's direction when it is straight.
            JointDef(
                f"{side}UpLeg", 0, _lm(f"{s}_hip"),
                twist=(
                    TwistRef(_sub(_lm(f"{s}_ankle"), _lm(f"{s}_knee")), rest=(0.0, 0.0, -1.0)),
                    TwistRef(foot_forward),
                ),
            ),
            JointDef(f"{side}Leg", base, _lm(f"{s}_knee"), twist=(TwistRef(foot_forward),)),
            JointDef(f"{side}Foot", base + 1, _lm(f"{s}_ankle"), twist=(TwistRef(foot_left),)),
            JointDef(
                f"{side}ToeBase", base + 2, _lm(f"{s}_foot_index"),
                end=_plus(_lm(f"{s}_foot_index"), foot_forward, TOE_END_FOOT_LENGTHS),
            ),
        ]  # fmt: skip
    return tuple(joints)


JOINTS: tuple[JointDef, ...] = _build_joints()
JOINT_NAMES: tuple[str, ...] = tuple(j.name for j in JOINTS)
JOINT_INDEX: Mapping[str, int] = MappingProxyType({name: i for i, name in enumerate(JOINT_NAMES)})
PARENTS: tuple[int, ...] = tuple(j.parent for j in JOINTS)


def _children(index: int) -> list[int]:
    return [i for i, j in enumerate(JOINTS) if j.parent == index]


def primary_child(index: int) -> int | None:
    """The child a joint's bone points at (the first one), or None for a leaf."""
    children = _children(index)
    return children[0] if children else None


def joint_points(landmarks: np.ndarray) -> np.ndarray:
    """(..., J, 3) joint positions from (..., 33, 3) landmarks (any frame, same units)."""
    return np.stack([j.point(landmarks) for j in JOINTS], axis=-2)


def bone_target(landmarks: np.ndarray, index: int) -> np.ndarray:
    """(..., 3) where joint ``index``'s bone points to: its first child, or its end site."""
    child = primary_child(index)
    if child is not None:
        return JOINTS[child].point(landmarks)
    end = JOINTS[index].end
    assert end is not None, f"{JOINTS[index].name} has neither child nor end site"
    return end(landmarks)


# Landmarks each joint's position, bone and twist are read from: a frame counts as seen
# when these are visible (the face's landmarks other than ears and nose are not used).
USED_LANDMARKS: tuple[int, ...] = tuple(
    sorted(
        _I[n]
        for n in (
            "nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
            "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky",
            "left_index", "right_index", "left_hip", "right_hip", "left_knee", "right_knee",
            "left_ankle", "right_ankle", "left_heel", "right_heel", "left_foot_index",
            "right_foot_index",
        )
    )
)  # fmt: skip


# ---- a person's proportions ------------------------------------------------------------

# Segments measured for the bone lengths: name -> (landmark pairs, one per side, or one
# pair for the centre line). Left and right share one length (pooled samples).
_PAIRS: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        "upper_arm": (("left_shoulder", "left_elbow"), ("right_shoulder", "right_elbow")),
        "forearm": (("left_elbow", "left_wrist"), ("right_elbow", "right_wrist")),
        "thigh": (("left_hip", "left_knee"), ("right_hip", "right_knee")),
        "shin": (("left_knee", "left_ankle"), ("right_knee", "right_ankle")),
        "ankle_heel": (("left_ankle", "left_heel"), ("right_ankle", "right_heel")),
        "ankle_toe": (("left_ankle", "left_foot_index"), ("right_ankle", "right_foot_index")),
        "heel_toe": (("left_heel", "left_foot_index"), ("right_heel", "right_foot_index")),
        "palm_width": (("left_index", "left_pinky"), ("right_index", "right_pinky")),
        "shoulder_width": (("left_shoulder", "right_shoulder"),),
        "hip_width": (("left_hip", "right_hip"),),
        "ear_width": (("left_ear", "right_ear"),),
    }
)


def _robust_length(samples: np.ndarray, visible: np.ndarray) -> float:
    """Median of the lengths seen clearly; of all of them if none was."""
    finite = np.isfinite(samples) & (samples > 0)
    chosen = samples[finite & visible]
    if not len(chosen):
        chosen = samples[finite]
    return float(np.median(chosen)) if len(chosen) else 0.0


@dataclasses.dataclass(frozen=True)
class Proportions:
    """One person's body measures in metres (medians over the frames, left and right
    pooled), from which the rest pose is built.

    ``nose`` is the nose's typical place from the ears' centre in the head's own frame
    (up along the neck, forward), so a usual head carriage exports as no head rotation.
    """

    upper_arm: float
    forearm: float
    hand: float
    palm_width: float
    thigh: float
    shin: float
    ankle_heel: float
    ankle_toe: float
    heel_toe: float
    shoulder_width: float
    hip_width: float
    torso: float
    neck: float
    ear_width: float
    nose_up: float
    nose_forward: float


def measure(world: np.ndarray, visibility: np.ndarray, threshold: float) -> Proportions:
    """A person's :class:`Proportions` from their world landmarks.

    Args:
        world: (F, 33, 3) world landmarks in metres, in the export frame (the head's
            forward is the ears' line crossed with the neck, which needs y up).
        visibility: (F, 33) scores; a length sample counts when both its ends are at
            least ``threshold`` visible (all samples are used when none is).
        threshold: See ``visibility``.
    """
    world = np.asarray(world, dtype=np.float64)
    seen = np.asarray(visibility) >= threshold
    values: dict[str, float] = {}
    for name, pairs in _PAIRS.items():
        lengths, visible = [], []
        for a, b in pairs:
            lengths.append(np.linalg.norm(world[:, _I[a]] - world[:, _I[b]], axis=-1))
            visible.append(seen[:, _I[a]] & seen[:, _I[b]])
        values[name] = _robust_length(np.concatenate(lengths), np.concatenate(visible))

    def both(*names: str) -> np.ndarray:
        out: np.ndarray = np.all([seen[:, _I[n]] for n in names], axis=0)
        return out

    def mid(a: str, b: str) -> np.ndarray:
        out: np.ndarray = 0.5 * (world[:, _I[a]] + world[:, _I[b]])
        return out

    hips, shoulders = mid("left_hip", "right_hip"), mid("left_shoulder", "right_shoulder")
    ears = mid("left_ear", "right_ear")
    torso_seen = both("left_hip", "right_hip", "left_shoulder", "right_shoulder")
    values["torso"] = _robust_length(np.linalg.norm(shoulders - hips, axis=-1), torso_seen)
    head_seen = both("left_ear", "right_ear", "left_shoulder", "right_shoulder")
    values["neck"] = _robust_length(np.linalg.norm(ears - shoulders, axis=-1), head_seen)
    hand_lengths, hand_seen = [], []
    for s in ("left", "right"):
        knuckles = mid(f"{s}_index", f"{s}_pinky")
        hand_lengths.append(np.linalg.norm(knuckles - world[:, _I[f"{s}_wrist"]], axis=-1))
        hand_seen.append(both(f"{s}_wrist", f"{s}_index", f"{s}_pinky"))
    values["hand"] = _robust_length(np.concatenate(hand_lengths), np.concatenate(hand_seen))

    # The nose in the head's frame: lateral along the ears, up along the neck.
    lateral = _unit(world[:, _I["left_ear"]] - world[:, _I["right_ear"]])
    neck_up = ears - shoulders
    neck_up = _unit(neck_up - np.sum(neck_up * lateral, -1, keepdims=True) * lateral)
    forward = np.cross(lateral, neck_up)
    nose = world[:, _I["nose"]] - ears
    face_seen = both("nose", "left_ear", "right_ear")
    ups, fwds = np.sum(nose * neck_up, -1), np.sum(nose * forward, -1)
    keep = face_seen if face_seen.any() else np.ones(len(world), bool)
    values["nose_up"] = float(np.median(ups[keep])) if keep.any() else 0.0
    values["nose_forward"] = float(np.median(fwds[keep])) if keep.any() else 0.1
    return Proportions(**values)


def rest_landmarks(p: Proportions) -> np.ndarray:
    """(33, 3) landmark positions of the person in the rest pose, in the export frame.

    A T-pose: hips' centre at the origin, upright, arms out to the sides palms down
    (thumbs forward), legs straight down, feet flat and forward, head level. Mirror
    symmetric; landmarks no joint uses (eyes, mouth, thumbs) sit at the nose or wrists.
    """
    x = np.zeros((NUM_LANDMARKS, 3))

    def put(name: str, xyz: tuple[float, float, float]) -> None:
        x[_I[name]] = xyz

    # Foot triangle, flat on the floor: heel and toe at the same height under the ankle.
    d = max(p.heel_toe, 1e-3)
    back = (d * d + p.ankle_heel**2 - p.ankle_toe**2) / (2 * d)
    drop = float(np.sqrt(max(p.ankle_heel**2 - back**2, (0.25 * p.ankle_heel) ** 2)))
    for sign, s in ((1.0, "left"), (-1.0, "right")):
        hip = (sign * p.hip_width / 2, 0.0, 0.0)
        put(f"{s}_hip", hip)
        put(f"{s}_knee", (hip[0], -p.thigh, 0.0))
        ankle_y = -p.thigh - p.shin
        put(f"{s}_ankle", (hip[0], ankle_y, 0.0))
        put(f"{s}_heel", (hip[0], ankle_y - drop, -back))
        put(f"{s}_foot_index", (hip[0], ankle_y - drop, d - back))
        shoulder_x = sign * p.shoulder_width / 2
        put(f"{s}_shoulder", (shoulder_x, p.torso, 0.0))
        elbow_x = shoulder_x + sign * p.upper_arm
        put(f"{s}_elbow", (elbow_x, p.torso, 0.0))
        wrist_x = elbow_x + sign * p.forearm
        put(f"{s}_wrist", (wrist_x, p.torso, 0.0))
        put(f"{s}_thumb", (wrist_x, p.torso, p.palm_width))
        knuckle_x = wrist_x + sign * p.hand
        put(f"{s}_index", (knuckle_x, p.torso, p.palm_width / 2))
        put(f"{s}_pinky", (knuckle_x, p.torso, -p.palm_width / 2))
        put(f"{s}_ear", (sign * p.ear_width / 2, p.torso + p.neck, 0.0))
    nose = (0.0, p.torso + p.neck + p.nose_up, p.nose_forward)
    for name in ("nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner",
                 "right_eye", "right_eye_outer", "mouth_left", "mouth_right"):  # fmt: skip
        put(name, nose)
    return x


def floor_height(p: Proportions) -> float:
    """Height of the hips' centre above the floor in the rest pose (feet flat)."""
    rest = rest_landmarks(p)
    return float(-rest[_I["left_heel"], 1])
