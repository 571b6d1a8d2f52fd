"""Time per photo against the number of people, and recall on the multi-person set.

    .venv/bin/python -m bench.bench_people [--rounds 15] [--model full]

Time: on one photo with many people (tests/fixtures/multi, boxes counted by looking), N
people are read by

- "top-down photo": MoveNet once, then the landmark model (LiteRT) on each of the N
  regions, twice (first regions, then MediaPipe's own regions from the landmarks), as
  ``pose_core.topdown`` does for a still image;
- "top-down frame": the landmark model once per person, as for a tracked video frame
  (the regions come from the previous frame; the detector does not run);
- "PoseLandmarker xN": MediaPipe's PoseLandmarker (IMAGE mode) on each person's crop,
  the way to get N people out of MediaPipe alone: N separate calls.

Recall: people found (and false poses) on the whole set for MediaPipe's built-in
detector, MoveNet and NanoDet, at the app's default confidences, in one run.
Medians over ``--rounds``; ratios of "PoseLandmarker xN" to the top-down columns.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from pose_core import DetectorSettings, ImageDetector, ModelVariant
from pose_core.settings import DEFAULT_PERSON_CONFIDENCE, PERSON_DETECTORS
from pose_core.topdown.engine import landmark_model
from pose_core.topdown.persons import MoveNetDetector
from pose_core.topdown.region import Region
from testkit import multi_eval

PHOTO = "bar55.jpg"  # 8 people boxed, the most of any photo in the set
COUNTS = (1, 2, 3, 4, 6, 8)


def _median_ms(work: Callable[[], object], rounds: int) -> float:
    work()  # warm-up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def bench_time(model: ModelVariant, rounds: int) -> None:
    truth = next(t for t in multi_eval.load() if t.name == PHOTO)
    rgb = truth.rgb()
    regions = [Region.around_box(*person.box) for person in truth.people]
    landmarks = landmark_model(
        DetectorSettings(model_variant=model, num_poses=1, person_detector="mediapipe")
    )
    persons = MoveNetDetector()
    crops = []
    for person in truth.people:
        x0, y0, x1, y1 = (int(v) for v in person.box)
        # The person's box with a margin, as one would crop for a single-person model.
        mx, my = (x1 - x0) // 4, (y1 - y0) // 8
        crops.append(
            np.ascontiguousarray(rgb[max(0, y0 - my) : y1 + my, max(0, x0 - mx) : x1 + mx])
        )
    single = ImageDetector(
        DetectorSettings(model_variant=model, num_poses=1, person_detector="mediapipe")
    )
    print(f"bench_people: {PHOTO} ({rgb.shape[1]}x{rgb.shape[0]}), {model} model, "
          f"{rounds} rounds, median ms per photo")  # fmt: skip
    print(f"{'people':>6} {'top-down photo':>15} {'top-down frame':>15} "
          f"{'PoseLandmarker xN':>18} {'xN / photo':>11} {'xN / frame':>11}")  # fmt: skip
    for n in COUNTS:
        chosen = regions[:n]

        def photo(chosen: list[Region] = chosen) -> None:
            persons.find(rgb, DEFAULT_PERSON_CONFIDENCE["movenet"])
            for _ in range(2):
                landmarks.run(rgb, chosen)

        def frame(chosen: list[Region] = chosen) -> None:
            landmarks.run(rgb, chosen)

        def mediapipe(n: int = n) -> None:
            for crop in crops[:n]:
                single.detect(crop)

        a = _median_ms(photo, rounds)
        b = _median_ms(frame, rounds)
        c = _median_ms(mediapipe, rounds)
        print(f"{n:>6} {a:>15.1f} {b:>15.1f} {c:>18.1f} {c / a:>11.2f} {c / b:>11.2f}")
    single.close()


def bench_recall(model: ModelVariant) -> None:
    print(f"\nrecall on the multi-person set ({len(multi_eval.load())} photos), {model} model, "
          "up to 10 people")  # fmt: skip
    print(f"{'detector':>10} {'confidence':>10} {'target found':>13} {'all found':>10} "
          f"{'false poses':>11} {'ms/photo':>9}")  # fmt: skip
    for detector in PERSON_DETECTORS:
        confidence = DEFAULT_PERSON_CONFIDENCE[detector]
        settings = DetectorSettings(
            model_variant=model, num_poses=10, person_detector=detector,
            min_person_confidence=confidence if detector != "mediapipe" else 0.05,
            min_pose_detection_confidence=confidence if detector == "mediapipe" else 0.5,
        )  # fmt: skip
        totals = np.zeros(5, int)
        times = []
        with ImageDetector(settings) as found:
            for truth in multi_eval.load():
                rgb = truth.rgb()
                start = time.perf_counter()
                result = found.detect(rgb)
                times.append((time.perf_counter() - start) * 1000.0)
                s = multi_eval.score(result, truth)
                totals += [s.targets, s.found_targets, s.people, s.found_people, s.false_poses]
        print(f"{detector:>10} {confidence:>10.2f} {totals[1]:>6} of {totals[0]:<4} "
              f"{totals[3]:>3} of {totals[2]:<3} {totals[4]:>11} "
              f"{statistics.median(times):>9.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--model", default="full", choices=["lite", "full", "heavy"])
    args = parser.parse_args()
    bench_time(args.model, args.rounds)
    bench_recall(args.model)


if __name__ == "__main__":
    main()
