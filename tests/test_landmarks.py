"""The landmark table's helpers: a person's size."""

from __future__ import annotations

import math

import numpy as np

from pose_core.landmarks import person_size


def test_person_size_is_the_bounding_box_diagonal_of_finite_landmarks():
    xy = np.array([[10.0, 20.0], [40.0, 60.0], [25.0, 30.0], [np.nan, 500.0], [np.inf, 0.0]])
    assert person_size(xy) == 50.0  # a 30 x 40 box; the NaN and infinite rows skipped
    assert math.isnan(person_size(xy[:1])) and math.isnan(person_size(np.zeros((0, 2))))
