"""12-megapixel phone photos: reduced JPEG decoding, the same poses, and the Image page
(pictures at the size shown, pixel coordinates of the full photo, download on click)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from pose_core import DetectorSettings, decode_image, decode_image_reduced
from pose_core.imageio import fit_within_width
from testkit.apptest import (
    assert_no_exception,
    downloaded,
    landmark_tables,
    metric_values,
    new_app,
    open_page,
    recorded_media,
)
from testkit.fixtures import shared_detector
from testkit.photos import PHONE_SIZE, phone_photo_jpeg
from ui.views import report

FULL = DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")


@pytest.mark.parametrize("orientation", [1, 6])
@pytest.mark.slow
def test_a_large_jpeg_decodes_at_half_size_and_reports_its_full_size(orientation: int) -> None:
    data = phone_photo_jpeg(orientation=orientation)
    full = decode_image(data)
    assert full.shape == (3024, 4032, 3)  # upright after the EXIF turn
    reduced, size = decode_image_reduced(data, reduce_to_pixels=2_500_000)
    assert size == PHONE_SIZE
    assert reduced.shape == (1512, 2016, 3)  # libjpeg's 1/2 scale: >= 2.5 MP kept
    # The same picture: close to the full decode shrunk by two.
    shrunk = fit_within_width(full, 2016).astype(np.int16)
    assert np.abs(reduced.astype(np.int16) - shrunk).mean() < 4


@pytest.mark.slow
def test_small_photos_and_other_formats_decode_in_full() -> None:
    data = phone_photo_jpeg()
    rgb, size = decode_image_reduced(data, reduce_to_pixels=20_000_000)
    assert rgb.shape == (3024, 4032, 3) and size == PHONE_SIZE
    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).save(buffer, "PNG", compress_level=1)
    rgb, size = decode_image_reduced(buffer.getvalue(), reduce_to_pixels=2_500_000)
    assert rgb.shape == (3024, 4032, 3) and size == PHONE_SIZE  # PNG has no DCT scaling


def test_the_reduced_decode_finds_the_same_pose() -> None:
    data = phone_photo_jpeg()
    detector = shared_detector(FULL)
    full = detector.detect(decode_image(data))
    reduced = detector.detect(decode_image_reduced(data, reduce_to_pixels=2_500_000)[0])
    assert full.num_poses == reduced.num_poses == 1
    a, b = full.poses[0].landmarks, reduced.poses[0].landmarks
    seen = (a[:, 3] > 0.5) & (b[:, 3] > 0.5)
    assert seen.sum() >= 20
    error = np.abs(a[seen, :2] - b[seen, :2]).max(axis=1)
    # Measured: median 0.0034 of the photo's size, worst 0.016 (a toe). Merely resizing
    # the full decode to 3000 px moves the toes by 0.032: the feet are the jittery part.
    assert np.median(error) < 0.006
    assert error.max() < 0.03


@pytest.mark.slow
def test_image_page_shows_a_phone_photo_at_display_size_with_full_size_coordinates() -> None:
    with recorded_media() as files:
        at = open_page(new_app({"model": "Full", "poses": "1"}), "image.py")
        at.file_uploader(key="image_uploads").set_value(
            [("IMG_0001.JPG", phone_photo_jpeg(), "image/jpeg")]
        )
        at.run()
        assert_no_exception(at)
        assert metric_values(at, "Image size") == ["4032 × 3024"]
        assert any("Analysed at 2016 × 1512" in c.value for c in at.main.caption)
        # Both pictures are sent at the width the page can show, not 12 megapixels (the
        # others are the icon and the Home page's thumbnails).
        shown = [
            Image.open(io.BytesIO(f.content)).size
            for f in files.values()
            if f.mimetype.startswith("image/")
        ]
        assert sorted(s for s in shown if s[0] > 500) == [(report.state.DISPLAY_WIDTH, 1095)] * 2
        # Pixel coordinates are in the full photo's pixels (x and y agree with 0-1 x size).
        (table,) = landmark_tables(at)
        np.testing.assert_allclose(table["pixel_x"], table["x"] * 4032, rtol=1e-5)
        assert table["pixel_y"].max() > 1512  # the feet are in the photo's lower half
        # The annotated PNG is drawn when clicked, at the analysed size.
        png = downloaded(files, at.get("download_button")[0])
        assert png.mimetype == "image/png"
        assert Image.open(io.BytesIO(png.content)).size == (2016, 1512)
