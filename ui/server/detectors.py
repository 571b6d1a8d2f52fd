"""Image detectors shared by every session through ``st.cache_resource``.

An :class:`ImageDetector` is thread-safe (calls are serialised), so one per distinct
settings value serves every user. The cache is keyed by the settings: moving a slider
back to an earlier value finds the landmarker already loaded, and a rerun with the same
settings loads nothing.
"""

from __future__ import annotations

import logging

import numpy as np
import streamlit as st

from pose_core import DetectorSettings, ImageDetector, PoseResult, recommended
from ui.server import runtime

LOGGER = logging.getLogger(__name__)

# Enough for a few settings tried back and forth; each landmarker holds its model
# (5-30 MB). Older entries are closed when evicted.
MAX_CACHED_DETECTORS = 8


def load_count() -> int:
    """How many image landmarkers this server has created so far (a rerun that reloads a
    model shows here; the tests use it to prove that moving a slider back reuses the
    cached one)."""
    return runtime.current().image_detector_loads.value


def image_settings(settings: DetectorSettings) -> DetectorSettings:
    """The settings an IMAGE-mode landmarker depends on.

    Tracking confidence only matters between video frames, so it is pinned to its
    default here: moving the tracking slider must not reload the image model.
    """
    return settings.replace(min_tracking_confidence=recommended().detector.min_tracking_confidence)


def _close(detector: ImageDetector) -> None:
    # Evicted from the cache: release the MediaPipe graph now rather than at exit.
    detector.close()


@st.cache_resource(
    max_entries=MAX_CACHED_DETECTORS,
    show_spinner="Loading the pose model…",
    on_release=_close,
    validate=lambda detector: not detector.closed,
)
def _cached_image_detector(settings: DetectorSettings) -> ImageDetector:
    detector = ImageDetector(settings)
    runtime.current().image_detector_loads.add()
    LOGGER.info("Loaded an image landmarker for %s", settings)
    return detector


def image_detector(settings: DetectorSettings) -> ImageDetector:
    """The shared IMAGE-mode detector for ``settings`` (loaded on first use)."""
    return _cached_image_detector(image_settings(settings))


def detect(
    rgb_image: np.ndarray, settings: DetectorSettings
) -> tuple[PoseResult, DetectorSettings]:
    """Detect poses with the shared detector for ``settings``.

    Returns:
        The result and the settings of the landmarker that produced it.
    """
    detector = image_detector(settings)
    try:
        return detector.detect(rgb_image), detector.settings
    except RuntimeError:
        if not detector.closed:
            raise
        # Another session evicted (and closed) it between the lookup and the call;
        # ``validate`` makes the next lookup load a fresh one.
        detector = image_detector(settings)
        return detector.detect(rgb_image), detector.settings
