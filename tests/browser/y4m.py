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


# A frame number drawn into the clip for the webcam benchmark: CODE_BITS data bits and
# one parity bit as black/white squares on the floor between the two people (bottom
# centre, away from both skeletons and the app's readout box). The browser reads it
# back from the returned video to tell newly processed frames from re-sent ones and to
# time each frame's round trip.
CODE_X, CODE_Y, CODE_BLOCK, CODE_BITS = 256, 456, 16, 7
CODE_SQUARES = CODE_BITS + 1
# The fake camera's clip: 4 s at 30 fps (Chromium loops it).
CLIP_SECONDS, CLIP_FPS = 4.0, 30
CLIP_FRAMES = int(CLIP_SECONDS * CLIP_FPS)


def stamp_frame_code(rgb: np.ndarray, number: int) -> np.ndarray:
    """A copy of ``rgb`` with ``number`` (0..2**CODE_BITS - 1) drawn as the frame code."""
    if not 0 <= number < 2**CODE_BITS:
        raise ValueError(f"frame number {number} does not fit in {CODE_BITS} bits")
    out = np.array(rgb, copy=True)
    bits = [(number >> bit) & 1 for bit in range(CODE_BITS)]
    bits.append(sum(bits) % 2)  # even parity over all squares
    for n, bit in enumerate(bits):
        x = CODE_X + n * CODE_BLOCK
        out[CODE_Y : CODE_Y + CODE_BLOCK, x : x + CODE_BLOCK] = 235 if bit else 16
    return out


def basketball_frames(
    seconds: float = CLIP_SECONDS,
    fps: int = CLIP_FPS,
    *,
    frame_code: bool = False,
    copies: int = 1,
) -> list[np.ndarray]:
    """A 640x480 clip of two people playing catch, from two consecutive frames of a real
    video (tests/fixtures/basketball1.png and basketball2.png), cross-faded back and
    forth so the people move. The photos are greyscale: any saturated colour in a frame
    the app returns was drawn by the app. With ``frame_code``, each frame carries its
    number (see :func:`stamp_frame_code`).

    ``copies=2`` puts two half-size copies side by side (four people, for speed
    measurements only: a composite is no scene to count people on)."""
    first, second = load_rgb("basketball1.png"), load_rgb("basketball2.png")
    if copies == 2:
        first, second = _side_by_side(first), _side_by_side(second)
    elif copies != 1:
        raise ValueError(f"copies must be 1 or 2, not {copies}")
    frames = []
    total = int(seconds * fps)
    for i in range(total):
        phase = abs((i / total) * 2 - 1)  # 1 -> 0 -> 1: forth and back, loops seamlessly
        frame = cv2.addWeighted(first, phase, second, 1 - phase, 0)
        frames.append(stamp_frame_code(frame, i) if frame_code else frame)
    return frames


def _side_by_side(rgb: np.ndarray) -> np.ndarray:
    """Two half-size copies of a 640x480 frame side by side, centred on grey."""
    height, width = rgb.shape[:2]
    half = cv2.resize(rgb, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    out = np.full_like(rgb, 128)
    top = (height - half.shape[0]) // 2
    out[top : top + half.shape[0], : half.shape[1]] = half
    out[top : top + half.shape[0], half.shape[1] : 2 * half.shape[1]] = half
    return out
