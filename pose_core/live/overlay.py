"""Text on the returned live video: the engine draws it, the app words it.

:class:`FrameText` is what the app hands the engine (``ui.views.live_words``): the
readout after a processed frame, and the lines on a frame returned bare (the server is
busy, detection failed). Without one the engine draws no text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import cv2
import numpy as np

from ..motion import MotionConfig, MotionState
from .stats import StreamStats


class FrameText(Protocol):
    """The words on the returned video. Called on the frame worker thread, once per
    frame: return at once, touch no session state."""

    def readout(
        self, stats: StreamStats, motion: MotionState | None, config: MotionConfig | None
    ) -> Sequence[str]:
        """After a processed frame: the stream's counters, and the motion analysis'
        (``motion`` and ``config`` None when none runs)."""
        ...

    def busy(self) -> Sequence[str]:
        """On a frame returned bare because every live-stream slot is taken."""
        ...

    def failed(self) -> Sequence[str]:
        """On a frame returned bare because detection failed (the page says why)."""
        ...


def draw_readout(rgb_frame: np.ndarray, lines: Sequence[str]) -> None:
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
