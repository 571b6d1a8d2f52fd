"""Recording the live stream's landmarks, shown afterwards by the Video page's views.

Frames go into preallocated numpy tables (:class:`~pose_core.video.LandmarkRecorder`),
no DataFrame per frame. At most ``max_frames`` are kept: at the cap recording stops
keeping frames (the first ones stay) and the readout says so.

Not thread-safe: only touched under the stream processor's lock.
"""

from __future__ import annotations

import numpy as np

from ..settings import DetectorSettings
from ..smoothing import SmoothingParams
from ..tracking import TrackedFrame
from ..video import LandmarkRecorder, VideoInfo, VideoResult

# 10 minutes at 30 processed fps. With one person that is about 2 KB per frame (raw and
# smoothed landmarks), so at most ~36 MB, ~72 MB while the arrays double.
MAX_RECORDING_FRAMES = 18_000


class LiveRecorder:
    """Keeps every processed frame's people, with times from the first frame."""

    def __init__(self, max_frames: int = MAX_RECORDING_FRAMES) -> None:
        self.max_frames = max_frames
        self._landmarks = LandmarkRecorder(max_frames)
        self._start: float | None = None
        self._frame_width = 0
        self._frame_height = 0
        self._settings: DetectorSettings | None = None
        self._smoothing: SmoothingParams | None = None

    @property
    def frames(self) -> int:
        return self._landmarks.frames

    @property
    def full(self) -> bool:
        """The cap is reached: later frames are not kept."""
        return self._landmarks.full

    def add(
        self,
        now: float,
        frame: TrackedFrame,
        settings: DetectorSettings,
        smoothing: SmoothingParams | None,
    ) -> None:
        """Keep one processed frame (``now`` in seconds of the stream's clock)."""
        if self.full:
            return
        if self._start is None:
            self._start = now
            self._frame_width = frame.result.image_width
            self._frame_height = frame.result.image_height
        self._landmarks.add(self.frames, now - self._start, frame)
        self._settings = settings
        if smoothing is not None:
            self._smoothing = smoothing

    def finish(self) -> VideoResult:
        """The recording, in the shape the Video page's views take (no video file)."""
        recorded = self._landmarks.build()
        frames = len(recorded.frame_index)
        duration = float(recorded.frame_time_s[-1]) if frames else 0.0
        fps = (frames - 1) / duration if frames > 1 and duration > 0 else 0.0
        warnings: tuple[str, ...] = ()
        if self.full:
            warnings = (
                f"The recording reached its cap of {self.max_frames} frames; frames after "
                "that were not kept.",
            )
        return VideoResult(
            info=VideoInfo(
                container="webcam",
                codec="webrtc",
                width=self._frame_width,
                height=self._frame_height,
                rotation=0,
                fps=fps,
                frame_count=frames,
                duration_s=duration,
            ),
            settings=self._settings or DetectorSettings(),
            stride=1,
            max_side=None,
            smoothing=self._smoothing,
            frame_width=self._frame_width,
            frame_height=self._frame_height,
            frame_index=np.asarray(recorded.frame_index, dtype=np.int64),
            frame_time_s=recorded.frame_time_s,
            table=recorded.table,
            raw_table=recorded.raw_table,
            video_path=None,
            video_mime=None,
            video_codec=None,
            cancelled=False,
            warnings=warnings,
            # "Processing speed" then reads as the recorded frame rate.
            elapsed_s=duration * frames / (frames - 1) if frames > 1 else 0.0,
        )
