"""Detectors on real photographs, against direct MediaPipe Tasks calls."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import numpy as np
import pytest

from pose_core import (
    DetectorSettings,
    ImageDetector,
    ModelFileError,
    StreamDetector,
)
from testkit.checks import direct_mediapipe
from testkit.fixtures import NO_PERSON_PHOTOS, PEOPLE_PHOTOS, ROOT, load_rgb, shared_detector


def test_matches_direct_mediapipe_call(variant: str, messi_rgb: np.ndarray) -> None:
    ours = shared_detector(
        DetectorSettings(model_variant=variant, num_poses=1, person_detector="mediapipe")
    ).detect(messi_rgb)
    theirs = direct_mediapipe(messi_rgb, variant)
    assert ours.num_poses == len(theirs.pose_landmarks) == 1
    expected = np.array(
        [[p.x, p.y, p.z, p.visibility, p.presence] for p in theirs.pose_landmarks[0]]
    )
    expected_world = np.array([[p.x, p.y, p.z] for p in theirs.pose_world_landmarks[0]])
    np.testing.assert_allclose(ours.poses[0].landmarks, expected, atol=1e-6)
    np.testing.assert_allclose(ours.poses[0].world_landmarks, expected_world, atol=1e-6)
    assert ours.image_width == messi_rgb.shape[1]
    assert ours.image_height == messi_rgb.shape[0]
    assert ours.inference_ms > 0


@pytest.mark.parametrize("photo", PEOPLE_PHOTOS)
def test_people_are_found_with_plausible_anatomy(photo: str) -> None:
    rgb = load_rgb(photo)
    result = shared_detector(
        DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")
    ).detect(rgb)
    assert result.num_poses == 1
    pose = result.poses[0]
    assert pose.landmarks.shape == (33, 5)
    assert pose.world_landmarks.shape == (33, 3)
    # Upright people (one leans into his camera): nose and shoulders above the hips
    # (image y grows downward).
    y = pose.landmarks[:, 1]
    assert max(y[0], y[11], y[12]) < min(y[23], y[24])
    # World landmarks are metres around the hips: a person is 1-2.5 m, not 100.
    assert 0.2 < np.abs(pose.world_landmarks).max() < 2.5
    assert np.linalg.norm(pose.world_landmarks[[23, 24]].mean(axis=0)) < 0.05


@pytest.mark.parametrize("photo", NO_PERSON_PHOTOS)
@pytest.mark.parametrize("model", ["lite", "heavy"])
def test_no_person_photo_gives_no_pose(photo: str, model: str) -> None:
    result = shared_detector(
        DetectorSettings(model_variant=model, num_poses=1, person_detector="mediapipe")
    ).detect(load_rgb(photo))
    assert result.num_poses == 0
    assert not result
    assert result.to_json_dict()["poses"] == []


def test_several_people_with_num_poses() -> None:
    rgb = load_rgb("basketball2.png")
    one = shared_detector(
        DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")
    ).detect(rgb)
    many = shared_detector(
        DetectorSettings(model_variant="full", num_poses=5, person_detector="mediapipe")
    ).detect(rgb)
    assert one.num_poses == 1
    assert many.num_poses >= 2
    hips = [pose.landmarks[[23, 24], 0].mean() for pose in many.poses]
    # Different people, not the same person twice.
    assert max(hips) - min(hips) > 0.1


def test_variants_agree_on_where_the_person_is(messi_rgb: np.ndarray) -> None:
    results = {
        v: shared_detector(
            DetectorSettings(model_variant=v, num_poses=1, person_detector="mediapipe")
        ).detect(messi_rgb)
        for v in ("lite", "full", "heavy")
    }
    heavy = results["heavy"].poses[0].landmarks[:, :2]
    for v in ("lite", "full"):
        distance = np.linalg.norm(results[v].poses[0].landmarks[:, :2] - heavy, axis=1)
        assert np.median(distance) < 0.03, v


def test_downscaled_inference_maps_to_original_pixels(messi_rgb: np.ndarray) -> None:
    big = np.repeat(np.repeat(messi_rgb, 3, axis=0), 3, axis=1)  # 1644 x 1026
    settings = DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")
    full_size = shared_detector(settings).detect(big)
    with ImageDetector(settings, max_inference_pixels=200_000) as small_budget:
        reduced = small_budget.detect(big)
    assert (reduced.image_width, reduced.image_height) == (big.shape[1], big.shape[0])
    a = full_size.poses[0].pixel_xy(big.shape[1], big.shape[0])
    b = reduced.poses[0].pixel_xy(reduced.image_width, reduced.image_height)
    assert np.median(np.linalg.norm(a - b, axis=1)) < 15  # pixels, in a 1644-wide image


def test_image_detector_is_safe_to_share_between_threads(messi_rgb: np.ndarray) -> None:
    detector = shared_detector(
        DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
    )
    expected = detector.detect(messi_rgb).poses[0].landmarks
    flipped = np.ascontiguousarray(messi_rgb[:, ::-1])
    expected_flipped = detector.detect(flipped).poses[0].landmarks
    errors: list[str] = []

    def work(image: np.ndarray, want: np.ndarray) -> None:
        for _ in range(5):
            got = detector.detect(image).poses[0].landmarks
            if not np.allclose(got, want, atol=1e-5):
                errors.append("results crossed between threads")

    threads = [
        threading.Thread(target=work, args=(messi_rgb, expected)),
        threading.Thread(target=work, args=(flipped, expected_flipped)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_rejects_arrays_that_are_not_rgb_uint8(messi_rgb: np.ndarray) -> None:
    detector = shared_detector(
        DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
    )
    with pytest.raises(ValueError, match="RGB"):
        detector.detect(messi_rgb.astype(np.float32))
    with pytest.raises(ValueError, match="RGB"):
        detector.detect(messi_rgb[..., 0])


def test_closed_detector_refuses_work(messi_rgb: np.ndarray) -> None:
    detector = ImageDetector(
        DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
    )
    detector.close()
    detector.close()  # twice is fine
    assert detector.closed
    with pytest.raises(RuntimeError, match="closed"):
        detector.detect(messi_rgb)


def test_stream_detector_tracks_with_increasing_timestamps(messi_rgb: np.ndarray) -> None:
    with StreamDetector(
        DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
    ) as stream:
        stamps = [stream.detect(messi_rgb, t).timestamp_ms for t in (0, 33, 33, 20, 100)]
        # Repeated and reordered timestamps are moved forward, never rejected.
        assert stamps == [0, 33, 34, 35, 100]
        auto = stream.detect(messi_rgb)
        assert auto.timestamp_ms > 100 and auto.num_poses == 1


def test_stream_detector_matches_image_mode_on_first_frame(messi_rgb: np.ndarray) -> None:
    image = shared_detector(
        DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")
    ).detect(messi_rgb)
    with StreamDetector(
        DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")
    ) as stream:
        first = stream.detect(messi_rgb, 0)
    distance = np.linalg.norm(
        first.poses[0].landmarks[:, :2] - image.poses[0].landmarks[:, :2], axis=1
    )
    assert np.median(distance) < 0.01


def test_stream_settings_change_swaps_the_landmarker(messi_rgb: np.ndarray) -> None:
    with StreamDetector(
        DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
    ) as stream:
        stream.detect(messi_rgb, 0)
        assert not stream.update_settings(
            DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
        )
        strict = DetectorSettings(
            model_variant="lite",
            min_pose_detection_confidence=1.0,
            min_pose_presence_confidence=1.0,
            min_tracking_confidence=1.0,
            num_poses=1,
            person_detector="mediapipe",
        )
        assert stream.update_settings(strict)
        assert stream.settings == strict
        # A fresh graph at impossible confidence finds nobody; the clock kept running.
        later = stream.detect(messi_rgb, 10)
        assert later.timestamp_ms == 10
        assert later.num_poses == 0
        stream.reset(
            DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
        )
        assert stream.detect(messi_rgb, 0).num_poses == 1  # timestamps restart after reset


def test_failed_settings_change_keeps_the_old_landmarker(messi_rgb, monkeypatch) -> None:
    from pose_core import models

    with StreamDetector(
        DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
    ) as stream:
        monkeypatch.setattr(models, "MODELS_DIR", models.MODELS_DIR / "does-not-exist")
        with pytest.raises(ModelFileError):
            stream.update_settings(
                DetectorSettings(model_variant="heavy", num_poses=1, person_detector="mediapipe")
            )
        assert stream.settings.model_variant == "lite"
        assert stream.detect(messi_rgb, 0).num_poses == 1


def test_settings_are_validated_and_hashable() -> None:
    a = DetectorSettings(
        model_variant="lite",
        min_pose_detection_confidence=1,
        num_poses=1,
        person_detector="mediapipe",
    )
    b = DetectorSettings(
        model_variant="lite",
        min_pose_detection_confidence=1.0,
        num_poses=1,
        person_detector="mediapipe",
    )
    assert a == b and hash(a) == hash(b)
    assert len({a, b, a.replace(num_poses=2)}) == 2
    for bad in (
        {"model_variant": "medium"},
        {"num_poses": 0},
        {"num_poses": 11},
        {"num_poses": 1.5},
        {"min_pose_presence_confidence": 1.5},
        {"min_tracking_confidence": -0.1},
        {"min_pose_detection_confidence": "high"},
    ):
        with pytest.raises(ValueError):
            DetectorSettings(**bad)


# The modules the entrypoint and the Home page import, then a first detection.
_HOME_THEN_DETECT = """
import json, sys
import pose_core
from ui import state
from ui.server import gc_tuning, limits, logs, runtime
from ui.views import report
from ui.widgets import branding, samples, settings_panel
before = "mediapipe" in sys.modules
webrtc = "streamlit_webrtc" in sys.modules or "aiortc" in sys.modules
settings = pose_core.DetectorSettings("lite", num_poses=1, person_detector="mediapipe")
with pose_core.ImageDetector(settings) as detector:
    people = detector.detect(samples.load(samples.SAMPLES[0].slug)).num_poses
after = "mediapipe" in sys.modules
print(json.dumps({"before": before, "webrtc": webrtc, "after": after, "people": people}))
"""


@pytest.mark.slow
def test_mediapipe_is_imported_when_the_first_detector_is_made() -> None:
    # The first page a user opens (Home) waits neither for MediaPipe's 0.4-1.5 s import
    # nor for the WebRTC stack's (~0.15 s): those come with the pages that use them.
    run = subprocess.run(
        [sys.executable, "-c", _HOME_THEN_DETECT],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    probe = json.loads(run.stdout.strip().splitlines()[-1])
    assert probe["before"] is False
    assert probe["webrtc"] is False
    assert probe["after"] is True
    assert probe["people"] >= 1
