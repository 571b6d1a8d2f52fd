"""The hand-copied skeleton in pose_core.landmarks against MediaPipe's own definitions.

pose_core keeps the landmark names and bones as plain tuples, so that drawing, tables
and figures need no MediaPipe import (0.4-1.5 s, see ``detector.load_mediapipe``);
these tests fail if the installed MediaPipe names, numbers or connects the 33
landmarks differently.
"""

from __future__ import annotations

from mediapipe.tasks.python.vision import PoseLandmark, PoseLandmarksConnections

from pose_core.landmarks import LANDMARK_NAMES, NUM_LANDMARKS, POSE_CONNECTIONS


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
