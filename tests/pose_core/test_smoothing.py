"""The One Euro filter: its maths against the paper's formulas, and what it does to real
landmarks (jitter on a still subject, lag on a walking one)."""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pose_core import DetectorSettings, decode_image
from pose_core.smoothing import (
    OneEuroFilter,
    PoseSmoother,
    SmoothingParams,
    jitter,
    person_scale,
)
from pose_core.video import VideoOptions, process_video
from testkit.corpus import make_walk_clip, write_clip
from testkit.fixtures import FIXTURES

LITE = DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")


class ScalarOneEuro:
    """Casiez, Roussel and Vogel's pseudo-code, one value at a time, as a reference."""

    def __init__(self, min_cutoff: float, beta: float, d_cutoff: float) -> None:
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.x_prev: float | None = None
        self.dx_prev = 0.0
        self.t_prev = 0.0

    @staticmethod
    def alpha(cutoff: float, dt: float) -> float:
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: float, t: float) -> float:
        if self.x_prev is None:
            self.x_prev, self.t_prev = x, t
            return x
        dt = t - self.t_prev
        dx = (x - self.x_prev) / dt
        a_d = self.alpha(self.d_cutoff, dt)
        dx_hat = a_d * dx + (1 - a_d) * self.dx_prev
        cutoff = self.min_cutoff + self.beta * abs(dx_hat)
        a = self.alpha(cutoff, dt)
        x_hat = a * x + (1 - a) * self.x_prev
        self.x_prev, self.dx_prev, self.t_prev = x_hat, dx_hat, t
        return x_hat


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.lists(st.floats(-5, 5, allow_nan=False), min_size=4, max_size=4),
        min_size=2,
        max_size=25,
    ),
    steps=st.lists(st.floats(0.005, 0.2), min_size=25, max_size=25),
    min_cutoff=st.floats(0.01, 10),
    beta=st.floats(0, 20),
    d_cutoff=st.floats(0.1, 5),
)
def test_vectorised_filter_matches_the_paper(values, steps, min_cutoff, beta, d_cutoff) -> None:
    params = SmoothingParams(min_cutoff=min_cutoff, beta=beta, d_cutoff=d_cutoff)
    vectorised = OneEuroFilter(params)
    references = [ScalarOneEuro(min_cutoff, beta, d_cutoff) for _ in range(4)]
    t = 0.0
    for sample, step in zip(values, steps, strict=False):
        t += step
        ours = vectorised(np.array(sample), t)
        theirs = [ref(v, t) for ref, v in zip(references, sample, strict=True)]
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_first_sample_passes_and_constant_stays_constant() -> None:
    f = OneEuroFilter(SmoothingParams())
    x = np.array([[0.3, 0.7, -0.1]])
    for i in range(10):
        np.testing.assert_allclose(f(x, i / 30), x, rtol=0, atol=1e-12)


def test_step_follows_a_first_order_low_pass() -> None:
    # beta = 0: a plain exponential filter with a fixed cut-off.
    f = OneEuroFilter(SmoothingParams(min_cutoff=1.0, beta=0.0))
    f(np.zeros(1), 0.0)
    dt = 1 / 30
    alpha = 1 / (1 + 1 / (2 * math.pi * 1.0) / dt)
    out = [float(f(np.ones(1), (i + 1) * dt)[0]) for i in range(30)]
    expected = [1 - (1 - alpha) ** (i + 1) for i in range(30)]
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_beta_cuts_lag_on_fast_motion() -> None:
    t = np.arange(60) / 30
    ramp = 2.0 * t  # 2 units per second
    lags = []
    for beta in (0.0, 1.0, 10.0):
        f = OneEuroFilter(SmoothingParams(min_cutoff=0.5, beta=beta))
        out = np.array([f(np.array([x]), s)[0] for x, s in zip(ramp, t, strict=True)])
        lags.append(float(np.mean(ramp[30:] - out[30:])))
    assert lags[0] > lags[1] > lags[2] > 0
    assert lags[2] < 0.1 * lags[0]


def test_missing_values_pass_through_without_poisoning_the_state() -> None:
    f = OneEuroFilter(SmoothingParams(min_cutoff=1.0, beta=0.0))
    f(np.array([0.0, 0.0]), 0.0)
    out = f(np.array([1.0, np.nan]), 0.1)
    assert np.isnan(out[1]) and 0 < out[0] < 1
    out = f(np.array([1.0, 0.0]), 0.2)
    # The second element resumes from its last good state (0), not from NaN.
    assert out[1] == 0.0 and np.isfinite(out).all()
    # An element missing from the start begins at its first real value.
    g = OneEuroFilter()
    g(np.array([np.nan]), 0.0)
    assert g(np.array([5.0]), 0.1)[0] == 5.0


def test_repeated_timestamp_returns_the_last_output() -> None:
    f = OneEuroFilter(SmoothingParams(min_cutoff=1.0, beta=0.0))
    f(np.array([0.0]), 0.0)
    first = f(np.array([1.0]), 0.1)
    np.testing.assert_array_equal(f(np.array([9.0]), 0.1), first)


def test_params_are_validated() -> None:
    for bad in ({"min_cutoff": 0}, {"min_cutoff": -1}, {"beta": -0.1}, {"d_cutoff": math.nan}):
        with pytest.raises(ValueError):
            SmoothingParams(**bad)
    assert SmoothingParams(min_cutoff=1, beta=0) == SmoothingParams(min_cutoff=1.0, beta=0.0)
    assert hash(SmoothingParams()) == hash(SmoothingParams())


def test_pose_smoother_keeps_scores_and_restarts_after_a_gap() -> None:
    rng = np.random.default_rng(0)
    smoother = PoseSmoother(SmoothingParams(min_cutoff=0.5, beta=0.0), max_gap_s=0.5)
    landmarks = rng.random((33, 5)).astype(np.float32)
    world = rng.random((33, 3)).astype(np.float32)
    smoother(0, landmarks, world, 0.0)
    moved = landmarks.copy()
    moved[:, :3] += 0.1
    out, out_world = smoother(0, moved, world + 0.1, 0.1)
    np.testing.assert_array_equal(out[:, 3:], moved[:, 3:])  # visibility, presence
    assert (out[:, :3] < moved[:, :3]).all() and (out_world < world + 0.1).all()
    # Person 1 has filters of their own.
    np.testing.assert_array_equal(smoother(1, moved, world, 0.1)[0], moved)
    # After a gap longer than max_gap_s, person 0 restarts from the raw values.
    np.testing.assert_array_equal(smoother(0, landmarks, world, 1.0)[0], landmarks)


def test_person_scale() -> None:
    landmarks = np.zeros((33, 5), np.float32)
    landmarks[:, 3] = 1.0
    landmarks[:, 0] = np.linspace(0.4, 0.6, 33)  # 0.2 wide
    landmarks[:, 1] = np.linspace(0.2, 0.8, 33)  # 0.6 tall
    assert person_scale(landmarks) == pytest.approx(0.4)
    landmarks[:, 3] = 0.0  # nothing visible: falls back to every landmark
    assert person_scale(landmarks) == pytest.approx(0.4)


def test_jitter_metric() -> None:
    points = np.zeros((5, 2, 2))
    points[:, 0, 0] = np.arange(5)  # moves 1 per frame
    points[:, 1, 1] = 3 * np.arange(5)  # moves 3 per frame
    assert jitter(points) == pytest.approx(2.0)
    visibility = np.ones((5, 2))
    visibility[:, 1] = 0.1  # the fast one is hidden: left out
    assert jitter(points, visibility) == pytest.approx(1.0)
    assert math.isnan(jitter(points[:1]))
    with pytest.raises(ValueError):
        jitter(np.zeros((4, 3)))


# ---- on real footage -----------------------------------------------------------------


@pytest.fixture(scope="module")
def still_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of a still subject: the footballer photo with fresh sensor-like noise
    in every frame (so MediaPipe sees a slightly different image each time)."""
    rgb = decode_image(FIXTURES / "messi5.jpg")[:342, :548]
    rng = np.random.default_rng(7)
    frames = []
    for _ in range(60):
        noise = rng.normal(0.0, 4.0, rgb.shape).round().astype(np.int16)
        frames.append(np.clip(rgb.astype(np.int16) + noise, 0, 255).astype(np.uint8))
    path = tmp_path_factory.mktemp("still") / "still.mp4"
    # Near-lossless, or the encoder would smooth the noise away.
    return write_clip(path, frames, fps=30, codec_options={"crf": "4"})


@pytest.mark.slow
def test_smoothing_cuts_jitter_on_a_still_subject(still_clip: Path) -> None:
    raw = process_video(still_clip, VideoOptions(LITE)).jitter()
    smoothed = process_video(still_clip, VideoOptions(LITE, smoothing=SmoothingParams())).jitter()
    # The raw run's jitter is real: MediaPipe's landmarks wander on a still picture.
    assert raw["raw_px"] > 0.2 and raw["raw_mm"] > 3
    assert smoothed["raw_px"] == pytest.approx(raw["raw_px"])
    # Measured: about three quarters less, in the image and in the world.
    assert smoothed["smoothed_px"] < 0.5 * raw["raw_px"]
    assert smoothed["smoothed_mm"] < 0.5 * raw["raw_mm"]
    # A lower cut-off smooths more.
    stiffer = process_video(
        still_clip, VideoOptions(LITE, smoothing=SmoothingParams(min_cutoff=0.1, beta=0.0))
    ).jitter()
    assert stiffer["smoothed_px"] < smoothed["smoothed_px"]


@pytest.mark.slow
def test_smoothing_follows_a_walking_person(tmp_path: Path) -> None:
    clip = make_walk_clip(tmp_path / "walk.mp4")
    r = process_video(clip, VideoOptions(LITE, smoothing=SmoothingParams()))
    visible = r.raw_table.landmarks[:, :, 3] >= 0.5
    offset = np.linalg.norm(
        (r.table.landmarks[:, :, :2] - r.raw_table.landmarks[:, :, :2]) * [768, 576], axis=2
    )[visible]
    # He walks about 6 px per frame; the smoothed joints trail by a fraction of that.
    hips = r.raw_table.landmarks[:, [23, 24], :2].mean(axis=1) * [768, 576]
    speed = np.median(np.linalg.norm(np.diff(hips[20:], axis=0), axis=1))
    assert 3 < speed < 12
    assert np.mean(offset) < 0.6 * speed
    # A heavy, speed-blind filter trails far more: the beta term is what keeps up.
    sluggish = process_video(
        clip, VideoOptions(LITE, smoothing=SmoothingParams(min_cutoff=0.1, beta=0.0))
    )
    lag = np.linalg.norm(
        (sluggish.table.landmarks[:, :, :2] - sluggish.raw_table.landmarks[:, :, :2]) * [768, 576],
        axis=2,
    )[visible]
    assert np.mean(lag) > 3 * np.mean(offset)


def test_decoding_the_still_clip_sees_noise(still_clip: Path) -> None:
    # Guards the premise of the jitter test: the frames do differ from one another.
    with av.open(str(still_clip)) as container:
        frames = [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]
    assert len(frames) == 60
    assert np.abs(frames[1] - frames[0]).mean() > 0.5
