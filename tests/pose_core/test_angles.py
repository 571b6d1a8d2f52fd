"""Joint angles: exact synthetic geometry, a synthetic skeleton, and a real detection."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pose_core import JOINT_ANGLES, NUM_LANDMARKS, DetectorSettings, joint_angles
from pose_core.angles import JointAngle, angle_at
from pose_core.landmarks import LANDMARK_INDEX as I
from testkit.fixtures import load_rgb, shared_detector

SIDES = ("left", "right")
EXPECTED_NAMES = [
    f"{side}_{joint}"
    for joint in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
    for side in SIDES
] + ["trunk_lean"]


def as_dict(angles: list[JointAngle]) -> dict[str, JointAngle]:
    return {a.name: a for a in angles}


# ---- angle_at --------------------------------------------------------------------------


def test_right_angle_is_exactly_90() -> None:
    assert angle_at(np.array([1.0, 0, 0]), np.zeros(3), np.array([0, 1.0, 0])) == 90.0
    assert angle_at(np.array([1, 1, 5.0]), np.array([1.0, 1, 1]), np.array([1, 3.0, 1])) == (
        pytest.approx(90.0, abs=1e-9)
    )


def test_straight_line_is_180_and_folded_is_0() -> None:
    vertex = np.array([0.3, -0.2, 0.1])
    direction = np.array([0.2, 0.5, -0.1])
    assert angle_at(vertex - direction, vertex, vertex + 2 * direction) == pytest.approx(180.0)
    assert angle_at(vertex + direction, vertex, vertex + 3 * direction) == pytest.approx(
        0.0, abs=1e-6
    )


def test_nearly_parallel_rays_do_not_give_nan() -> None:
    # dot / norms can round to slightly above 1: the cosine is clipped.
    for k in (1.0, 3.0, 7.0, 1e3):
        value = angle_at(np.array([2.0, 2, 2]), np.array([1.0, 1, 1]), np.array([k, k, k]) + 1)
        assert math.isfinite(value) and value == pytest.approx(0.0, abs=1e-5)
        value = angle_at(np.array([0.0, 0, 0]), np.array([1.0, 1, 1]), np.array([k, k, k]) + 1)
        assert math.isfinite(value) and value == pytest.approx(180.0, abs=1e-5)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((1, 0, 0), (1, 1, 0), 45.0),
        ((1, 0, 0), (0.5, math.sqrt(3) / 2, 0), 60.0),
        ((1, 0, 0), (-1, 1, 0), 135.0),
        ((0, 0, 2), (0, 3, 3), 45.0),
    ],
)
def test_known_angles(a: tuple, b: tuple, expected: float) -> None:
    assert angle_at(np.array(a, float), np.zeros(3), np.array(b, float)) == pytest.approx(expected)
    assert angle_at(np.array(b, float), np.zeros(3), np.array(a, float)) == pytest.approx(expected)


def test_2d_points_work_too() -> None:
    assert angle_at(np.array([0.0, 1]), np.array([0.0, 0]), np.array([1.0, 0])) == 90.0


@pytest.mark.parametrize(
    ("a", "vertex", "b"),
    [
        ((0, 0, 0), (0, 0, 0), (1, 0, 0)),  # a ray of length zero
        ((1, 0, 0), (0, 0, 0), (0, 0, 0)),
        ((1e-7, 0, 0), (0, 0, 0), (0, 1e-7, 0)),  # below a micrometre: no direction
        ((math.nan, 0, 0), (0, 0, 0), (0, 1, 0)),
        ((1, 0, 0), (0, math.nan, 0), (0, 1, 0)),
        ((math.inf, 0, 0), (0, 0, 0), (0, 1, 0)),
    ],
)
def test_degenerate_input_is_nan(a: tuple, vertex: tuple, b: tuple) -> None:
    assert math.isnan(angle_at(np.array(a, float), np.array(vertex, float), np.array(b, float)))


vectors = st.lists(
    st.floats(min_value=-10, max_value=10, allow_nan=False), min_size=3, max_size=3
).map(np.array)


@settings(max_examples=100, deadline=None)
@given(a=vectors, vertex=vectors, b=vectors, scale=st.floats(0.01, 100), shift=vectors)
def test_angle_at_properties(
    a: np.ndarray, vertex: np.ndarray, b: np.ndarray, scale: float, shift: np.ndarray
) -> None:
    value = angle_at(a, vertex, b)
    if min(np.linalg.norm(a - vertex), np.linalg.norm(b - vertex)) < 0.1:
        return  # too short for the tolerances below (arccos is steep near 0 and 180)
    assert 0.0 <= value <= 180.0
    assert angle_at(b, vertex, a) == pytest.approx(value, abs=1e-9)
    moved = angle_at(a * scale + shift, vertex * scale + shift, b * scale + shift)
    assert moved == pytest.approx(value, abs=1e-3)
    # The law of cosines, computed independently.
    u, v, w = np.linalg.norm(a - vertex), np.linalg.norm(b - vertex), np.linalg.norm(a - b)
    cosine = np.clip((u * u + v * v - w * w) / (2 * u * v), -1, 1)
    assert value == pytest.approx(math.degrees(math.acos(cosine)), abs=1e-2)


# ---- a synthetic skeleton ------------------------------------------------------------


def standing_skeleton() -> np.ndarray:
    """World landmarks (metres, y down, origin between the hips) of a person standing
    straight, arms hanging, facing -z."""
    world = np.zeros((NUM_LANDMARKS, 3))
    for side, x in (("left", 0.1), ("right", -0.1)):
        world[I[f"{side}_shoulder"]] = (x, -0.5, 0)
        world[I[f"{side}_elbow"]] = (x, -0.22, 0)
        world[I[f"{side}_wrist"]] = (x, 0.02, 0)
        for finger in ("index", "pinky", "thumb"):
            world[I[f"{side}_{finger}"]] = (x, 0.1, 0)
        world[I[f"{side}_hip"]] = (x, 0.0, 0)
        world[I[f"{side}_knee"]] = (x, 0.45, 0)
        world[I[f"{side}_ankle"]] = (x, 0.88, 0)
        world[I[f"{side}_heel"]] = (x, 0.93, 0.05)
        world[I[f"{side}_foot_index"]] = (x, 0.93, -0.15)
        world[I[f"{side}_eye"]] = (x / 3, -0.68, -0.08)
        world[I[f"{side}_ear"]] = (x * 0.8, -0.66, 0)
    world[I["nose"]] = (0, -0.64, -0.1)
    return world


def test_standing_skeleton() -> None:
    angles = as_dict(joint_angles(standing_skeleton()))
    for side in SIDES:
        assert angles[f"{side}_knee"].degrees == pytest.approx(180.0)
        assert angles[f"{side}_hip"].degrees == pytest.approx(180.0)
        assert angles[f"{side}_elbow"].degrees == pytest.approx(180.0)
        assert angles[f"{side}_wrist"].degrees == pytest.approx(180.0)
        assert angles[f"{side}_shoulder"].degrees == pytest.approx(0.0, abs=1e-6)  # arms down
        # Shin straight up from the ankle, foot forward and down: 90 + atan(0.05 / 0.15).
        expected_ankle = 90 + math.degrees(math.atan2(0.05, 0.15))
        assert angles[f"{side}_ankle"].degrees == pytest.approx(expected_ankle)
    assert angles["trunk_lean"].degrees == pytest.approx(0.0, abs=1e-6)
    assert all(a.visibility == 1.0 for a in angles.values())


def test_sitting_skeleton() -> None:
    world = standing_skeleton()
    for side in SIDES:
        x = world[I[f"{side}_hip"], 0]
        world[I[f"{side}_knee"]] = (x, 0.0, -0.45)  # thigh horizontal, forward
        world[I[f"{side}_ankle"]] = (x, 0.43, -0.45)  # shin vertical
    angles = as_dict(joint_angles(world))
    for side in SIDES:
        assert angles[f"{side}_hip"].degrees == pytest.approx(90.0)
        assert angles[f"{side}_knee"].degrees == pytest.approx(90.0)
        assert angles[f"{side}_elbow"].degrees == pytest.approx(180.0)
    assert angles["trunk_lean"].degrees == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("lean", [15.0, 30.0, 60.0, 90.0])
def test_trunk_lean_follows_a_forward_bend(lean: float) -> None:
    world = standing_skeleton()
    radians = math.radians(lean)
    # Rotate the upper body about the hips' x axis, towards -z (forward).
    upper = [I[n] for n in ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow")]
    y, z = world[upper, 1], world[upper, 2]
    world[upper, 1] = y * math.cos(radians) - z * math.sin(radians)
    world[upper, 2] = z * math.cos(radians) + y * math.sin(radians)
    angles = as_dict(joint_angles(world))
    assert angles["trunk_lean"].degrees == pytest.approx(lean)
    for side in SIDES:
        assert angles[f"{side}_hip"].degrees == pytest.approx(180.0 - lean)
        assert angles[f"{side}_knee"].degrees == pytest.approx(180.0)  # legs untouched


def test_arm_raised_sideways() -> None:
    world = standing_skeleton()
    world[I["left_elbow"]] = (0.38, -0.5, 0)  # straight out to the side
    world[I["left_wrist"]] = (0.62, -0.5, 0)
    world[I["right_elbow"]] = (-0.1, -0.78, 0)  # straight up
    world[I["right_wrist"]] = (-0.1, -1.02, 0)
    angles = as_dict(joint_angles(world))
    assert angles["left_shoulder"].degrees == pytest.approx(90.0)
    assert angles["right_shoulder"].degrees == pytest.approx(180.0)
    assert angles["left_elbow"].degrees == pytest.approx(180.0)


def test_names_and_order() -> None:
    angles = joint_angles(standing_skeleton())
    assert [a.name for a in angles] == EXPECTED_NAMES
    assert [a.name for a in angles][:-1] == list(JOINT_ANGLES)
    for name, (a, vertex, b) in JOINT_ANGLES.items():
        assert len({a, vertex, b}) == 3
        assert I[name] == vertex  # the angle is measured at the joint it is named after


def test_visibility_is_the_minimum_of_the_three_joints() -> None:
    rng = np.random.default_rng(5)
    visibility = rng.uniform(0.2, 1.0, NUM_LANDMARKS)
    angles = as_dict(joint_angles(standing_skeleton(), visibility))
    for name, (a, vertex, b) in JOINT_ANGLES.items():
        assert angles[name].visibility == pytest.approx(min(visibility[[a, vertex, b]]))
    trunk = [I["left_hip"], I["right_hip"], I["left_shoulder"], I["right_shoulder"]]
    assert angles["trunk_lean"].visibility == pytest.approx(visibility[trunk].min())


def test_one_guessed_joint_flags_only_the_angles_built_on_it() -> None:
    visibility = np.full(NUM_LANDMARKS, 0.95)
    visibility[I["left_ankle"]] = 0.1
    angles = as_dict(joint_angles(standing_skeleton(), visibility))
    flagged = {name for name, a in angles.items() if a.visibility < 0.5}
    assert flagged == {"left_knee", "left_ankle"}
    assert angles["left_knee"].visibility == pytest.approx(0.1)
    assert angles["right_knee"].visibility == pytest.approx(0.95)


def test_a_missing_joint_makes_only_its_angles_nan() -> None:
    world = standing_skeleton()
    world[I["right_wrist"]] = np.nan
    angles = as_dict(joint_angles(world))
    nan_names = {name for name, a in angles.items() if math.isnan(a.degrees)}
    assert nan_names == {"right_elbow", "right_wrist"}


def test_accepts_float32_arrays() -> None:
    angles = joint_angles(standing_skeleton().astype(np.float32), np.ones(33, np.float32))
    assert as_dict(angles)["left_knee"].degrees == pytest.approx(180.0, abs=1e-3)
    assert all(isinstance(a.degrees, float) and isinstance(a.visibility, float) for a in angles)


# ---- a real detection ----------------------------------------------------------------


@pytest.fixture(scope="module")
def messi_pose():
    result = shared_detector(
        DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
    ).detect(load_rgb("messi5.jpg"))
    assert result.num_poses == 1
    return result.poses[0]


def test_real_photo_angles(messi_pose) -> None:
    angles = joint_angles(messi_pose.world_landmarks, messi_pose.visibility)
    assert [a.name for a in angles] == EXPECTED_NAMES
    for angle in angles:
        assert 0.0 <= angle.degrees <= 180.0, angle
        assert 0.0 <= angle.visibility <= 1.0, angle
    by_name = as_dict(angles)
    # Running with the ball: one leg nearly straight, the other clearly bent.
    left, right = by_name["left_knee"].degrees, by_name["right_knee"].degrees
    assert abs(left - right) > 30
    assert min(left, right) < 120
    # Leaning into the run, but not lying down.
    assert 5.0 < by_name["trunk_lean"].degrees < 45.0
    for name, (a, vertex, b) in JOINT_ANGLES.items():
        expected = min(messi_pose.visibility[[a, vertex, b]])
        assert by_name[name].visibility == pytest.approx(float(expected))


def test_real_angles_do_not_depend_on_the_camera(messi_pose) -> None:
    """Rotating and moving the body in space leaves joint angles unchanged, and a turn
    about the vertical axis leaves the trunk's lean unchanged too."""
    world = messi_pose.world_landmarks.astype(np.float64)
    original = as_dict(joint_angles(world))
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    moved = as_dict(joint_angles(world @ q.T + np.array([1.0, -2.0, 0.5])))
    theta = math.radians(70)
    about_y = np.array(
        [[math.cos(theta), 0, math.sin(theta)], [0, 1, 0], [-math.sin(theta), 0, math.cos(theta)]]
    )
    turned = as_dict(joint_angles(world @ about_y.T))
    for name in JOINT_ANGLES:
        assert moved[name].degrees == pytest.approx(original[name].degrees, abs=1e-6)
        assert turned[name].degrees == pytest.approx(original[name].degrees, abs=1e-6)
    assert turned["trunk_lean"].degrees == pytest.approx(original["trunk_lean"].degrees)
