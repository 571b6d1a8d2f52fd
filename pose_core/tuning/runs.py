"""Running the model for the lab: one landmarker per settings value, every run cached."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ..bounded import BoundedDict
from ..detector import ImageDetector
from ..results import PersonPose, PoseResult
from ..settings import DetectorSettings
from .images import TuningImage

# Called with (fraction done, message) while a sweep or a comparison runs.
ProgressFn = Callable[[float, str], None]
DetectorFactory = Callable[[DetectorSettings], ImageDetector]
# Results without masks are small (a few KB), so thousands fit in a session.
MAX_CACHED_RUNS = 4096
DEFAULTS = DetectorSettings()


def lab_settings(base: DetectorSettings, **changes: object) -> DetectorSettings:
    """The settings a lab run uses: ``base`` with ``changes``, no masks, default tracking,
    and the person detector's threshold the detector in use ignores at its default.

    Masks cost time and change no count; tracking is unused on still images; MoveNet and
    NanoDet ignore ``min_pose_detection_confidence``, MediaPipe ``min_person_confidence``.
    Pinning all three makes equal runs share one cache entry.
    """
    settings = base.replace(
        output_segmentation_masks=False,
        min_tracking_confidence=DEFAULTS.min_tracking_confidence,
        **changes,
    )
    if settings.person_detector == "mediapipe":
        return settings.replace(min_person_confidence=DEFAULTS.min_person_confidence)
    return settings.replace(min_pose_detection_confidence=DEFAULTS.min_pose_detection_confidence)


class RunCache:
    """Model results by (image key, settings), oldest dropped beyond ``max_entries``."""

    def __init__(self, max_entries: int = MAX_CACHED_RUNS) -> None:
        self._results = BoundedDict[tuple[str, DetectorSettings], PoseResult](max_entries)

    @property
    def max_entries(self) -> int:
        return self._results.max_entries

    def get(self, key: str, settings: DetectorSettings) -> PoseResult | None:
        return self._results.get((key, settings))

    def put(self, key: str, settings: DetectorSettings, result: PoseResult) -> None:
        self._results[(key, settings)] = result

    def __len__(self) -> int:
        return len(self._results)


class Runner:
    """Runs the model on (image, settings) pairs through a :class:`RunCache`.

    Requests are grouped by settings and each group gets one landmarker, closed as soon
    as the group is done: a sweep touches up to 21 settings, which should neither stay
    loaded nor push the app's shared detectors out of their cache.

    Attributes:
        cache: The results, shared with later runs.
        inferences: Model calls made by this runner (cache hits excluded).
        landmarkers: Landmarkers it created.
    """

    def __init__(
        self, cache: RunCache | None = None, detector_factory: DetectorFactory = ImageDetector
    ) -> None:
        self.cache = cache if cache is not None else RunCache()
        self._factory = detector_factory
        self.inferences = 0
        self.landmarkers = 0

    def run(
        self,
        requests: Sequence[tuple[TuningImage, DetectorSettings]],
        on_call: Callable[[], None] | None = None,
    ) -> list[PoseResult]:
        """Results for each (image, settings) request, in order.

        Args:
            requests: Pairs to run; settings are used as given (see :func:`lab_settings`).
            on_call: Called after each model call (for progress bars).
        """
        results: list[PoseResult | None] = [
            self.cache.get(image.key, settings) for image, settings in requests
        ]
        missing: dict[DetectorSettings, list[int]] = {}
        for i, (_image, settings) in enumerate(requests):
            if results[i] is None:
                missing.setdefault(settings, []).append(i)
        for settings, indices in missing.items():
            self.landmarkers += 1
            with self._factory(settings) as detector:
                for i in indices:
                    image, _settings = requests[i]
                    found = self.cache.get(image.key, settings)  # the same image twice
                    if found is None:
                        found = detector.detect(image.rgb_image)
                        self.inferences += 1
                        self.cache.put(image.key, settings, found)
                        if on_call is not None:
                            on_call()
                    results[i] = found
        return results  # type: ignore[return-value]


def mean_visibility(poses: Sequence[PersonPose]) -> float:
    """Mean visibility over every landmark of ``poses`` (NaN with nobody)."""
    if not poses:
        return math.nan
    return float(np.nanmean(np.concatenate([p.visibility for p in poses])))


class ProgressCounter:
    """A callback that reports one more of ``total`` steps done, with ``text`` (which the
    caller may change between steps); never 100 %: the caller says when it is finished."""

    def __init__(self, progress: ProgressFn | None, total: int, text: str) -> None:
        self._progress = progress
        self._total = max(total, 1)
        self._done = 0
        self.text = text

    def __call__(self) -> None:
        self._done += 1
        if self._progress is not None:
            self._progress(min(self._done / self._total, 0.99), self.text)


def progress_counter(progress: ProgressFn | None, total: int, text: str) -> ProgressCounter:
    """A :class:`ProgressCounter` for ``total`` steps."""
    return ProgressCounter(progress, total, text)
