"""Landmarks over time: a compact per-frame table, its DataFrame views and exports.

A video's landmarks are kept as a few numpy arrays with one row per (frame, person),
about 1 KB per row, never as per-frame DataFrames; the long DataFrame (one row per
landmark) is only built on demand, for display and downloads.
"""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np
import pandas as pd

from .angles import ANGLE_NAMES, angle_rows
from .landmarks import LANDMARK_NAMES, NUM_LANDMARKS
from .results import LANDMARK_FIELDS, WORLD_FIELDS
from .smoothing import JITTER_MIN_VISIBILITY, jitter_steps

# Columns of the long table, in order.
TABLE_COLUMNS: tuple[str, ...] = (
    "frame",
    "time_s",
    "person",
    "landmark",
    *LANDMARK_FIELDS,
    *(f"world_{f}" for f in WORLD_FIELDS),
)


@dataclasses.dataclass(frozen=True, eq=False)
class LandmarkTable:
    """Landmarks of every person in every analysed frame, one row per (frame, person).

    Rows are ordered by frame, then person.

    Attributes:
        frame: (R,) int64 index of the frame in the source video (0-based, counting every
            decoded frame, analysed or skipped).
        time_s: (R,) float64 time of the frame in seconds from the start of the video.
        person: (R,) int64 person (track) id, stable while MediaPipe keeps tracking them.
        landmarks: (R, 33, 5) float32 x, y, z, visibility, presence; x and y normalised
            to the analysed frame's width and height.
        world_landmarks: (R, 33, 3) float32 x, y, z in metres, hip-centred, y down.
    """

    frame: np.ndarray
    time_s: np.ndarray
    person: np.ndarray
    landmarks: np.ndarray
    world_landmarks: np.ndarray

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return sum(
            a.nbytes
            for a in (self.frame, self.time_s, self.person, self.landmarks, self.world_landmarks)
        )

    @property
    def persons(self) -> list[int]:
        """Person ids, most frequently seen first."""
        ids, counts = np.unique(self.person, return_counts=True)
        order = np.lexsort((ids, -counts))
        return [int(i) for i in ids[order]]

    def for_person(self, person: int) -> LandmarkTable:
        """The rows of one person (in frame order)."""
        keep = self.person == person
        return LandmarkTable(
            self.frame[keep],
            self.time_s[keep],
            self.person[keep],
            self.landmarks[keep],
            self.world_landmarks[keep],
        )

    @classmethod
    def empty(cls) -> LandmarkTable:
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, np.float64),
            np.zeros(0, np.int64),
            np.zeros((0, NUM_LANDMARKS, 5), np.float32),
            np.zeros((0, NUM_LANDMARKS, 3), np.float32),
        )

    def to_dataframe(self) -> pd.DataFrame:
        """The long table: one row per frame, person and landmark.

        Columns: frame, time_s, person, landmark (name, categorical), x, y, z,
        visibility, presence, world_x, world_y, world_z.
        """
        rows = len(self)
        data: dict[str, object] = {
            "frame": np.repeat(self.frame, NUM_LANDMARKS),
            "time_s": np.repeat(self.time_s, NUM_LANDMARKS),
            "person": np.repeat(self.person, NUM_LANDMARKS),
            "landmark": pd.Categorical.from_codes(
                np.tile(np.arange(NUM_LANDMARKS), rows), categories=pd.Index(LANDMARK_NAMES)
            ),
        }
        flat = self.landmarks.reshape(rows * NUM_LANDMARKS, 5)
        for k, name in enumerate(LANDMARK_FIELDS):
            data[name] = flat[:, k].astype(np.float64)
        world = self.world_landmarks.reshape(rows * NUM_LANDMARKS, 3)
        for k, name in enumerate(WORLD_FIELDS):
            data[f"world_{name}"] = world[:, k].astype(np.float64)
        return pd.DataFrame(data, columns=list(TABLE_COLUMNS))


class TableBuilder:
    """Collects rows into preallocated arrays that double when full (amortised O(1))."""

    def __init__(self, capacity: int = 256) -> None:
        self._n = 0
        self._frame = np.zeros(capacity, np.int64)
        self._time = np.zeros(capacity, np.float64)
        self._person = np.zeros(capacity, np.int64)
        self._landmarks = np.zeros((capacity, NUM_LANDMARKS, 5), np.float32)
        self._world = np.zeros((capacity, NUM_LANDMARKS, 3), np.float32)

    def __len__(self) -> int:
        return self._n

    def _grow(self) -> None:
        for name in ("_frame", "_time", "_person", "_landmarks", "_world"):
            old = getattr(self, name)
            new = np.zeros((len(old) * 2, *old.shape[1:]), old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def append(
        self,
        frame: int,
        time_s: float,
        person: int,
        landmarks: np.ndarray,
        world_landmarks: np.ndarray,
    ) -> None:
        """Add one person's landmarks in one frame."""
        if self._n == len(self._frame):
            self._grow()
        i = self._n
        self._frame[i] = frame
        self._time[i] = time_s
        self._person[i] = person
        self._landmarks[i] = landmarks
        self._world[i] = world_landmarks
        self._n += 1

    def build(self) -> LandmarkTable:
        """The rows so far, trimmed to size (copies, so the builder can go on)."""
        n = self._n
        return LandmarkTable(
            self._frame[:n].copy(),
            self._time[:n].copy(),
            self._person[:n].copy(),
            self._landmarks[:n].copy(),
            self._world[:n].copy(),
        )


# ---- joint angles --------------------------------------------------------------------


def angle_table(table: LandmarkTable) -> pd.DataFrame:
    """Joint angles (degrees, from world landmarks) for every row of ``table``.

    The same angles as :func:`pose_core.joint_angles`, for all rows at once.

    Returns:
        Columns frame, time_s, person, then one column per angle in
        :data:`ANGLE_NAMES` (elbows, shoulders, ... , trunk_lean), and for each angle a
        ``<name>_visibility`` column: the lowest visibility of its three landmarks.
    """
    rows = angle_rows(table.world_landmarks, table.landmarks[:, :, 3])
    data: dict[str, np.ndarray] = {
        "frame": table.frame,
        "time_s": table.time_s,
        "person": table.person,
    }
    for k, name in enumerate(ANGLE_NAMES):
        data[name] = rows.degrees[:, k]
    for k, name in enumerate(ANGLE_NAMES):
        data[f"{name}_visibility"] = rows.visibility[:, k]
    return pd.DataFrame(data)


# ---- summary -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class VideoSummary:
    """Headline numbers of one analysed video.

    Attributes:
        frames_analysed: Frames that went through the detector.
        frames_with_person: Of those, frames where at least one person was found.
        people: Distinct person tracks.
        mean_visibility: Per landmark (rows in :data:`LANDMARK_NAMES` order): the mean
            visibility over all rows, and the share of rows at or above the threshold.
    """

    frames_analysed: int
    frames_with_person: int
    people: int
    mean_visibility: pd.DataFrame

    @property
    def person_ratio(self) -> float:
        """Share of analysed frames with a person (0 with no frame)."""
        return self.frames_with_person / self.frames_analysed if self.frames_analysed else 0.0


def summarise(
    table: LandmarkTable, frames_analysed: int, visibility_threshold: float = 0.5
) -> VideoSummary:
    """Summarise ``table`` for a video of which ``frames_analysed`` frames were analysed."""
    visibility = table.landmarks[:, :, 3].astype(np.float64)
    if len(table):
        mean = np.nanmean(visibility, axis=0)
        share = (visibility >= visibility_threshold).mean(axis=0)
    else:
        mean = share = np.full(NUM_LANDMARKS, np.nan)
    per_landmark = pd.DataFrame(
        {
            "landmark": list(LANDMARK_NAMES),
            "mean_visibility": mean,
            "visible_share": share,
        }
    )
    return VideoSummary(
        frames_analysed=int(frames_analysed),
        frames_with_person=len(np.unique(table.frame)),
        people=len(np.unique(table.person)),
        mean_visibility=per_landmark,
    )


# ---- jitter --------------------------------------------------------------------------


def table_jitter(
    table: LandmarkTable,
    *,
    world: bool = False,
    frame_size: tuple[int, int] | None = None,
    min_visibility: float = JITTER_MIN_VISIBILITY,
) -> float:
    """Mean frame-to-frame landmark displacement over every person of ``table``.

    Only steps between consecutive rows of the same person that are at most
    ``1.5 x`` the typical frame interval apart count, so a person lost and found again
    does not add a jump.

    Args:
        table: The landmarks.
        world: Measure world landmarks (metres) instead of image landmarks.
        frame_size: (width, height) to measure image landmarks in pixels; normalised
            units otherwise. Ignored with ``world``.
        min_visibility: Landmarks under this visibility at either end are skipped.

    Returns:
        The mean step (pixels, normalised units or metres); NaN without any step.
    """
    if len(table) < 2:
        return math.nan
    frames = np.unique(table.frame)
    typical_gap = float(np.median(np.diff(frames))) if len(frames) > 1 else 1.0
    steps: list[np.ndarray] = []
    for person in np.unique(table.person):
        rows = table.for_person(int(person))
        if world:
            points = rows.world_landmarks.astype(np.float64)
        else:
            points = rows.landmarks[:, :, :2].astype(np.float64)
            if frame_size is not None:
                points = points * np.array(frame_size, dtype=np.float64)
        # Split into runs of consecutive frames.
        breaks = np.nonzero(np.diff(rows.frame) > 1.5 * typical_gap)[0] + 1
        for run in np.split(np.arange(len(rows)), breaks):
            steps.append(
                jitter_steps(points[run], rows.landmarks[run, :, 3], min_visibility=min_visibility)
            )
    # The mean over all steps of all runs and people.
    all_steps = np.concatenate(steps) if steps else np.zeros(0)
    return float(all_steps.mean()) if len(all_steps) else math.nan


# ---- exports -------------------------------------------------------------------------


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV (no index)."""
    return frame.to_csv(index=False).encode("utf-8")


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as a Parquet file (pyarrow, zstd-compressed)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow", compression="zstd")
    return buffer.getvalue()
