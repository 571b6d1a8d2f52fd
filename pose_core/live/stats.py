"""What the page and the frame worker hand each other: settings in, counters and frames out."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np

from ..drawing import DrawingStyle
from ..motion import MotionConfig
from ..results import PoseResult
from ..settings import DetectorSettings
from ..smoothing import SmoothingParams


@dataclasses.dataclass(frozen=True)
class LiveConfig:
    """What the worker needs from the sidebar.

    Attributes:
        detector: Settings for the stream's landmarker.
        style: How to draw the poses on the frames.
        smoothing: One Euro filter settings for the landmarks, or None for raw ones.
        motion: Rep counting, pose classes and pose match for the first person, or None.
        mirror: Send the video back flipped left to right, as a mirror shows a face.
            Only the picture is flipped, after detection and drawing: the detector sees
            the real frame, so a person's left is still named left (and drawn in the
            left side's colour), and landmarks, snapshots and recordings keep the
            camera's coordinates.
    """

    detector: DetectorSettings
    style: DrawingStyle
    smoothing: SmoothingParams | None = None
    motion: MotionConfig | None = None
    mirror: bool = False


class LiveConfigHolder:
    """A lock-protected, replace-only box for :class:`LiveConfig`.

    The script thread calls :meth:`set` on each rerun; the frame worker calls
    :meth:`get` once per frame. ``LiveConfig`` is immutable, so a reader never sees
    half an update.
    """

    def __init__(self, config: LiveConfig) -> None:
        self._lock = threading.Lock()
        self._config = config

    def set(self, config: LiveConfig) -> None:
        with self._lock:
            self._config = config

    def get(self) -> LiveConfig:
        with self._lock:
            return self._config


@dataclasses.dataclass(frozen=True)
class StreamStats:
    """The live readout.

    Attributes:
        frames: Frames processed since the stream started.
        fps: Frames processed per second, over the last couple of seconds.
        inference_ms: Mean inference time over the same window, in milliseconds.
        frame_ms: Mean server time per processed frame over the last frames, in
            milliseconds: from the frame handed to ``recv`` (or its picture to
            ``process``) to the annotated picture (convert to RGB, detect, draw), not
            counting model loads or the conversion back to a video frame.
        people: People in the latest processed frame.
        model: Model variant in use.
        running: Whether a detector is loaded (a stream is or was just playing).
        error: The last processing error, for the page to show, else None.
        recording: Whether a recording is under way.
        recorded_frames: Frames kept by the recording under way (0 without one).
        recording_full: The recording reached its cap and keeps no more frames.
        busy: No live-stream slot was free at the last frame: this stream is not
            processed (its frames come back with a banner) until one frees up.
    """

    frames: int = 0
    fps: float = 0.0
    inference_ms: float = 0.0
    frame_ms: float = 0.0
    people: int = 0
    model: str = ""
    running: bool = False
    error: str | None = None
    recording: bool = False
    recorded_frames: int = 0
    recording_full: bool = False
    busy: bool = False


@dataclasses.dataclass(frozen=True, eq=False)
class Snapshot:
    """A frozen frame (RGB, unannotated) and the poses found in it."""

    rgb_frame: np.ndarray
    result: PoseResult
    settings: DetectorSettings
