"""Pose embedding, k-NN pose classes and pose match, on real photographs' poses."""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pose_core import DetectorSettings, PoseResult
from pose_core.motion import (
    ClassifierError,
    MotionConfig,
    MotionTracker,
    PoseClassifier,
    ReferencePose,
    ScoreSmoother,
    embed,
    match_pose,
    mirror_points,
    pose_points,
)
from pose_core.motion.embedding import EMBEDDING_SIZE
from pose_core.motion.match import LIMBS, MatchError
from testkit.fixtures import load_rgb, shared_detector

FULL = DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")
# Distinct poses in real photographs (tests/fixtures/PROVENANCE.md): a footballer
# mid-kick, a man catching a ball (two frames of the same scene), a man bent over a
# camera, a woman sitting cross-legged.
PHOTOS = {
    "kick": ("messi5.jpg",),
    "catch": ("basketball1.png", "basketball2.png"),
    "bent": ("camera.png",),
    "sitting": ("multi/anne_helene.jpg",),
}


def _variants(rgb: np.ndarray):
    """Real re-takes of one photo for the detector: whole, mirrored, half size, padded,
    turned 8°. Each gives its own detection, so the examples differ as real ones do."""
    h, w = rgb.shape[:2]
    yield "whole", rgb
    yield "mirrored", rgb[:, ::-1]
    yield "half size", cv2.resize(rgb, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    yield "padded", cv2.copyMakeBorder(rgb, h // 4, h // 4, w // 4, w // 4, cv2.BORDER_CONSTANT)
    yield "turned", cv2.warpAffine(rgb, cv2.getRotationMatrix2D((w / 2, h / 2), 8, 1.0), (w, h))


@functools.cache
def _detect(name: str) -> PoseResult:
    return shared_detector(FULL).detect(load_rgb(name))


@functools.cache
def _examples() -> tuple[tuple[str, np.ndarray, str], ...]:
    out = []
    for label, names in PHOTOS.items():
        for name in names:
            for variant, rgb in _variants(load_rgb(name)):
                result = shared_detector(FULL).detect(np.ascontiguousarray(rgb))
                if result.num_poses:
                    pose = result.poses[0]
                    points = pose_points(pose, result.image_width, result.image_height)
                    out.append((label, points, f"{name} {variant}"))
    return tuple(out)


def _real_points() -> list[np.ndarray]:
    return [p for _, p, _ in _examples()]


# ---- embedding -----------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 1000),
    st.floats(-500, 500),
    st.floats(-500, 500),
    st.floats(0.05, 20),
)
def test_embedding_ignores_where_the_person_stands_and_how_big(index, dx, dy, scale) -> None:
    points = _real_points()
    pose = points[index % len(points)]
    moved = pose * scale + np.array([dx, dy, 0.0])
    np.testing.assert_allclose(embed(moved), embed(pose), atol=1e-9)
    assert embed(pose).shape == (EMBEDDING_SIZE, 3)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 1000), st.floats(-500, 500), st.floats(0.2, 5))
def test_a_mirrored_pose_is_the_same_class_only_with_mirroring_on(index, dx, scale) -> None:
    points = _real_points()
    pose = points[index % len(points)]
    mirrored = mirror_points(pose) * scale + np.array([dx, 0.0, 0.0])
    np.testing.assert_allclose(mirror_points(mirror_points(pose)), pose)
    # Taught once, recognised in the mirror at distance zero: the mirrored example is
    # the query exactly, whatever the other class holds.
    others = [p for p in points if not np.allclose(embed(p), embed(pose))]
    on = PoseClassifier(k=1).with_example("a", pose).with_example("b", others[index % len(others)])
    assert on.classify(mirrored).label == "a"
    off = PoseClassifier(k=1, mirror=False).with_example("a", pose)
    dmax, _ = off._distances(embed(mirrored[None]))
    symmetric = np.allclose(embed(mirror_points(pose)), embed(pose), atol=1e-3)
    assert symmetric or dmax[0, 0] > 1e-3


def test_a_degenerate_pose_is_refused() -> None:
    with pytest.raises(ValueError, match="no size"):
        embed(np.zeros((33, 3)))
    with pytest.raises(ClassifierError):
        PoseClassifier().with_example("x", np.zeros((33, 3)))
    with pytest.raises(ClassifierError, match="name"):
        PoseClassifier().with_example("  ", _real_points()[0])


# ---- k-NN on real photos -------------------------------------------------------------


def test_leave_one_out_tells_the_real_poses_apart() -> None:
    examples = _examples()
    clf = PoseClassifier()
    for label, points, source in examples:
        clf = clf.with_example(label, points, source)
    assert set(clf.labels) == set(PHOTOS)
    evaluation = clf.evaluate()
    print(
        f"\nleave-one-out on {len(examples)} real detections, {len(clf.labels)} classes: "
        f"{evaluation.accuracy:.3f}; outliers "
        f"{[examples[i][2] for i in evaluation.outliers]}\n{evaluation.labels}\n"
        f"{evaluation.confusion}"
    )
    assert evaluation.accuracy >= 0.8
    assert evaluation.confusion.sum() == len(examples)
    assert np.trace(evaluation.confusion) == round(evaluation.accuracy * len(examples))
    # Every class is recognised at least most of the time.
    per_class = np.diag(evaluation.confusion) / evaluation.confusion.sum(axis=1)
    assert per_class.min() >= 0.5


def test_a_new_frame_of_a_taught_pose_is_recognised() -> None:
    # Taught from basketball1's re-takes only; basketball2 is the next real frame.
    clf = PoseClassifier()
    for label, points, source in _examples():
        if not source.startswith("basketball2"):
            clf = clf.with_example(label, points, source)
    result = _detect("basketball2.png")
    points = pose_points(result.poses[0], result.image_width, result.image_height)
    assert clf.classify(points).label == "catch"


def test_a_wrong_label_is_flagged_as_an_outlier() -> None:
    examples = _examples()
    clf = PoseClassifier()
    for n, (label, points, source) in enumerate(examples):
        # One sitting example taught as "kick" by mistake.
        wrong = label == "sitting" and source.endswith("whole")
        clf = clf.with_example("kick" if wrong else label, points, source)
        if wrong:
            mislabelled = n
    assert mislabelled in clf.evaluate().outliers


def test_save_and_load_round_trip_and_bad_files() -> None:
    clf = PoseClassifier(k=3)
    for label, points, source in _examples()[:8]:
        clf = clf.with_example(label, points, source)
    again = PoseClassifier.from_json(clf.to_json())
    assert again.labels == clf.labels and again.k == 3
    query = _examples()[-1][1]
    assert again.classify(query) == clf.classify(query)
    for bad, message in [
        (b"\xff\xfe", "JSON"),
        ("[]", "PoseScope"),
        ('{"format": "posescope-pose-classes", "version": 2}', "version"),
        ('{"format": "posescope-pose-classes", "version": 1, "examples": [{"label": "a", '
         '"points": [[1, 2]]}]}', "33"),
    ]:  # fmt: skip
        with pytest.raises(ClassifierError, match=message):
            PoseClassifier.from_json(bad)


def test_smoothing_holds_the_class_through_a_misread_frame() -> None:
    smoother = ScoreSmoother(alpha=0.3)
    labels = [
        smoother.update(s).label
        for s in [{"up": 1.0, "down": 0.0}] * 10
        + [{"up": 0.0, "down": 1.0}]
        + [{"up": 1.0, "down": 0.0}] * 3
    ]
    assert set(labels) == {"up"}
    # A lasting change comes through within a few frames.
    later = [smoother.update({"up": 0.0, "down": 1.0}).label for _ in range(5)]
    assert later[-1] == "down"


# ---- pose match ----------------------------------------------------------------------


def test_a_pose_matches_itself_moved_and_scaled_and_not_another() -> None:
    messi = _detect("messi5.jpg")
    ref = ReferencePose.from_pose(messi.poses[0], messi.image_width, messi.image_height)
    xy = ref.xy * 0.6 + np.array([40.0, -15.0])
    same = match_pose(ref, xy, ref.visibility)
    assert same.score == pytest.approx(100.0)
    # The reference drawn over the person lands on their landmarks.
    np.testing.assert_allclose(same.aligned, xy, atol=1e-6)
    other = _detect("camera.png")
    pose = other.poses[0]
    diff = match_pose(ref, pose.pixel_xy(other.image_width, other.image_height),
                      pose.visibility, min_visibility=0.0)  # fmt: skip
    assert diff.score < 75
    assert diff.worst() is not None and abs(diff.worst().degrees) > 30


def test_one_limb_turned_shows_in_that_limb_only() -> None:
    messi = _detect("messi5.jpg")
    ref = ReferencePose.from_pose(messi.poses[0], messi.image_width, messi.image_height)
    xy = ref.xy.copy()
    # Turn the right forearm 40° about the elbow (in the picture).
    elbow, wrist = 14, 16
    theta = math.radians(40)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    xy[wrist] = xy[elbow] + rot @ (xy[wrist] - xy[elbow])
    result = match_pose(ref, xy, np.ones(33), min_visibility=0.0)
    by_name = {d.limb: d.degrees for d in result.limbs}
    assert by_name["right forearm"] == pytest.approx(40.0, abs=1e-6)
    assert all(abs(v) < 1e-6 for k, v in by_name.items() if k != "right forearm")
    assert result.score == pytest.approx(100 * (1 - 40 / len(LIMBS) / 90))


def test_a_reference_without_a_torso_is_refused() -> None:
    messi = _detect("messi5.jpg")
    pose = messi.poses[0]
    flat = type(pose)(np.zeros_like(pose.landmarks), pose.world_landmarks)
    with pytest.raises(MatchError, match="torso"):
        ReferencePose.from_pose(flat, 100, 100)


def test_tracker_counts_classifies_and_matches_frame_by_frame() -> None:
    from pose_core.motion import RepConfig

    kick, catch = _detect("messi5.jpg"), _detect("basketball1.png")
    clf = PoseClassifier()
    for label, points, source in _examples():
        if label in ("kick", "catch"):
            clf = clf.with_example(label, points, source)
    ref = ReferencePose.from_pose(kick.poses[0], kick.image_width, kick.image_height)
    config = MotionConfig(
        reps=RepConfig("knee", 100, 160, side="better"),
        classifier=clf,
        sequence=("kick", "catch"),
        reference=ref,
    )
    tracker = MotionTracker(config)
    states = []
    for n in range(60):
        # Alternate the two real poses every 10 frames at 10 fps.
        frame = kick if (n // 10) % 2 == 0 else catch
        states.append(tracker.update(n / 10, frame))
    labels = [s.label for s in states]
    assert labels[9] == "kick" and labels[19] == "catch"
    assert states[-1].count == 3  # kick then catch, three times
    assert states[5].match is not None and states[5].match.score == pytest.approx(100.0)
    assert states[15].match is not None and states[15].match.score < 90
