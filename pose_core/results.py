"""Pose results as numpy arrays, with DataFrame, JSON and CSV views."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .landmarks import LANDMARK_NAMES, NUM_LANDMARKS

# Column order of PersonPose.landmarks.
LANDMARK_FIELDS = ("x", "y", "z", "visibility", "presence")
WORLD_FIELDS = ("x", "y", "z")


@dataclasses.dataclass(frozen=True, eq=False)
class PersonPose:
    """One detected person.

    Attributes:
        landmarks: (33, 5) float32, columns x, y, z, visibility, presence. x and y are
            normalised to the image width and height (0..1 inside the image, possibly
            outside for joints out of frame); z is depth relative to the hips, on roughly
            the same scale as x.
        world_landmarks: (33, 3) float32, x, y, z in metres, origin at the centre of the
            hips; y points down, as in the image.
        segmentation_mask: (h, w) float32 in [0, 1] at the size inference ran on, or None.
        track_id: The person's id across the frames of a stream, when the detector
            tracks people itself (the top-down detectors); None otherwise.
    """

    landmarks: np.ndarray
    world_landmarks: np.ndarray
    segmentation_mask: np.ndarray | None = None
    track_id: int | None = None

    @property
    def visibility(self) -> np.ndarray:
        return self.landmarks[:, 3]

    @property
    def presence(self) -> np.ndarray:
        return self.landmarks[:, 4]

    def pixel_xy(self, width: int, height: int) -> np.ndarray:
        """(33, 2) float pixel coordinates in an image of ``width`` x ``height``."""
        return self.landmarks[:, :2] * np.array([width, height], dtype=np.float64)


@dataclasses.dataclass(frozen=True, eq=False)
class PoseResult:
    """All people found in one image or video frame.

    Attributes:
        poses: One :class:`PersonPose` per person, in MediaPipe's order.
        image_width: Width in pixels of the original image (before any downscaling for
            inference); pixel coordinates refer to it.
        image_height: Height in pixels of the original image.
        inference_ms: Wall time of the MediaPipe call alone, in milliseconds.
        timestamp_ms: Frame timestamp for video and streams, else None.
    """

    poses: tuple[PersonPose, ...]
    image_width: int
    image_height: int
    inference_ms: float = 0.0
    timestamp_ms: int | None = None

    @classmethod
    def empty(
        cls,
        image_width: int,
        image_height: int,
        *,
        inference_ms: float = 0.0,
        timestamp_ms: int | None = None,
    ) -> PoseResult:
        """A result with no person."""
        return cls((), image_width, image_height, inference_ms, timestamp_ms)

    @classmethod
    def from_mediapipe(
        cls,
        mp_result: Any,
        image_width: int,
        image_height: int,
        *,
        inference_ms: float = 0.0,
        timestamp_ms: int | None = None,
    ) -> PoseResult:
        """Build a result from a MediaPipe ``PoseLandmarkerResult``."""
        masks = mp_result.segmentation_masks or []
        poses = []
        for i, person in enumerate(mp_result.pose_landmarks):
            landmarks = np.array(
                [[_f(p.x), _f(p.y), _f(p.z), _f(p.visibility), _f(p.presence)] for p in person],
                dtype=np.float32,
            )
            world = np.array(
                [[_f(p.x), _f(p.y), _f(p.z)] for p in mp_result.pose_world_landmarks[i]],
                dtype=np.float32,
            )
            mask = None
            if i < len(masks):
                mask = np.array(masks[i].numpy_view(), dtype=np.float32).reshape(
                    masks[i].height, masks[i].width
                )
            poses.append(PersonPose(landmarks, world, mask))
        return cls(tuple(poses), image_width, image_height, inference_ms, timestamp_ms)

    def with_image_size(self, image_width: int, image_height: int) -> PoseResult:
        """The same poses, pixel coordinates referring to an image of this size.

        For a result found on a reduced copy of a photo: normalised landmarks do not
        change with a uniform scale, so only the size the pixels refer to does.
        """
        return dataclasses.replace(self, image_width=image_width, image_height=image_height)

    @property
    def num_poses(self) -> int:
        return len(self.poses)

    def __bool__(self) -> bool:
        return bool(self.poses)

    # ---- views -----------------------------------------------------------------------

    def to_dataframe(self) -> pd.DataFrame:
        """One row per person and landmark.

        Columns: person, index, name, x, y, z, visibility, presence, pixel_x, pixel_y,
        world_x, world_y, world_z.
        """
        frames = []
        for person, pose in enumerate(self.poses):
            pixels = pose.pixel_xy(self.image_width, self.image_height)
            frames.append(
                pd.DataFrame(
                    {
                        "person": np.full(NUM_LANDMARKS, person, dtype=np.int64),
                        "index": np.arange(NUM_LANDMARKS, dtype=np.int64),
                        "name": list(LANDMARK_NAMES),
                        **{
                            f: pose.landmarks[:, k].astype(np.float64)
                            for k, f in enumerate(LANDMARK_FIELDS)
                        },
                        "pixel_x": pixels[:, 0],
                        "pixel_y": pixels[:, 1],
                        **{
                            f"world_{f}": pose.world_landmarks[:, k].astype(np.float64)
                            for k, f in enumerate(WORLD_FIELDS)
                        },
                    }
                )
            )
        if not frames:
            return pd.DataFrame(columns=CSV_COLUMNS)
        return pd.concat(frames, ignore_index=True)

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: width, height, inference_ms and the poses.

        Each pose holds ``landmarks``: 33 ``{name, x, y, z, visibility, presence}`` and
        ``world_landmarks``: 33 ``{name, x, y, z}`` (metres). Non-finite numbers become
        null so the output is strict JSON.
        """
        return {
            "width": self.image_width,
            "height": self.image_height,
            "inference_ms": _json_number(self.inference_ms),
            "poses": [
                {
                    "landmarks": _records(pose.landmarks, LANDMARK_FIELDS),
                    "world_landmarks": _records(pose.world_landmarks, WORLD_FIELDS),
                }
                for pose in self.poses
            ],
        }

    def to_json(self, **kwargs: Any) -> str:
        """The :meth:`to_json_dict` view as strict JSON text."""
        return json.dumps(self.to_json_dict(), allow_nan=False, **kwargs)

    def to_csv(self) -> str:
        """The :meth:`to_dataframe` view as CSV text (a header row even with no person)."""
        return self.to_dataframe().to_csv(index=False)

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> PoseResult:
        """Inverse of :meth:`to_json_dict` (segmentation masks are not exported)."""
        poses = []
        for pose in data["poses"]:
            landmarks = _from_records(pose["landmarks"], LANDMARK_FIELDS)
            world = _from_records(pose["world_landmarks"], WORLD_FIELDS)
            poses.append(PersonPose(landmarks, world))
        return cls(
            tuple(poses),
            int(data["width"]),
            int(data["height"]),
            float(data.get("inference_ms") or 0.0),
        )


CSV_COLUMNS = (
    "person",
    "index",
    "name",
    *LANDMARK_FIELDS,
    "pixel_x",
    "pixel_y",
    *(f"world_{f}" for f in WORLD_FIELDS),
)


def _f(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _json_number(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _records(array: np.ndarray, fields: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {"name": name, **{f: _json_number(v) for f, v in zip(fields, row, strict=True)}}
        for name, row in zip(LANDMARK_NAMES, array.tolist(), strict=True)
    ]


def _from_records(records: Sequence[dict[str, Any]], fields: Sequence[str]) -> np.ndarray:
    if len(records) != NUM_LANDMARKS:
        raise ValueError(f"expected {NUM_LANDMARKS} landmarks, got {len(records)}")
    return np.array(
        [[math.nan if r[f] is None else float(r[f]) for f in fields] for r in records],
        dtype=np.float32,
    )
