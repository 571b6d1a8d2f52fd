"""One example per class: the least a user can teach, and enough to tell two clearly
different poses apart. Every frame's k-NN vote is then a tie (k is cut to the two
examples, one vote each); the nearest example must break it, live and along a clip,
rather than the first taught class winning every frame."""

from __future__ import annotations

import functools

from pose_core import DetectorSettings, PoseResult
from pose_core.motion import MotionConfig, MotionTracker, PoseClassifier, ScoreSmoother, pose_points
from testkit.fixtures import load_rgb, shared_detector

FULL = DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")


@functools.cache
def _detect(name: str) -> PoseResult:
    return shared_detector(FULL).detect(load_rgb(name))


def _one_each() -> PoseClassifier:
    clf = PoseClassifier()
    for label, name in (("kick", "messi5.jpg"), ("catch", "basketball1.png")):
        result = _detect(name)
        points = pose_points(result.poses[0], result.image_width, result.image_height)
        clf = clf.with_example(label, points, name)
    return clf


def test_live_class_follows_the_pose_with_one_example_per_class() -> None:
    clf = _one_each()
    kick, catch = _detect("messi5.jpg"), _detect("basketball1.png")
    tracker = MotionTracker(MotionConfig(classifier=clf))
    labels = []
    for n in range(40):
        # The two real poses, 10 frames each, at 10 fps.
        labels.append(tracker.update(n / 10, kick if (n // 10) % 2 == 0 else catch).label)
    assert labels[9] == labels[29] == "kick"
    assert labels[19] == labels[39] == "catch"


def test_a_tie_of_smoothed_scores_goes_to_the_frames_own_pick() -> None:
    smoother = ScoreSmoother(alpha=0.3)
    tie = {"kick": 0.5, "catch": 0.5}
    assert smoother.update(tie, "catch").label == "catch"
    assert smoother.update(tie, "kick").label == "kick"
    # No tie: the smoothed scores decide, whatever the frame picked.
    assert smoother.update({"kick": 1.0, "catch": 0.0}, "catch").label == "kick"
