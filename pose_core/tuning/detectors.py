"""The three person detectors on the lab's images: people found and time per image.

Each detector runs with the sidebar's model variant, number of people and presence
threshold, at its own default confidence (:data:`pose_core.settings.
DEFAULT_PERSON_CONFIDENCE`: their scores are on scales of their own), one after the
other and timed as the variants are (:func:`.timing.run_timed`). MediaPipe's time
counts its whole landmarker call, the top-down ones the person detector and every
landmark read: what a photo costs in the app either way.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

import pandas as pd

from ..detector import ImageDetector
from ..settings import (
    DEFAULT_PERSON_CONFIDENCE,
    PERSON_DETECTOR_LABELS,
    PERSON_DETECTORS,
    DetectorSettings,
    PersonDetectorName,
)
from ._tables import columns_of, records_table
from .images import TuningImage
from .runs import (
    DetectorFactory,
    ProgressFn,
    RunCache,
    lab_settings,
    mean_visibility,
    progress_counter,
)
from .thresholds import swept_threshold
from .timing import MIN_TIMED_CALLS, TimedRuns, run_timed, timing_passes


def detector_settings(base: DetectorSettings, detector: PersonDetectorName) -> DetectorSettings:
    """``base`` (its variant, people and presence) with ``detector`` at its default
    confidence, as a lab run (:func:`.runs.lab_settings`)."""
    field = swept_threshold("detection", detector).field
    return lab_settings(
        base, person_detector=detector, **{field: DEFAULT_PERSON_CONFIDENCE[detector]}
    )


@dataclasses.dataclass(frozen=True)
class DetectorSummary:
    """One person detector over the whole image set.

    Attributes:
        detector: "mediapipe", "movenet" or "nanodet".
        confidence: The confidence it ran at (its default).
        median_ms: Median time per image, over every timed call.
        timed_calls: Calls timed.
        people: People found (first pass).
        images_with_people: Images where it found someone.
        mean_visibility: Mean visibility of their landmarks (NaN with nobody).
    """

    detector: PersonDetectorName
    confidence: float
    median_ms: float
    timed_calls: int
    people: int
    images_with_people: int
    mean_visibility: float

    @property
    def label(self) -> str:
        return PERSON_DETECTOR_LABELS[self.detector]


@dataclasses.dataclass(frozen=True)
class DetectorImage:
    """One person detector on one image.

    Attributes:
        image: The image's key.
        label: The image's label.
        detector: The person detector.
        people: People found.
        median_ms: Median time of its calls on this image (one per pass).
    """

    image: str
    label: str
    detector: PersonDetectorName
    people: int
    median_ms: float


DETECTOR_IMAGE_COLUMNS = columns_of(DetectorImage)


@dataclasses.dataclass(frozen=True, eq=False)
class DetectorComparison:
    """The person detectors compared on one image set.

    Attributes:
        detectors: One summary per detector, in the order run.
        found: One record per image and detector, image by image.
        images: The images, in the order of each run's results.
        runs: Per detector, its results and timed calls.
    """

    detectors: tuple[DetectorSummary, ...]
    found: tuple[DetectorImage, ...]
    images: tuple[TuningImage, ...]
    runs: dict[PersonDetectorName, TimedRuns]

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """:attr:`detectors` as a table, one row each."""
        return records_table(self.detectors, DetectorSummary)

    @functools.cached_property
    def per_image(self) -> pd.DataFrame:
        """:attr:`found` as a table (columns :data:`DETECTOR_IMAGE_COLUMNS`)."""
        return records_table(self.found, DetectorImage)

    def summary_of(self, detector: str) -> DetectorSummary | None:
        """``detector``'s summary (None if it did not run)."""
        return next((s for s in self.detectors if s.detector == detector), None)

    def people(self, detector: str, image_key: str) -> int | None:
        """People ``detector`` found in one image (None if not run on it)."""
        return next(
            (f.people for f in self.found if f.detector == detector and f.image == image_key),
            None,
        )


def compare_detectors(
    images: Sequence[TuningImage],
    base: DetectorSettings,
    detectors: Sequence[PersonDetectorName] = PERSON_DETECTORS,
    *,
    min_timed_calls: int = MIN_TIMED_CALLS,
    cache: RunCache | None = None,
    detector_factory: DetectorFactory = ImageDetector,
    progress: ProgressFn | None = None,
) -> DetectorComparison:
    """Run every person detector on every image, timing the calls on this machine.

    One detector at a time, each with a warm-up call and at least ``min_timed_calls``
    timed calls (cycling through the set), as the variants are timed.

    Args:
        images: The image set (at least one image).
        base: Variant, ``num_poses`` and presence threshold shared by every detector
            (its person detector and confidences are not used).
        detectors: The detectors to run.
        min_timed_calls: Fewest timed calls per detector.
        cache: Where to put the results for later sweeps.
        detector_factory: Creates a detector (tests may count them).
        progress: Called with (fraction done, message).
    """
    passes = timing_passes(images, min_timed_calls)
    total = len(detectors) * (1 + passes * len(images))
    step = progress_counter(progress, total, "")

    runs: dict[PersonDetectorName, TimedRuns] = {}
    summaries: list[DetectorSummary] = []
    found: list[DetectorImage] = []
    for detector in detectors:
        settings = detector_settings(base, detector)
        step.text = f"Timing {PERSON_DETECTOR_LABELS[detector]}"
        timed = run_timed(
            images, settings, passes, cache=cache, detector_factory=detector_factory, on_call=step
        )
        runs[detector] = timed
        summaries.append(
            DetectorSummary(
                detector=detector,
                confidence=swept_threshold("detection", detector).of(settings),
                median_ms=timed.median_ms,
                timed_calls=len(timed.times_ms),
                people=sum(r.num_poses for r in timed.results),
                images_with_people=sum(bool(r.num_poses) for r in timed.results),
                mean_visibility=mean_visibility([p for r in timed.results for p in r.poses]),
            )
        )
    for index, image in enumerate(images):
        for detector, timed in runs.items():
            found.append(
                DetectorImage(
                    image=image.key,
                    label=image.label,
                    detector=detector,
                    people=timed.results[index].num_poses,
                    median_ms=timed.image_median_ms[index],
                )
            )
    if progress is not None:
        progress(1.0, "Timing done")
    return DetectorComparison(tuple(summaries), tuple(found), tuple(images), runs)
