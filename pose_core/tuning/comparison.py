"""How far lite's and full's landmarks are from heavy's on the same images.

People are paired across variants by landmark distance (a variant may find people the
other misses, in another order), then compared landmark by landmark, in pixels.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..landmarks import BODY_PARTS, LANDMARK_NAMES, NUM_LANDMARKS, person_size
from ..results import PoseResult
from ..settings import ModelVariant
from ._tables import columns_of, records_table
from .images import TuningImage
from .runs import mean_visibility
from .timing import VariantRuns, typical_ms

# People of two variants are the same person if their mean landmark distance is below
# this fraction of the reference person's size (:func:`pose_core.landmarks.person_size`).
MATCH_GATE = 0.5
# Landmarks at or above this reference visibility count as "visible" in the agreement.
AGREEMENT_VISIBILITY = 0.5
REFERENCE_VARIANT: ModelVariant = "heavy"

PART_OF_LANDMARK: dict[int, str] = {i: part for part, ids in BODY_PARTS.items() for i in ids}


@dataclasses.dataclass(frozen=True, order=True)
class PersonMatch:
    """A person of the reference result paired with one of another result.

    Attributes:
        reference: The person's index in the reference result.
        other: The person's index in the other result.
        mean_px: Mean landmark distance between the two, in pixels.
    """

    reference: int
    other: int
    mean_px: float


def landmark_distances(
    reference: PoseResult, ref_person: int, other: PoseResult, other_person: int
) -> np.ndarray:
    """Per-landmark pixel distance between two people of the same image, (33,) float64."""
    ref = reference.poses[ref_person].pixel_xy(reference.image_width, reference.image_height)
    oth = other.poses[other_person].pixel_xy(other.image_width, other.image_height)
    distances: np.ndarray = np.linalg.norm(ref - oth, axis=1)
    return distances


def match_people(
    reference: PoseResult, other: PoseResult, gate: float = MATCH_GATE
) -> list[PersonMatch]:
    """Pair the people of two results for the same image, closest first.

    Greedy on the mean landmark distance in pixels; a pair is accepted only below
    ``gate`` times the reference person's size, so two different people are never
    compared.

    Returns:
        The pairs, by reference person.
    """
    candidates = []
    for i, ref_pose in enumerate(reference.poses):
        size = person_size(ref_pose.pixel_xy(reference.image_width, reference.image_height))
        for j in range(other.num_poses):
            distance = float(np.nanmean(landmark_distances(reference, i, other, j)))
            if math.isfinite(distance) and distance <= gate * size:
                candidates.append((distance, i, j))
    pairs, used_ref, used_other = [], set(), set()
    for distance, i, j in sorted(candidates):
        if i not in used_ref and j not in used_other:
            pairs.append(PersonMatch(i, j, distance))
            used_ref.add(i)
            used_other.add(j)
    return sorted(pairs)


@dataclasses.dataclass(frozen=True)
class VariantSummary:
    """One variant against the reference, over the whole image set.

    Attributes:
        variant: The variant.
        median_ms: Median time of all timed calls.
        median_ms_people: Median time of the calls that found someone (where the
            variants differ; NaN if none did).
        relative_time: :attr:`typical_ms` over the reference's.
        timed_calls: Calls timed.
        people: People found.
        images_with_people: Images where it found someone.
        mean_visibility: Mean visibility of their landmarks.
        matched: People paired with the reference's.
        unmatched: People found by only one of the two.
        mean_px: Mean landmark distance to the reference, in pixels, all landmarks.
        mean_px_visible: The same over the landmarks the reference sees.
    """

    variant: ModelVariant
    median_ms: float
    median_ms_people: float
    relative_time: float
    timed_calls: int
    people: int
    images_with_people: int
    mean_visibility: float
    matched: int
    unmatched: int
    mean_px: float
    mean_px_visible: float

    @property
    def typical_ms(self) -> float:
        """The time to compare variants by: with people when there were any."""
        return typical_ms(self.median_ms, self.median_ms_people)


@dataclasses.dataclass(frozen=True)
class LandmarkDelta:
    """One landmark of a compared variant against the reference, over every pair.

    Attributes:
        variant: The compared variant.
        index: The landmark's index.
        landmark: Its name.
        body_part: Its body part.
        mean_px: Mean distance to the reference over every matched pair (pixels).
        pairs: Matched pairs.
        mean_px_visible: The same over the pairs where the reference's landmark is
            visible (hidden landmarks are guesses that vary a lot).
        visible_pairs: Those pairs.
    """

    variant: ModelVariant
    index: int
    landmark: str
    body_part: str
    mean_px: float
    pairs: int
    mean_px_visible: float
    visible_pairs: int


@dataclasses.dataclass(frozen=True)
class ImageAgreement:
    """One variant on one image.

    Attributes:
        image: The image's key.
        label: The image's label.
        variant: The variant.
        people: People it found.
        mean_px: Mean landmark distance to the reference's matched people (NaN if none).
    """

    image: str
    label: str
    variant: ModelVariant
    people: int
    mean_px: float


LANDMARK_DELTA_COLUMNS = columns_of(LandmarkDelta)


@dataclasses.dataclass(frozen=True, eq=False)
class Comparison:
    """The lite/full/heavy comparison of one image set.

    Attributes:
        variants: One summary per variant, the reference included.
        landmarks: Per compared variant (not the reference), one delta per landmark.
        images: The images, in the order of each run's results.
        agreements: One per image and variant.
        runs: The runs compared.
        reference: The reference variant.
    """

    variants: tuple[VariantSummary, ...]
    landmarks: tuple[LandmarkDelta, ...]
    images: tuple[TuningImage, ...]
    agreements: tuple[ImageAgreement, ...]
    runs: dict[ModelVariant, VariantRuns]
    reference: ModelVariant

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """:attr:`variants` as a table, one row each."""
        return records_table(self.variants, VariantSummary)

    @functools.cached_property
    def per_landmark(self) -> pd.DataFrame:
        """:attr:`landmarks` as a table (columns :data:`LANDMARK_DELTA_COLUMNS`)."""
        return records_table(self.landmarks, LandmarkDelta)

    @functools.cached_property
    def per_image(self) -> pd.DataFrame:
        """:attr:`agreements` as a table, one row each."""
        return records_table(self.agreements, ImageAgreement)

    def distance(self, variant: str, image_key: str) -> float:
        """Mean landmark distance of ``variant`` to the reference on one image (NaN if
        nobody was paired, or the image is not in the set)."""
        for agreement in self.agreements:
            if agreement.variant == variant and agreement.image == image_key:
                return agreement.mean_px
        return math.nan


def compare_variants(
    images: Sequence[TuningImage],
    runs: Mapping[ModelVariant, VariantRuns],
    reference: ModelVariant = REFERENCE_VARIANT,
) -> Comparison:
    """Agreement of each variant with ``reference`` (heavy) on the same images.

    Raises:
        ValueError: ``reference`` is not among ``runs``.
    """
    if reference not in runs:
        raise ValueError(f"the reference variant {reference!r} was not run")
    ref_runs = runs[reference]
    ref_ms = ref_runs.typical_ms
    summaries, deltas, agreements = [], [], []
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
            for pair in pairs:
                distances = landmark_distances(ref_result, pair.reference, result, pair.other)
                all_distances.append(distances)
                seen = ref_result.poses[pair.reference].visibility >= AGREEMENT_VISIBILITY
                visible_distances.append(distances[seen])
                visible_masks.append(seen)
                image_distances.append(distances)
            agreements.append(
                ImageAgreement(
                    image=image.key,
                    label=image.label,
                    variant=variant,
                    people=result.num_poses,
                    mean_px=float(np.nanmean(np.concatenate(image_distances)))
                    if image_distances
                    else math.nan,
                )
            )
        stacked = np.stack(all_distances) if all_distances else np.zeros((0, NUM_LANDMARKS))
        masks = np.stack(visible_masks) if visible_masks else np.zeros((0, NUM_LANDMARKS), bool)
        visible = np.concatenate(visible_distances) if visible_distances else np.zeros(0)
        summaries.append(
            VariantSummary(
                variant=variant,
                median_ms=variant_runs.median_ms,
                median_ms_people=variant_runs.median_ms_people,
                relative_time=variant_runs.typical_ms / ref_ms if ref_ms > 0 else math.nan,
                timed_calls=len(variant_runs.times_ms),
                people=sum(r.num_poses for r in variant_runs.results),
                images_with_people=sum(bool(r.num_poses) for r in variant_runs.results),
                mean_visibility=mean_visibility([p for r in variant_runs.results for p in r.poses]),
                matched=matched,
                unmatched=unmatched,
                mean_px=float(np.nanmean(stacked)) if stacked.size else math.nan,
                mean_px_visible=float(np.nanmean(visible)) if visible.size else math.nan,
            )
        )
        if variant == reference:
            continue
        for index in range(NUM_LANDMARKS):
            column = stacked[:, index]
            seen = column[masks[:, index]]
            deltas.append(
                LandmarkDelta(
                    variant=variant,
                    index=index,
                    landmark=LANDMARK_NAMES[index],
                    body_part=PART_OF_LANDMARK[index],
                    mean_px=float(np.nanmean(column)) if column.size else math.nan,
                    pairs=int(column.size),
                    mean_px_visible=float(np.nanmean(seen)) if seen.size else math.nan,
                    visible_pairs=int(seen.size),
                )
            )
    return Comparison(
        variants=tuple(summaries),
        landmarks=tuple(deltas),
        images=tuple(images),
        agreements=tuple(agreements),
        runs=dict(runs),
        reference=reference,
    )
