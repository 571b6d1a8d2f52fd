"""The rebuilt bundles against the legacy ``mp.solutions.pose`` of mediapipe 0.10.21.

``tests/fixtures/legacy_reference.json`` is the legacy solution's output on real photos
(made by ``tools/legacy_reference.py`` in a mediapipe 0.10.21 venv, which CI does not
install). What we found building it:

* visibility, z and world landmarks agree within 7e-4. Our bundles run in the 0.10.21
  Tasks API match legacy bit-for-bit on these; the residue is the 0.10.21 -> 1.2.2
  runtime change.
* x and y agree within 2e-4 except for landmarks that are refined from the heatmap,
  which differ by up to 8e-3 (about 4 px on a 512-px photo): the legacy build refines
  with a 9-cell kernel although its graph asks for 7, the Tasks graph uses 7. Run legacy
  with the kernel forced to 7 (``--heatmap-kernel-size 7``) and x, y agree within 2e-4
  but for one landmark at 1.1e-3.

So the tolerances below are the measured ones with a small margin, per quantity.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from pose_core import DetectorSettings
from testkit.fixtures import FIXTURES, load_rgb, shared_detector

REFERENCE = json.loads((FIXTURES / "legacy_reference.json").read_text())
CASES = [
    (image, variant)
    for image, per_variant in REFERENCE["images"].items()
    for variant in per_variant
]


@pytest.mark.parametrize(("image", "variant"), CASES)
def test_bundles_reproduce_the_legacy_solution(image: str, variant: str) -> None:
    legacy = REFERENCE["images"][image][variant]
    assert legacy is not None, "every reference photo has a person"
    result = shared_detector(
        DetectorSettings(model_variant=variant, num_poses=1, person_detector="mediapipe")
    ).detect(load_rgb(image))
    assert result.num_poses == 1
    ours = result.poses[0]
    landmarks = np.array(legacy["landmarks"])  # x, y, z, visibility
    world = np.array(legacy["world_landmarks"])

    xy_error = np.abs(ours.landmarks[:, :2] - landmarks[:, :2])
    assert xy_error.max() < 1e-2
    assert np.median(xy_error) < 1e-3  # most landmarks are not heatmap-refined
    assert np.abs(ours.landmarks[:, 2] - landmarks[:, 2]).max() < 1e-3  # z
    assert np.abs(ours.landmarks[:, 3] - landmarks[:, 3]).max() < 1e-3  # visibility
    assert np.abs(ours.world_landmarks - world).max() < 1e-3
