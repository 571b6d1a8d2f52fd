"""The words the live engine draws on the returned video (its
:class:`~pose_core.live.FrameText`): the readout after each processed frame, and why a
frame comes back bare. No Streamlit: the frame worker thread calls these, once per
frame."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pose_core.live import StreamStats
from pose_core.motion import MotionConfig, MotionState

BUSY_LINES = ("Server busy: every live stream", "slot is taken; waiting for one")
FAILED_LINES = ("Pose detection failed", "see the page for details")


def readout_lines(stats: StreamStats) -> list[str]:
    """Processed fps, inference time, people, frame count and model."""
    people = f"{stats.people} {'person' if stats.people == 1 else 'people'}"
    return [
        f"{stats.fps:4.1f} fps  {stats.inference_ms:3.0f} ms  {people}",
        f"frames {stats.frames}  model {stats.model}",
    ]


def motion_lines(config: MotionConfig, state: MotionState) -> list[str]:
    """The motion readout (empty when nothing is asked)."""
    lines = []
    if config.reps is not None or config.sequence:
        lines.append(f"reps {state.count}  {state.phase}".rstrip())
    if config.classifier is not None and config.classifier.ready:
        lines.append(f"pose {state.label}" if state.label else "pose ?")
    if config.reference is not None:
        score = state.match.score if state.match is not None else math.nan
        lines.append(f"match {score:.0f}" if math.isfinite(score) else "match -")
    return lines


class LiveWords:
    """The app's :class:`~pose_core.live.FrameText`."""

    def readout(
        self, stats: StreamStats, motion: MotionState | None, config: MotionConfig | None
    ) -> Sequence[str]:
        lines = readout_lines(stats)
        if motion is not None and config is not None:
            lines += motion_lines(config, motion)
        return lines

    def busy(self) -> Sequence[str]:
        return BUSY_LINES

    def failed(self) -> Sequence[str]:
        return FAILED_LINES


LIVE_WORDS = LiveWords()
