"""How close a pose is to a reference pose: a 0-100 score and per-limb differences.

Each limb is compared by its direction in the picture (image x and y, pixels), so the
score says what the user sees: "your left forearm points 35° away from the reference's".
Directions do not depend on where the person stands or how big they look. The score is
100 minus the mean absolute difference over the limbs seen in both poses, as a share of
90° (a limb at right angles to the reference's costs its whole share), floored at 0.

The reference skeleton is also placed over the person: its hips' midpoint on theirs and
scaled by the ratio of the two torso lengths, so each limb can be checked where it is.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..landmarks import LANDMARK_INDEX as I
from ..results import PersonPose

# name -> (from, to); a pair of landmarks means their midpoint.
LIMBS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "torso": ((I["left_hip"], I["right_hip"]), (I["left_shoulder"], I["right_shoulder"])),
    **{
        f"{side} {part}": ((I[f"{side}_{a}"],), (I[f"{side}_{b}"],))
        for side in ("left", "right")
        for part, a, b in (
            ("upper arm", "shoulder", "elbow"),
            ("forearm", "elbow", "wrist"),
            ("thigh", "hip", "knee"),
            ("shin", "knee", "ankle"),
        )
    },
}
_HIPS = [I["left_hip"], I["right_hip"]]
_SHOULDERS = [I["left_shoulder"], I["right_shoulder"]]
# A limb more than this far off is drawn as "move this one".
DEFAULT_TOLERANCE_DEG = 20.0


class MatchError(ValueError):
    """A reference that cannot be matched against (the message says why)."""


@dataclasses.dataclass(frozen=True, eq=False)
class ReferencePose:
    """The pose to match: (33, 2) pixel x, y and (33,) visibility."""

    xy: np.ndarray
    visibility: np.ndarray
    source: str = ""

    @classmethod
    def from_pose(
        cls, pose: PersonPose, width: int, height: int, source: str = ""
    ) -> ReferencePose:
        xy = pose.pixel_xy(width, height).astype(np.float64)
        if not np.isfinite(xy).all() or _torso_length(xy) < 1e-6:
            raise MatchError("The reference pose has no torso to align on.")
        return cls(xy, np.asarray(pose.visibility, dtype=np.float64), source)


@dataclasses.dataclass(frozen=True)
class LimbDifference:
    """One limb: the signed difference in degrees (positive: turned clockwise in the
    picture from the reference's direction), or NaN when unseen in either pose."""

    limb: str
    degrees: float


@dataclasses.dataclass(frozen=True, eq=False)
class MatchResult:
    """A pose scored against the reference.

    Attributes:
        score: 0-100, NaN when no limb is seen in both poses.
        limbs: Per limb of :data:`LIMBS`, in order.
        aligned: (33, 2) the reference's landmarks placed over the person, pixels.
    """

    score: float
    limbs: tuple[LimbDifference, ...]
    aligned: np.ndarray

    def worst(self) -> LimbDifference | None:
        seen = [d for d in self.limbs if math.isfinite(d.degrees)]
        return max(seen, key=lambda d: abs(d.degrees)) if seen else None


def _ends(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    start = np.stack([xy[list(a)].mean(axis=0) for a, _ in LIMBS.values()])
    end = np.stack([xy[list(b)].mean(axis=0) for _, b in LIMBS.values()])
    return start, end


def _limb_visibility(visibility: np.ndarray) -> np.ndarray:
    return np.array([min(visibility[list(a + b)]) for a, b in LIMBS.values()])


def _torso_length(xy: np.ndarray) -> float:
    return float(np.linalg.norm(xy[_SHOULDERS].mean(axis=0) - xy[_HIPS].mean(axis=0)))


def align(reference: ReferencePose, xy: np.ndarray) -> np.ndarray:
    """The reference's landmarks moved onto the person's hips and scaled to their torso."""
    torso = _torso_length(xy)
    scale = torso / _torso_length(reference.xy) if torso > 1e-6 else 1.0
    ref_hips = reference.xy[_HIPS].mean(axis=0)
    hips = xy[_HIPS].mean(axis=0)
    out: np.ndarray = (reference.xy - ref_hips) * scale + hips
    return out


def match_pose(
    reference: ReferencePose,
    xy: np.ndarray,
    visibility: np.ndarray,
    *,
    min_visibility: float = 0.5,
) -> MatchResult:
    """Score a person's (33, 2) pixel landmarks against ``reference``."""
    xy = np.asarray(xy, dtype=np.float64)
    vis = np.asarray(visibility, dtype=np.float64)
    ref_start, ref_end = _ends(reference.xy)
    start, end = _ends(xy)
    ref_dir = ref_end - ref_start
    cur_dir = end - start
    ref_angle = np.degrees(np.arctan2(ref_dir[:, 1], ref_dir[:, 0]))
    cur_angle = np.degrees(np.arctan2(cur_dir[:, 1], cur_dir[:, 0]))
    diff = (cur_angle - ref_angle + 180.0) % 360.0 - 180.0
    seen = (
        (_limb_visibility(vis) >= min_visibility)
        & (_limb_visibility(reference.visibility) >= min_visibility)
        & (np.linalg.norm(cur_dir, axis=1) > 1e-6)
        & (np.linalg.norm(ref_dir, axis=1) > 1e-6)
        & np.isfinite(diff)
    )
    diff = np.where(seen, diff, np.nan)
    score = (
        float(np.clip(100.0 * (1.0 - np.nanmean(np.abs(diff)) / 90.0), 0.0, 100.0))
        if seen.any()
        else math.nan
    )
    limbs = tuple(LimbDifference(name, float(d)) for name, d in zip(LIMBS, diff, strict=True))
    return MatchResult(score, limbs, align(reference, xy))
