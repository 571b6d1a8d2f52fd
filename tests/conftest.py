"""Shared fixtures: real photographs (see fixtures/PROVENANCE.md) and real detectors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pose_core import DetectorSettings, ImageDetector, decode_image

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Photographs with people in them, and without.
PEOPLE_PHOTOS = ("messi5.jpg", "basketball1.png", "astronaut.png", "camera.png")
NO_PERSON_PHOTOS = ("chelsea.png", "coffee.png")


def fixture_path(name: str) -> Path:
    return FIXTURES / name


def load_rgb(name: str) -> np.ndarray:
    return decode_image(FIXTURES / name)


@pytest.fixture(scope="session")
def messi_rgb() -> np.ndarray:
    return load_rgb("messi5.jpg")


_detectors: dict[DetectorSettings, ImageDetector] = {}


def shared_detector(settings: DetectorSettings) -> ImageDetector:
    """One IMAGE-mode detector per settings for the whole test session (they are slow to
    create); closed at the end of the session."""
    if settings not in _detectors:
        _detectors[settings] = ImageDetector(settings)
    return _detectors[settings]


@pytest.fixture(scope="session", autouse=True)
def _close_shared_detectors() -> Iterator[None]:
    yield
    for detector in _detectors.values():
        detector.close()
    _detectors.clear()


@pytest.fixture(params=["lite", "full", "heavy"])
def variant(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def streamer(monkeypatch: pytest.MonkeyPatch):
    """The Webcam page's WebRTC component replaced by a :class:`FakeStreamer` (AppTest
    cannot run its browser half); every stream it was handed is released afterwards."""
    from tests.test_app_support import FakeStreamer
    from ui.server import ice
    from ui.webrtc import webcam

    fake = FakeStreamer()
    monkeypatch.setattr(webcam, "webrtc_streamer", fake)
    monkeypatch.delenv(ice.ENV_VAR, raising=False)
    yield fake
    # Close every session's stream detector, as stopping the stream would: a MediaPipe
    # landmarker left for the garbage collector can hang the process in its __del__.
    for call in fake.calls:
        if "video_frame_callback" in call:  # the Network stream page's has none
            call["video_frame_callback"].__self__.release()
