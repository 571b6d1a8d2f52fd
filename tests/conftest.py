"""Pytest-wide fixtures and hooks only: the helpers they use live in ``testkit/``
(fixture photos and shared detectors in ``testkit.fixtures``)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from testkit.fixtures import close_shared_detectors, load_rgb


@pytest.fixture(scope="session")
def messi_rgb() -> np.ndarray:
    return load_rgb("messi5.jpg")


@pytest.fixture(scope="session", autouse=True)
def _close_shared_detectors() -> Iterator[None]:
    yield
    close_shared_detectors()


@pytest.fixture(params=["lite", "full", "heavy"])
def variant(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def streamer(monkeypatch: pytest.MonkeyPatch):
    """The Webcam page's WebRTC component replaced by a :class:`FakeStreamer` (AppTest
    cannot run its browser half); every stream it was handed is released afterwards."""
    from testkit.apptest import FakeStreamer
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
