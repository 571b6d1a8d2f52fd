"""The fixture files (``tests/fixtures/``: real photographs, see its ``PROVENANCE.md``)
and one shared IMAGE-mode detector per settings (``tests/conftest.py`` closes them at
the end of the session)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pose_core import DetectorSettings, ImageDetector, decode_image

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# Photographs with people in them, and without.
PEOPLE_PHOTOS = ("messi5.jpg", "basketball1.png", "astronaut.png", "camera.png")
NO_PERSON_PHOTOS = ("chelsea.png", "coffee.png")


def fixture_path(name: str) -> Path:
    return FIXTURES / name


def load_rgb(name: str) -> np.ndarray:
    return decode_image(FIXTURES / name)


_detectors: dict[DetectorSettings, ImageDetector] = {}


def shared_detector(settings: DetectorSettings) -> ImageDetector:
    """One IMAGE-mode detector per settings for the whole test session (they are slow to
    create); closed at the end of the session."""
    if settings not in _detectors:
        _detectors[settings] = ImageDetector(settings)
    return _detectors[settings]


def close_shared_detectors() -> None:
    """Close every detector :func:`shared_detector` made (the session's end)."""
    for detector in _detectors.values():
        detector.close()
    _detectors.clear()
