"""Threshold sweeps: people found per image over the detection or presence threshold.

"Detection" is the threshold of the person detector in use (:mod:`.thresholds`). The
presence sweep is derived from a few runs per image by bisection (the presence gate is
nested for every person detector, :mod:`.bisection`); the detection sweep runs the
model at every grid value, because a lower detection threshold moves the landmarks or
lets another reading of a person win (see the package notes). Both go through a
:class:`~.runs.Runner`, so every run is cached by (image, settings).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..results import PersonPose
from ..settings import DetectorSettings
from ._tables import columns_of, records_table
from .bisection import bracket_levels, identify_poses
from .images import TuningImage
from .runs import ProgressFn, Runner, lab_settings, mean_visibility, progress_counter
from .thresholds import (
    COARSE_STEP,
    PRESENCE_THRESHOLD,
    THRESHOLD_GRID,
    Parameter,
    SweptThreshold,
    at_threshold,
    swept_threshold,
)
from .visibility import Survival


@dataclasses.dataclass(frozen=True)
class SweepPoint:
    """One image at one threshold value.

    Attributes:
        image: The image's key.
        label: The image's label.
        threshold: The swept threshold's value.
        people: People found.
        mean_visibility: Mean visibility of their landmarks (NaN with nobody).
        derived: Worked out from other runs (presence sweep), not run at this value.
    """

    image: str
    label: str
    threshold: float
    people: int
    mean_visibility: float
    derived: bool


SWEEP_COLUMNS = columns_of(SweepPoint)
SUMMARY_COLUMNS = ["threshold", "people", "images_with_people", "images", "mean_visibility"]


@dataclasses.dataclass(frozen=True)
class Flip:
    """An image switching between "person" and "no person" between two grid values.

    Attributes:
        image: The image's key.
        label: The image's label.
        from_threshold: The lower of the two neighbouring grid values.
        to_threshold: The higher one.
        change: "person → no person" or "no person → person".
    """

    image: str
    label: str
    from_threshold: float
    to_threshold: float
    change: str


FLIP_COLUMNS = columns_of(Flip)


@dataclasses.dataclass(frozen=True)
class SweepCount:
    """The people a sweep found over the whole set at one grid value.

    Attributes:
        threshold: The grid value.
        people: People found in all images.
        images_with_people: Images with at least one person.
        images: Images in the set.
    """

    threshold: float
    people: int
    images_with_people: int
    images: int


@dataclasses.dataclass(frozen=True, eq=False)
class Sweep:
    """One threshold swept over a grid, everything else held.

    Attributes:
        threshold: The threshold swept (which field, its label).
        points: One per image and grid value, image by image in the set's order.
        model_runs: Model calls the sweep made (runs found in the cache excluded).
    """

    threshold: SweptThreshold
    points: tuple[SweepPoint, ...]
    model_runs: int = 0

    @property
    def parameter(self) -> Parameter:
        """ "detection" or "presence"."""
        return self.threshold.parameter

    @property
    def grid(self) -> tuple[float, ...]:
        """The grid values swept, ascending."""
        return tuple(sorted({point.threshold for point in self.points}))

    @property
    def naive_runs(self) -> int:
        """Model calls one run per image and grid value would take."""
        return len(self.points)

    @functools.cached_property
    def table(self) -> pd.DataFrame:
        """The points, one row each (columns :data:`SWEEP_COLUMNS`)."""
        return records_table(self.points, SweepPoint)

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """:func:`summarise_sweep` of the points."""
        return summarise_sweep(self.table)

    @functools.cached_property
    def flips(self) -> pd.DataFrame:
        """:func:`find_flips` of the points."""
        return find_flips(self.table)

    def count_at(self, threshold: float) -> SweepCount | None:
        """The totals at the grid value nearest ``threshold`` (None for an empty sweep)."""
        rows = at_threshold(self.table, threshold)
        if not len(rows):
            return None
        return SweepCount(
            threshold=float(rows["threshold"].iloc[0]),
            people=int(rows["people"].sum()),
            images_with_people=int((rows["people"] > 0).sum()),
            images=len(rows),
        )


@dataclasses.dataclass(frozen=True, eq=False)
class SweepSet:
    """Both sweeps of one image set, and its visibility survival, as the lab shows them.

    Attributes:
        settings: The settings held while each threshold was swept (the variant, the
            person detector, the number of people and the other threshold).
        detection: The detection sweep.
        presence: The presence sweep.
        survival: Visibility survival at ``settings`` themselves.
    """

    settings: DetectorSettings
    detection: Sweep
    presence: Sweep
    survival: Survival

    def sweep(self, parameter: Parameter) -> Sweep:
        return self.detection if parameter == "detection" else self.presence


def _point(
    image: TuningImage, threshold: float, poses: Sequence[PersonPose], derived: bool
) -> SweepPoint:
    return SweepPoint(
        image=image.key,
        label=image.label,
        threshold=float(threshold),
        people=len(poses),
        mean_visibility=mean_visibility(poses),
        derived=derived,
    )


def _ascending(grid: Sequence[float]) -> list[float]:
    values = [float(t) for t in grid]
    if values != sorted(values) or not values:
        raise ValueError("grid must be a non-empty ascending sequence")
    return values


def presence_sweep(
    images: Sequence[TuningImage],
    base: DetectorSettings,
    runner: Runner,
    grid: Sequence[float] = THRESHOLD_GRID,
    progress: ProgressFn | None = None,
) -> Sweep:
    """People found and mean visibility per image over presence thresholds.

    Derived by bisection from nested runs (see the package notes; nested for MediaPipe
    as measured and for MoveNet and NanoDet by construction): exact at every grid value,
    about ``1 + log2(len(grid))`` model runs per image. An image whose runs are not
    nested falls back to one run per threshold (its points have ``derived`` False).

    Args:
        images: The image set.
        base: Variant, person detector, ``num_poses`` and detection threshold to hold
            fixed.
        runner: Runs the model (and caches).
        grid: Presence thresholds, ascending.
        progress: Called with (fraction done, message).
    """
    grid = _ascending(grid)
    before = runner.inferences
    field = PRESENCE_THRESHOLD.field
    settings_at = [lab_settings(base, **{field: t}) for t in grid]
    rounds = 1 + math.ceil(math.log2(len(grid) + 1))
    tick = progress_counter(progress, len(images) * rounds, "Presence sweep")
    floors = runner.run([(image, settings_at[0]) for image in images], tick)
    by_key = {image.key: image for image in images}
    floor_of = {image.key: floor for image, floor in zip(images, floors, strict=True)}

    def probe(requests: list[tuple[str, int]]) -> dict[tuple[str, int], set[int] | None]:
        results = runner.run([(by_key[key], settings_at[k]) for key, k in requests], tick)
        return {
            (key, k): identify_poses(floor_of[key], result)
            for (key, k), result in zip(requests, results, strict=True)
        }

    levels, failed = bracket_levels(
        {image.key: floor.num_poses for image, floor in zip(images, floors, strict=True)},
        len(grid),
        probe,
    )
    points = []
    for image in images:
        if image.key in failed:
            direct = runner.run([(image, s) for s in settings_at], tick)
            points += [_point(image, t, r.poses, False) for t, r in zip(grid, direct, strict=True)]
            continue
        poses = floor_of[image.key].poses
        for k, t in enumerate(grid):
            kept = [p for p, level in zip(poses, levels[image.key], strict=True) if level >= k]
            points.append(_point(image, t, kept, True))
    if progress is not None:
        progress(1.0, "Presence sweep")
    return Sweep(PRESENCE_THRESHOLD, tuple(points), runner.inferences - before)


def detection_sweep(
    images: Sequence[TuningImage],
    base: DetectorSettings,
    runner: Runner,
    grid: Sequence[float] | None = None,
    progress: ProgressFn | None = None,
) -> Sweep:
    """People found and mean visibility per image over the person detector's threshold.

    The threshold of ``base``'s person detector (:func:`.thresholds.swept_threshold`):
    MediaPipe's detection confidence, or MoveNet's or NanoDet's person confidence. Not
    derivable (see the package notes): the model runs once per image and grid value,
    through the runner's cache.

    Args:
        images: The image set.
        base: Variant, person detector, ``num_poses`` and presence threshold to hold
            fixed.
        runner: Runs the model (and caches).
        grid: Thresholds, ascending (default: the detector's grid, every 0.1).
        progress: Called with (fraction done, message).

    Returns:
        The sweep (``derived`` is always False).
    """
    threshold = swept_threshold("detection", base.person_detector)
    grid = _ascending(threshold.grid(COARSE_STEP) if grid is None else grid)
    before = runner.inferences
    requests = [
        (image, lab_settings(base, **{threshold.field: t})) for image in images for t in grid
    ]
    tick = progress_counter(progress, len(requests), "Detection sweep")
    results = runner.run(requests, tick)
    points = [
        _point(image, threshold.of(settings), result.poses, False)
        for (image, settings), result in zip(requests, results, strict=True)
    ]
    if progress is not None:
        progress(1.0, "Detection sweep")
    return Sweep(threshold, tuple(points), runner.inferences - before)


def summarise_sweep(per_image: pd.DataFrame) -> pd.DataFrame:
    """Totals per threshold: people, images with at least one person, mean visibility.

    The mean visibility is over every landmark of every person found (each person has
    33 landmarks, so it weights images by their people).

    Args:
        per_image: A sweep's table (:attr:`Sweep.table`).
    """
    if per_image.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    frame = per_image.assign(
        has_people=per_image["people"] > 0,
        weighted=per_image["mean_visibility"].fillna(0.0) * per_image["people"],
    )
    grouped = frame.groupby("threshold", sort=True)
    summary = pd.DataFrame(
        {
            "people": grouped["people"].sum().astype(int),
            "images_with_people": grouped["has_people"].sum().astype(int),
            "images": grouped["image"].nunique().astype(int),
            "weighted": grouped["weighted"].sum(),
        }
    )
    summary["mean_visibility"] = np.where(
        summary["people"] > 0, summary["weighted"] / summary["people"].replace(0, 1), np.nan
    )
    return summary.drop(columns="weighted").reset_index()[SUMMARY_COLUMNS]


def find_flips(per_image: pd.DataFrame) -> pd.DataFrame:
    """Where an image switches between "person" and "no person" as the threshold rises.

    Args:
        per_image: A sweep's table (:attr:`Sweep.table`).

    Returns:
        One row per :class:`Flip` (columns :data:`FLIP_COLUMNS`).
    """
    flips = []
    for key, frame in per_image.groupby("image", sort=False):
        frame = frame.sort_values("threshold")
        has = (frame["people"] > 0).to_numpy()
        thresholds = frame["threshold"].to_numpy()
        label = frame["label"].iloc[0]
        for i in np.nonzero(has[1:] != has[:-1])[0]:
            flips.append(
                Flip(
                    image=str(key),
                    label=label,
                    from_threshold=float(thresholds[i]),
                    to_threshold=float(thresholds[i + 1]),
                    change="person → no person" if has[i] else "no person → person",
                )
            )
    return records_table(flips, Flip)
