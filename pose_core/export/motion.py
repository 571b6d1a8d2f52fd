"""One person's landmarks as an evenly timed motion, ready to export, and its solved
skeleton.

:class:`MotionClip` puts a person's rows of a clip, a webcam recording or a photo on a
fixed frame rate. Frames where the person is missing, or less visible than the threshold
(the median visibility of the landmarks the skeleton uses), are filled: landmarks are
interpolated linearly in time between the nearest clearly seen frames, and held before
the first and after the last (the motion spans the person's first to last clearly seen
frame, so holding only matters for a single frame). A recording's uneven frame times
are resampled the same way.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..landmarks import LANDMARK_INDEX
from ..results import PoseResult
from ..timeseries import LandmarkTable
from .skeleton import EXPORT_FROM_MEDIAPIPE, JOINTS, USED_LANDMARKS
from .solve import Skeleton, euler_zxy_continuous, forward_kinematics, solve_rotations

# Frame rate of a photo's one-frame export (BVH needs a frame time; nothing depends on it).
PHOTO_RATE = 30.0
# Segments whose world / image length ratio gives the root translation's scale.
_SCALE_SEGMENTS = (
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_hip", "left_knee"), ("right_hip", "right_knee"),
    ("left_knee", "left_ankle"), ("right_knee", "right_ankle"),
)  # fmt: skip


class ExportError(ValueError):
    """The motion cannot be exported; ``str(error)`` is a sentence for users."""


@dataclasses.dataclass(frozen=True, eq=False)
class MotionClip:
    """One person's landmarks on an even timeline.

    Attributes:
        person: The person's id in the result (track id, or index in a photo).
        start_s: Time of the first frame in the source, seconds.
        rate: Frames per second.
        world: (F, 33, 3) world landmarks in MediaPipe's frame (metres, hip-centred,
            y down), filled where the person was not seen.
        visibility: (F, 33) visibility, filled the same way.
        hips_px: (F, 2) the hips' centre in the image, pixels (for root translation).
        metres_per_px: Scale from image to world near the person (median over the clip
            of the world / image lengths of the torso and legs), NaN if unknown.
        observed: (F,) False inside gaps (missing or unclear source frames).
        warnings: Sentences for the user about what was filled or guessed.
    """

    person: int
    start_s: float
    rate: float
    world: np.ndarray
    visibility: np.ndarray
    hips_px: np.ndarray
    metres_per_px: float
    observed: np.ndarray
    warnings: tuple[str, ...] = ()

    @property
    def frames(self) -> int:
        return len(self.world)

    @property
    def frame_time(self) -> float:
        return 1.0 / self.rate

    @property
    def times(self) -> np.ndarray:
        """(F,) source time of each frame, seconds."""
        out: np.ndarray = self.start_s + np.arange(self.frames) / self.rate
        return out

    @property
    def filled_frames(self) -> int:
        """Frames inside gaps of the source: interpolated between clear frames."""
        return int((~self.observed).sum())

    @classmethod
    def from_table(
        cls,
        table: LandmarkTable,
        person: int,
        *,
        rate: float,
        frame_size: tuple[int, int],
        visibility_threshold: float = 0.5,
    ) -> MotionClip:
        """The clip of one person of a landmark table.

        Args:
            table: All people's rows (e.g. ``VideoResult.table``, smoothed if the user
                had smoothing on).
            person: The person (track) id.
            rate: Output frames per second.
            frame_size: (width, height) of the analysed frames, pixels.
            visibility_threshold: Frames whose median visibility over the skeleton's
                landmarks is below this are filled instead of used.

        Raises:
            ExportError: The person has no row, or the rate is not positive.
        """
        if not (math.isfinite(rate) and rate > 0):
            raise ExportError(f"The frame rate must be a positive number, not {rate!r}.")
        rows = table.for_person(person)
        if not len(rows):
            raise ExportError(f"Person {person + 1} is in no analysed frame.")
        order = np.argsort(rows.time_s, kind="stable")
        times = rows.time_s[order].astype(np.float64)
        landmarks = rows.landmarks[order].astype(np.float64)
        world = rows.world_landmarks[order].astype(np.float64)
        visibility = landmarks[:, :, 3]
        finite: np.ndarray = np.asarray(np.isfinite(world).all(axis=(1, 2)))
        seen: np.ndarray = finite & (
            np.median(visibility[:, USED_LANDMARKS], axis=1) >= visibility_threshold
        )
        warnings: list[str] = []
        if not seen.any():
            if not finite.any():
                raise ExportError(f"Person {person + 1} has no usable landmarks.")
            seen = finite
            warnings.append(
                f"Person {person + 1} is never clearly visible (visibility below "
                f"{visibility_threshold:.2f}); the export follows MediaPipe's guesses."
            )
        times, world, visibility = times[seen], world[seen], visibility[seen]
        width, height = frame_size
        hips_px = (
            0.5
            * (
                landmarks[seen][:, LANDMARK_INDEX["left_hip"], :2]
                + landmarks[seen][:, LANDMARK_INDEX["right_hip"], :2]
            )
            * np.array([width, height], dtype=np.float64)
        )
        scale = _metres_per_pixel(world, landmarks[seen][:, :, :2] * [width, height])

        start, end = float(times[0]), float(times[-1])
        count = math.floor((end - start) * rate + 1e-6) + 1
        grid = start + np.arange(count) / rate
        observed = _observed(times, grid, rows.time_s)
        if (~observed).any():
            warnings.append(
                f"{int((~observed).sum())} of {count} frames had no clear view of person "
                f"{person + 1} and were interpolated between the nearest clear frames."
            )
        return cls(
            person=person,
            start_s=start,
            rate=float(rate),
            world=_interpolate(times, world, grid),
            visibility=_interpolate(times, visibility, grid),
            hips_px=_interpolate(times, hips_px, grid),
            metres_per_px=scale,
            observed=observed,
            warnings=tuple(warnings),
        )

    @classmethod
    def from_pose(cls, result: PoseResult, index: int) -> MotionClip:
        """A one-frame clip of person ``index`` of a photo's result.

        Raises:
            ExportError: No such person, or their landmarks are not finite.
        """
        if not 0 <= index < result.num_poses:
            raise ExportError(f"There is no person {index + 1} in this picture.")
        pose = result.poses[index]
        world = np.asarray(pose.world_landmarks, dtype=np.float64)[None]
        if not np.isfinite(world).all():
            raise ExportError(f"Person {index + 1} has no usable world landmarks.")
        size = np.array([result.image_width, result.image_height], dtype=np.float64)
        image = np.asarray(pose.landmarks[:, :2], dtype=np.float64)[None] * size
        hips = 0.5 * (image[:, LANDMARK_INDEX["left_hip"]] + image[:, LANDMARK_INDEX["right_hip"]])
        return cls(
            person=index,
            start_s=0.0,
            rate=PHOTO_RATE,
            world=world,
            visibility=np.asarray(pose.visibility, dtype=np.float64)[None],
            hips_px=hips,
            metres_per_px=_metres_per_pixel(world, image),
            observed=np.ones(1, dtype=bool),
        )

    def export_landmarks(self) -> np.ndarray:
        """(F, 33, 3) world landmarks in the export frame (y up, facing +z), metres."""
        out: np.ndarray = self.world @ EXPORT_FROM_MEDIAPIPE.T
        return out

    def translation(self) -> np.ndarray:
        """(F, 3) the hips' image movement since the first frame, in metres in the export
        frame (x right, y up; no depth: one camera gives none)."""
        if not math.isfinite(self.metres_per_px):
            return np.zeros((self.frames, 3))
        moved = (self.hips_px - self.hips_px[0]) * self.metres_per_px
        return np.column_stack([moved[:, 0], -moved[:, 1], np.zeros(self.frames)])


def _observed(seen: np.ndarray, grid: np.ndarray, all_times: np.ndarray) -> np.ndarray:
    """(G,) True for grid times not inside a gap: the clearly seen frames around them are
    at most one and a half of the source's usual frame steps apart."""
    steps = np.diff(np.unique(all_times))
    usual = float(np.median(steps)) if len(steps) else math.inf
    after = np.clip(np.searchsorted(seen, grid), 0, len(seen) - 1)
    before = np.clip(np.searchsorted(seen, grid, side="right") - 1, 0, len(seen) - 1)
    out: np.ndarray = (seen[after] - seen[before]) <= 1.5 * usual + 1e-9
    return out


def _interpolate(times: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """``values`` (T, ...) sampled at ``times`` (increasing), linearly at ``grid``; held
    outside."""
    if len(times) == 1:
        return np.repeat(values[:1], len(grid), axis=0)
    flat = values.reshape(len(times), -1)
    out = np.empty((len(grid), flat.shape[1]))
    for k in range(flat.shape[1]):
        out[:, k] = np.interp(grid, times, flat[:, k])
    return out.reshape(len(grid), *values.shape[1:])


def _metres_per_pixel(world: np.ndarray, image_px: np.ndarray) -> float:
    world_len = np.zeros(len(world))
    image_len = np.zeros(len(world))
    for a, b in _SCALE_SEGMENTS:
        ia, ib = LANDMARK_INDEX[a], LANDMARK_INDEX[b]
        world_len += np.linalg.norm(world[:, ia] - world[:, ib], axis=-1)
        image_len += np.linalg.norm(image_px[:, ia] - image_px[:, ib], axis=-1)
    ratio = world_len / np.where(image_len > 1e-6, image_len, np.nan)
    ratio = ratio[np.isfinite(ratio)]
    return float(np.median(ratio)) if len(ratio) else math.nan


@dataclasses.dataclass(frozen=True, eq=False)
class Motion:
    """A clip solved onto its person's skeleton (export frame, metres).

    Attributes:
        clip: The source clip.
        skeleton: The person's skeleton.
        local: (F, J, 3, 3) local joint rotations.
        euler_deg: (F, J, 3) the same as (z, x, y) Euler angles, degrees, continuous.
        root: (F, 3) the root (hips' centre) position: the rest height above the floor,
            plus the image-space translation if asked for.
    """

    clip: MotionClip
    skeleton: Skeleton
    local: np.ndarray
    euler_deg: np.ndarray
    root: np.ndarray

    @classmethod
    def solve(
        cls, clip: MotionClip, *, root_translation: bool = False, visibility_threshold: float = 0.5
    ) -> Motion:
        """Fit the skeleton to the clip and solve every frame's rotations."""
        landmarks = clip.export_landmarks()
        skeleton = Skeleton.fit(landmarks, clip.visibility, visibility_threshold)
        local = solve_rotations(landmarks, skeleton)
        root = np.zeros((clip.frames, 3))
        root[:, 1] = skeleton.floor
        if root_translation:
            root += clip.translation()
        return cls(clip, skeleton, local, euler_zxy_continuous(local), root)

    def positions(self) -> np.ndarray:
        """(F, J, 3) joint positions by forward kinematics of the solved rotations."""
        parents = tuple(j.parent for j in JOINTS)
        positions, _ = forward_kinematics(self.skeleton.offsets, parents, self.local, self.root)
        return positions
