"""Counting over a stored clip or recording: the angle curve of one person, counted.

The angles are computed once per result (``angle_table``); a new threshold only reruns
the counter over the stored curve, which takes well under a millisecond per thousand
frames, so a page can recount on every slider move without detecting anything again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .reps import RepConfig, RepResult, count_reps, side_angle


def person_curve(
    angles: pd.DataFrame, person: int, config: RepConfig
) -> tuple[np.ndarray, np.ndarray]:
    """(times, angle) of one person from an ``angle_table``, NaN where unseen."""
    rows = angles[angles["person"] == person]
    degrees = rows[list(config.columns)].to_numpy(dtype=np.float64)
    visibility = rows[[f"{c}_visibility" for c in config.columns]].to_numpy(dtype=np.float64)
    angle, _ = side_angle(config, degrees, visibility)
    return rows["time_s"].to_numpy(dtype=np.float64), angle


def count_person(angles: pd.DataFrame, person: int, config: RepConfig) -> RepResult:
    """Count one person's reps in an ``angle_table``."""
    times, angle = person_curve(angles, person, config)
    return count_reps(times, angle, config)
