"""Person detectors that find everyone, for the landmark model to look at one by one.

MediaPipe's own pose detector looks for faces and is built for one person close to the
camera; these find whole people, faces or not:

- **MoveNet MultiPose Lightning** (Google): up to 6 people, a box and 17 COCO keypoints
  each; the hips and shoulders turn the region upright for a person who leans or lies.
- **NanoDet** (COCO, class 0 is person): boxes only; regions start upright.

Both are ONNX models shipped in ``pose_core/models`` (see its PROVENANCE.md).
Thread-safe: the models are (onnxruntime sessions), and nothing else is kept.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal, Protocol

import cv2
import numpy as np

from .onnx import OnnxModel
from .region import Region, box_iou, normalize_radians

PersonDetectorName = Literal["movenet", "nanodet"]

# COCO keypoints MoveNet returns, by index.
_LEFT_SHOULDER, _RIGHT_SHOULDER, _LEFT_HIP, _RIGHT_HIP = 5, 6, 11, 12
# A keypoint counts for the region's rotation from this score on.
_MIN_KEYPOINT_SCORE = 0.2
# Boxes of the same person overlap at least this much (intersection over union).
NMS_IOU = 0.5


@dataclasses.dataclass(frozen=True, eq=False)
class PersonCandidate:
    """A person a detector found.

    Attributes:
        box: (x0, y0, x1, y1) in image pixels.
        score: The detector's confidence, 0..1 (on the detector's own scale).
        region: Where the landmark model should look first.
    """

    box: np.ndarray
    score: float
    region: Region


class PersonDetector(Protocol):
    """Finds people in an RGB image."""

    name: PersonDetectorName

    def find(self, rgb_image: np.ndarray, min_score: float) -> list[PersonCandidate]:
        """Every person scoring at least ``min_score``, best first, overlaps merged."""
        ...


def non_max_suppression(candidates: list[PersonCandidate]) -> list[PersonCandidate]:
    """Best first; a candidate overlapping a better one by :data:`NMS_IOU` is dropped."""
    kept: list[PersonCandidate] = []
    for candidate in sorted(candidates, key=lambda c: c.score, reverse=True):
        if all(box_iou(candidate.box, other.box) < NMS_IOU for other in kept):
            kept.append(candidate)
    return kept


class MoveNetDetector:
    """MoveNet MultiPose Lightning: int32 RGB, sides a multiple of 32, the long one 256.

    Its scores run low: about 0.1 already separates people from the rest.
    """

    name: PersonDetectorName = "movenet"
    LONG_SIDE = 256

    def __init__(self, model: OnnxModel | None = None) -> None:
        self._model = model or OnnxModel.bundled("movenet_multipose")

    def find(self, rgb_image: np.ndarray, min_score: float) -> list[PersonCandidate]:
        height, width = rgb_image.shape[:2]
        scale = self.LONG_SIDE / max(width, height)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        pad_w, pad_h = _multiple_of(new_w, 32), _multiple_of(new_h, 32)
        batch = np.zeros((1, pad_h, pad_w, 3), np.int32)
        batch[0, :new_h, :new_w] = cv2.resize(
            rgb_image, (new_w, new_h), interpolation=cv2.INTER_AREA
        )
        (rows,) = self._model.run(None, batch)
        # Coordinates are fractions of the padded input: back to image pixels.
        to_x, to_y = pad_w / scale, pad_h / scale
        candidates = []
        for row in rows.reshape(-1, 56):
            score = float(row[55])
            if score < min_score:
                continue
            keypoints = row[:51].reshape(17, 3)
            xy = np.stack([keypoints[:, 1] * to_x, keypoints[:, 0] * to_y], axis=1)
            y0, x0, y1, x1 = row[51:55]
            box = np.array([x0 * to_x, y0 * to_y, x1 * to_x, y1 * to_y])
            region = Region.around_box(*box)
            angle = _torso_rotation(xy, keypoints[:, 2])
            if angle is not None:
                region = dataclasses.replace(region, rotation=angle)
            candidates.append(PersonCandidate(box, score, region))
        return non_max_suppression(candidates)


def _multiple_of(value: int, step: int) -> int:
    return max(step, math.ceil(value / step) * step)


def _torso_rotation(xy: np.ndarray, scores: np.ndarray) -> float | None:
    """The rotation that turns hips-to-shoulders upright, if all four are seen.

    (Centring the region on the hips rather than the box was tried: in a tight row of
    people the landmark model then read the same neighbour from two regions more often.)
    """
    torso = [_LEFT_SHOULDER, _RIGHT_SHOULDER, _LEFT_HIP, _RIGHT_HIP]
    if (scores[torso] < _MIN_KEYPOINT_SCORE).any():
        return None
    shoulders = xy[[_LEFT_SHOULDER, _RIGHT_SHOULDER]].mean(axis=0)
    hips = xy[[_LEFT_HIP, _RIGHT_HIP]].mean(axis=0)
    dx, dy = shoulders - hips
    return normalize_radians(math.pi / 2 - math.atan2(-dy, dx))


class NanoDetDetector:
    """NanoDet (COCO): a 416x416 BGR input normalised per channel; for each of three
    strides, a grid of class scores (sigmoid already applied) and box sides as
    distributions over 11 bins (in strides), decoded as their expectation."""

    name: PersonDetectorName = "nanodet"
    INPUT = 416
    STRIDES = (8, 16, 32)
    BINS = 11
    MEAN_BGR = np.array([103.53, 116.28, 123.675], np.float32)
    STD_BGR = np.array([57.375, 57.12, 58.395], np.float32)
    PERSON = 0

    def __init__(self, model: OnnxModel | None = None) -> None:
        self._model = model or OnnxModel.bundled("nanodet")
        # Outputs told apart by shape: (1, cells, 80) scores, (1, cells, 44) sides.
        shapes = self._model.output_shapes
        self._outputs: list[tuple[str, str, int]] = []
        for stride in self.STRIDES:
            cells = (self.INPUT // stride) ** 2
            scores = [n for n, shape in shapes.items() if shape[1:] == (cells, 80)]
            sides = [n for n, shape in shapes.items() if shape[1:] == (cells, 4 * self.BINS)]
            if len(scores) != 1 or len(sides) != 1:
                raise ValueError(f"unexpected NanoDet outputs {shapes}")
            self._outputs.append((scores[0], sides[0], stride))

    def find(self, rgb_image: np.ndarray, min_score: float) -> list[PersonCandidate]:
        height, width = rgb_image.shape[:2]
        resized = cv2.resize(rgb_image, (self.INPUT, self.INPUT), interpolation=cv2.INTER_AREA)
        bgr = resized[:, :, ::-1].astype(np.float32)
        batch = np.ascontiguousarray(
            ((bgr - self.MEAN_BGR) / self.STD_BGR).transpose(2, 0, 1)[None]
        )
        names = [name for scores, sides, _ in self._outputs for name in (scores, sides)]
        outputs = dict(zip(names, self._model.run(names, batch), strict=True))
        to_x, to_y = width / self.INPUT, height / self.INPUT
        candidates = []
        for scores_name, sides_name, stride in self._outputs:
            scores = outputs[scores_name][0, :, self.PERSON]
            cells = np.nonzero(scores >= min_score)[0]
            if not len(cells):
                continue
            logits = outputs[sides_name][0, cells].reshape(len(cells), 4, self.BINS)
            weights = np.exp(logits - logits.max(axis=2, keepdims=True))
            weights /= weights.sum(axis=2, keepdims=True)
            sides = (weights @ np.arange(self.BINS, dtype=np.float32)) * stride
            grid = self.INPUT // stride
            cx = (cells % grid + 0.5) * stride
            cy = (cells // grid + 0.5) * stride
            for n, cell in enumerate(cells):
                left, top, right, bottom = sides[n]
                box = np.array(
                    [
                        (cx[n] - left) * to_x,
                        (cy[n] - top) * to_y,
                        (cx[n] + right) * to_x,
                        (cy[n] + bottom) * to_y,
                    ]
                )
                candidates.append(
                    PersonCandidate(box, float(scores[cell]), Region.around_box(*box))
                )
        return non_max_suppression(candidates)
