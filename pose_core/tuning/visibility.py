"""Visibility survival: how many landmarks of each body part reach each visibility
threshold, i.e. stay at full strength in the drawings."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..landmarks import BODY_PARTS, NUM_LANDMARKS
from ..results import PoseResult
from ..settings import DetectorSettings
from ._tables import columns_of, records_table
from .images import TuningImage
from .runs import Runner, lab_settings
from .thresholds import THRESHOLD_GRID

ALL_PARTS = "all"
BODY_PART_LABELS: dict[str, str] = {
    "face": "Face",
    "arms": "Arms",
    "hands": "Hands",
    "hips_legs": "Hips and legs",
    "feet": "Feet",
    ALL_PARTS: "All landmarks",
}


@dataclasses.dataclass(frozen=True)
class SurvivalPoint:
    """One body part at one visibility threshold.

    Attributes:
        body_part: A key of ``BODY_PARTS``, or "all".
        threshold: The visibility threshold.
        kept: Landmarks of that part at or above it, over every person found.
        total: Landmarks of that part over every person found.
        fraction: ``kept / total`` (NaN if nobody was found).
    """

    body_part: str
    threshold: float
    kept: int
    total: int
    fraction: float


SURVIVAL_COLUMNS = columns_of(SurvivalPoint)


@dataclasses.dataclass(frozen=True, eq=False)
class Survival:
    """Visibility survival of a set of results.

    Attributes:
        points: One per body part (``BODY_PARTS``, then "all") and threshold.
    """

    points: tuple[SurvivalPoint, ...]

    @functools.cached_property
    def table(self) -> pd.DataFrame:
        """The points, one row each (columns :data:`SURVIVAL_COLUMNS`)."""
        return records_table(self.points, SurvivalPoint)

    @property
    def found_anyone(self) -> bool:
        return any(point.total for point in self.points)

    def at(self, threshold: float, body_part: str = ALL_PARTS) -> SurvivalPoint | None:
        """The point of ``body_part`` at the grid value nearest ``threshold`` (the lower
        one on a tie, as :func:`~.thresholds.at_threshold`)."""
        points = [point for point in self.points if point.body_part == body_part]
        if not points:
            return None
        return min(points, key=lambda point: abs(point.threshold - threshold))

    def fractions(self, thresholds: Sequence[float]) -> pd.DataFrame:
        """Fraction kept per body part (rows, by label) at those of ``thresholds`` on the
        grid (columns)."""
        table = self.table.pivot_table(
            index="body_part", columns="threshold", values="fraction", sort=False
        )
        shown = [t for t in thresholds if t in table.columns]
        return table[shown].rename(index=BODY_PART_LABELS)


def visibility_survival(
    results: Iterable[PoseResult], grid: Sequence[float] = THRESHOLD_GRID
) -> Survival:
    """How many landmarks reach each visibility threshold, per body part.

    A landmark survives threshold ``t`` if its visibility is at least ``t`` (the
    drawing dims the others), so every curve falls from 100 % at 0.
    """
    poses = [pose for result in results for pose in result.poses]
    visibility = (
        np.stack([pose.visibility for pose in poses])
        if poses
        else np.zeros((0, NUM_LANDMARKS), dtype=np.float32)
    )
    parts = {**BODY_PARTS, ALL_PARTS: tuple(range(NUM_LANDMARKS))}
    points = []
    for part, indices in parts.items():
        values = visibility[:, list(indices)].ravel()
        total = int(values.size)
        for t in grid:
            kept = int(np.count_nonzero(values >= t))
            points.append(
                SurvivalPoint(
                    body_part=part,
                    threshold=float(t),
                    kept=kept,
                    total=total,
                    fraction=kept / total if total else math.nan,
                )
            )
    return Survival(tuple(points))


def survival_at(
    images: Sequence[TuningImage], settings: DetectorSettings, runner: Runner
) -> Survival:
    """Visibility survival over every person found in ``images`` at ``settings``.

    One run per image, or none: a sweep held at these settings has usually run them.
    """
    return visibility_survival(runner.run([(image, lab_settings(settings)) for image in images]))
