"""PoseResult / PersonPose views: DataFrame, strict JSON, CSV, and the JSON round trip."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pose_core import LANDMARK_NAMES, NUM_LANDMARKS, DetectorSettings, PersonPose, PoseResult
from pose_core.results import CSV_COLUMNS, LANDMARK_FIELDS, WORLD_FIELDS
from testkit.fixtures import load_rgb, shared_detector

EXPECTED_COLUMNS = [
    "person",
    "index",
    "name",
    "x",
    "y",
    "z",
    "visibility",
    "presence",
    "pixel_x",
    "pixel_y",
    "world_x",
    "world_y",
    "world_z",
]
NUMERIC_COLUMNS = [c for c in EXPECTED_COLUMNS if c != "name"]


def _refuse_constant(name: str) -> float:
    raise AssertionError(f"non-standard JSON constant {name!r} in the output")


def strict_loads(text: str) -> dict:
    return json.loads(text, parse_constant=_refuse_constant)


def read_csv_exact(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


@pytest.fixture(scope="module")
def messi_result() -> PoseResult:
    result = shared_detector(
        DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
    ).detect(load_rgb("messi5.jpg"))
    assert result.num_poses == 1
    return result


@pytest.fixture(scope="module")
def two_people_result() -> PoseResult:
    result = shared_detector(
        DetectorSettings(model_variant="lite", num_poses=5, person_detector="mediapipe")
    ).detect(load_rgb("basketball2.png"))
    assert result.num_poses == 2
    return result


# ---- the arrays from a real detection --------------------------------------------------


def test_real_detection_arrays(messi_result: PoseResult) -> None:
    pose = messi_result.poses[0]
    assert (messi_result.image_width, messi_result.image_height) == (548, 342)
    assert pose.landmarks.shape == (NUM_LANDMARKS, len(LANDMARK_FIELDS))
    assert pose.world_landmarks.shape == (NUM_LANDMARKS, len(WORLD_FIELDS))
    assert pose.landmarks.dtype == np.float32 and pose.world_landmarks.dtype == np.float32
    assert pose.segmentation_mask is None  # not requested
    assert np.isfinite(pose.landmarks).all()
    assert ((pose.visibility >= 0) & (pose.visibility <= 1)).all()
    assert ((pose.presence >= 0) & (pose.presence <= 1)).all()
    # He is inside the photo: the torso's landmarks are within the frame.
    torso = [11, 12, 23, 24]
    assert ((pose.landmarks[torso, :2] > 0) & (pose.landmarks[torso, :2] < 1)).all()
    # World landmarks are metres around the hips: a person is well under 3 m across.
    assert np.abs(pose.world_landmarks).max() < 1.5
    assert messi_result.inference_ms > 0
    assert messi_result.timestamp_ms is None
    assert bool(messi_result)


def test_pixel_xy_scales_by_width_and_height(messi_result: PoseResult) -> None:
    pose = messi_result.poses[0]
    pixels = pose.pixel_xy(548, 342)
    assert pixels.shape == (NUM_LANDMARKS, 2)
    np.testing.assert_array_equal(pixels[:, 0], pose.landmarks[:, 0].astype(np.float64) * 548)
    np.testing.assert_array_equal(pixels[:, 1], pose.landmarks[:, 1].astype(np.float64) * 342)
    np.testing.assert_allclose(pose.pixel_xy(1096, 684), 2 * pixels)


# ---- DataFrame ---------------------------------------------------------------------------


def test_dataframe_one_person(messi_result: PoseResult) -> None:
    frame = messi_result.to_dataframe()
    pose = messi_result.poses[0]
    assert list(frame.columns) == EXPECTED_COLUMNS
    assert list(CSV_COLUMNS) == EXPECTED_COLUMNS
    assert len(frame) == NUM_LANDMARKS == 33
    assert frame["person"].tolist() == [0] * 33
    assert frame["index"].tolist() == list(range(33))
    assert frame["name"].tolist() == list(LANDMARK_NAMES)
    assert frame["name"].iloc[0] == "nose" and frame["name"].iloc[32] == "right_foot_index"
    for k, field in enumerate(LANDMARK_FIELDS):
        np.testing.assert_array_equal(frame[field].to_numpy(), pose.landmarks[:, k])
    for k, field in enumerate(WORLD_FIELDS):
        np.testing.assert_array_equal(
            frame[f"world_{field}"].to_numpy(), pose.world_landmarks[:, k]
        )
    np.testing.assert_array_equal(frame["pixel_x"].to_numpy(), frame["x"].to_numpy() * 548)
    np.testing.assert_array_equal(frame["pixel_y"].to_numpy(), frame["y"].to_numpy() * 342)
    for column in NUMERIC_COLUMNS:
        assert pd.api.types.is_numeric_dtype(frame[column]), column
    assert frame["person"].dtype == np.int64 and frame["index"].dtype == np.int64


def test_dataframe_two_people(two_people_result: PoseResult) -> None:
    frame = two_people_result.to_dataframe()
    assert len(frame) == 66
    assert frame["person"].tolist() == [0] * 33 + [1] * 33
    assert frame["index"].tolist() == list(range(33)) * 2
    assert frame["name"].tolist() == list(LANDMARK_NAMES) * 2
    for person, pose in enumerate(two_people_result.poses):
        rows = frame[frame["person"] == person]
        np.testing.assert_array_equal(rows["x"].to_numpy(), pose.landmarks[:, 0])
    # Two different people, not one person twice.
    a, b = (pose.landmarks[:, :2] for pose in two_people_result.poses)
    assert np.abs(a - b).mean() > 0.05


# ---- JSON ----------------------------------------------------------------------------


def test_json_is_strict_and_structured(messi_result: PoseResult) -> None:
    data = strict_loads(messi_result.to_json())
    assert set(data) == {"width", "height", "inference_ms", "poses"}
    assert (data["width"], data["height"]) == (548, 342)
    assert data["inference_ms"] == pytest.approx(messi_result.inference_ms)
    assert len(data["poses"]) == 1
    pose = data["poses"][0]
    assert set(pose) == {"landmarks", "world_landmarks"}
    assert [p["name"] for p in pose["landmarks"]] == list(LANDMARK_NAMES)
    assert [p["name"] for p in pose["world_landmarks"]] == list(LANDMARK_NAMES)
    assert all(set(p) == {"name", *LANDMARK_FIELDS} for p in pose["landmarks"])
    assert all(set(p) == {"name", *WORLD_FIELDS} for p in pose["world_landmarks"])
    assert pose["landmarks"][0]["x"] == float(messi_result.poses[0].landmarks[0, 0])
    # keyword arguments reach json.dumps
    assert "\n  " in messi_result.to_json(indent=2)
    assert strict_loads(messi_result.to_json(indent=2)) == data


def test_json_round_trip_of_a_real_detection(two_people_result: PoseResult) -> None:
    back = PoseResult.from_json_dict(strict_loads(two_people_result.to_json()))
    assert back.num_poses == 2
    assert (back.image_width, back.image_height) == (640, 480)
    assert back.inference_ms == pytest.approx(two_people_result.inference_ms)
    for original, restored in zip(two_people_result.poses, back.poses, strict=True):
        assert restored.landmarks.dtype == np.float32
        np.testing.assert_array_equal(restored.landmarks, original.landmarks)
        np.testing.assert_array_equal(restored.world_landmarks, original.world_landmarks)
        assert restored.segmentation_mask is None
    pd.testing.assert_frame_equal(back.to_dataframe(), two_people_result.to_dataframe())


def test_nan_and_infinity_become_null(messi_result: PoseResult) -> None:
    landmarks = messi_result.poses[0].landmarks.copy()
    world = messi_result.poses[0].world_landmarks.copy()
    landmarks[15, 0] = np.nan  # left wrist x unknown
    landmarks[16, 3] = np.inf
    world[27, 2] = -np.inf
    result = PoseResult((PersonPose(landmarks, world),), 548, 342, inference_ms=math.nan)
    text = result.to_json()
    for constant in ("NaN", "Infinity"):
        assert constant not in text
    data = strict_loads(text)
    assert data["inference_ms"] is None
    pose = data["poses"][0]
    assert pose["landmarks"][15]["x"] is None
    assert pose["landmarks"][15]["y"] == float(landmarks[15, 1])  # the rest of the row stays
    assert pose["landmarks"][16]["visibility"] is None
    assert pose["world_landmarks"][27]["z"] is None
    back = PoseResult.from_json_dict(data)
    assert back.inference_ms == 0.0
    restored = back.poses[0].landmarks
    assert np.isnan(restored[15, 0]) and np.isnan(restored[16, 3])
    assert np.isnan(back.poses[0].world_landmarks[27, 2])
    finite = np.isfinite(landmarks)
    np.testing.assert_array_equal(restored[finite], landmarks[finite])


def test_from_json_dict_rejects_the_wrong_number_of_landmarks(messi_result: PoseResult) -> None:
    data = messi_result.to_json_dict()
    data["poses"][0]["landmarks"] = data["poses"][0]["landmarks"][:32]
    with pytest.raises(ValueError, match="33"):
        PoseResult.from_json_dict(data)


# ---- CSV -----------------------------------------------------------------------------


def test_csv_matches_the_dataframe(two_people_result: PoseResult) -> None:
    text = two_people_result.to_csv()
    frame = two_people_result.to_dataframe()
    parsed = read_csv_exact(text)
    assert list(parsed.columns) == EXPECTED_COLUMNS
    assert len(parsed) == 66
    assert parsed["name"].tolist() == frame["name"].tolist()
    for column in NUMERIC_COLUMNS:
        np.testing.assert_array_equal(parsed[column].to_numpy(), frame[column].to_numpy())
    # The standard library reads it the same way (no index column, plain commas).
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == EXPECTED_COLUMNS
    assert len(rows) == 67
    assert rows[1][:3] == ["0", "0", "nose"]
    assert rows[34][:3] == ["1", "0", "nose"]
    assert float(rows[16][3]) == float(two_people_result.poses[0].landmarks[15, 0])


# ---- empty ---------------------------------------------------------------------------


def test_empty_result() -> None:
    empty = PoseResult.empty(640, 480, inference_ms=12.5, timestamp_ms=40)
    assert empty.num_poses == 0
    assert not empty
    assert empty.timestamp_ms == 40
    assert list(empty.to_dataframe().columns) == EXPECTED_COLUMNS
    assert len(empty.to_dataframe()) == 0
    text = empty.to_csv()
    assert text.strip() == ",".join(EXPECTED_COLUMNS)
    assert len(text.strip().splitlines()) == 1
    data = strict_loads(empty.to_json())
    assert data == {"width": 640, "height": 480, "inference_ms": 12.5, "poses": []}
    back = PoseResult.from_json_dict(data)
    assert back.num_poses == 0 and (back.image_width, back.image_height) == (640, 480)


def test_no_person_photo_gives_an_empty_result() -> None:
    result = shared_detector(
        DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
    ).detect(load_rgb("coffee.png"))
    assert result.num_poses == 0
    assert strict_loads(result.to_json())["poses"] == []
    assert len(read_csv_exact(result.to_csv())) == 0


# ---- properties ----------------------------------------------------------------------


def float32_values(allow_nan: bool = True) -> st.SearchStrategy[float]:
    return st.floats(width=32, allow_nan=allow_nan, allow_infinity=allow_nan)


person_poses = st.builds(
    PersonPose,
    hnp.arrays(np.float32, (NUM_LANDMARKS, 5), elements=float32_values()),
    hnp.arrays(np.float32, (NUM_LANDMARKS, 3), elements=float32_values()),
)
pose_results = st.builds(
    PoseResult,
    st.lists(person_poses, max_size=3).map(tuple),
    st.integers(min_value=1, max_value=8000),
    st.integers(min_value=1, max_value=8000),
    st.floats(min_value=0, max_value=1e5, allow_nan=False),
)


def _same_with_nan_for_nonfinite(restored: np.ndarray, original: np.ndarray) -> None:
    finite = np.isfinite(original)
    np.testing.assert_array_equal(restored[finite], original[finite])
    assert np.isnan(restored[~finite]).all()


@settings(max_examples=60, deadline=None)
@given(pose_results)
def test_json_round_trip_property(result: PoseResult) -> None:
    text = result.to_json()
    data = strict_loads(text)
    assert len(data["poses"]) == result.num_poses
    back = PoseResult.from_json_dict(data)
    assert (back.image_width, back.image_height) == (result.image_width, result.image_height)
    for original, restored in zip(result.poses, back.poses, strict=True):
        assert restored.landmarks.dtype == np.float32
        _same_with_nan_for_nonfinite(restored.landmarks, original.landmarks)
        _same_with_nan_for_nonfinite(restored.world_landmarks, original.world_landmarks)
    for pose_json, pose in zip(data["poses"], result.poses, strict=True):
        nulls = [p[f] is None for p in pose_json["landmarks"] for f in LANDMARK_FIELDS]
        assert nulls == (~np.isfinite(pose.landmarks)).ravel().tolist()


@settings(max_examples=40, deadline=None)
@given(pose_results)
def test_csv_property(result: PoseResult) -> None:
    text = result.to_csv()
    parsed = read_csv_exact(text)
    assert list(parsed.columns) == EXPECTED_COLUMNS
    assert len(parsed) == 33 * result.num_poses
    frame = result.to_dataframe()
    if result.num_poses:
        assert parsed["name"].tolist() == list(LANDMARK_NAMES) * result.num_poses
        for column in NUMERIC_COLUMNS:
            np.testing.assert_array_equal(
                parsed[column].to_numpy(dtype=np.float64), frame[column].to_numpy(dtype=np.float64)
            )
