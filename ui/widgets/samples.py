"""The bundled sample photographs (see samples/PROVENANCE.md): a demo needs no camera
and no file at hand.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import cv2
import numpy as np

from pose_core import decode_image

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"


@dataclasses.dataclass(frozen=True)
class Sample:
    """One bundled photograph.

    Attributes:
        slug: Stable id, used in widget keys.
        title: Short title shown under the thumbnail.
        blurb: One line on what it shows off.
        file_name: File inside ``samples/``.
        credit: Source and licence, shown under the result.
    """

    slug: str
    title: str
    blurb: str
    file_name: str
    credit: str

    @property
    def path(self) -> Path:
        return SAMPLES_DIR / self.file_name


_OPENCV = "Photo: OpenCV sample data (Debian opencv-doc), Apache-2.0 AND BSD-3-Clause."
SAMPLES: tuple[Sample, ...] = (
    Sample("footballer", "Footballer", "Whole body, mid-kick", "messi5.jpg", _OPENCV),
    Sample("two_players", "Two players", "Two people at once", "basketball2.png", _OPENCV),
    Sample(
        "astronaut",
        "Astronaut",
        "Head to waist, smiling",
        "astronaut.jpg",
        "Photo: NASA (Eileen Collins), public domain, via scikit-image sample data.",
    ),
    Sample(
        "cameraman",
        "Cameraman",
        "Side view, bent forward",
        "camera.png",
        "Photo: Lav Varshney, CC0, via scikit-image sample data.",
    ),
)
SAMPLES_BY_SLUG = {s.slug: s for s in SAMPLES}


@functools.cache
def load(slug: str) -> np.ndarray:
    """The sample's RGB pixels (read once per process, read-only)."""
    rgb_image = decode_image(SAMPLES_BY_SLUG[slug].path)
    rgb_image.flags.writeable = False  # shared by every session
    return rgb_image


# Gallery cards share one shape so the row lines up.
THUMBNAIL_SIZE = (400, 300)  # width, height


@functools.cache
def thumbnail(slug: str) -> np.ndarray:
    """A centre-cropped 4:3 RGB thumbnail of the sample."""
    rgb_image = load(slug)
    height, width = rgb_image.shape[:2]
    target_w, target_h = THUMBNAIL_SIZE
    crop_w = min(width, int(height * target_w / target_h))
    crop_h = min(height, int(width * target_h / target_w))
    # Keep the top of portrait crops: heads are more telling than feet.
    top = 0 if crop_h < height and height > width else (height - crop_h) // 2
    left = (width - crop_w) // 2
    crop = rgb_image[top : top + crop_h, left : left + crop_w]
    small = cv2.resize(crop, THUMBNAIL_SIZE, interpolation=cv2.INTER_AREA)
    small.flags.writeable = False
    return small


def credit(slug: str) -> str:
    """The sample's source and licence."""
    return SAMPLES_BY_SLUG[slug].credit


@dataclasses.dataclass  # not frozen: an upload's fields are plain attributes
class SampleClip:
    """The Video page's bundled clip, shaped like an upload (``file_id``, ``name``,
    ``getvalue``) so the page's upload path analyses it unchanged."""

    file_id: str
    name: str
    file_name: str
    blurb: str
    credit: str

    @property
    def path(self) -> Path:
        return SAMPLES_DIR / self.file_name

    def getvalue(self) -> bytes:
        return _clip_bytes(self.file_name)


@functools.cache
def _clip_bytes(file_name: str) -> bytes:
    return (SAMPLES_DIR / file_name).read_bytes()


SAMPLE_CLIP = SampleClip(
    file_id="sample:walking",
    name="Sample clip: people walking.mp4",
    file_name="walking.mp4",
    blurb="20 s of people walking across a campus, seen from a high window (768 × 576, 10 fps)",
    credit="Video: OpenCV sample data (vtest.avi, Debian opencv-doc), Apache-2.0 AND "
    "BSD-3-Clause; a 20-second cut re-encoded as H.264 (samples/PROVENANCE.md).",
)
