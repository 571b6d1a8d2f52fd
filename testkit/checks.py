"""Checks shared by the core test modules: the bare MediaPipe call to compare against,
and what a user-facing error message must look like (no tests here)."""

from __future__ import annotations

import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions, vision

from pose_core import model_path
from pose_core.imageio import ImageDecodeError


def direct_mediapipe(
    rgb: np.ndarray, variant: str, num_poses: int = 1
) -> vision.PoseLandmarkerResult:
    """The bare Tasks API call, with no pose_core code in between (``test_detector``,
    ``test_cli``)."""
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path(variant))),
        running_mode=vision.RunningMode.IMAGE,
        num_poses=num_poses,
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        result: vision.PoseLandmarkerResult = landmarker.detect(
            mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        )
        return result


def assert_user_message(error: ImageDecodeError, *expected: str) -> None:
    """The message is one readable sentence or two: no traceback, no repr noise
    (``test_imageio``, ``test_corpus``)."""
    assert isinstance(error, ImageDecodeError)
    assert isinstance(error, ValueError)
    message = str(error)
    assert message, "empty error message"
    assert "Traceback" not in message
    assert "\n" not in message
    assert message.rstrip().endswith("."), message
    for fragment in expected:
        assert fragment.lower() in message.lower(), (fragment, message)
