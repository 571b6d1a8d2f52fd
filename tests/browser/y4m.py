"""Write YUV4MPEG2 clips for Chromium's fake camera (OpenCV cannot write y4m)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import load_rgb


def write_y4m(path: Path, rgb_frames: Iterable[np.ndarray], fps: int = 30) -> int:
    """Write RGB frames (all the same even size) as a 4:2:0 y4m file; returns the count."""
    count = 0
    with path.open("wb") as out:
        for rgb in rgb_frames:
            height, width = rgb.shape[:2]
            if count == 0:
                out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
            # COLOR_RGB2YUV_I420 returns the Y, U and V planes stacked: y4m's frame layout.
            out.write(b"FRAME\n" + cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
            count += 1
    return count


def basketball_frames(seconds: float = 4.0, fps: int = 30) -> list[np.ndarray]:
    """A 640x480 clip of two people playing catch, from two consecutive frames of a real
    video (tests/fixtures/basketball1.png and basketball2.png), cross-faded back and
    forth so the people move. The photos are greyscale: any saturated colour in a frame
    the app returns was drawn by the app."""
    first, second = load_rgb("basketball1.png"), load_rgb("basketball2.png")
    frames = []
    total = int(seconds * fps)
    for i in range(total):
        phase = abs((i / total) * 2 - 1)  # 1 -> 0 -> 1: forth and back, loops seamlessly
        frames.append(cv2.addWeighted(first, phase, second, 1 - phase, 0))
    return frames
