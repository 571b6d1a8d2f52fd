"""Timing lite, full and heavy (and the person detectors) on the lab's images, on this
machine.

Only the landmark model differs between the three bundles (see the package notes), and
it runs once per person found: the times are also reported over the calls that found
someone, where the variants do differ.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np

from ..detector import ImageDetector
from ..results import PoseResult
from ..settings import MODEL_VARIANT_LABELS, MODEL_VARIANTS, DetectorSettings, ModelVariant
from .images import TuningImage
from .runs import DetectorFactory, ProgressFn, RunCache, lab_settings, progress_counter

# Timed calls per variant (after the warm-up); few images are cycled to reach it.
MIN_TIMED_CALLS = 6


@dataclasses.dataclass(frozen=True, eq=False)
class VariantRuns:
    """One variant's results on the image set and its timed calls.

    Attributes:
        variant: "lite", "full" or "heavy".
        settings: The settings it ran with.
        results: One result per image, in the set's order.
        times_ms: Inference time of every timed call (the warm-up call excluded).
        people: People found in each timed call (0: only the person detector ran).
    """

    variant: ModelVariant
    settings: DetectorSettings
    results: tuple[PoseResult, ...]
    times_ms: tuple[float, ...]
    people: tuple[int, ...] = ()

    @property
    def median_ms(self) -> float:
        """Median time of all timed calls."""
        return float(np.median(self.times_ms)) if self.times_ms else math.nan

    @property
    def median_ms_people(self) -> float:
        """Median time of the calls that found someone (NaN if none did)."""
        times = [t for t, n in zip(self.times_ms, self.people, strict=True) if n > 0]
        return float(np.median(times)) if times else math.nan

    @property
    def typical_ms(self) -> float:
        """The time to compare variants by: with people when there were any."""
        return typical_ms(self.median_ms, self.median_ms_people)


def typical_ms(median_ms: float, median_ms_people: float) -> float:
    """``median_ms_people`` if any call found someone, else ``median_ms``."""
    return median_ms_people if math.isfinite(median_ms_people) else median_ms


@dataclasses.dataclass(frozen=True, eq=False)
class TimedRuns:
    """One settings value's results on the image set and its timed calls.

    Attributes:
        settings: The settings it ran with.
        results: One result per image, in the set's order (from the first pass).
        times_ms: Inference time of every timed call, pass after pass over the images.
        people: People found in each timed call.
    """

    settings: DetectorSettings
    results: tuple[PoseResult, ...]
    times_ms: tuple[float, ...]
    people: tuple[int, ...]

    @property
    def median_ms(self) -> float:
        """Median time of all timed calls (NaN with none)."""
        return float(np.median(self.times_ms)) if self.times_ms else math.nan

    @property
    def image_median_ms(self) -> tuple[float, ...]:
        """Per image, the median time of its timed calls (one per pass)."""
        count = len(self.results)
        return tuple(
            float(np.median(self.times_ms[i::count])) if self.times_ms[i::count] else math.nan
            for i in range(count)
        )


def timing_passes(images: Sequence[object], min_timed_calls: int) -> int:
    """Passes over ``images`` that time at least ``min_timed_calls`` calls."""
    if not images:
        raise ValueError("the image set is empty")
    return max(1, math.ceil(min_timed_calls / len(images)))


def run_timed(
    images: Sequence[TuningImage],
    settings: DetectorSettings,
    passes: int,
    *,
    cache: RunCache | None = None,
    detector_factory: DetectorFactory = ImageDetector,
    on_call: Callable[[], None] | None = None,
) -> TimedRuns:
    """Run ``settings`` on every image ``passes`` times, timing each call.

    A fresh detector, one warm-up call on the first image (not timed: MediaPipe and
    onnxruntime allocate on the first), then the images in order, pass after pass. The
    first pass's results are kept (and put in ``cache``); inference is deterministic, so
    later passes only add timings.

    Args:
        images: The image set.
        settings: The settings to run (used as given).
        passes: Passes over the set (see :func:`timing_passes`).
        cache: Where to put the results for later sweeps.
        detector_factory: Creates the detector.
        on_call: Called after every call, the warm-up included (for progress bars).
    """
    results: list[PoseResult] = []
    times: list[float] = []
    people: list[int] = []
    with detector_factory(settings) as detector:
        detector.detect(images[0].rgb_image)  # warm-up, not timed
        if on_call is not None:
            on_call()
        for pass_index in range(passes):
            for image in images:
                result = detector.detect(image.rgb_image)
                times.append(result.inference_ms)
                people.append(result.num_poses)
                if pass_index == 0:
                    results.append(result)
                    if cache is not None:
                        cache.put(image.key, settings, result)
                if on_call is not None:
                    on_call()
    return TimedRuns(settings, tuple(results), tuple(times), tuple(people))


def time_variants(
    images: Sequence[TuningImage],
    base: DetectorSettings,
    variants: Sequence[ModelVariant] = MODEL_VARIANTS,
    *,
    min_timed_calls: int = MIN_TIMED_CALLS,
    cache: RunCache | None = None,
    detector_factory: DetectorFactory = ImageDetector,
    progress: ProgressFn | None = None,
) -> dict[ModelVariant, VariantRuns]:
    """Run every variant on every image, timing the calls on this machine.

    One variant at a time (:func:`run_timed`): a fresh landmarker, one warm-up call
    (MediaPipe allocates on the first), then the images in order, cycling through the
    set until at least ``min_timed_calls`` calls are timed. Not interleaved on purpose:
    switching models call by call measured full and heavy about twice as slow as running
    each on its own (their weights and thread pools go cold between calls), which is not
    how the app uses them. The first pass's results are kept (and put in ``cache``).

    Args:
        images: The image set (at least one image).
        base: Thresholds and ``num_poses`` shared by every variant.
        variants: The variants to run.
        min_timed_calls: Fewest timed calls per variant.
        cache: Where to put the results for later sweeps.
        detector_factory: Creates a landmarker (tests may count them).
        progress: Called with (fraction done, message).

    Returns:
        Per variant, its :class:`VariantRuns`.
    """
    passes = timing_passes(images, min_timed_calls)
    total = len(variants) * (1 + passes * len(images))
    step = progress_counter(progress, total, "")

    runs: dict[ModelVariant, VariantRuns] = {}
    for variant in variants:
        settings = lab_settings(base, model_variant=variant)
        step.text = f"Timing {MODEL_VARIANT_LABELS.get(variant, variant)}"
        timed = run_timed(
            images,
            settings,
            passes,
            cache=cache,
            detector_factory=detector_factory,
            on_call=step,
        )
        runs[variant] = VariantRuns(variant, settings, timed.results, timed.times_ms, timed.people)
    if progress is not None:
        progress(1.0, "Timing done")
    return runs
