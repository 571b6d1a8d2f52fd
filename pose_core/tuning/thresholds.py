"""The thresholds the lab sweeps, and the grid values it sweeps them over.

"Detection" is the threshold of the person detector in use: MediaPipe's
``min_pose_detection_confidence``, or ``min_person_confidence`` for MoveNet and NanoDet
(each on its own scale); "presence" is the landmark model's, whoever found the people.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..settings import PERSON_DETECTOR_LABELS, DetectorSettings, PersonDetectorName

Parameter = Literal["detection", "presence"]
PARAMETERS: tuple[Parameter, ...] = ("detection", "presence")

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


@dataclasses.dataclass(frozen=True)
class SweptThreshold:
    """One threshold a sweep moves, and where on it to look.

    Attributes:
        parameter: "detection" (the person detector's threshold) or "presence".
        field: The :class:`~pose_core.settings.DetectorSettings` field it sets.
        label: What users read: the settings panel's name for it.
        short: A short name for running text ("detection", "person confidence").
        fine: Values added to every grid below its first step: where a detector whose
            scores run low already tells people from the rest.
    """

    parameter: Parameter
    field: str
    label: str
    short: str
    fine: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.field not in {f.name for f in dataclasses.fields(DetectorSettings)}:
            raise ValueError(f"{self.field!r} is not a DetectorSettings field")
        if any(not 0.0 <= value <= 1.0 for value in self.fine):
            raise ValueError("fine values must lie in [0, 1]")

    def grid(self, step: float = COARSE_STEP) -> tuple[float, ...]:
        """:func:`threshold_grid` of ``step`` with the :attr:`fine` values, ascending."""
        return tuple(sorted({*threshold_grid(step), *(round(v, 6) for v in self.fine)}))

    def of(self, settings: DetectorSettings) -> float:
        """This threshold's value in ``settings``."""
        return float(getattr(settings, self.field))

    @property
    def in_text(self) -> str:
        """The label inside a sentence or title ("People found vs. min. person ...")."""
        return self.label[:1].lower() + self.label[1:]


PRESENCE_THRESHOLD = SweptThreshold(
    "presence", "min_pose_presence_confidence", "Min. pose presence confidence", "presence"
)
# Per person detector, the threshold the detection sweep moves. MoveNet's scores run
# low (measured on the test photos: people 0.09 to 0.67, everything else below 0.05;
# its default is 0.05), so its grids also hold 0.02 and 0.05. NanoDet's and MediaPipe's
# spread over the whole range (NanoDet: people 0.4 to 0.9, a cat 0.56), as the plain
# grid does.
DETECTION_THRESHOLDS: dict[PersonDetectorName, SweptThreshold] = {
    "mediapipe": SweptThreshold(
        "detection", "min_pose_detection_confidence", "Min. pose detection confidence", "detection"
    ),
    "movenet": SweptThreshold(
        "detection",
        "min_person_confidence",
        f"Min. person confidence ({PERSON_DETECTOR_LABELS['movenet']})",
        "person confidence",
        fine=(0.02, 0.05),
    ),
    "nanodet": SweptThreshold(
        "detection",
        "min_person_confidence",
        f"Min. person confidence ({PERSON_DETECTOR_LABELS['nanodet']})",
        "person confidence",
    ),
}


def swept_threshold(parameter: Parameter, detector: PersonDetectorName) -> SweptThreshold:
    """The threshold a ``parameter`` sweep moves when ``detector`` finds the people."""
    return DETECTION_THRESHOLDS[detector] if parameter == "detection" else PRESENCE_THRESHOLD


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
