"""Large photographs for tests and benchmarks, made from the real fixture photos.

No 12-megapixel photograph of a person ships with the packages we draw fixtures from,
so one is made: a real photo scaled up to a phone camera's 4032 x 3024 with Lanczos,
plus a little sensor-like grain so the JPEG is as large and as slow to decode as a
phone's (about 4 MB, not the 1 MB a smooth upscale compresses to).
"""

from __future__ import annotations

import functools
import io

import numpy as np
from PIL import ExifTags, Image

from testkit.fixtures import fixture_path

PHONE_SIZE = (4032, 3024)


@functools.cache
def phone_photo_jpeg(
    name: str = "basketball1.png", size: tuple[int, int] = PHONE_SIZE, orientation: int = 1
) -> bytes:
    """``name`` scaled up to ``size`` as a quality-90 JPEG (EXIF ``orientation`` if not 1:
    the pixels are stored turned so that applying it shows the photo upright)."""
    image = Image.open(fixture_path(name)).convert("RGB").resize(size, Image.Resampling.LANCZOS)
    pixels = np.asarray(image, dtype=np.int16)
    grain = np.random.default_rng(0).normal(0.0, 6.0, pixels.shape)
    image = Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8))
    exif = Image.Exif()
    if orientation != 1:
        # Orientation 6 means "rotate 90 clockwise to view": store it turned the other way.
        turns = {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}[orientation]
        image = image.transpose(turns)
        exif[ExifTags.Base.Orientation] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()
