"""Live pose detection on the webcam stream (streamlit-webrtc).

Threads: ``PoseStreamProcessor.recv`` runs on streamlit-webrtc's frame worker thread,
never on the script thread, so it must not touch ``st.session_state``. The script hands
it the current settings through :class:`LiveConfigHolder`, a lock-protected box updated
on every rerun; the worker reads it once per frame, so moving a slider reaches the live
stream on the next frame, without restarting it.

Frames: ``webrtc_streamer(async_processing=True)`` queues incoming frames for the worker
and hands a plain callback only the newest one (older ones are dropped, see
``AsyncMediaProcessTrack._fallback_recv_queued``); meanwhile the last processed frame is
sent again. So a slow model lowers the processed frame rate, never adds latency.

Lifetime: one processor and one VIDEO-mode ``StreamDetector`` per browser session, never
shared (MediaPipe's tracker holds per-stream state). The detector is created on the
first frame and closed when the stream stops.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import av
import cv2
import numpy as np
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from pose_core import DetectorSettings, DrawingStyle, PoseResult, StreamDetector, draw_poses

LOGGER = logging.getLogger(__name__)

# Processed-fps window, in seconds.
FPS_WINDOW_S = 2.0
# Server time per frame is averaged over this many frames (about FPS_WINDOW_S at 30 fps).
FRAME_TIME_WINDOW = 60
MEDIA_CONSTRAINTS = {
    "video": {"width": {"ideal": 640}, "height": {"ideal": 480}, "frameRate": {"ideal": 30}},
    "audio": False,
}


@dataclasses.dataclass(frozen=True)
class LiveConfig:
    """What the worker needs from the sidebar.

    Attributes:
        detector: Settings for the stream's landmarker.
        style: How to draw the poses on the frames.
    """

    detector: DetectorSettings
    style: DrawingStyle


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
            milliseconds: from the frame handed to ``recv`` to the annotated frame handed
            back (convert to RGB, detect, draw, convert back to a video frame), not
            counting model loads.
        people: People in the latest processed frame.
        model: Model variant in use.
        running: Whether a detector is loaded (a stream is or was just playing).
        error: The last processing error, for the page to show, else None.
    """

    frames: int = 0
    fps: float = 0.0
    inference_ms: float = 0.0
    frame_ms: float = 0.0
    people: int = 0
    model: str = ""
    running: bool = False
    error: str | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class Snapshot:
    """A frozen frame (RGB, unannotated) and the poses found in it."""

    rgb_frame: np.ndarray
    result: PoseResult
    settings: DetectorSettings


def readout_lines(stats: StreamStats) -> list[str]:
    """The text drawn on the video: processed fps, inference time, people, frame count."""
    people = f"{stats.people} {'person' if stats.people == 1 else 'people'}"
    return [
        f"{stats.fps:4.1f} fps  {stats.inference_ms:3.0f} ms  {people}",
        f"frames {stats.frames}  model {stats.model}",
    ]


def draw_readout(rgb_frame: np.ndarray, lines: list[str]) -> None:
    """Draw ``lines`` in the top-left corner, on a dark translucent box (in place)."""
    height, width = rgb_frame.shape[:2]
    scale = max(0.45, width / 1100)
    thickness = max(1, round(scale * 2))
    sizes = [cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)[0] for t in lines]
    line_height = max(h for _, h in sizes) + int(12 * scale)
    pad = int(10 * scale)
    box_w = min(width, max(w for w, _ in sizes) + 2 * pad)
    box_h = min(height, line_height * len(lines) + pad)
    region = rgb_frame[0:box_h, 0:box_w]
    # 60 % black over the video keeps the text readable on any background.
    region[...] = (region.astype(np.float32) * 0.4).astype(np.uint8)
    for n, text in enumerate(lines):
        baseline_y = pad + line_height * n + sizes[n][1]
        colour = (255, 255, 255) if n == 0 else (200, 200, 200)  # RGB
        cv2.putText(
            rgb_frame, text, (pad, baseline_y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour,
            thickness, cv2.LINE_AA,
        )  # fmt: skip


class PoseStreamProcessor:
    """Runs a per-session :class:`StreamDetector` on webcam frames.

    ``recv`` and ``on_ended`` are called by streamlit-webrtc on its threads; everything
    else is called by the script thread. Shared fields are guarded by ``_lock``.
    """

    def __init__(
        self,
        config: LiveConfig,
        *,
        detector_factory: Callable[[DetectorSettings], StreamDetector] = StreamDetector,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = LiveConfigHolder(config)
        self._detector_factory = detector_factory
        self._clock = clock
        self._lock = threading.Lock()
        self._detector: StreamDetector | None = None
        self._latest: Snapshot | None = None
        self._frames = 0
        self._window: collections.deque[tuple[float, float]] = collections.deque()
        self._frame_ms: collections.deque[float] = collections.deque(maxlen=FRAME_TIME_WINDOW)
        self._people = 0
        self._error: str | None = None

    # ---- script thread ---------------------------------------------------------------

    def update_config(self, config: LiveConfig) -> None:
        """Hand the current sidebar settings to the worker (applied on the next frame)."""
        self.config.set(config)

    def stats(self) -> StreamStats:
        """A consistent copy of the live counters."""
        with self._lock:
            return self._stats_locked()

    def snapshot(self) -> Snapshot | None:
        """The latest processed frame and its poses, or None before the first frame."""
        with self._lock:
            return self._latest

    @property
    def detector(self) -> StreamDetector | None:
        """The session's stream detector while a stream runs (for diagnostics/tests)."""
        with self._lock:
            return self._detector

    def release(self) -> None:
        """Close the stream detector and reset the counters; safe from any thread, twice."""
        with self._lock:
            detector, self._detector = self._detector, None
            self._frames = 0
            self._window.clear()
            self._frame_ms.clear()
            self._people = 0
        if detector is not None:
            # StreamDetector.close waits for a detect in progress on the worker thread.
            detector.close()
            LOGGER.info("Released the webcam stream detector")

    # ---- streamlit-webrtc threads ----------------------------------------------------

    def on_ended(self) -> None:
        """streamlit-webrtc calls this when the video track ends (stop, tab closed)."""
        self.release()

    def recv(self, frame: av.VideoFrame) -> av.VideoFrame:
        """Detect, draw and annotate one frame (runs on the frame worker thread)."""
        started = time.perf_counter()
        # PyAV converts straight to RGB, the order pose_core works in: no cv2 swap.
        rgb_frame = frame.to_ndarray(format="rgb24")
        config = self.config.get()
        detector = None
        try:
            loading = time.perf_counter()
            detector = self._ready_detector(config.detector)
            # Loading a model (first frame, new settings) is not per-frame time.
            started += time.perf_counter() - loading
            result = detector.detect(rgb_frame)
            annotated = draw_poses(rgb_frame, result, config.style)
        except Exception as exc:  # keep the stream alive; the page shows the error
            # release() from the script thread may close the detector mid-frame as the
            # stream stops: not an error worth showing.
            if not (detector is not None and detector.closed):
                LOGGER.exception("Webcam frame processing failed")
                with self._lock:
                    self._error = f"{type(exc).__name__}: {exc}"
            annotated = np.array(rgb_frame, copy=True)
            draw_readout(annotated, ["Pose detection failed", "see the page for details"])
            return av.VideoFrame.from_ndarray(annotated, format="rgb24")
        now = self._clock()
        with self._lock:
            self._frames += 1
            self._window.append((now, result.inference_ms))
            while self._window and now - self._window[0][0] > FPS_WINDOW_S:
                self._window.popleft()
            self._people = result.num_poses
            self._error = None
            self._latest = Snapshot(rgb_frame, result, detector.settings)
            stats = self._stats_locked()
        draw_readout(annotated, readout_lines(stats))
        out = av.VideoFrame.from_ndarray(annotated, format="rgb24")
        # Timing hook for the readout and bench/bench_webcam.py: one clock read, one lock.
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        with self._lock:
            if self._detector is detector:  # not released meanwhile
                self._frame_ms.append(elapsed_ms)
        return out

    # ---- internals ---------------------------------------------------------------------

    def _ready_detector(self, settings: DetectorSettings) -> StreamDetector:
        with self._lock:
            detector = self._detector
        if detector is None:
            # Loading takes 50-300 ms: done on this worker thread, outside the lock, so
            # the script thread's stats() calls never wait for it.
            detector = self._detector_factory(settings)
            with self._lock:
                self._detector = detector
        elif detector.settings != settings:
            # New landmarker, same stream clock: timestamps keep increasing.
            detector.update_settings(settings)
        return detector

    def _stats_locked(self) -> StreamStats:
        window = self._window
        fps = 0.0
        if len(window) >= 2 and window[-1][0] > window[0][0]:
            fps = (len(window) - 1) / (window[-1][0] - window[0][0])
        inference = sum(ms for _, ms in window) / len(window) if window else 0.0
        frame_ms = sum(self._frame_ms) / len(self._frame_ms) if self._frame_ms else 0.0
        detector = self._detector
        return StreamStats(
            frames=self._frames,
            fps=fps,
            inference_ms=inference,
            frame_ms=frame_ms,
            people=self._people,
            model=detector.settings.model_variant if detector else "",
            running=detector is not None,
            error=self._error,
        )


def start_stream(
    processor: PoseStreamProcessor, rtc_configuration: dict[str, Any], *, key: str = "webcam"
) -> Any:
    """Render the WebRTC component wired to ``processor``; returns its context.

    Tests replace the module-level ``webrtc_streamer`` (the browser side cannot run in
    ``AppTest``).
    """
    return webrtc_streamer(
        key=key,
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=rtc_configuration,
        media_stream_constraints=MEDIA_CONSTRAINTS,
        video_frame_callback=processor.recv,
        on_video_ended=processor.on_ended,
        async_processing=True,
        video_html_attrs={
            "autoPlay": True, "controls": False, "muted": True,
            "style": {"width": "100%", "borderRadius": "0.5rem"},
        },
    )  # fmt: skip
