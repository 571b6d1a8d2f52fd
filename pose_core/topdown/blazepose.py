"""BlazePose's landmark model on given regions, as MediaPipe's pose graph runs it.

The model (``pose_landmarks_detector.tflite`` of each ``.task`` bundle, run under
LiteRT straight from the bundle, :mod:`.litert`) takes a 256x256 RGB crop in [0, 1] and returns, per
crop: 39 landmarks (33 of the body and 2 auxiliary ones that place the next region,
then 4 unused) as x, y, z in crop pixels with visibility and presence logits; a
pose-presence score; a segmentation logit map; a 64x64 heatmap per landmark; and 39
world landmarks in metres. The decoding follows the Tasks graph
(``pose_landmarks_detector_graph.cc``): sigmoid scores, heatmap refinement with a 7x7
kernel, projection through the region, world landmarks turned by its rotation.

Not thread-safe by itself: one caller at a time (the detectors hold a lock).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol

import cv2
import numpy as np

from ..results import PersonPose
from .region import INPUT_SIZE, Region

NUM_MODEL_LANDMARKS = 39
NUM_BODY_LANDMARKS = 33
# Auxiliary landmarks: the hips' centre and a point above the head, MediaPipe's
# alignment points for the next region.
AUX_CENTRE, AUX_SCALE = 33, 34
HEATMAP_KERNEL = 7
# Two readings whose landmarks lie closer than this many person sizes (median) are one.
SAME_PERSON_DISTANCE = 0.1
# A heatmap peak below this leaves the regressed position as it is (MediaPipe's default).
MIN_CONFIDENCE_TO_REFINE = 0.5


def _sigmoid(values: np.ndarray) -> np.ndarray:
    # The tanh form cannot overflow (segmentation logits reach the thousands).
    result: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * values))
    return result


@dataclasses.dataclass(frozen=True, eq=False)
class RegionPose:
    """What the landmark model found in one region.

    Attributes:
        region: The region the crop came from.
        presence: The model's pose-presence score, 0..1.
        pose: The person in image coordinates (normalised to the image size).
        next_region: Where this person is expected in the next frame (MediaPipe's
            region from the auxiliary landmarks).
        box: (x0, y0, x1, y1) pixel box of the 33 landmarks.
        pixel_xy: (33, 2) the landmarks in image pixels.
    """

    region: Region
    presence: float
    pose: PersonPose
    next_region: Region
    box: np.ndarray
    pixel_xy: np.ndarray

    @property
    def size(self) -> float:
        """The person's size in pixels (their box's diagonal)."""
        return float(np.hypot(*(self.box[2:] - self.box[:2])))

    def same_person(self, other: RegionPose, tolerance: float = SAME_PERSON_DISTANCE) -> bool:
        """Whether two readings are of one person: their landmarks lie within
        ``tolerance`` of the smaller one's size of each other (median over the body).
        Boxes would not do: in a tight group, neighbours' boxes overlap."""
        distance = np.median(np.linalg.norm(self.pixel_xy - other.pixel_xy, axis=1))
        return bool(distance < tolerance * min(self.size, other.size))


class TensorModel(Protocol):
    """A model with one input batch and named outputs (LiteRT or onnxruntime)."""

    @property
    def output_shapes(self) -> dict[str, tuple[int, ...]]: ...

    def run(self, output_names: list[str], batch: np.ndarray) -> list[np.ndarray]: ...


class LandmarkModel:
    """BlazePose's landmark model (lite, full or heavy).

    Args:
        model: The model under its runtime (its outputs are told apart by shape).
    """

    def __init__(self, model: TensorModel) -> None:
        self._model = model
        outputs = {name: shape for name, shape in model.output_shapes.items()}
        self._landmarks = _output_with(outputs, (NUM_MODEL_LANDMARKS * 5,))
        self._flag = _output_with(outputs, (1,))
        self._segmentation = _output_with(outputs, (INPUT_SIZE, INPUT_SIZE, 1))
        self._heatmap = _output_with(outputs, (64, 64, NUM_MODEL_LANDMARKS))
        self._world = _output_with(outputs, (NUM_MODEL_LANDMARKS * 3,))

    def run(
        self,
        rgb_image: np.ndarray,
        regions: Sequence[Region],
        *,
        segmentation: bool = False,
    ) -> list[RegionPose]:
        """Landmarks of the person in each region.

        Args:
            rgb_image: H x W x 3 uint8 RGB.
            regions: Where to look; may be empty.
            segmentation: Also return each person's mask at the image's size.

        Returns:
            One :class:`RegionPose` per region, in order (whatever its presence).
        """
        if not regions:
            return []
        height, width = rgb_image.shape[:2]
        crops = np.stack([region.crop(rgb_image) for region in regions]).astype(np.float32)
        crops *= 1.0 / 255.0
        names = [self._landmarks, self._flag, self._heatmap, self._world]
        if segmentation:
            names.append(self._segmentation)
        outputs = self._model.run(names, crops)
        raw = outputs[0].reshape(len(regions), NUM_MODEL_LANDMARKS, 5)
        flags = outputs[1].reshape(len(regions))
        heatmaps = outputs[2]
        world = outputs[3].reshape(len(regions), NUM_MODEL_LANDMARKS, 3)
        found = []
        for n, region in enumerate(regions):
            crop_xy = _refined(raw[n, :, :2] / INPUT_SIZE, heatmaps[n]) * INPUT_SIZE
            image_xy = region.to_image(crop_xy)
            landmarks = np.empty((NUM_BODY_LANDMARKS, 5), np.float32)
            landmarks[:, 0] = image_xy[:NUM_BODY_LANDMARKS, 0] / width
            landmarks[:, 1] = image_xy[:NUM_BODY_LANDMARKS, 1] / height
            # z is on the scale of x: crop units times the region's width in the image.
            landmarks[:, 2] = raw[n, :NUM_BODY_LANDMARKS, 2] / INPUT_SIZE * region.size / width
            landmarks[:, 3:] = _sigmoid(raw[n, :NUM_BODY_LANDMARKS, 3:5])
            world_xyz = np.empty((NUM_BODY_LANDMARKS, 3), np.float32)
            world_xyz[:, :2] = region.rotate(world[n, :NUM_BODY_LANDMARKS, :2])
            world_xyz[:, 2] = world[n, :NUM_BODY_LANDMARKS, 2]
            mask = None
            if segmentation:
                mask = _mask_in_image(outputs[4][n, :, :, 0], region, width, height)
            body = image_xy[:NUM_BODY_LANDMARKS]
            found.append(
                RegionPose(
                    region=region,
                    presence=float(flags[n]),
                    pose=PersonPose(landmarks, world_xyz, mask),
                    next_region=Region.from_alignment(image_xy[AUX_CENTRE], image_xy[AUX_SCALE]),
                    box=np.concatenate([body.min(axis=0), body.max(axis=0)]),
                    pixel_xy=body,
                )
            )
        return found


def _output_with(shapes: dict[str, tuple[int, ...]], tail: tuple[int, ...]) -> str:
    matches = [name for name, shape in shapes.items() if tuple(shape[1:]) == tail]
    if len(matches) != 1:
        raise ValueError(f"expected one landmark-model output of shape (N, {tail}), not {shapes}")
    return matches[0]


def _refined(xy: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """MediaPipe's RefineLandmarksFromHeatmap on (39, 2) crop-normalised positions.

    Each landmark moves to the confidence-weighted mean cell of a 7x7 window of its
    heatmap around it, when the window's peak confidence reaches
    :data:`MIN_CONFIDENCE_TO_REFINE`. Cells are indexed from their corner, as MediaPipe
    does (no half-cell offset), and the window is cut at the heatmap's edges. All
    landmarks at once, and the sigmoid only over their windows: this runs per person
    per frame.
    """
    rows, cols, count = heatmap.shape
    landmarks = min(len(xy), count)
    out = xy.copy()
    centre_col = np.trunc(xy[:landmarks, 0] * cols).astype(np.int64)
    centre_row = np.trunc(xy[:landmarks, 1] * rows).astype(np.int64)
    # MediaPipe's bounds check tests the column against the height where the row should
    # be; with a square heatmap only rows past the bottom slip through (with a cut window).
    inside = (centre_col >= 0) & (centre_col < cols) & (centre_row >= 0) & (centre_col < rows)
    half = (HEATMAP_KERNEL - 1) // 2
    offsets = np.arange(-half, half + 1)
    r = centre_row[:, None] + offsets  # (landmarks, 7)
    c = centre_col[:, None] + offsets
    r_ok = (r >= 0) & (r < rows)
    c_ok = (c >= 0) & (c < cols)
    # Cells outside the heatmap weigh nothing (their clipped index only keeps the
    # gather in bounds).
    window = _sigmoid(
        heatmap[
            np.clip(r, 0, rows - 1)[:, :, None],
            np.clip(c, 0, cols - 1)[:, None, :],
            np.arange(landmarks)[:, None, None],
        ].astype(np.float64)
    )
    window *= r_ok[:, :, None] & c_ok[:, None, :]
    total = window.sum(axis=(1, 2))
    refine = inside & (total > 0) & (window.max(axis=(1, 2)) >= MIN_CONFIDENCE_TO_REFINE)
    safe_total = np.where(total > 0, total, 1.0)
    new_x = np.einsum("kc,kc->k", window.sum(axis=1), c) / cols / safe_total
    new_y = np.einsum("kr,kr->k", window.sum(axis=2), r) / rows / safe_total
    out[:landmarks, 0] = np.where(refine, new_x, xy[:landmarks, 0])
    out[:landmarks, 1] = np.where(refine, new_y, xy[:landmarks, 1])
    return out


def _mask_in_image(logits: np.ndarray, region: Region, width: int, height: int) -> np.ndarray:
    """The crop's person mask (sigmoid of the logits) warped back onto the image."""
    mask = _sigmoid(logits.astype(np.float32))
    warped: np.ndarray = cv2.warpAffine(
        mask.astype(np.float32),
        region.pixel_map(),
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0.0,
    )
    return warped
