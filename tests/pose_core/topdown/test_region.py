"""The top-down regions: MediaPipe's alignment conventions, crops and their inverse."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pose_core.topdown.region import INPUT_SIZE, Region, box_iou, normalize_radians


def test_an_upright_person_gives_an_unrotated_region_twice_their_reach_plus_margin():
    hips, above_head = np.array([300.0, 400.0]), np.array([300.0, 250.0])
    region = Region.from_alignment(hips, above_head)
    assert region.rotation == pytest.approx(0.0)
    assert (region.x, region.y) == (300.0, 400.0)
    assert region.size == pytest.approx(2 * 150 * 1.25)


@pytest.mark.parametrize(
    ("head_direction", "expected"),
    [((1.0, 0.0), math.pi / 2), ((-1.0, 0.0), -math.pi / 2), ((0.0, 1.0), -math.pi)],
)
def test_rotation_turns_the_head_direction_up(head_direction, expected):
    # A person lying with the head to the right must be turned a quarter clockwise
    # (MediaPipe: rotation = 90 degrees - atan2(-dy, dx)).
    hips = np.array([100.0, 100.0])
    region = Region.from_alignment(hips, hips + 50 * np.array(head_direction))
    assert normalize_radians(region.rotation - expected) == pytest.approx(0.0, abs=1e-9)
    # In the crop, the head is straight above the hips.
    crop_head = np.linalg.solve(
        region.crop_to_image()[:, :2],
        hips + 50 * np.array(head_direction) - region.crop_to_image()[:, 2],
    )
    centre = INPUT_SIZE / 2
    assert crop_head[0] == pytest.approx(centre, abs=1e-6)
    assert crop_head[1] < centre


def test_crop_shows_the_region_and_maps_back():
    image = np.zeros((300, 400, 3), np.uint8)
    image[100:110, 200:210] = 255  # a white square over [200, 210) x [100, 110)
    region = Region(205.0, 105.0, size=64, rotation=0.3)
    crop = region.crop(image)
    assert crop.shape == (INPUT_SIZE, INPUT_SIZE, 3)
    ys, xs = np.nonzero(crop[:, :, 0] > 127)
    found = np.array([xs.mean(), ys.mean()]) + 0.5  # pixel centres
    np.testing.assert_allclose(found, [INPUT_SIZE / 2, INPUT_SIZE / 2], atol=0.6)
    back = region.to_image(found[None])[0]
    np.testing.assert_allclose(back, [205.0, 105.0], atol=0.2)


def test_box_iou():
    a = np.array([0.0, 0.0, 10.0, 10.0])
    assert box_iou(a, a) == 1.0
    assert box_iou(a, np.array([5.0, 0.0, 15.0, 10.0])) == pytest.approx(50 / 150)
    assert box_iou(a, np.array([20.0, 20.0, 30.0, 30.0])) == 0.0
