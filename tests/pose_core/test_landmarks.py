"""pose_core.landmarks: the hand-copied skeleton against MediaPipe's own definitions,
and a person's size.

pose_core keeps the landmark names and bones as plain tuples, so that drawing, tables
and figures need no MediaPipe import (0.4-1.5 s, see ``detector.load_mediapipe``);
these tests fail if the installed MediaPipe names, numbers or connects the 33
landmarks differently.
"""

from __future__ import annotations

import math

import numpy as np
from mediapipe.tasks.python.vision import PoseLandmark, PoseLandmarksConnections

from pose_core.landmarks import (
    LANDMARK_NAMES,
    NUM_LANDMARKS,
    POSE_CONNECTIONS,
    landmark_span,
    person_size,
)


def test_landmark_names_and_order_are_mediapipes() -> None:
    theirs = sorted(PoseLandmark, key=int)
    assert [int(landmark) for landmark in theirs] == list(range(len(theirs)))
    assert list(LANDMARK_NAMES) == [landmark.name.lower() for landmark in theirs]
    assert NUM_LANDMARKS == len(PoseLandmark) == 33


def test_connections_are_mediapipes() -> None:
    theirs = [(c.start, c.end) for c in PoseLandmarksConnections.POSE_LANDMARKS]
    # The same bones, each once, each from the same end (the order of the list does not
    # matter).
    assert sorted(POSE_CONNECTIONS) == sorted(theirs)


def test_person_size_is_the_bounding_box_diagonal_of_finite_landmarks():
    xy = np.array([[10.0, 20.0], [40.0, 60.0], [25.0, 30.0], [np.nan, 500.0], [np.inf, 0.0]])
    assert person_size(xy) == 50.0  # a 30 x 40 box; the NaN and infinite rows skipped
    assert math.isnan(person_size(xy[:1])) and math.isnan(person_size(np.zeros((0, 2))))


def test_landmark_span_is_the_box_of_the_kept_finite_landmarks():
    xy = np.array([[0.1, 0.2], [0.5, 0.3], [0.3, 0.9], [np.nan, 0.0]])
    np.testing.assert_allclose(landmark_span(xy), [0.4, 0.7])
    visible = np.array([True, True, False, True])
    np.testing.assert_allclose(landmark_span(xy, visible), [0.4, 0.1])
    assert np.isnan(landmark_span(xy, np.array([True, False, False, True]))).all()
