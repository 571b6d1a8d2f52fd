"""Cost per frame of the motion analysis added to the live path: counting, classifying
and matching one person (``MotionTracker.update``) plus the overlay's reference skeleton,
on real detections of fixture photos. Prints medians.

    .venv/bin/python -m bench.bench_motion
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from pose_core import DetectorSettings, ImageDetector, decode_image
from pose_core.motion import (
    PRESETS,
    MotionConfig,
    MotionTracker,
    PoseClassifier,
    ReferencePose,
    draw_reference,
    pose_points,
)
from testkit.fixtures import FIXTURES

PHOTOS = {"kick": "messi5.jpg", "catch": "basketball1.png", "bent": "camera.png",
          "sitting": "multi/anne_helene.jpg"}  # fmt: skip
EXAMPLES_PER_CLASS = 5
FRAMES = 2000


def main() -> None:
    detector = ImageDetector(
        DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")
    )
    results = {k: detector.detect(decode_image(FIXTURES / v)) for k, v in PHOTOS.items()}
    detector.close()
    rng = np.random.default_rng(0)
    clf = PoseClassifier()
    for label, r in results.items():
        base = pose_points(r.poses[0], r.image_width, r.image_height)
        for _ in range(EXAMPLES_PER_CLASS):
            # Jittered copies stand in for a handful of examples per class: the cost
            # depends on their number only.
            clf = clf.with_example(label, base + rng.normal(0, 2, base.shape))
    kick = results["kick"]
    ref = ReferencePose.from_pose(kick.poses[0], kick.image_width, kick.image_height)
    frames = [results[k] for k in PHOTOS] * (FRAMES // len(PHOTOS))
    canvas = np.zeros((480, 640, 3), np.uint8)
    configs = {
        "count (squat preset)": MotionConfig(reps=PRESETS["squat"].config),
        f"classify ({len(clf.examples)} examples)": MotionConfig(classifier=clf),
        "match + draw reference": MotionConfig(reference=ref),
        "all three": MotionConfig(reps=PRESETS["squat"].config, classifier=clf, reference=ref),
    }
    print(f"{FRAMES} frames each, median microseconds per frame")
    for name, config in configs.items():
        tracker = MotionTracker(config)
        times = []
        for n, result in enumerate(frames):
            start = time.perf_counter()
            state = tracker.update(n / 30, result)
            if state.match is not None:
                draw_reference(canvas, state.match, config.tolerance_deg)
            times.append((time.perf_counter() - start) * 1e6)
        print(f"  {name:32s} {statistics.median(times):7.0f} µs  (p95 "
              f"{np.percentile(times, 95):.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
