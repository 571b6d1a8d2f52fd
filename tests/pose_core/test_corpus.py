"""The corpus of bad and odd photos (testkit/corpus.py) through the core: each one is
refused with its own message or decoded at the right size, people found where there
are people, and memory stays bounded.

The CLI (test_cli.py) and the Image page (test_app_image.py) get the same corpus.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pose_core import DetectorSettings, decode_image
from testkit.checks import assert_user_message
from testkit.corpus import EXIF_ORIENTATION, IMAGE_CASE_NAMES, image_case, image_corpus
from testkit.fixtures import shared_detector
from ui.server.limits import Limits

LITE = DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")


def test_the_corpus_files_are_what_they_claim_to_be() -> None:
    """The generator itself: each odd file really has the oddity it is named after."""
    assert [case.name for case in image_corpus()] == list(IMAGE_CASE_NAMES)
    assert image_corpus() is image_corpus()  # built once per process

    def opened(name: str) -> Image.Image:
        return Image.open(io.BytesIO(image_case(name).data))

    assert image_case("empty.jpg").data == b""
    bomb = image_case("bomb.png").data
    assert len(bomb) < 100_000
    # Pillow itself refuses to open it; the header says 30000 x 30000.
    assert bomb[12:16] == b"IHDR" and struct.unpack(">II", bomb[16:24]) == (30000, 30000)
    with pytest.raises(Image.DecompressionBombError):
        opened("bomb.png")
    big = opened("fifty_megapixels.jpg")
    assert big.format == "JPEG"
    assert 50e6 <= big.width * big.height < Limits().max_image_pixels  # under the budget
    # A photo the Image page's uploader accepts.
    assert len(image_case("fifty_megapixels.jpg").data) < Limits().photo_upload_mb * 2**20
    assert opened("one_pixel.png").size == (1, 1)
    assert opened("sixteen_pixels.png").size == (16, 16)
    assert opened("animated.gif").n_frames == 2
    assert opened("cmyk.jpg").mode == "CMYK"
    assert opened("grey_16_bit.png").mode == "I;16"
    assert opened("alpha.png").mode == "RGBA"
    sideways = opened("sideways_exif.jpg")
    assert sideways.getexif()[EXIF_ORIENTATION] == 6
    # Stored on its side: the decoded image has the sides swapped.
    assert sideways.size == image_case("sideways_exif.jpg").shape
    for case in image_corpus():
        assert (case.shape is not None) is case.ok
        assert bool(case.words) is not case.ok
        assert case.mime.startswith("image/")


@pytest.mark.parametrize("name", IMAGE_CASE_NAMES)
def test_each_input_gets_its_own_message_or_is_decoded(name: str) -> None:
    case = image_case(name)
    if not case.ok:
        with pytest.raises(case.error) as caught:
            decode_image(case.data)
        assert type(caught.value) is case.error
        assert_user_message(caught.value, *case.words)
        return
    rgb_image = decode_image(case.data)
    assert rgb_image.dtype == np.uint8 and rgb_image.flags.c_contiguous
    assert rgb_image.shape == (*case.shape, 3)
    if case.person is not None:
        assert (shared_detector(LITE).detect(rgb_image).num_poses > 0) is case.person


@pytest.mark.slow
def test_memory_stays_bounded(tmp_path: Path) -> None:
    """Peak memory, measured in a fresh process: the bomb costs nothing, the 50-megapixel
    photo a few bytes per pixel (its RGB array is 3)."""
    for name in ("bomb.png", "fifty_megapixels.jpg"):
        (tmp_path / name).write_bytes(image_case(name).data)
    script = textwrap.dedent(
        """
        import json, resource, sys
        from pathlib import Path
        from pose_core.imageio import ImageTooLargeError, decode_image

        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

        folder = Path(sys.argv[1])
        start = peak()
        try:
            decode_image(folder / "bomb.png")
        except ImageTooLargeError:
            pass
        after_bomb = peak()
        shape = decode_image(folder / "fifty_megapixels.jpg").shape
        print(json.dumps({"bomb": after_bomb - start, "big": peak() - after_bomb,
                          "shape": shape}))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    measured = json.loads(proc.stdout)
    # 30000 x 30000 declared: 900 MB as 8-bit grey, 2.7 GB as RGB.
    assert measured["bomb"] < 50 * 2**20
    height, width, _ = measured["shape"]
    assert height * width >= 50e6
    assert measured["big"] < 9 * height * width
