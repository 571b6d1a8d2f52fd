"""Tuning lab maths: threshold sweeps, visibility survival and a lite/full/heavy comparison.

Streamlit-free: pure functions and small classes that return DataFrames, so the app's
Tuning lab page, notebooks and tests compute the same numbers.

What MediaPipe's outputs allow us to derive
-------------------------------------------
Measured with mediapipe 1.2.2 on the seven test photographs (five with people, two
without) at every threshold from 0 to 1 in steps of 0.05; ``tests/test_tuning.py``
re-checks the key facts on every run.

* **Neither score is in the output.** ``PoseLandmarker`` returns per-landmark
  ``visibility`` and ``presence``, but not the person detector's score (compared with
  ``min_pose_detection_confidence``) nor the landmark model's pose-level presence score
  (compared with ``min_pose_presence_confidence``); mediapipe 1.2.2's C API gives no
  way to get the graph's internal streams either. The per-landmark presence is not the
  pose-level score: a coffee-cup "person" (lite, detection 0) with a mean landmark
  presence of 0.998 is dropped at presence 0.70, while a stray pose with a mean
  landmark presence of 0.08 survives up to 0.80. So no sweep can be read off one run.

* **Presence threshold: exactly nested, so derived.** With the image, the variant,
  ``num_poses`` and the detection threshold fixed, the poses found at presence
  threshold ``t`` are the poses of the ``t = 0`` run, bit-identical and in the same
  order, minus those whose hidden presence score is below ``t``: MediaPipe gates each
  pose after the landmark model, and the gate changes nothing upstream. This held on
  all seven photos for lite (``num_poses`` 2 and 5, detection 0.0, 0.2 and 0.5) and
  for full and heavy (``num_poses`` 3, detection 0.0). The lab therefore runs each
  image once at presence 0 and brackets every pose's hidden score between two grid
  values by bisection (:func:`bracket_levels`): each extra run at a midpoint answers
  for every pose of the image at once, about ``log2(len(grid))`` runs (5 for the
  21-value slider grid) when an image's poses drop out together, more when they drop
  out at different values, none for an image with nobody at presence 0. Measured: 48
  runs instead of 126 for six test photos at detection 0 (three poses each); 45 new
  runs instead of 357 for a 17-image set at detection 0.5. The counts and mean
  visibilities at every grid value are exactly those of re-running the model. Any run
  that contradicts nesting makes that image fall back to one run per threshold.

* **Detection threshold: not derivable, so run on a coarse grid and cached.** The pose
  detector keeps candidate boxes scoring at least the threshold, then merges
  overlapping ones by score-weighted non-maximum suppression and keeps the first
  ``num_poses``. A lower threshold blends more low-score boxes into each person's box,
  so the same person's landmarks move (mean over the 33, against detection 0.5): by
  0.3-2 px on the full-body photos and by 7-57 px on the astronaut and cameraman,
  whose legs are out of frame, between detection 0.0 and 0.9. Poses found at
  one threshold are not a subset of those at a lower one, so the lab runs the model at
  each grid value (0.1 apart by default) and caches every run by (image, settings).
  Because the higher-scoring boxes lead the same merged clusters whatever the
  threshold, the number of detector boxes cannot rise with the threshold; but the
  number of people (after the presence gate, on moved boxes) can: it fell
  monotonically on every test photo, yet on the frame at 7.9 s of OpenCV's
  ``vtest.avi`` the lite model finds 0, 0, 1, 0 people at detection 0.0, 0.05, 0.1,
  0.2 (heavy: 1, 1, 0, 0).

* **The person detector is the same model in all three bundles** (the
  ``pose_detector.tflite`` inside the lite, full and heavy ``.task`` files is
  byte-identical); only the landmark model differs. So which boxes the detector keeps
  does not depend on the variant, and on an image with nobody in it every variant costs
  the same: the comparison reports the median time over images with people too.

* At presence 1.0 nothing is ever found, and at the default detection threshold (0.5)
  every pose that passed the detector on the test photos had a presence score above
  0.95: the presence threshold only matters once the detection threshold is low.

The model comparison runs one variant after the other, each with a warm-up call first
(MediaPipe's first call allocates), and takes each variant's median over at least
:data:`MIN_TIMED_CALLS` calls; see :func:`time_variants` for why not interleaved.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import tempfile
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import pandas as pd

from ..detector import ImageDetector
from ..landmarks import BODY_PARTS, LANDMARK_NAMES, NUM_LANDMARKS
from ..results import PoseResult
from ..settings import MODEL_VARIANTS, DetectorSettings

Parameter = Literal["detection", "presence"]
PARAMETERS: tuple[Parameter, ...] = ("detection", "presence")
PARAMETER_FIELDS: dict[str, str] = {
    "detection": "min_pose_detection_confidence",
    "presence": "min_pose_presence_confidence",
}
PARAMETER_LABELS: dict[str, str] = {
    "detection": "Min. pose detection confidence",
    "presence": "Min. pose presence confidence",
}

# The settings panel's sliders move in steps of 0.05: the derived presence sweep covers
# every value they can take. Detection runs the model per value, so coarser by default.
SLIDER_STEP = 0.05
COARSE_STEP = 0.1
# Images are analysed at most this long on their longer side. MediaPipe looks at 224 and
# 256 pixel crops, so this changes nothing it sees, and bounds memory for large sets.
LAB_MAX_SIDE = 1600
# Landmark arrays this close are the same pose (nested runs are bit-identical).
SAME_POSE_ATOL = 1e-6
# Timed calls per variant (after the warm-up); few images are cycled to reach it.
MIN_TIMED_CALLS = 6
# People of two variants are the same person if their mean landmark distance is below
# this fraction of the reference person's size (landmark bounding-box diagonal).
MATCH_GATE = 0.5
# Landmarks at or above this reference visibility count as "visible" in the agreement.
AGREEMENT_VISIBILITY = 0.5
REFERENCE_VARIANT = "heavy"
VARIANT_NAMES = {"lite": "Lite", "full": "Full", "heavy": "Heavy"}

PART_OF_LANDMARK: dict[int, str] = {i: part for part, ids in BODY_PARTS.items() for i in ids}

ProgressFn = Callable[[float, str], None]


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


# ---- the image set ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class TuningImage:
    """One image of the lab's set.

    Attributes:
        key: Content hash of the pixels: equal pixels share cached runs whatever the
            file was called.
        label: What users call it (file name, sample title, "clip.mp4 @ 2.0 s"). User
            text: escape it before rendering as Markdown or HTML.
        rgb_image: H x W x 3 uint8 RGB, at most :data:`LAB_MAX_SIDE` on its longer side.
        source: "sample", "upload" or "video".
    """

    key: str
    label: str
    rgb_image: np.ndarray
    source: str = "upload"

    @property
    def width(self) -> int:
        return int(self.rgb_image.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb_image.shape[0])


def image_key(rgb_image: np.ndarray) -> str:
    """A content hash of an image's pixels and shape (24 hex digits)."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(repr(rgb_image.shape).encode())
    digest.update(np.ascontiguousarray(rgb_image).tobytes())
    return digest.hexdigest()


def make_image(
    label: str, rgb_image: np.ndarray, source: str = "upload", *, max_side: int = LAB_MAX_SIDE
) -> TuningImage:
    """Wrap an RGB image for the lab, downscaled to at most ``max_side`` on its long side."""
    height, width = rgb_image.shape[:2]
    if max(height, width) > max_side:
        scale = max_side / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        rgb_image = cv2.resize(rgb_image, size, interpolation=cv2.INTER_AREA)
    rgb_image = np.ascontiguousarray(rgb_image, dtype=np.uint8)
    rgb_image.flags.writeable = False  # shared by cached runs and overlays
    return TuningImage(image_key(rgb_image), label, rgb_image, source)


def unique_labels(labels: Iterable[str]) -> list[str]:
    """The labels with repeats numbered ("a.jpg", "a.jpg (2)"), so charts keep them apart."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def image_set_key(images: Sequence[TuningImage]) -> str:
    """A hash of the set: its images' contents and labels, in order."""
    digest = hashlib.blake2b(digest_size=12)
    for image in images:
        digest.update(image.key.encode())
        digest.update(b"\0" + image.label.encode("utf-8", "replace") + b"\0")
    return digest.hexdigest()


def sample_video_frames(
    path: str | Path, count: int = 10, *, max_side: int = LAB_MAX_SIDE
) -> list[tuple[float, np.ndarray]]:
    """About ``count`` frames spread evenly over a video, as (time in s, RGB frame).

    Uses :func:`pose_core.video.iter_frames` (PyAV; upright, scaled to ``max_side``).

    Raises:
        pose_core.video.VideoDecodeError: The file is not a readable video; its message
            is for users.
    """
    from ..video import iter_frames, probe_video  # PyAV loads only when a video is used

    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    info = probe_video(path)
    stride = max(1, info.frame_count // count)
    frames = []
    for frame in iter_frames(path, stride=stride, max_side=max_side, info=info):
        frames.append((frame.time_s, frame.rgb_frame))
        if len(frames) == count:
            break
    return frames


def sample_video_bytes(
    data: bytes, count: int = 10, *, suffix: str = ".mp4", max_side: int = LAB_MAX_SIDE
) -> list[tuple[float, np.ndarray]]:
    """:func:`sample_video_frames` for an uploaded file's bytes.

    PyAV reads files, so the bytes go to a private temporary file that is deleted as
    soon as the frames are decoded.
    """
    with tempfile.TemporaryDirectory(prefix="posescope-tuning-") as folder:
        path = Path(folder) / f"video{suffix}"
        path.write_bytes(data)
        return sample_video_frames(path, count, max_side=max_side)


# ---- running the model ---------------------------------------------------------------


def lab_settings(base: DetectorSettings, **changes: object) -> DetectorSettings:
    """The settings a lab run uses: ``base`` with ``changes``, no masks, default tracking.

    Masks cost time and change no count; tracking is unused on still images. Pinning
    both makes equal runs share one cache entry.
    """
    return base.replace(
        output_segmentation_masks=False,
        min_tracking_confidence=DetectorSettings().min_tracking_confidence,
        **changes,
    )


class RunCache:
    """Model results by (image key, settings), oldest dropped beyond ``max_entries``.

    Results without masks are small (a few KB), so thousands fit in a session.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._results: dict[tuple[str, DetectorSettings], PoseResult] = {}

    def get(self, key: str, settings: DetectorSettings) -> PoseResult | None:
        return self._results.get((key, settings))

    def put(self, key: str, settings: DetectorSettings, result: PoseResult) -> None:
        self._results[(key, settings)] = result
        while len(self._results) > self.max_entries:
            self._results.pop(next(iter(self._results)))  # dicts keep insertion order

    def __len__(self) -> int:
        return len(self._results)

    def __contains__(self, item: tuple[str, DetectorSettings]) -> bool:
        return item in self._results


DetectorFactory = Callable[[DetectorSettings], ImageDetector]


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
                    image = requests[i][0]
                    found = self.cache.get(image.key, settings)  # the same image twice
                    if found is None:
                        found = detector.detect(image.rgb_image)
                        self.inferences += 1
                        self.cache.put(image.key, settings, found)
                        if on_call is not None:
                            on_call()
                    results[i] = found
        return results  # type: ignore[return-value]


# ---- the sweep maths -------------------------------------------------------------------


class NestingError(ValueError):
    """A run contradicts the nesting that derivation relies on."""


def bracket_levels(
    floor_counts: Mapping[Hashable, int],
    grid_size: int,
    probe: Callable[[list[tuple[Hashable, int]]], Mapping[tuple[Hashable, int], set[int] | None]],
) -> tuple[dict[Hashable, list[int]], set[Hashable]]:
    """Bisect, for every pose, the highest grid index at which it is still found.

    The model is treated as a black box with nested outputs: item ``i`` (an image) has
    ``floor_counts[i]`` poses at grid index 0, and pose ``p`` is found at index ``k``
    exactly when ``k <= level[p]``. Each round asks ``probe`` about the midpoint of
    every open interval; one probe answers for all poses of an item at once.

    Args:
        floor_counts: Poses found at grid index 0, per item.
        grid_size: Number of grid values; beyond the last one nothing is assumed found.
        probe: Given (item, grid index) requests, returns for each the set of floor-pose
            indices found there, or None when a found pose matches no floor pose.

    Returns:
        ``(levels, failed)``: per item, each floor pose's level (0 to grid_size - 1);
        and the items whose probes contradicted nesting (left out of ``levels``).

    A contradiction is caught when a probe lands where some pose's state is already
    known (or finds a pose that is not in the floor run); bisection cannot notice every
    non-nested model. That MediaPipe's presence gate is nested was checked against
    re-running the model at every threshold (see the module notes and the tests).
    """
    if grid_size < 1:
        raise ValueError("the grid needs at least one value")
    # Per item and pose: found at index lo, not found at hi (grid_size: past the end).
    lo = {item: [0] * n for item, n in floor_counts.items()}
    hi = {item: [grid_size] * n for item, n in floor_counts.items()}
    failed: set[Hashable] = set()
    while True:
        requests = sorted(
            {
                (item, (a + b) // 2)
                for item in lo
                if item not in failed
                for a, b in zip(lo[item], hi[item], strict=True)
                if b - a > 1
            },
            key=lambda r: (r[1], str(r[0])),
        )
        if not requests:
            break
        answers = probe(requests)
        for item, mid in requests:
            if item in failed:
                continue
            found = answers[(item, mid)]
            if found is None:
                failed.add(item)
                continue
            for p in range(len(lo[item])):
                alive = p in found
                # Nesting: found above mid means found at mid; lost below means lost.
                if (lo[item][p] >= mid and not alive) or (hi[item][p] <= mid and alive):
                    failed.add(item)
                    break
                if lo[item][p] < mid < hi[item][p]:
                    if alive:
                        lo[item][p] = mid
                    else:
                        hi[item][p] = mid
            if item not in failed and found - set(range(len(lo[item]))):
                failed.add(item)
    return {item: levels for item, levels in lo.items() if item not in failed}, failed


def identify_poses(floor: PoseResult, result: PoseResult) -> set[int] | None:
    """Which of ``floor``'s poses ``result`` holds (exact landmark match, same order).

    Returns None if a pose of ``result`` is not one of ``floor``'s, or the order differs:
    the runs are not nested.
    """
    found: list[int] = []
    for pose in result.poses:
        match = next(
            (
                i
                for i, candidate in enumerate(floor.poses)
                if np.allclose(
                    candidate.landmarks, pose.landmarks, atol=SAME_POSE_ATOL, equal_nan=True
                )
            ),
            None,
        )
        if match is None:
            return None
        found.append(match)
    if found != sorted(found) or len(set(found)) != len(found):
        return None
    return set(found)


def _mean_visibility(poses: Sequence) -> float:
    if not poses:
        return math.nan
    return float(np.nanmean(np.concatenate([p.visibility for p in poses])))


SWEEP_COLUMNS = ["image", "label", "threshold", "people", "mean_visibility", "derived"]


def _rows(image: TuningImage, threshold: float, poses: Sequence, derived: bool) -> dict:
    return {
        "image": image.key,
        "label": image.label,
        "threshold": float(threshold),
        "people": len(poses),
        "mean_visibility": _mean_visibility(poses),
        "derived": derived,
    }


def _progress_counter(progress: ProgressFn | None, total: int, text: str):
    state = {"done": 0}

    def tick() -> None:
        state["done"] += 1
        if progress is not None:
            progress(min(state["done"] / max(total, 1), 0.99), text)

    return tick


def presence_sweep(
    images: Sequence[TuningImage],
    base: DetectorSettings,
    runner: Runner,
    grid: Sequence[float] = THRESHOLD_GRID,
    progress: ProgressFn | None = None,
) -> pd.DataFrame:
    """People found and mean visibility per image over presence thresholds.

    Derived by bisection from nested runs (see the module notes): exact at every grid
    value, about ``1 + log2(len(grid))`` model runs per image. An image whose runs are
    not nested falls back to one run per threshold (its rows have ``derived`` False).

    Args:
        images: The image set.
        base: Variant, ``num_poses`` and detection threshold to hold fixed.
        runner: Runs the model (and caches).
        grid: Presence thresholds, ascending.
        progress: Called with (fraction done, message).

    Returns:
        One row per image and threshold: image (key), label, threshold, people,
        mean_visibility (NaN with nobody), derived.
    """
    grid = [float(t) for t in grid]
    if grid != sorted(grid) or not grid:
        raise ValueError("grid must be a non-empty ascending sequence")
    field = PARAMETER_FIELDS["presence"]
    settings_at = [lab_settings(base, **{field: t}) for t in grid]
    rounds = 1 + math.ceil(math.log2(len(grid) + 1))
    tick = _progress_counter(progress, len(images) * rounds, "Presence sweep")
    floors = runner.run([(image, settings_at[0]) for image in images], tick)
    by_key = {image.key: image for image in images}
    floor_of = {image.key: floor for image, floor in zip(images, floors, strict=True)}

    def probe(requests: list[tuple[Hashable, int]]) -> dict:
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
    rows = []
    for image in images:
        if image.key in failed:
            direct = runner.run([(image, s) for s in settings_at], tick)
            rows += [_rows(image, t, r.poses, False) for t, r in zip(grid, direct, strict=True)]
            continue
        poses = floor_of[image.key].poses
        for k, t in enumerate(grid):
            kept = [p for p, level in zip(poses, levels[image.key], strict=True) if level >= k]
            rows.append(_rows(image, t, kept, True))
    if progress is not None:
        progress(1.0, "Presence sweep")
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)


def detection_sweep(
    images: Sequence[TuningImage],
    base: DetectorSettings,
    runner: Runner,
    grid: Sequence[float] = threshold_grid(COARSE_STEP),
    progress: ProgressFn | None = None,
) -> pd.DataFrame:
    """People found and mean visibility per image over detection thresholds.

    Not derivable (see the module notes): the model runs once per image and grid value,
    through the runner's cache.

    Args:
        images: The image set.
        base: Variant, ``num_poses`` and presence threshold to hold fixed.
        runner: Runs the model (and caches).
        grid: Detection thresholds, ascending.
        progress: Called with (fraction done, message).

    Returns:
        The same columns as :func:`presence_sweep` (``derived`` is always False).
    """
    grid = [float(t) for t in grid]
    if grid != sorted(grid) or not grid:
        raise ValueError("grid must be a non-empty ascending sequence")
    field = PARAMETER_FIELDS["detection"]
    requests = [(image, lab_settings(base, **{field: t})) for image in images for t in grid]
    tick = _progress_counter(progress, len(requests), "Detection sweep")
    results = runner.run(requests, tick)
    rows = [
        _rows(image, settings.min_pose_detection_confidence, result.poses, False)
        for (image, settings), result in zip(requests, results, strict=True)
    ]
    if progress is not None:
        progress(1.0, "Detection sweep")
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)


SUMMARY_COLUMNS = ["threshold", "people", "images_with_people", "images", "mean_visibility"]


def summarise_sweep(per_image: pd.DataFrame) -> pd.DataFrame:
    """Totals per threshold: people, images with at least one person, mean visibility.

    The mean visibility is over every landmark of every person found (each person has
    33 landmarks, so it weights images by their people).
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


FLIP_COLUMNS = ["image", "label", "from_threshold", "to_threshold", "change"]


def find_flips(per_image: pd.DataFrame) -> pd.DataFrame:
    """Where an image switches between "person" and "no person" as the threshold rises.

    Returns:
        One row per switch: image, label, from_threshold and to_threshold (the two
        neighbouring grid values), change ("person → no person" or the reverse).
    """
    rows = []
    for key, frame in per_image.groupby("image", sort=False):
        frame = frame.sort_values("threshold")
        has = (frame["people"] > 0).to_numpy()
        thresholds = frame["threshold"].to_numpy()
        label = frame["label"].iloc[0]
        for i in np.nonzero(has[1:] != has[:-1])[0]:
            rows.append(
                {
                    "image": key,
                    "label": label,
                    "from_threshold": float(thresholds[i]),
                    "to_threshold": float(thresholds[i + 1]),
                    "change": "person → no person" if has[i] else "no person → person",
                }
            )
    return pd.DataFrame(rows, columns=FLIP_COLUMNS)


def at_threshold(per_image: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The rows of the grid value nearest ``threshold`` (one per image)."""
    if per_image.empty:
        return per_image
    values = np.sort(per_image["threshold"].unique())
    nearest = values[np.argmin(np.abs(values - threshold))]
    return per_image[per_image["threshold"] == nearest].reset_index(drop=True)


def is_non_increasing(values: Sequence[float]) -> bool:
    """Whether ``values`` never rise (what counts must do as a threshold rises)."""
    array = np.asarray(values, dtype=np.float64)
    return bool(np.all(np.diff(array) <= 0))


# ---- visibility ------------------------------------------------------------------------

BODY_PART_LABELS: dict[str, str] = {
    "face": "Face",
    "arms": "Arms",
    "hands": "Hands",
    "hips_legs": "Hips and legs",
    "feet": "Feet",
    "all": "All landmarks",
}
SURVIVAL_COLUMNS = ["body_part", "threshold", "kept", "total", "fraction"]


def visibility_survival(
    results: Iterable[PoseResult], grid: Sequence[float] = THRESHOLD_GRID
) -> pd.DataFrame:
    """How many landmarks reach each visibility threshold, per body part.

    A landmark survives threshold ``t`` if its visibility is at least ``t`` (the
    drawing dims the others), so every curve falls from 100 % at 0.

    Returns:
        One row per body part (``BODY_PARTS`` plus "all") and threshold: kept, total
        (landmarks of that part over every person found) and fraction (NaN if no
        person was found).
    """
    poses = [pose for result in results for pose in result.poses]
    visibility = (
        np.stack([pose.visibility for pose in poses])
        if poses
        else np.zeros((0, NUM_LANDMARKS), dtype=np.float32)
    )
    parts = {**BODY_PARTS, "all": tuple(range(NUM_LANDMARKS))}
    rows = []
    for part, indices in parts.items():
        values = visibility[:, list(indices)].ravel()
        total = int(values.size)
        for t in grid:
            kept = int(np.count_nonzero(values >= t))
            rows.append(
                {
                    "body_part": part,
                    "threshold": float(t),
                    "kept": kept,
                    "total": total,
                    "fraction": kept / total if total else math.nan,
                }
            )
    return pd.DataFrame(rows, columns=SURVIVAL_COLUMNS)


# ---- model comparison ------------------------------------------------------------------


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

    variant: str
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
        """Median time of the calls that found someone (NaN if none did).

        Without a person only the person detector runs, and it is the same model in all
        three bundles; the variants differ in the landmark model, which runs per person.
        """
        times = [t for t, n in zip(self.times_ms, self.people, strict=True) if n > 0]
        return float(np.median(times)) if times else math.nan


def time_variants(
    images: Sequence[TuningImage],
    base: DetectorSettings,
    variants: Sequence[str] = MODEL_VARIANTS,
    *,
    min_timed_calls: int = MIN_TIMED_CALLS,
    cache: RunCache | None = None,
    detector_factory: DetectorFactory = ImageDetector,
    progress: ProgressFn | None = None,
) -> dict[str, VariantRuns]:
    """Run every variant on every image, timing the calls on this machine.

    One variant at a time: a fresh landmarker, one warm-up call (MediaPipe allocates
    on the first), then the images in order, cycling through the set until at least
    ``min_timed_calls`` calls are timed. Not interleaved on purpose: switching models
    call by call measured full and heavy about twice as slow as running each on its own
    (their weights and thread pools go cold between calls), which is not how the app
    uses them. The first pass's results are kept (and put in ``cache``); inference is
    deterministic, so later passes only add timings.

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
    if not images:
        raise ValueError("the image set is empty")
    passes = max(1, math.ceil(min_timed_calls / len(images)))
    total = len(variants) * (1 + passes * len(images))
    done = 0

    def step(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(done / total, 0.99), label)

    runs: dict[str, VariantRuns] = {}
    for variant in variants:
        settings = lab_settings(base, model_variant=variant)
        label = f"Timing {VARIANT_NAMES.get(variant, variant)}"
        results: list[PoseResult] = []
        times: list[float] = []
        people: list[int] = []
        with detector_factory(settings) as detector:
            detector.detect(images[0].rgb_image)  # warm-up, not timed
            step(label)
            for pass_index in range(passes):
                for image in images:
                    result = detector.detect(image.rgb_image)
                    times.append(result.inference_ms)
                    people.append(result.num_poses)
                    if pass_index == 0:
                        results.append(result)
                        if cache is not None:
                            cache.put(image.key, settings, result)
                    step(label)
        runs[variant] = VariantRuns(variant, settings, tuple(results), tuple(times), tuple(people))
    if progress is not None:
        progress(1.0, "Timing done")
    return runs


def _person_size(pixels: np.ndarray) -> float:
    finite = pixels[np.isfinite(pixels).all(axis=1)]
    if len(finite) < 2:
        return math.nan
    return float(np.linalg.norm(finite.max(axis=0) - finite.min(axis=0)))


def landmark_distances(
    reference: PoseResult, ref_person: int, other: PoseResult, other_person: int
) -> np.ndarray:
    """Per-landmark pixel distance between two people of the same image, (33,) float64."""
    ref = reference.poses[ref_person].pixel_xy(reference.image_width, reference.image_height)
    oth = other.poses[other_person].pixel_xy(other.image_width, other.image_height)
    return np.linalg.norm(ref - oth, axis=1)


def match_people(
    reference: PoseResult, other: PoseResult, gate: float = MATCH_GATE
) -> list[tuple[int, int, float]]:
    """Pair the people of two results for the same image, closest first.

    Greedy on the mean landmark distance in pixels; a pair is accepted only below
    ``gate`` times the reference person's size, so two different people are never
    compared.

    Returns:
        ``(reference person, other person, mean pixel distance)`` per pair.
    """
    candidates = []
    for i, ref_pose in enumerate(reference.poses):
        size = _person_size(ref_pose.pixel_xy(reference.image_width, reference.image_height))
        for j in range(other.num_poses):
            distance = float(np.nanmean(landmark_distances(reference, i, other, j)))
            if math.isfinite(distance) and distance <= gate * size:
                candidates.append((distance, i, j))
    pairs, used_ref, used_other = [], set(), set()
    for distance, i, j in sorted(candidates):
        if i not in used_ref and j not in used_other:
            pairs.append((i, j, distance))
            used_ref.add(i)
            used_other.add(j)
    return sorted(pairs)


@dataclasses.dataclass(frozen=True, eq=False)
class Comparison:
    """The lite/full/heavy comparison of one image set.

    Attributes:
        summary: One row per variant: variant, median_ms (all timed calls),
            median_ms_people (calls that found someone: where the variants differ),
            relative_time (median_ms_people, or median_ms if nobody was found, over the
            reference's), timed_calls, people, images_with_people, mean_visibility,
            matched (people paired with the reference's), unmatched (people found by
            only one of the two), mean_px and mean_px_visible (mean landmark distance
            to the reference in pixels, over all landmarks and over those the
            reference sees).
        per_landmark: One row per compared variant and landmark: variant, index,
            landmark, body_part, mean_px and pairs (over every matched pair),
            mean_px_visible and visible_pairs (over the pairs where the reference's
            landmark is visible: hidden landmarks are guesses that vary a lot).
        per_image: One row per image and variant: image, label, variant, people,
            mean_px (NaN if no pair).
        runs: The runs compared.
        reference: The reference variant.
        images: The images, in the order of each run's results.
    """

    summary: pd.DataFrame
    per_landmark: pd.DataFrame
    per_image: pd.DataFrame
    runs: dict[str, VariantRuns]
    reference: str
    images: tuple[TuningImage, ...] = ()


LANDMARK_DELTA_COLUMNS = [
    "variant", "index", "landmark", "body_part", "mean_px", "pairs", "mean_px_visible",
    "visible_pairs",
]  # fmt: skip


def _typical_ms(runs: VariantRuns) -> float:
    """The time to compare variants by: with people when there were any."""
    with_people = runs.median_ms_people
    return with_people if math.isfinite(with_people) else runs.median_ms


def compare_variants(
    images: Sequence[TuningImage],
    runs: Mapping[str, VariantRuns],
    reference: str = REFERENCE_VARIANT,
) -> Comparison:
    """Agreement of each variant with ``reference`` (heavy) on the same images.

    Raises:
        ValueError: ``reference`` is not among ``runs``.
    """
    if reference not in runs:
        raise ValueError(f"the reference variant {reference!r} was not run")
    ref_runs = runs[reference]
    ref_ms = _typical_ms(ref_runs)
    summary_rows, landmark_rows, image_rows = [], [], []
    for variant, variant_runs in runs.items():
        all_distances, visible_distances, visible_masks = [], [], []
        matched = unmatched = 0
        for image, ref_result, result in zip(
            images, ref_runs.results, variant_runs.results, strict=True
        ):
            pairs = match_people(ref_result, result)
            matched += len(pairs)
            unmatched += ref_result.num_poses + result.num_poses - 2 * len(pairs)
            image_distances = []
            for i, j, _mean in pairs:
                distances = landmark_distances(ref_result, i, result, j)
                all_distances.append(distances)
                seen = ref_result.poses[i].visibility >= AGREEMENT_VISIBILITY
                visible_distances.append(distances[seen])
                visible_masks.append(seen)
                image_distances.append(distances)
            image_rows.append(
                {
                    "image": image.key,
                    "label": image.label,
                    "variant": variant,
                    "people": result.num_poses,
                    "mean_px": float(np.nanmean(np.concatenate(image_distances)))
                    if image_distances
                    else math.nan,
                }
            )
        stacked = np.stack(all_distances) if all_distances else np.zeros((0, NUM_LANDMARKS))
        masks = np.stack(visible_masks) if visible_masks else np.zeros((0, NUM_LANDMARKS), bool)
        visible = np.concatenate(visible_distances) if visible_distances else np.zeros(0)
        people = sum(r.num_poses for r in variant_runs.results)
        summary_rows.append(
            {
                "variant": variant,
                "median_ms": variant_runs.median_ms,
                "median_ms_people": variant_runs.median_ms_people,
                "relative_time": _typical_ms(variant_runs) / ref_ms if ref_ms > 0 else math.nan,
                "timed_calls": len(variant_runs.times_ms),
                "people": people,
                "images_with_people": sum(bool(r.num_poses) for r in variant_runs.results),
                "mean_visibility": _mean_visibility(
                    [p for r in variant_runs.results for p in r.poses]
                ),
                "matched": matched,
                "unmatched": unmatched,
                "mean_px": float(np.nanmean(stacked)) if stacked.size else math.nan,
                "mean_px_visible": float(np.nanmean(visible)) if visible.size else math.nan,
            }
        )
        if variant == reference:
            continue
        for index in range(NUM_LANDMARKS):
            column = stacked[:, index]
            seen = column[masks[:, index]]
            landmark_rows.append(
                {
                    "variant": variant,
                    "index": index,
                    "landmark": LANDMARK_NAMES[index],
                    "body_part": PART_OF_LANDMARK[index],
                    "mean_px": float(np.nanmean(column)) if column.size else math.nan,
                    "pairs": int(column.size),
                    "mean_px_visible": float(np.nanmean(seen)) if seen.size else math.nan,
                    "visible_pairs": int(seen.size),
                }
            )
    return Comparison(
        summary=pd.DataFrame(summary_rows),
        per_landmark=pd.DataFrame(landmark_rows, columns=LANDMARK_DELTA_COLUMNS),
        per_image=pd.DataFrame(
            image_rows, columns=["image", "label", "variant", "people", "mean_px"]
        ),
        runs=dict(runs),
        reference=reference,
        images=tuple(images),
    )
