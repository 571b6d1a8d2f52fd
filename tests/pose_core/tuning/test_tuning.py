"""Tuning lab maths: derived presence sweeps against real re-runs (MediaPipe and
MoveNet), detection sweeps of each person detector's threshold, visibility survival,
the person detector comparison, variant matching and comparison, video sampling,
figures.

Real models on the real photographs of tests/fixtures (people and no person). The lite
model wherever the variant does not matter.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pose_core import DetectorSettings, ImageDetector, PersonPose, PoseResult, tuning
from pose_core.landmarks import BODY_PARTS, NUM_LANDMARKS
from pose_core.settings import DEFAULT_PERSON_CONFIDENCE, PERSON_DETECTORS
from pose_core.video import VideoDecodeError
from testkit.fixtures import NO_PERSON_PHOTOS, fixture_path, load_rgb

LITE = DetectorSettings(model_variant="lite", num_poses=3, person_detector="mediapipe")
# Detection 0 lets the detector through junk with low presence scores: the presence
# sweep then has something to find (at 0.5 every pose of these photos scores > 0.95).
LOW_DETECTION = LITE.replace(min_pose_detection_confidence=0.0)
COARSE = tuning.threshold_grid(0.1)
# MoveNet top-down; at confidence 0 every one of its six candidates is read, junk
# included, so the presence threshold has something to drop.
MOVENET = LITE.replace(person_detector="movenet", min_person_confidence=0.05)
LOW_MOVENET = MOVENET.replace(min_person_confidence=0.0)


@pytest.fixture(scope="module")
def images() -> list[tuning.TuningImage]:
    names = ("messi5.jpg", "astronaut.png", "basketball2.png", *NO_PERSON_PHOTOS)
    return [tuning.make_image(name, load_rgb(name)) for name in names]


@pytest.fixture(scope="module")
def cache() -> tuning.RunCache:
    """Model runs shared by this module's tests (inference is deterministic)."""
    return tuning.RunCache()


def _direct(images, base: DetectorSettings, field: str, grid) -> pd.DataFrame:
    """People and mean visibility from running the model at every threshold."""
    rows = []
    for threshold in grid:
        with ImageDetector(tuning.lab_settings(base, **{field: threshold})) as detector:
            for image in images:
                result = detector.detect(image.rgb_image)
                visibility = [p.visibility for p in result.poses]
                rows.append(
                    {
                        "image": image.key,
                        "threshold": threshold,
                        "people": result.num_poses,
                        "mean_visibility": float(np.mean(visibility)) if visibility else math.nan,
                    }
                )
    return pd.DataFrame(rows)


# ---- grid and image set ----------------------------------------------------------------


def test_threshold_grid_holds_the_slider_values_exactly():
    grid = tuning.threshold_grid(0.05)
    assert len(grid) == 21 and grid[0] == 0.0 and grid[-1] == 1.0
    assert 0.15 in grid and 0.7 in grid  # equal to the slider's floats, no drift
    assert tuning.threshold_grid(0.1) == tuple(round(i / 10, 1) for i in range(11))
    for bad in (0.0, 0.3, 1.5):
        with pytest.raises(ValueError):
            tuning.threshold_grid(bad)


def test_each_person_detector_sweeps_its_own_threshold_on_its_own_grid():
    mediapipe, movenet, nanodet = (tuning.DETECTION_THRESHOLDS[d] for d in PERSON_DETECTORS)
    assert mediapipe.field == "min_pose_detection_confidence"
    assert movenet.field == nanodet.field == "min_person_confidence"
    assert movenet.label == "Min. person confidence (MoveNet)"
    assert movenet.in_text == "min. person confidence (MoveNet)"
    assert tuning.swept_threshold("presence", "movenet") is tuning.PRESENCE_THRESHOLD
    assert tuning.swept_threshold("detection", "nanodet") is nanodet
    # MediaPipe's and NanoDet's scores spread over the range: the plain grids.
    assert mediapipe.grid(0.1) == nanodet.grid(0.1) == tuning.threshold_grid(0.1)
    assert nanodet.grid(0.05) == tuning.THRESHOLD_GRID
    # MoveNet's run low: fine values near 0 as well.
    assert movenet.grid(0.1)[:5] == (0.0, 0.02, 0.05, 0.1, 0.2)
    assert len(movenet.grid(0.1)) == 13 and movenet.grid(0.1)[-1] == 1.0
    assert movenet.grid(0.05)[:4] == (0.0, 0.02, 0.05, 0.1) and len(movenet.grid(0.05)) == 22
    for detector in PERSON_DETECTORS:
        threshold = tuning.DETECTION_THRESHOLDS[detector]
        for step in (0.1, 0.05):
            assert DEFAULT_PERSON_CONFIDENCE[detector] in threshold.grid(step)
    settings = DetectorSettings(min_pose_detection_confidence=0.3, min_person_confidence=0.02)
    assert mediapipe.of(settings) == 0.3 and movenet.of(settings) == 0.02
    with pytest.raises(ValueError, match="field"):
        tuning.SweptThreshold("detection", "min_person_score", "x", "x")


def test_lab_settings_pin_the_threshold_the_detector_ignores():
    top_down = tuning.lab_settings(MOVENET.replace(min_pose_detection_confidence=0.9))
    defaults = DetectorSettings()
    assert top_down.min_pose_detection_confidence == defaults.min_pose_detection_confidence
    assert top_down.min_person_confidence == 0.05
    assert top_down == tuning.lab_settings(MOVENET)  # one cache entry either way
    built_in = tuning.lab_settings(LITE.replace(min_person_confidence=0.4))
    assert built_in.min_person_confidence == defaults.min_person_confidence
    assert built_in == tuning.lab_settings(LITE)


def test_images_are_keyed_by_content_and_large_ones_downscaled():
    rgb = load_rgb("camera.png")
    a, b = tuning.make_image("a.png", rgb), tuning.make_image("b.png", rgb.copy())
    assert a.key == b.key  # same pixels, another name
    assert tuning.make_image("c", rgb[:, ::-1]).key != a.key
    assert tuning.image_set_key([a, b]) != tuning.image_set_key([b, a])

    big = np.zeros((3000, 4000, 3), np.uint8)
    image = tuning.make_image("big", big)
    assert (image.width, image.height) == (tuning.LAB_MAX_SIDE, 1200)
    assert not image.rgb_image.flags.writeable
    assert tuning.unique_labels(["x", "y", "x", "x"]) == ["x", "y", "x (2)", "x (3)"]

    frame = tuning.SampledFrame(2.04, rgb)
    many = [a, b, a, *tuning.video_frame_images("clip.mp4", [frame])]
    assert [i.label for i in tuning.image_set(many)] == [
        "a.png",
        "b.png",
        "a.png (2)",
        "clip.mp4 @ 2.0 s",
    ]
    assert [i.label for i in tuning.image_set(many, max_images=2)] == ["a.png", "b.png"]
    assert tuning.source_counts(many) == {"upload": 3, "video": 1}


# ---- the bisection ---------------------------------------------------------------------


def _fake_probe(levels: dict[str, list[int]], calls: list):
    def probe(requests):
        calls.extend(requests)
        return {
            (item, k): {p for p, lv in enumerate(levels[item]) if lv >= k} for item, k in requests
        }

    return probe


@settings(max_examples=200, deadline=None)
@given(
    grid_size=st.integers(1, 25),
    data=st.data(),
)
def test_bracket_levels_recovers_every_level_with_few_probes(grid_size, data):
    hidden = data.draw(
        st.dictionaries(
            st.sampled_from("abcde"),
            st.lists(st.integers(0, grid_size - 1), max_size=6),
            max_size=4,
        )
    )
    calls: list = []
    levels, failed = tuning.bracket_levels(
        {item: len(lv) for item, lv in hidden.items()}, grid_size, _fake_probe(hidden, calls)
    )
    assert levels == hidden and not failed
    for item, item_levels in hidden.items():
        probes = [k for i, k in calls if i == item]
        assert len(probes) == len(set(probes))  # no grid value asked twice
        assert all(0 < k < grid_size for k in probes)  # index 0 is the floor run
        # Bisection: at most log2(grid) probes per pose, shared between poses.
        assert len(probes) <= len(item_levels) * math.ceil(math.log2(grid_size + 1))


def test_bracket_levels_sets_aside_items_whose_runs_are_not_nested():
    def probe(requests):
        answers = {}
        for item, k in requests:
            if item == "good":
                answers[(item, k)] = {0} if k <= 3 else set()
            elif item == "stranger":
                answers[(item, k)] = None  # a pose not in the floor run
            else:  # "flicker": pose 0 found at 5, then lost at 2 (lower): not nested
                answers[(item, k)] = {0} if k % 2 else {1}
        return answers

    levels, failed = tuning.bracket_levels({"good": 1, "stranger": 1, "flicker": 2}, 11, probe)
    assert levels == {"good": [3]}
    assert failed == {"stranger", "flicker"}


def test_identify_poses_needs_an_exact_ordered_subset(images):
    with ImageDetector(tuning.lab_settings(LOW_DETECTION)) as detector:
        floor = detector.detect(images[0].rgb_image)
    assert floor.num_poses >= 2
    subset = PoseResult(floor.poses[1:], floor.image_width, floor.image_height)
    assert tuning.identify_poses(floor, subset) == set(range(1, floor.num_poses))
    reordered = PoseResult(floor.poses[::-1], floor.image_width, floor.image_height)
    assert tuning.identify_poses(floor, reordered) is None
    moved = floor.poses[0].landmarks.copy()
    moved[:, 0] += 1e-3
    other = PoseResult((PersonPose(moved, floor.poses[0].world_landmarks),), floor.image_width, 1)
    assert tuning.identify_poses(floor, other) is None


# ---- sweeps on real photos -------------------------------------------------------------


@pytest.mark.slow
def test_presence_sweep_is_derived_exactly_with_fewer_runs(images, cache):
    runner = tuning.Runner(cache)
    sweep = tuning.presence_sweep(images, LOW_DETECTION, runner, COARSE)
    derived = sweep.table
    direct = _direct(images, LOW_DETECTION, "min_pose_presence_confidence", COARSE)

    assert derived["derived"].all()  # every image's runs were nested
    merged = derived.merge(direct, on=["image", "threshold"], suffixes=("", "_direct"))
    assert len(merged) == len(images) * len(COARSE)
    assert (merged["people"] == merged["people_direct"]).all()
    np.testing.assert_allclose(merged["mean_visibility"], merged["mean_visibility_direct"])
    # Something to derive: counts do change over the range on these photos...
    assert derived.groupby("image")["people"].nunique().max() > 1
    # ...from far fewer model runs than one per threshold and image.
    assert runner.inferences < len(images) * len(COARSE) * 0.7
    assert sweep.model_runs == runner.inferences and sweep.naive_runs == len(images) * len(COARSE)
    # Counts can only fall as the presence threshold rises, and nobody passes 1.0.
    for _, frame in derived.groupby("image"):
        assert tuning.is_non_increasing(frame.sort_values("threshold")["people"])
    assert (derived.loc[derived["threshold"] == 1.0, "people"] == 0).all()


@pytest.mark.slow
def test_detection_sweep_runs_every_threshold_and_caches(images, cache):
    base = LITE.replace(num_poses=2)
    runner = tuning.Runner(cache)
    sweep = tuning.detection_sweep(images, base, runner, COARSE).table
    assert list(sweep.columns) == tuning.SWEEP_COLUMNS
    assert len(sweep) == len(images) * len(COARSE) and not sweep["derived"].any()
    assert runner.inferences <= len(images) * len(COARSE)
    assert runner.landmarkers == len(COARSE)  # one landmarker per threshold, not per image

    again = tuning.Runner(cache)
    pd.testing.assert_frame_equal(tuning.detection_sweep(images, base, again, COARSE).table, sweep)
    assert again.inferences == 0  # all from the cache

    at_default = tuning.at_threshold(sweep, 0.5).set_index("label")["people"]
    assert (at_default[list(NO_PERSON_PHOTOS)] == 0).all()
    assert at_default["messi5.jpg"] == 1 and at_default["basketball2.png"] == 2
    # Falling with the threshold on these photos (not guaranteed in general; see the
    # module notes), and the detector lets junk through on the no-person photos at 0.
    for _, frame in sweep.groupby("image"):
        assert tuning.is_non_increasing(frame.sort_values("threshold")["people"])
    at_zero = tuning.at_threshold(sweep, 0.0).set_index("label")["people"]
    assert at_zero[list(NO_PERSON_PHOTOS)].sum() > 0


@pytest.mark.slow
def test_presence_sweep_is_derived_exactly_for_movenet_too(images, cache):
    # Top-down: the presence gate drops readings before the surest-first pick of
    # distinct people, so the runs are nested by construction (see the package notes);
    # checked here against re-running the engine at every threshold.
    # The footballer and the two photos with nobody (the top-down reads are the slow part).
    three = [images[0], *images[3:]]
    runner = tuning.Runner(cache)
    sweep = tuning.presence_sweep(three, LOW_MOVENET, runner, COARSE)
    derived = sweep.table
    direct = _direct(three, LOW_MOVENET, "min_pose_presence_confidence", COARSE)

    assert derived["derived"].all()
    merged = derived.merge(direct, on=["image", "threshold"], suffixes=("", "_direct"))
    assert len(merged) == len(three) * len(COARSE)
    assert (merged["people"] == merged["people_direct"]).all()
    np.testing.assert_allclose(merged["mean_visibility"], merged["mean_visibility_direct"])
    # MoveNet at 0 lets junk through (the cat, the coffee cup) with low presence scores.
    assert derived.groupby("image")["people"].nunique().max() > 1
    at_zero = tuning.at_threshold(derived, 0.0).set_index("label")["people"]
    assert at_zero[list(NO_PERSON_PHOTOS)].sum() > 0
    assert sweep.model_runs < sweep.naive_runs * 0.7
    for _, frame in derived.groupby("image"):
        assert tuning.is_non_increasing(frame.sort_values("threshold")["people"])


@pytest.mark.slow
def test_detection_sweep_moves_movenets_person_confidence(images, cache):
    runner = tuning.Runner(cache)
    sweep = tuning.detection_sweep(images, MOVENET, runner)
    assert sweep.threshold is tuning.DETECTION_THRESHOLDS["movenet"]
    assert sweep.parameter == "detection"
    assert sweep.grid == sweep.threshold.grid(tuning.COARSE_STEP)
    table = sweep.table
    assert len(table) == len(images) * 13 and not table["derived"].any()
    assert runner.landmarkers <= 13 and sweep.model_runs == runner.inferences
    # Every run held MediaPipe's threshold (unused) and moved MoveNet's.
    for t in sweep.grid:
        settings = tuning.lab_settings(MOVENET, min_person_confidence=t)
        assert all(cache.get(image.key, settings) is not None for image in images)

    at_default = tuning.at_threshold(table, 0.05).set_index("label")["people"]
    assert at_default.to_dict() == {
        "messi5.jpg": 1, "astronaut.png": 1, "basketball2.png": 2,
        "chelsea.png": 0, "coffee.png": 0,
    }  # fmt: skip
    # Junk only below the default; nobody above MoveNet's best score (0.67 here).
    at_zero = tuning.at_threshold(table, 0.0).set_index("label")["people"]
    assert at_zero[list(NO_PERSON_PHOTOS)].sum() > 0
    assert (tuning.at_threshold(table, 0.7)["people"] == 0).all()
    for _, frame in table.groupby("image"):
        assert tuning.is_non_increasing(frame.sort_values("threshold")["people"])

    figure = tuning.figure_sweep_people(sweep, current=0.05)
    assert figure.layout.title.text == "People found vs. min. person confidence (MoveNet)"
    assert figure.layout.xaxis.title.text == "Min. person confidence (MoveNet)"


def test_the_detection_threshold_moves_landmarks_so_it_cannot_be_derived(images, cache):
    astronaut = images[1]
    results = tuning.Runner(cache).run(
        [
            (astronaut, tuning.lab_settings(LITE, min_pose_detection_confidence=t))
            for t in (0.0, 0.5)
        ]
    )
    low, default = results
    nearest = min(
        float(
            np.mean(
                np.linalg.norm(p.pixel_xy(512, 512) - default.poses[0].pixel_xy(512, 512), axis=1)
            )
        )
        for p in low.poses
    )
    assert nearest > 1.0  # the same person, landmarks more than a pixel apart

    # Nor is the count monotone in the detection threshold: on one frame of vtest.avi
    # lowering it from 0.1 to 0.0 loses the one person lite found (up to two people).
    sampled = tuning.sample_video_frames(fixture_path("vtest.avi"), 10)[1]
    frame = tuning.make_image("vtest.avi @ 7.9 s", sampled.rgb_frame, "video")
    two = LITE.replace(num_poses=2)
    counts = tuning.Runner(cache).run(
        [(frame, tuning.lab_settings(two, min_pose_detection_confidence=t)) for t in (0.0, 0.1)]
    )
    assert [r.num_poses for r in counts] == [0, 1]


# ---- summaries -------------------------------------------------------------------------


def test_summary_and_flips_from_a_hand_made_sweep():
    sweep = tuning.Sweep(
        tuning.PRESENCE_THRESHOLD,
        tuple(
            tuning.SweepPoint(*row)
            for row in [
                ("a", "A", 0.0, 2, 0.5, False),
                ("a", "A", 0.5, 1, 0.8, False),
                ("a", "A", 1.0, 0, math.nan, False),
                ("b", "B", 0.0, 0, math.nan, False),
                ("b", "B", 0.5, 1, 0.6, False),
                ("b", "B", 1.0, 0, math.nan, False),
            ]
        ),
    )
    per_image = sweep.table
    assert list(per_image.columns) == tuning.SWEEP_COLUMNS
    summary = tuning.summarise_sweep(per_image)
    assert summary["people"].tolist() == [2, 2, 0]
    assert summary["images_with_people"].tolist() == [1, 2, 0]
    assert summary["images"].tolist() == [2, 2, 2]
    # Weighted by people: (1 x 0.8 + 1 x 0.6) / 2.
    assert summary["mean_visibility"].iloc[1] == pytest.approx(0.7)
    assert math.isnan(summary["mean_visibility"].iloc[2])

    flips = tuning.find_flips(per_image)
    assert flips[["label", "from_threshold", "to_threshold", "change"]].values.tolist() == [
        ["A", 0.5, 1.0, "person → no person"],
        ["B", 0.0, 0.5, "no person → person"],
        ["B", 0.5, 1.0, "person → no person"],
    ]
    assert tuning.at_threshold(per_image, 0.4)["threshold"].unique().tolist() == [0.5]
    assert tuning.summarise_sweep(per_image.iloc[:0]).empty
    # The sweep's own views are the same functions' results.
    pd.testing.assert_frame_equal(sweep.summary, summary)
    pd.testing.assert_frame_equal(sweep.flips, flips)
    assert sweep.count_at(0.4) == tuning.SweepCount(0.5, 2, 2, 2)
    assert sweep.count_at(0.9) == tuning.SweepCount(1.0, 0, 0, 2)
    assert tuning.Sweep(tuning.PRESENCE_THRESHOLD, ()).count_at(0.5) is None


def test_visibility_survival_per_body_part(images, cache):
    results = tuning.Runner(cache).run([(image, tuning.lab_settings(LITE)) for image in images])
    survival = tuning.visibility_survival(results).table
    people = sum(r.num_poses for r in results)
    assert set(survival["body_part"]) == {*BODY_PARTS, "all"}
    for part, frame in survival.groupby("body_part"):
        size = NUM_LANDMARKS if part == "all" else len(BODY_PARTS[part])
        assert (frame["total"] == size * people).all()
        assert frame["fraction"].iloc[0] == 1.0  # everything is at least 0
        assert tuning.is_non_increasing(frame["kept"])
    everything = survival[survival["body_part"] == "all"].set_index("threshold")
    direct = sum(int((p.visibility >= 0.5).sum()) for r in results for p in r.poses)
    assert everything.loc[0.5, "kept"] == direct
    # The astronaut's legs are out of frame: legs survive less than faces.
    at = survival[survival["threshold"] == 0.7].set_index("body_part")["fraction"]
    assert at["hips_legs"] < at["face"]

    typed = tuning.visibility_survival(results)
    assert typed.at(0.52).kept == direct and typed.at(0.52).threshold == 0.5
    assert typed.at(0.7, "hips_legs").fraction == at["hips_legs"]
    table = typed.fractions((0.3, 0.5, 0.33))  # 0.33 is not on the grid
    assert list(table.columns) == [0.3, 0.5] and table.loc["All landmarks", 0.5] == pytest.approx(
        direct / (NUM_LANDMARKS * people)
    )

    empty = tuning.visibility_survival([PoseResult.empty(10, 10)])
    assert not empty.found_anyone
    empty = empty.table
    assert (empty["total"] == 0).all() and empty["fraction"].isna().all()


# ---- model comparison ------------------------------------------------------------------


def _shifted(result: PoseResult, person: int, dx_px: float) -> PersonPose:
    landmarks = result.poses[person].landmarks.copy()
    landmarks[:, 0] += dx_px / result.image_width
    return PersonPose(landmarks, result.poses[person].world_landmarks)


def test_people_are_matched_by_landmark_distance(images, cache):
    pair = tuning.Runner(cache).run([(images[2], tuning.lab_settings(LITE))])[0]
    assert pair.num_poses == 2
    w, h = pair.image_width, pair.image_height
    swapped = PoseResult((_shifted(pair, 1, 6.0), _shifted(pair, 0, 6.0)), w, h)
    matches = tuning.match_people(pair, swapped)
    assert [(m.reference, m.other) for m in matches] == [(0, 1), (1, 0)]
    assert all(m.mean_px == pytest.approx(6.0, abs=1e-3) for m in matches)
    np.testing.assert_allclose(tuning.landmark_distances(pair, 0, swapped, 1), 6.0, atol=1e-3)
    # Someone half an image away is another person, not a bad estimate of this one.
    far = PoseResult((_shifted(pair, 0, w / 2),), w, h)
    assert all(m.reference != 0 for m in tuning.match_people(pair, far))
    assert tuning.match_people(pair, PoseResult.empty(w, h)) == []


class _CountingFactory:
    def __init__(self) -> None:
        self.created: list[DetectorSettings] = []

    def __call__(self, settings: DetectorSettings) -> ImageDetector:
        self.created.append(settings)
        return ImageDetector(settings)


def test_comparing_lite_full_and_heavy(images):
    pair = [images[0], images[3]]  # the footballer and a photo with nobody
    factory = _CountingFactory()
    cache = tuning.RunCache()
    runs = tuning.time_variants(
        pair, LITE.replace(num_poses=2), min_timed_calls=4, cache=cache, detector_factory=factory
    )
    assert [s.model_variant for s in factory.created] == ["lite", "full", "heavy"]
    for variant, variant_runs in runs.items():
        assert len(variant_runs.results) == 2
        assert len(variant_runs.times_ms) == 4  # two passes over two images, warm-up apart
        assert variant_runs.median_ms > 0 and variant_runs.median_ms_people > 0
        assert variant_runs.people == (1, 0, 1, 0)
        assert cache.get(pair[0].key, variant_runs.settings) is variant_runs.results[0]
        assert variant_runs.settings.model_variant == variant

    comparison = tuning.compare_variants(pair, runs)
    summary = comparison.summary.set_index("variant")
    assert list(summary.index) == ["lite", "full", "heavy"]
    assert summary.loc["heavy", "mean_px"] == 0.0 and summary.loc["heavy", "relative_time"] == 1
    for variant in ("lite", "full"):
        assert summary.loc[variant, "matched"] == 1 and summary.loc[variant, "unmatched"] == 0
        # Same footballer, a few pixels apart (measured: about 5 px on visible joints).
        assert 0 < summary.loc[variant, "mean_px_visible"] < 25
    assert (summary["people"] == 1).all() and (summary["images_with_people"] == 1).all()
    assert len(comparison.per_landmark) == 2 * NUM_LANDMARKS
    assert (comparison.per_landmark["pairs"] == 1).all()
    per_image = comparison.per_image.set_index(["label", "variant"])
    assert math.isnan(per_image.loc[("chelsea.png", "lite"), "mean_px"])
    assert math.isnan(comparison.distance("lite", pair[1].key))
    assert (
        comparison.distance("full", pair[0].key) == per_image.loc[("messi5.jpg", "full"), "mean_px"]
    )
    assert [image.key for image in comparison.images] == [image.key for image in pair]
    with pytest.raises(ValueError, match="reference"):
        tuning.compare_variants(pair, {"lite": runs["lite"]})


# ---- person detector comparison ----------------------------------------------------


@pytest.mark.slow
def test_comparing_the_person_detectors():
    names = ("multi/bar55.jpg", "coffee.png")  # a group at a bar, and nobody
    pair = [tuning.make_image(name, load_rgb(name)) for name in names]
    factory = _CountingFactory()
    cache = tuning.RunCache()
    # The sidebar's own detector and confidences play no part: each runs at its default.
    base = LITE.replace(num_poses=4, person_detector="nanodet", min_person_confidence=0.9)
    comparison = tuning.compare_detectors(
        pair, base, min_timed_calls=4, cache=cache, detector_factory=factory
    )
    assert [s.person_detector for s in factory.created] == list(PERSON_DETECTORS)
    for created in factory.created:
        four = LITE.replace(num_poses=4)
        assert created == tuning.detector_settings(four, created.person_detector)
        assert created.model_variant == "lite" and created.num_poses == 4
        assert created.min_pose_presence_confidence == 0.5
    confidences = {s.detector: s.confidence for s in comparison.detectors}
    assert confidences == DEFAULT_PERSON_CONFIDENCE
    assert factory.created[0].min_pose_detection_confidence == 0.5  # MediaPipe's default
    assert factory.created[1].min_person_confidence == 0.05  # MoveNet's

    for detector, runs in comparison.runs.items():
        assert len(runs.results) == 2 and len(runs.times_ms) == 4  # two passes, warm-up apart
        assert runs.median_ms > 0 and all(ms > 0 for ms in runs.image_median_ms)
        assert runs.people[:2] == runs.people[2:]  # deterministic from pass to pass
        assert cache.get(pair[0].key, runs.settings) is runs.results[0]
        assert runs.settings.person_detector == detector

    bar, coffee = (image.key for image in pair)
    # The whole-body detectors find more of the group than MediaPipe's face-based one.
    assert comparison.people("movenet", bar) > comparison.people("mediapipe", bar)
    assert comparison.people("nanodet", bar) > comparison.people("mediapipe", bar)
    assert all(comparison.people(d, coffee) == 0 for d in PERSON_DETECTORS)
    assert comparison.people("movenet", "no such image") is None

    summary = comparison.summary.set_index("detector")
    assert list(summary.index) == list(PERSON_DETECTORS)
    assert (summary["timed_calls"] == 4).all() and (summary["images_with_people"] == 1).all()
    assert (summary["median_ms"] > 0).all()
    per_image = comparison.per_image
    assert list(per_image.columns) == tuning.DETECTOR_IMAGE_COLUMNS
    assert per_image["label"].tolist() == [names[0]] * 3 + [names[1]] * 3
    assert comparison.summary_of("movenet").people == comparison.people("movenet", bar)
    assert comparison.summary_of("openpose") is None

    times = tuning.figure_detector_time(comparison.detectors)
    assert list(times.data[0].x) == ["MediaPipe", "MoveNet", "NanoDet"]
    assert list(times.data[0].marker.color) == [
        tuning.DETECTOR_COLOURS[d] for d in PERSON_DETECTORS
    ]
    evil = [dataclasses.replace(f, label="<b>x</b>") for f in comparison.found]
    people = tuning.figure_detector_people(evil)
    assert [t.name for t in people.data] == ["MediaPipe", "MoveNet", "NanoDet"]
    assert list(people.data[1].y) == [comparison.people("movenet", bar), 0]
    assert list(people.layout.xaxis.ticktext) == ["&lt;b&gt;x&lt;/b&gt;"] * 2
    assert tuning.figure_detector_people(()).layout.annotations


# ---- video -----------------------------------------------------------------------------


def test_video_frames_are_sampled_across_the_clip():
    frames = tuning.sample_video_frames(fixture_path("vtest.avi"), count=5, max_side=384)
    assert len(frames) == 5
    times = [f.time_s for f in frames]
    assert times == sorted(times) and times[-1] - times[0] > 30  # spread over the 79 s clip
    for rgb in (f.rgb_frame for f in frames):
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and max(rgb.shape[:2]) <= 384
    with pytest.raises(VideoDecodeError):
        tuning.sample_video_bytes(b"not a video at all" * 100, 3)


# ---- figures ---------------------------------------------------------------------------


def test_figures_escape_labels_and_keep_variant_colours(images, cache):
    runner = tuning.Runner(cache)
    evil = tuning.TuningImage(images[0].key, "<b>bold</b> & co.png", images[0].rgb_image)
    sweep = tuning.detection_sweep([evil, *images[1:3]], LITE.replace(num_poses=2), runner, COARSE)
    heatmap = tuning.figure_sweep_heatmap(sweep, current=0.5, pick=0.6)
    assert heatmap.data[0].y[0] == "&lt;b&gt;bold&lt;/b&gt; &amp; co.png"
    spec = json.loads(heatmap.to_json())
    assert [s["x0"] for s in spec["layout"]["shapes"]] == [0.5, 0.6]

    people = tuning.figure_sweep_people(sweep, current=0.5, pick=0.5)
    assert list(people.data[0].y) == sweep.summary["people"].tolist()
    assert len(people.layout.shapes) == 1  # pick equal to the sidebar: one line

    unused = {"relative_time": math.nan, "people": 1, "images_with_people": 1}
    unused |= {"mean_visibility": math.nan, "matched": 1, "unmatched": 0, "mean_px": math.nan}
    fake = [
        tuning.VariantSummary(
            variant=variant, median_ms=ms, median_ms_people=ms_people, timed_calls=6,
            mean_px_visible=px, **unused,
        )
        for variant, ms, ms_people, px in (
            ("lite", 5.0, 10.0, 8.0), ("full", 6.0, 20.0, 5.0), ("heavy", 9.0, 40.0, 0.0)
        )
    ]  # fmt: skip
    bars = tuning.figure_inference_time(fake)
    assert list(bars.data[0].marker.color) == [tuning.VARIANT_COLOURS[s.variant] for s in fake]
    points = tuning.figure_speed_accuracy(fake)
    assert [t.marker.color for t in points.data] == [
        tuning.VARIANT_COLOURS[s.variant] for s in fake
    ]
    assert [t.x[0] for t in points.data] == [10.0, 20.0, 40.0]
    assert tuning.short_landmark_name("left_eye_inner") == "L eye inner"
    empty = tuning.Sweep(tuning.PRESENCE_THRESHOLD, ())
    assert tuning.figure_sweep_people(empty).layout.annotations
