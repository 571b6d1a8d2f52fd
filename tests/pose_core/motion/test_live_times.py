"""The live per-rep table's times: seconds since the tracker's first frame, whatever
the clock the stream feeds it (the webcam's is monotonic, with an arbitrary origin)."""

from __future__ import annotations

import pytest

from pose_core import DetectorSettings
from pose_core.motion import MotionConfig, MotionTracker, RepConfig
from testkit.fixtures import load_rgb, shared_detector


def test_rep_times_count_from_the_first_frame() -> None:
    detector = shared_detector(
        DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")
    )
    kick, catch = (
        detector.detect(load_rgb("messi5.jpg")),
        detector.detect(load_rgb("basketball1.png")),
    )
    tracker = MotionTracker(MotionConfig(reps=RepConfig("knee", 100, 140, side="right")))
    clock = 3535.0  # a monotonic clock's reading: seconds since boot
    for n in range(40):
        # Kick (right knee about 65°) and catch (about 160°), 10 frames each at 10 fps.
        state = tracker.update(clock + n / 10, kick if (n // 10) % 2 == 0 else catch)
    assert state.count == 1
    rep = state.reps[0]
    # Left rest (the catch) at 1.9 s, back at 3.0 s.
    assert rep.start_s == pytest.approx(1.9) and rep.end_s == pytest.approx(3.0)
    # Reset count: the times start again from the next frame.
    tracker.reset()
    for n in range(30):
        state = tracker.update(clock + 100 + n / 10, catch if (n // 10) % 2 == 0 else kick)
    assert state.count == 1 and state.reps[0].start_s == pytest.approx(0.9)
