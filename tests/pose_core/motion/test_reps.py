"""The rep counter: on a real angle curve from real footage, and on constructed curves
for the edge cases (each constructed case says so)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pose_core import DetectorSettings
from pose_core.motion import (
    PRESETS,
    RepConfig,
    RepConfigError,
    RepCounter,
    SequenceCounter,
    count_class_sequence,
    count_reps,
    phase_label,
    rep_rows,
)
from pose_core.motion.series import count_person, person_curve
from pose_core.timeseries import angle_table
from pose_core.video import VideoOptions, process_video
from testkit.corpus import make_walk_clip

FPS = 30.0
SQUAT = PRESETS["squat"].config


def _times(n: int, fps: float = FPS) -> np.ndarray:
    return np.arange(n) / fps


def _squats(reps: int, *, top: float = 170.0, bottom: float = 80.0, seconds: float = 2.0):
    """CONSTRUCTED: ``reps`` smooth squats, a cosine from ``top`` to ``bottom`` and back."""
    n = int(reps * seconds * FPS)
    t = _times(n)
    phase = 2 * math.pi * t / seconds
    return t, bottom + (top - bottom) * (1 + np.cos(phase)) / 2


# ---- real footage --------------------------------------------------------------------


@pytest.fixture(scope="module")
def walk_angles(tmp_path_factory: pytest.TempPathFactory):
    clip = make_walk_clip(tmp_path_factory.mktemp("reps") / "walk.mp4")
    result = process_video(
        clip,
        VideoOptions(
            DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")
        ),
    )
    return result, angle_table(result.table)


# Frames (of the 60 from frame 560 of vtest.avi) where the walking man's right leg is in
# mid-swing, by looking at the frames: his legs pass each other about every 4 frames,
# alternately, from frame 18; the right (near, visible) leg swings at these. The
# detector loses him after frame 52, and frame 18's swing is the first step out of a
# stand (the knee barely bends), so 4 swings fall in the tracked walk.
RIGHT_SWINGS = (22, 30, 39, 47)


@pytest.mark.slow
def test_counts_the_walking_mans_right_knee_swings(walk_angles) -> None:
    result, angles = walk_angles
    person = result.table.persons[0]
    # A stride counter: the swing knee bends below 150°, the stance knee is near straight.
    config = RepConfig("knee", 150, 160, "below", side="right", min_duration_s=0.15)
    counted = count_person(angles, person, config)
    print(f"\nwalk: {counted.count} right-knee swings counted, {len(RIGHT_SWINGS)} seen")
    assert counted.count == len(RIGHT_SWINGS)
    fps = result.info.fps
    for rep, frame in zip(counted.reps, RIGHT_SWINGS, strict=True):
        # Each counted rep spans the swing seen in the frames.
        assert rep.start_s - 1 / fps <= frame / fps <= rep.end_s + 1 / fps, (rep, frame)
        assert rep.min_angle < 150 < 160 <= rep.max_angle
    # The same curve with the upper threshold above every standing-knee angle can
    # never go back to rest: nothing is counted.
    never = RepConfig("knee", 150, 179.9, "below", side="right", min_duration_s=0.15)
    times, curve = person_curve(angles, person, never)
    assert np.nanmax(curve) < 179.9
    assert count_reps(times, curve, never).count == 0


def test_recounting_from_stored_angles_needs_no_detection(walk_angles) -> None:
    result, angles = walk_angles
    person = result.table.persons[0]
    counts = [
        count_person(angles, person, RepConfig("knee", low, 160, side="right",
                                               min_duration_s=0.15)).count
        for low in (110, 140, 150, 155)
    ]  # fmt: skip
    # Lowering the far threshold can only drop reps that did not reach it.
    assert counts == sorted(counts)
    assert counts[0] < counts[-1]


# ---- constructed curves --------------------------------------------------------------


def test_constructed_clean_squats_are_counted_with_their_extremes() -> None:
    t, angle = _squats(5)
    # CONSTRUCTED: five cosine squats, starting at the top.
    result = count_reps(t, angle, SQUAT)
    assert result.count == 5
    rows = rep_rows(result.reps)
    assert all(r["min_angle"] == pytest.approx(80, abs=0.5) for r in rows)
    assert all(r["range_of_motion"] == pytest.approx(90, abs=1) for r in rows)
    assert all(r["duration_s"] < 2.0 for r in rows)


def test_constructed_noise_around_one_threshold_counts_once() -> None:
    # CONSTRUCTED: one squat whose bottom rattles across the lower threshold 20 times,
    # then whose top rattles across the upper one: hysteresis makes it one rep.
    rng = np.random.default_rng(0)
    down = np.linspace(170, 100, 30)
    rattle_low = SQUAT.low + rng.choice([-3.0, 3.0], 40)
    up = np.linspace(100, 160, 30)
    rattle_high = SQUAT.high + rng.choice([-3.0, 3.0], 40)
    angle = np.concatenate([[170.0] * 5, down, rattle_low, up, rattle_high])
    assert count_reps(_times(len(angle)), angle, SQUAT).count == 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(SQUAT.low + 0.01, SQUAT.high - 0.01), min_size=1, max_size=300),
    st.sampled_from(["rest", "active"]),
)
def test_noise_between_the_thresholds_is_never_counted(values, start) -> None:
    # CONSTRUCTED: any curve that stays strictly between the thresholds after a start
    # on either side.
    first = 175.0 if start == "rest" else 60.0
    angle = np.array([first, *values])
    assert count_reps(_times(len(angle)), angle, SQUAT).count == 0


def test_constructed_lost_limb_does_not_count() -> None:
    # CONSTRUCTED: standing, down, then the knee is out of sight for a second and is
    # found standing again: no rep (a short gap is bridged; see below).
    angle = np.concatenate([[170.0] * 10, np.linspace(170, 80, 20), [np.nan] * 30,
                            [170.0] * 10])  # fmt: skip
    assert count_reps(_times(len(angle)), angle, SQUAT).count == 0
    short = np.concatenate([[170.0] * 10, np.linspace(170, 80, 20), [np.nan] * 5,
                            np.linspace(90, 170, 20)])  # fmt: skip
    assert count_reps(_times(len(short)), short, SQUAT).count == 1


def test_constructed_half_reps_do_not_count() -> None:
    # CONSTRUCTED: starting at the bottom and standing up; and going down and staying.
    up_only = np.linspace(80, 170, 40)
    assert count_reps(_times(40), up_only, SQUAT).count == 0
    down_only = np.linspace(170, 80, 40)
    assert count_reps(_times(40), down_only, SQUAT).count == 0
    # Not deep enough: never below the lower threshold.
    shallow = np.concatenate([np.linspace(170, 110, 30), np.linspace(110, 170, 30)])
    assert count_reps(_times(60), shallow, SQUAT).count == 0


def test_constructed_pause_at_the_bottom_is_one_rep() -> None:
    # CONSTRUCTED: down, three seconds held at the bottom with a little sway, up.
    rng = np.random.default_rng(1)
    angle = np.concatenate([[170.0] * 10, np.linspace(170, 85, 20),
                            85 + rng.normal(0, 4, 90), np.linspace(85, 170, 20)])  # fmt: skip
    result = count_reps(_times(len(angle)), angle, SQUAT)
    assert result.count == 1
    assert result.reps[0].duration_s > 3.0


def test_constructed_too_fast_rep_is_dropped() -> None:
    # CONSTRUCTED: a two-frame dip (a detection glitch), then a real rep.
    glitch = np.array([170.0, 170, 60, 170, 170])
    _, real = _squats(1)
    angle = np.concatenate([glitch, real])
    assert count_reps(_times(len(angle)), angle, SQUAT).count == 1


def test_constructed_jumping_jacks_count_upwards() -> None:
    # CONSTRUCTED: arms from 15° to 160° and back, four times, on the "above" preset.
    config = PRESETS["jumping_jack"].config
    t = _times(4 * 30)
    angle = 15 + 145 * (1 - np.cos(2 * math.pi * t)) / 2
    assert count_reps(t, angle, config).count == 4


def test_live_counter_matches_the_stored_count_and_names_phases() -> None:
    t, angle = _squats(3)
    counter = RepCounter(SQUAT)
    phases = [counter.update(float(a), float(b)).phase for a, b in zip(t, angle, strict=True)]
    assert counter.count == count_reps(t, angle, SQUAT).count
    assert {"rest", "leaving", "active", "returning"} <= set(phases)
    assert phase_label(SQUAT, "active") == "down"
    assert phase_label(SQUAT, "returning") == "going up"
    counter.reset()
    assert counter.count == 0


def test_sides() -> None:
    from pose_core.motion import side_angle

    degrees = np.array([[90.0, 170.0], [90.0, 170.0], [90.0, np.nan]])
    vis = np.array([[0.9, 0.2], [0.3, 0.9], [0.9, 0.9]])
    pick = lambda side: side_angle(RepConfig(side=side), degrees, vis)[0]  # noqa: E731
    np.testing.assert_array_equal(pick("better"), [90, 170, 90])
    np.testing.assert_array_equal(pick("left"), [90, np.nan, 90])
    np.testing.assert_array_equal(pick("both"), [np.nan, np.nan, np.nan])


def test_bad_configs_get_a_sentence() -> None:
    with pytest.raises(RepConfigError, match="below the upper"):
        RepConfig("knee", 150, 100)
    with pytest.raises(RepConfigError, match="Unknown angle"):
        RepConfig("tail", 10, 20)
    with pytest.raises(RepConfigError, match="two classes"):
        SequenceCounter(["down"])


def test_class_sequence_drives_the_counter() -> None:
    # CONSTRUCTED: per-frame classes with unknown frames at the bottom, then a half rep.
    labels = ["up"] * 10 + ["down"] * 10 + [None] * 3 + ["down"] * 5 + ["up"] * 10
    labels += ["down"] * 8 + ["up"] * 8 + ["down"] * 10
    t = _times(len(labels), 10)
    reps = count_class_sequence(t, labels, ("down", "up"))
    assert len(reps) == 2
    assert reps[0].start_s == pytest.approx(1.0)
