"""The two confidence thresholds the lab sweeps, and the grid values it sweeps them over."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

Parameter = Literal["detection", "presence"]
PARAMETERS: tuple[Parameter, ...] = ("detection", "presence")
# The DetectorSettings field each parameter sets.
PARAMETER_FIELDS: dict[Parameter, str] = {
    "detection": "min_pose_detection_confidence",
    "presence": "min_pose_presence_confidence",
}
PARAMETER_LABELS: dict[Parameter, str] = {
    "detection": "Min. pose detection confidence",
    "presence": "Min. pose presence confidence",
}

# The settings panel's sliders move in steps of 0.05: the derived presence sweep covers
# every value they can take. Detection runs the model per value, so coarser by default.
SLIDER_STEP = 0.05
COARSE_STEP = 0.1


def threshold_grid(step: float = SLIDER_STEP) -> tuple[float, ...]:
    """Thresholds from 0 to 1 inclusive, ``step`` apart (``step`` must divide 1).

    Raises:
        ValueError: ``step`` is not in (0, 1] or does not divide 1.
    """
    if not 0 < step <= 1:
        raise ValueError(f"step must be in (0, 1], not {step!r}")
    count = round(1 / step)
    if not math.isclose(count * step, 1.0, abs_tol=1e-9):
        raise ValueError(f"step must divide 1 evenly, not {step!r}")
    # Rounded so grid values equal the slider's values exactly (0.15, not 0.1500000002).
    return tuple(round(i / count, 6) for i in range(count + 1))


THRESHOLD_GRID = threshold_grid(SLIDER_STEP)


def at_threshold(per_image: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The rows of the grid value nearest ``threshold`` (one per image)."""
    if per_image.empty:
        return per_image
    values = np.sort(per_image["threshold"].unique())
    nearest = values[np.argmin(np.abs(values - threshold))]
    rows: pd.DataFrame = per_image[per_image["threshold"] == nearest].reset_index(drop=True)
    return rows


def is_non_increasing(values: Sequence[float]) -> bool:
    """Whether ``values`` never rise (what counts must do as a threshold rises)."""
    array = np.asarray(values, dtype=np.float64)
    return bool(np.all(np.diff(array) <= 0))
