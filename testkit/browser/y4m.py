"""Write YUV4MPEG2 clips for Chromium's fake camera (OpenCV cannot write y4m)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from testkit.fixtures import load_rgb


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


# ---- the motion test's clip: two real poses, alternating -------------------------------

# The motion clip holds each pose this many frames (1 s at 30 fps), then cuts to the
# other one; MOTION_CYCLES kick-catch pairs make the clip (Chromium loops it).
POSE_HOLD_FRAMES = CLIP_FPS
MOTION_CYCLES = 3
# The man catching the ball in basketball1.png (the left one; the crop leaves the other
# man, who starts at x=410, out).
CATCH_CROP = (0, 0, 320, 480)  # x0, y0, x1, y1


def letterbox(rgb: np.ndarray, width: int = 640, height: int = 480) -> np.ndarray:
    """``rgb`` scaled to fit ``width`` x ``height`` (aspect kept), centred on black."""
    in_h, in_w = rgb.shape[:2]
    scale = min(width / in_w, height / in_h)
    size = (round(in_w * scale), round(in_h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(rgb, size, interpolation=interpolation)
    out = np.zeros((height, width, 3), np.uint8)
    top, left = (height - size[1]) // 2, (width - size[0]) // 2
    out[top : top + size[1], left : left + size[0]] = scaled
    return out


# The rep counter that counts the kick/catch clip (alternating_pose_frames), as URL
# parameters: a custom counter on the right knee, the kick (about 60°) past the lower
# threshold, the catch (about 160°) past the upper one, 100-135° the hysteresis band;
# Lite and one person, as on a 2-core CI box; the mirror off, so the video is the
# camera's. The select boxes are bound to the URL by their shown labels ("Custom",
# "Right"; Streamlit drops a value that is no label), the sliders by their numbers.
KICK_CATCH_REPS = {
    "model": "Lite",
    "poses": "1",
    "reps": "Custom",
    "rep_angle": "knee",
    "rep_side": "Right",
    "rep_direction": "Bend below the lower threshold and back",
    "rep_low": "100",
    "rep_high": "135",
    "mirror": "false",
}


def kick_frame() -> np.ndarray:
    """The footballer mid-kick (tests/fixtures/messi5.jpg) letterboxed to 640x480: his
    kicking (right) knee bent to about 65°, arms out nearly straight."""
    return letterbox(load_rgb("messi5.jpg"))


def catch_frame() -> np.ndarray:
    """The man catching a basketball (the left one in tests/fixtures/basketball1.png),
    cropped and letterboxed to 640x480: standing, knees about 160°, elbows about 100°."""
    x0, y0, x1, y1 = CATCH_CROP
    return letterbox(load_rgb("basketball1.png")[y0:y1, x0:x1])


def alternating_pose_frames(
    hold: int = POSE_HOLD_FRAMES, cycles: int = MOTION_CYCLES
) -> list[np.ndarray]:
    """Kick for ``hold`` frames, catch for ``hold`` frames, ``cycles`` times: two real
    photographs of different poses, as a person switching between them would give."""
    kick, catch = kick_frame(), catch_frame()
    return [frame for _ in range(cycles) for frame in [kick] * hold + [catch] * hold]
