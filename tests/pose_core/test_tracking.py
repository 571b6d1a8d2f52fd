"""People across frames (pose_core.tracking): ids follow people, drawing order follows
ids, so a person keeps their colour however the detector orders them."""

from __future__ import annotations

import numpy as np

from pose_core.results import PersonPose, PoseResult
from pose_core.smoothing import SmoothingParams
from pose_core.tracking import PersonTracker, PoseTracks


def _person_at(x: float, y: float) -> PersonPose:
    """A stand-in skeleton: 33 landmarks in a 0.1 x 0.3 box centred on (x, y)."""
    rng = np.random.default_rng(int(x * 100 + y * 10))
    landmarks = np.zeros((33, 5), np.float32)
    landmarks[:, 0] = x + rng.uniform(-0.05, 0.05, 33)
    landmarks[:, 1] = y + rng.uniform(-0.15, 0.15, 33)
    landmarks[:, 3:] = 1.0
    return PersonPose(landmarks, np.zeros((33, 3), np.float32))


def _frame(*people: PersonPose) -> PoseResult:
    return PoseResult(tuple(people), 640, 480)


def test_ids_follow_people_whatever_the_detector_order():
    tracker = PersonTracker(max_people=2)
    left, right = _person_at(0.25, 0.5), _person_at(0.75, 0.5)
    assert tracker.assign((left, right), 0.0) == [0, 1]
    # Next frame: both moved a little, and the detector lists them the other way round.
    assert tracker.assign((_person_at(0.77, 0.5), _person_at(0.27, 0.5)), 0.033) == [1, 0]


def test_shown_people_are_in_id_order_raw_and_smoothed():
    for smoothing in (None, SmoothingParams()):
        tracks = PoseTracks(2, smoothing)
        left, right = _person_at(0.25, 0.5), _person_at(0.75, 0.5)
        tracks.update(_frame(left, right), 0.0)
        moved_right, moved_left = _person_at(0.76, 0.5), _person_at(0.26, 0.5)
        frame = tracks.update(_frame(moved_right, moved_left), 0.033)
        assert [p.track_id for p in frame.people] == [0, 1]
        assert [p.raw for p in frame.people] == [moved_left, moved_right]
        shown = frame.shown.poses
        # The left person is drawn first (the first colour), as in the first frame.
        assert shown[0].landmarks[:, 0].mean() < shown[1].landmarks[:, 0].mean()
        assert [p.track_id for p in shown] == [0, 1]
        if smoothing is None:
            assert [p.landmarks for p in shown] == [moved_left.landmarks, moved_right.landmarks]


def test_ids_given_by_the_detector_are_kept():
    tracker = PersonTracker(max_people=3)
    people = [
        PersonPose(_person_at(x, 0.5).landmarks, np.zeros((33, 3), np.float32), track_id=tid)
        for x, tid in ((0.2, 7), (0.5, 3))
    ]
    assert tracker.assign(tuple(people), 0.0) == [7, 3]
