"""What an analysed clip or a webcam recording gives: landmark tables over time.

:class:`LandmarkRecorder` collects a stream's tracked people frame by frame into
compact tables; :class:`VideoResult` is what the views, exports and tests read. The
video pipeline and the live recorder both produce a :class:`VideoResult`, so a recording
is shown by the same views as a clip.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import numpy as np

from ..settings import DetectorSettings
from ..smoothing import SmoothingParams
from ..timeseries import LandmarkTable, TableBuilder, VideoSummary, summarise, table_jitter
from ..tracking import TrackedFrame
from .probe import VideoInfo


@dataclasses.dataclass(frozen=True, eq=False)
class VideoResult:
    """An analysed clip (:func:`~pose_core.video.process_video`) or a webcam recording
    (:class:`~pose_core.live.LiveRecorder`, with no video file).

    Attributes:
        info: The source video's description.
        settings: The detector settings used.
        stride: One frame in ``stride`` was analysed.
        max_side: The resolution cap applied, or None.
        smoothing: The One Euro filter settings, or None for raw landmarks.
        frame_width: Width of the analysed (and encoded) frames.
        frame_height: Height of the analysed frames.
        frame_index: (F,) source indices of the analysed frames.
        frame_time_s: (F,) their times in seconds.
        table: Landmarks per (frame, person), smoothed if ``smoothing`` is set.
        raw_table: The detector's own landmarks (the same object without smoothing).
        video_path: The annotated video, or None if not encoded.
        video_mime: Its MIME type ("video/mp4" normally).
        video_codec: The encoder used ("libx264" normally).
        cancelled: Stopped by the progress callback before the end.
        warnings: Messages for the user (a cut-short file, a frame budget reached).
        elapsed_s: Wall time of the processing.
    """

    info: VideoInfo
    settings: DetectorSettings
    stride: int
    max_side: int | None
    smoothing: SmoothingParams | None
    frame_width: int
    frame_height: int
    frame_index: np.ndarray
    frame_time_s: np.ndarray
    table: LandmarkTable
    raw_table: LandmarkTable
    video_path: Path | None
    video_mime: str | None
    video_codec: str | None
    cancelled: bool
    warnings: tuple[str, ...]
    elapsed_s: float

    @property
    def frames_analysed(self) -> int:
        return len(self.frame_index)

    @property
    def processing_fps(self) -> float:
        """Analysed frames per second of wall time."""
        return self.frames_analysed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def duration_s(self) -> float:
        """Time of the last analysed frame."""
        return float(self.frame_time_s[-1]) if len(self.frame_time_s) else 0.0

    def summary(self, visibility_threshold: float = 0.5) -> VideoSummary:
        """Frames with a person, people, mean visibility per landmark."""
        return summarise(self.table, self.frames_analysed, visibility_threshold)

    def jitter(self) -> dict[str, float]:
        """Mean frame-to-frame landmark displacement, raw and as used.

        Returns:
            ``raw_px`` and ``smoothed_px`` (image landmarks in pixels of the analysed
            frame), ``raw_mm`` and ``smoothed_mm`` (world landmarks). Without smoothing
            the smoothed values equal the raw ones.
        """
        size = (self.frame_width, self.frame_height)
        return {
            "raw_px": table_jitter(self.raw_table, frame_size=size),
            "smoothed_px": table_jitter(self.table, frame_size=size),
            "raw_mm": table_jitter(self.raw_table, world=True) * 1000.0,
            "smoothed_mm": table_jitter(self.table, world=True) * 1000.0,
        }

    def nearest_frame(self, time_s: float) -> int:
        """Position (0..F-1) of the analysed frame nearest ``time_s``."""
        if not len(self.frame_time_s):
            return 0
        return int(np.abs(self.frame_time_s - time_s).argmin())


class _GrowingArray:
    """A 1-D array that doubles when full (amortised O(1) appends, no list of floats)."""

    def __init__(self, dtype: type[np.generic], capacity: int = 256) -> None:
        self._values = np.zeros(capacity, dtype)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, value: float) -> None:
        if self._n == len(self._values):
            self._values = np.concatenate([self._values, np.zeros_like(self._values)])
        self._values[self._n] = value
        self._n += 1

    def build(self) -> np.ndarray:
        return self._values[: self._n].copy()


@dataclasses.dataclass(frozen=True, eq=False)
class RecordedLandmarks:
    """What a :class:`LandmarkRecorder` kept.

    Attributes:
        frame_index: (F,) source indices of the kept frames.
        frame_time_s: (F,) their times in seconds.
        table: Shown landmarks per (frame, person): smoothed where smoothing was on.
        raw_table: The detector's landmarks (``table`` itself if nothing was smoothed).
    """

    frame_index: np.ndarray
    frame_time_s: np.ndarray
    table: LandmarkTable
    raw_table: LandmarkTable


class LandmarkRecorder:
    """Appends each frame's tracked people to landmark tables.

    The table of shown (smoothed) landmarks is started at the first frame whose shown
    landmarks differ from the raw ones, from a copy of the raw rows so far: without
    smoothing both tables are one object, and smoothing switched on midway (the live
    stream) keeps the earlier, raw frames.

    Args:
        max_frames: Keep at most this many frames (None: no cap); later frames are
            dropped and :attr:`full` turns true.
    """

    def __init__(self, max_frames: int | None = None) -> None:
        self.max_frames = max_frames
        self._index = _GrowingArray(np.int64)
        self._time = _GrowingArray(np.float64)
        self._raw = TableBuilder()
        self._shown: TableBuilder | None = None

    @property
    def frames(self) -> int:
        return len(self._index)

    @property
    def full(self) -> bool:
        """The cap is reached: later frames are not kept."""
        return self.max_frames is not None and self.frames >= self.max_frames

    def add(self, frame_index: int, time_s: float, frame: TrackedFrame) -> bool:
        """Keep ``frame``'s people; False (and nothing kept) once :attr:`full`."""
        if self.full:
            return False
        if self._shown is None and any(p.smoothed for p in frame.people):
            self._shown = copy.deepcopy(self._raw)
        for person in frame.people:
            raw, shown = person.raw, person.shown
            self._raw.append(
                frame_index, time_s, person.track_id, raw.landmarks, raw.world_landmarks
            )
            if self._shown is not None:
                self._shown.append(
                    frame_index, time_s, person.track_id, shown.landmarks, shown.world_landmarks
                )
        self._index.append(frame_index)
        self._time.append(time_s)
        return True

    def build(self) -> RecordedLandmarks:
        """The frames kept so far (copies: recording can go on)."""
        raw = self._raw.build()
        return RecordedLandmarks(
            frame_index=self._index.build(),
            frame_time_s=self._time.build(),
            table=self._shown.build() if self._shown is not None else raw,
            raw_table=raw,
        )
