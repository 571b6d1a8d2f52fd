"""The text drawn on the returned live video: the readout, and why a frame is bare."""

from __future__ import annotations

import cv2
import numpy as np

from .stats import StreamStats

BUSY_LINES = ("Server busy: every live stream", "slot is taken; waiting for one")
FAILED_LINES = ("Pose detection failed", "see the page for details")


def readout_lines(stats: StreamStats) -> list[str]:
    """The text drawn on the video: processed fps, inference time, people, frame count."""
    people = f"{stats.people} {'person' if stats.people == 1 else 'people'}"
    return [
        f"{stats.fps:4.1f} fps  {stats.inference_ms:3.0f} ms  {people}",
        f"frames {stats.frames}  model {stats.model}",
    ]


def draw_readout(rgb_frame: np.ndarray, lines: list[str] | tuple[str, ...]) -> None:
    """Draw ``lines`` in the top-left corner, on a dark translucent box (in place)."""
    height, width = rgb_frame.shape[:2]
    scale = max(0.45, width / 1100)
    thickness = max(1, round(scale * 2))
    sizes = [cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)[0] for t in lines]
    line_height = max(h for _, h in sizes) + int(12 * scale)
    pad = int(10 * scale)
    box_w = min(width, max(w for w, _ in sizes) + 2 * pad)
    box_h = min(height, line_height * len(lines) + pad)
    region = rgb_frame[0:box_h, 0:box_w]
    # 60 % black over the video keeps the text readable on any background.
    region[...] = (region.astype(np.float32) * 0.4).astype(np.uint8)
    for n, text in enumerate(lines):
        baseline_y = pad + line_height * n + sizes[n][1]
        colour = (255, 255, 255) if n == 0 else (200, 200, 200)  # RGB
        cv2.putText(
            rgb_frame, text, (pad, baseline_y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour,
            thickness, cv2.LINE_AA,
        )  # fmt: skip
