"""The rotated square a person is cropped to before BlazePose's landmark model sees them.

Conventions are MediaPipe's (``NormalizedRect`` and ``AlignmentPointsRectsCalculator``),
kept in pixels here, in continuous coordinates (the image's top-left corner is (0, 0)
and pixel ``i`` spans ``[i, i + 1)``, so normalised landmarks are these divided by the
image's size): a region is a square of side ``size`` centred on ``(x, y)``, turned
by ``rotation`` radians, positive clockwise on the screen (image y points down), so that
the person's hips-to-head direction points up in the crop.
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

# The landmark model's input side, in pixels.
INPUT_SIZE = 256
# MediaPipe's margin around the body when a region comes from the auxiliary landmarks
# (RectTransformationCalculator in the Tasks pose graph).
LANDMARK_REGION_SCALE = 1.25


def normalize_radians(angle: float) -> float:
    """``angle`` wrapped to [-pi, pi)."""
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


@dataclasses.dataclass(frozen=True)
class Region:
    """A rotated square in image pixels.

    Attributes:
        x: Centre, pixels from the left edge.
        y: Centre, pixels from the top edge.
        size: Side of the square in pixels.
        rotation: Radians, clockwise on the screen.
    """

    x: float
    y: float
    size: float
    rotation: float = 0.0

    @classmethod
    def from_alignment(
        cls, centre: np.ndarray, scale_point: np.ndarray, scale: float = LANDMARK_REGION_SCALE
    ) -> Region:
        """MediaPipe's region from two alignment points (in pixels): centred on the first
        (the hips), as wide as twice their distance times ``scale``, turned so that the
        second (above the head) points up."""
        dx, dy = (np.asarray(scale_point, np.float64) - np.asarray(centre, np.float64))[:2]
        rotation = normalize_radians(math.pi / 2 - math.atan2(-dy, dx))
        size = 2.0 * math.hypot(dx, dy) * scale
        return cls(float(centre[0]), float(centre[1]), size, rotation)

    @classmethod
    def around_box(
        cls, x0: float, y0: float, x1: float, y1: float, scale: float = LANDMARK_REGION_SCALE
    ) -> Region:
        """An upright square on a box's centre, its long side times ``scale``."""
        return cls((x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) * scale)

    def crop_to_image(self) -> np.ndarray:
        """(2, 3) affine map from crop coordinates (0..INPUT_SIZE) to image coordinates."""
        cos, sin = math.cos(self.rotation), math.sin(self.rotation)
        step = self.size / INPUT_SIZE
        linear = np.array([[cos, -sin], [sin, cos]]) * step
        # The crop's centre (INPUT_SIZE / 2, INPUT_SIZE / 2) lands on the region's centre.
        offset = np.array([self.x, self.y]) - linear @ np.full(2, INPUT_SIZE / 2)
        return np.hstack([linear, offset[:, None]])

    def pixel_map(self) -> np.ndarray:
        """:meth:`crop_to_image` between pixel indices, as OpenCV warps (its pixel ``i``
        is centred on coordinate ``i``; ours on ``i + 0.5``)."""
        matrix = self.crop_to_image()
        matrix[:, 2] += matrix[:, :2] @ np.full(2, 0.5) - 0.5
        return matrix

    def crop(self, rgb_image: np.ndarray) -> np.ndarray:
        """The region as an INPUT_SIZE square RGB crop; outside the image, the edge
        pixels repeat (MediaPipe's ImageToTensor default, which the model was run with)."""
        return cv2.warpAffine(
            rgb_image,
            self.pixel_map(),
            (INPUT_SIZE, INPUT_SIZE),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )

    def to_image(self, crop_xy: np.ndarray) -> np.ndarray:
        """(N, 2) crop pixels to image pixels."""
        matrix = self.crop_to_image()
        image_xy: np.ndarray = np.asarray(crop_xy, np.float64) @ matrix[:, :2].T + matrix[:, 2]
        return image_xy

    def rotate(self, xy: np.ndarray) -> np.ndarray:
        """(N, 2) vectors turned by the region's rotation (crop axes to image axes)."""
        cos, sin = math.cos(self.rotation), math.sin(self.rotation)
        turned: np.ndarray = np.asarray(xy, np.float64) @ np.array([[cos, sin], [-sin, cos]])
        return turned


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0
