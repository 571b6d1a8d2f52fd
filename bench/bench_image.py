"""Per-image time of pose_core against the bare MediaPipe call, per model variant.

    .venv/bin/python -m bench.bench_image [--repeats 15]

Both sides get the same decoded RGB arrays. "bare" is what a script using MediaPipe
directly would do: wrap the array in an ``mp.Image`` and call ``detect``. "pose_core" is
``ImageDetector.detect`` (input checks, optional downscale, locking, conversion of the
result to numpy arrays). Calls alternate between the two so that machine noise hits both
alike; medians are reported. Target: ratio at most 1.10. A second table shows the whole
image path (decode bytes, detect, draw, table, JSON) for context.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import mediapipe as mp
from mediapipe.tasks.python import BaseOptions, vision

from pose_core import (
    MODEL_VARIANTS,
    DetectorSettings,
    ImageDetector,
    ModelVariant,
    decode_image,
    draw_poses,
    model_path,
)

PHOTOS = ("messi5.jpg", "basketball1.png", "astronaut.png", "camera.png", "chelsea.png")
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
TARGET_RATIO = 1.10


def _bare_landmarker(variant: ModelVariant) -> vision.PoseLandmarker:
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path(variant))),
        running_mode=vision.RunningMode.IMAGE,
    )
    return vision.PoseLandmarker.create_from_options(options)


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def bench_variant(
    variant: ModelVariant, images: dict[str, bytes], repeats: int
) -> dict[str, float]:
    rgb_images = [decode_image(data) for data in images.values()]
    bare_ms: list[float] = []
    core_ms: list[float] = []
    pipeline_ms: list[float] = []
    with (
        _bare_landmarker(variant) as bare,
        ImageDetector(DetectorSettings(variant, num_poses=1, person_detector="mediapipe")) as core,
    ):
        for rgb in rgb_images:  # warm-up: first calls allocate
            bare.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
            core.detect(rgb)
        for _ in range(repeats):
            for rgb, data in zip(rgb_images, images.values(), strict=True):
                start = time.perf_counter()
                bare.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
                bare_ms.append(_ms(start))
                start = time.perf_counter()
                core.detect(rgb)
                core_ms.append(_ms(start))
                start = time.perf_counter()
                result = core.detect(decode_image(data))
                draw_poses(rgb, result)
                result.to_dataframe()
                result.to_json()
                pipeline_ms.append(_ms(start))
    bare_median = statistics.median(bare_ms)
    core_median = statistics.median(core_ms)
    return {
        "bare_ms": bare_median,
        "core_ms": core_median,
        "ratio": core_median / bare_median,
        "pipeline_ms": statistics.median(pipeline_ms),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15, help="rounds over the photos")
    parser.add_argument(
        "--variants", nargs="+", choices=MODEL_VARIANTS, default=list(MODEL_VARIANTS)
    )
    args = parser.parse_args(argv)
    images = {name: (FIXTURES / name).read_bytes() for name in PHOTOS}
    print(f"bench_image: {len(images)} photos x {args.repeats} rounds, medians per image")
    print(
        f"{'variant':8} {'bare ms':>9} {'pose_core ms':>13} {'ratio':>7} {'target':>7}"
        f" {'whole path ms':>14}"
    )
    failed = False
    for variant in args.variants:
        row = bench_variant(variant, images, args.repeats)
        ok = row["ratio"] <= TARGET_RATIO
        failed |= not ok
        print(
            f"{variant:8} {row['bare_ms']:9.2f} {row['core_ms']:13.2f} {row['ratio']:7.3f}"
            f" {'<=' + str(TARGET_RATIO):>7} {row['pipeline_ms']:14.2f}  {'ok' if ok else 'MISSED'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
