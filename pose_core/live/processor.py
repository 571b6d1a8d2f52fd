"""The live engine: one :class:`PoseStreamProcessor` per live stream (a browser session's
webcam, or a network source shared by its viewers).

Threads: :meth:`PoseStreamProcessor.recv` and :meth:`~PoseStreamProcessor.on_ended` run
on streamlit-webrtc's frame worker thread (for a network stream, on its source's
processing thread, :mod:`pose_core.streams.source`), never on the script thread, so they must not
touch the page's session state. The script hands over the current settings through a
:class:`~pose_core.live.stats.LiveConfigHolder` updated on every rerun; the worker reads
it once per frame, so moving a slider reaches the live stream on the next frame, without
restarting it. Shared fields are guarded by the processor's lock, which is held around
reads and swaps of those fields, never around detection or drawing.

Frames: ``webrtc_streamer(async_processing=True)`` queues incoming frames for the worker
and hands a plain callback only the newest one (older ones are dropped, see
``AsyncMediaProcessTrack._fallback_recv_queued``); meanwhile the last processed frame is
sent again. So a slow model lowers the processed frame rate, never adds latency.

Lifetime: one processor and one VIDEO-mode ``StreamDetector`` per stream (MediaPipe's
tracker holds per-stream state): a webcam's is its browser session's; a network source's
is shared by everyone watching that source (:mod:`pose_core.streams`). The detector is
created on the first frame, with a slot from the server's
:class:`~pose_core.live.slots.StreamSlots`, and closed when the stream stops; a stream
that finds no free slot is sent its own frames with a "server busy" banner and tries
again on each frame.

Tracking, smoothing, recording: while smoothing or recording is on, people get stable
ids (:class:`~pose_core.tracking.PoseTracks`, the same rules as the video pipeline),
are drawn in id order so each keeps their colour, are smoothed with a per-person One
Euro filter if asked, and are recorded (:class:`~pose_core.live.recorder.LiveRecorder`).
Filters start afresh when the stream restarts or the settings change.

Results found elsewhere ("Run on this device": the viewer's browser runs the model):
:meth:`PoseStreamProcessor.process_result` takes a checked result
(:mod:`pose_core.live.device`) through the same tracking, smoothing, recording, motion
analysis and counters, with no detector, no slot and no drawing. It runs on the script
thread (the page's fragment), and such a processor is never handed frames: one
processor serves one path.

Motion analysis (rep count, pose class, match score; ``LiveConfig.motion``): one
:class:`~pose_core.motion.MotionTracker` per stream, worker-side state like the tracks,
picked under the lock after tracking and updated outside it by the worker thread (the
script thread reads only its finished state). A new motion config starts a new tracker;
:meth:`PoseStreamProcessor.reset_motion` swaps in a fresh one from the script thread. Unlike
the tracks, it survives a stream restart: a user who stops the camera to rest keeps their
count.
"""

from __future__ import annotations

import collections
import functools
import logging
import threading
import time
from collections.abc import Callable

import av
import numpy as np

from ..detector import StreamDetector, load_mediapipe
from ..drawing import draw_poses
from ..motion import MotionConfig, MotionState, MotionTracker, draw_reference
from ..results import PoseResult
from ..settings import DetectorSettings
from ..smoothing import SmoothingParams
from ..tracking import PoseTracks
from ..video import VideoResult
from .overlay import FrameText, draw_readout
from .recorder import MAX_RECORDING_FRAMES, LiveRecorder
from .slots import StreamBusyError, StreamSlots
from .stats import LiveConfig, LiveConfigHolder, Snapshot, StreamStats

LOGGER = logging.getLogger(__name__)

# Processed-fps window, in seconds.
FPS_WINDOW_S = 2.0
# Server time per frame is averaged over this many frames (about FPS_WINDOW_S at 30 fps).
FRAME_TIME_WINDOW = 60


@functools.lru_cache(maxsize=4)
def _blank_frame(width: int, height: int) -> np.ndarray:
    """A plain dark picture standing in for a frame the server never saw (the device
    keeps its camera's pictures); read-only, shared by every snapshot of that size."""
    frame = np.full((height, width, 3), 40, dtype=np.uint8)
    frame.flags.writeable = False
    return frame


def _mirrored(rgb_frame: np.ndarray) -> np.ndarray:
    """A left-right flipped copy (contiguous, as PyAV needs; the readout is drawn on it
    afterwards, so its text reads the right way round)."""
    return np.ascontiguousarray(rgb_frame[:, ::-1])


class PoseStreamProcessor:
    """Runs a per-stream :class:`StreamDetector` on live frames (a webcam's, or a
    network source's).

    ``recv`` and ``on_ended`` are called by streamlit-webrtc on its threads; everything
    else is called by the script thread. Shared fields are guarded by ``_lock``.

    Args:
        config: The settings to start with.
        slots: The server's live-stream slots; the first frame takes one.
        detector_factory: Makes the stream's detector (tests count or slow it).
        clock: Monotonic seconds, for frame times and idleness.
        max_recording_frames: Cap of a recording.
        on_released: Called (on the releasing thread) after a detector was closed,
            e.g. to give the freed memory back to the OS.
        text: The words drawn on the returned frames (the app's); none without it.
    """

    def __init__(
        self,
        config: LiveConfig,
        *,
        slots: StreamSlots,
        detector_factory: Callable[[DetectorSettings], StreamDetector] = StreamDetector,
        clock: Callable[[], float] = time.monotonic,
        max_recording_frames: int = MAX_RECORDING_FRAMES,
        on_released: Callable[[], object] | None = None,
        text: FrameText | None = None,
    ) -> None:
        # The stream's first frame creates the detector on the frame worker thread: import
        # MediaPipe here, on the script thread, rather than there (load_mediapipe).
        load_mediapipe()
        self.config = LiveConfigHolder(config)
        self._slots = slots
        self._on_released = on_released
        self._text = text
        self.max_recording_frames = max_recording_frames
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
        self._busy = False
        # Clock time recv last started or finished a frame (a float: read without the lock).
        self._last_frame_at: float | None = None
        # Worker-side per-stream state, reset by release() (guarded by _lock).
        self._tracks: PoseTracks | None = None
        # What the smoothing filters were started for: new settings restart them.
        self._smoothing_for: tuple[SmoothingParams, DetectorSettings] | None = None
        # Recordings under way, by owner: viewers of a shared network stream record
        # their own ("" is the webcam's one viewer).
        self._recorders: dict[str, LiveRecorder] = {}
        self._motion: MotionTracker | None = None
        # What the viewer's device ran, for results handed in by process_result.
        self._device_settings: DetectorSettings | None = None

    # ---- script thread ---------------------------------------------------------------

    def update_config(self, config: LiveConfig) -> None:
        """Hand the current sidebar settings to the worker (applied on the next frame)."""
        self.config.set(config)

    def stats(self, owner: str = "") -> StreamStats:
        """A consistent copy of the live counters (with ``owner``'s recording)."""
        with self._lock:
            return self._stats_locked(owner)

    def snapshot(self) -> Snapshot | None:
        """The latest processed frame and its poses, or None before the first frame."""
        with self._lock:
            return self._latest

    def motion_state(self) -> MotionState | None:
        """The motion analysis after the latest frame (None when none is asked for)."""
        with self._lock:
            return self._motion.state if self._motion is not None else None

    def reset_motion(self) -> None:
        """Back to zero reps (and the class smoothing afresh) on the next frame."""
        with self._lock:
            if self._motion is not None:
                # A new tracker rather than resetting the one the worker may be updating.
                self._motion = MotionTracker(self._motion.config)

    @property
    def recording(self) -> bool:
        """Whether the webcam's recording is under way."""
        return self.is_recording()

    def is_recording(self, owner: str = "") -> bool:
        """Whether ``owner``'s recording is under way."""
        with self._lock:
            return owner in self._recorders

    def start_recording(self, owner: str = "") -> None:
        """Start keeping the landmarks of every processed frame for ``owner`` (drops
        their recording under way)."""
        with self._lock:
            self._recorders[owner] = LiveRecorder(self.max_recording_frames)

    def stop_recording(self, owner: str = "") -> VideoResult | None:
        """End ``owner``'s recording and return it (None if there was none)."""
        with self._lock:
            recorder = self._recorders.pop(owner, None)
        # Detached: no other thread touches it any more, so build outside the lock.
        return recorder.finish() if recorder is not None else None

    @property
    def detector(self) -> StreamDetector | None:
        """The session's stream detector while a stream runs (for diagnostics/tests)."""
        with self._lock:
            return self._detector

    def idle_seconds(self) -> float:
        """Seconds since :meth:`recv` last started or finished a frame (0 before the first).

        Lock-free, so :class:`StreamSlots` can ask under its own lock.
        """
        last = self._last_frame_at
        return 0.0 if last is None else self._clock() - last

    def release(self) -> None:
        """Close the stream detector and reset the counters; safe from any thread, twice."""
        with self._lock:
            detector, self._detector = self._detector, None
            self._frames = 0
            self._window.clear()
            self._frame_ms.clear()
            self._people = 0
            self._busy = False
            # A restarted stream tracks and smooths afresh (a recording carries on).
            self._tracks = None
            self._smoothing_for = None
            self._device_settings = None
        self._slots.release(self)
        if detector is not None:
            # StreamDetector.close waits for a detect in progress on the worker thread.
            detector.close()
            LOGGER.info("Released the webcam stream detector")
            if self._on_released is not None:
                self._on_released()

    # ---- streamlit-webrtc threads ----------------------------------------------------

    def on_ended(self) -> None:
        """streamlit-webrtc calls this when the video track ends (stop, tab closed)."""
        self.release()

    def recv(self, frame: av.VideoFrame) -> av.VideoFrame:
        """Detect, draw and annotate one video frame (runs on the frame worker thread)."""
        started = time.perf_counter()
        # PyAV converts straight to RGB, the order pose_core works in: no cv2 swap.
        annotated = self.process(frame.to_ndarray(format="rgb24"), started=started)
        return av.VideoFrame.from_ndarray(annotated, format="rgb24")

    def process(self, rgb_frame: np.ndarray, *, started: float | None = None) -> np.ndarray:
        """Detect, draw and annotate one RGB frame; returns the annotated copy (the same
        thread rules as :meth:`recv`, which wraps it for WebRTC; a network source calls
        this directly). ``started``: ``time.perf_counter()`` when the frame arrived, for
        the per-frame time (now if not given)."""
        started = time.perf_counter() if started is None else started
        self._last_frame_at = self._clock()
        config = self.config.get()
        detector = None
        try:
            loading = time.perf_counter()
            detector = self._ready_detector(config.detector)
            # Loading a model (first frame, new settings) is not per-frame time.
            started += time.perf_counter() - loading
            result = detector.detect(rgb_frame)
            now = self._clock()
            shown, motion = self._follow(result, config, lambda: detector.settings, now)
            annotated = draw_poses(rgb_frame, shown, config.style)
            if motion is not None and motion.match is not None and config.motion is not None:
                draw_reference(annotated, motion.match, config.motion.tolerance_deg)
            if config.mirror:
                annotated = _mirrored(annotated)
        except StreamBusyError:
            with self._lock:
                self._busy = True
            annotated = _mirrored(rgb_frame) if config.mirror else np.array(rgb_frame, copy=True)
            if self._text is not None:
                draw_readout(annotated, self._text.busy())
            return annotated
        except Exception as exc:  # keep the stream alive; the page shows the error
            # release() from the script thread may close the detector mid-frame as the
            # stream stops: not an error worth showing.
            if not (detector is not None and detector.closed):
                LOGGER.exception("Webcam frame processing failed")
                with self._lock:
                    self._error = f"{type(exc).__name__}: {exc}"
            annotated = _mirrored(rgb_frame) if config.mirror else np.array(rgb_frame, copy=True)
            if self._text is not None:
                draw_readout(annotated, self._text.failed())
            return annotated
        with self._lock:
            self._count_locked(now, result, Snapshot(rgb_frame, shown, detector.settings))
            stats = self._stats_locked("")
        if self._text is not None:
            draw_readout(annotated, self._text.readout(stats, motion, config.motion))
        # Timing hook for the readout and bench/bench_webcam.py: one clock read, one lock.
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        with self._lock:
            if self._detector is detector:  # not released meanwhile
                self._frame_ms.append(elapsed_ms)
        self._last_frame_at = self._clock()  # a slow frame is not a quiet stream
        return annotated

    # ---- results found elsewhere (script thread) --------------------------------------

    def process_result(self, result: PoseResult, settings: DetectorSettings, now: float) -> None:
        """Track, smooth, record and analyse a result the viewer's device found.

        ``settings``: what the device ran; ``now``: the frame's time in seconds on the
        device's clock (increasing: :class:`~pose_core.live.device.DeviceChannel` drops
        anything else). Runs on the script thread; see the module's notes.
        """
        self._last_frame_at = self._clock()
        config = self.config.get()
        shown, _motion = self._follow(result, config, lambda: settings, now)
        frame = _blank_frame(result.image_width, result.image_height)
        with self._lock:
            self._device_settings = settings
            self._count_locked(now, result, Snapshot(frame, shown, settings))

    # ---- internals ---------------------------------------------------------------------

    def _follow(
        self,
        result: PoseResult,
        config: LiveConfig,
        settings: Callable[[], DetectorSettings],
        now: float,
    ) -> tuple[PoseResult, MotionState | None]:
        """Tracking, smoothing, recording and motion analysis of one frame's result;
        returns the poses to show and the motion state after it. ``settings`` is read
        under the lock (a detector's may change while a model loads)."""
        with self._lock:
            shown = self._track_smooth_record_locked(result, config, settings(), now)
            tracker = self._motion_tracker_locked(config)
        # Outside the lock: the tracker is this thread's alone (a reset swaps in a new
        # one), and the script thread's readers only take its finished state.
        motion = (
            tracker.update(now, shown, config.style.visibility_threshold)
            if tracker is not None
            else None
        )
        return shown, motion

    def _count_locked(self, now: float, result: PoseResult, latest: Snapshot) -> None:
        """The counters after a processed frame, and the frame kept for a snapshot."""
        self._frames += 1
        self._window.append((now, result.inference_ms))
        while self._window and now - self._window[0][0] > FPS_WINDOW_S:
            self._window.popleft()
        self._people = result.num_poses
        self._error = None
        self._busy = False
        self._latest = latest

    def _track_smooth_record_locked(
        self, result: PoseResult, config: LiveConfig, settings: DetectorSettings, now: float
    ) -> PoseResult:
        """Track, smooth if asked and record ``result``; returns the poses to draw."""
        recorders = list(self._recorders.values())
        if config.smoothing is None and not recorders:
            return result
        if self._tracks is None or self._tracks.max_people != settings.num_poses:
            self._tracks = PoseTracks(settings.num_poses)
            self._smoothing_for = None
        key = (config.smoothing, settings) if config.smoothing is not None else None
        if key != self._smoothing_for:
            # New settings: start afresh rather than blend two filters' outputs.
            self._tracks.restart_smoothing(config.smoothing)
            self._smoothing_for = key
        tracked = self._tracks.update(result, now)
        for recorder in recorders:
            recorder.add(now, tracked, settings, config.smoothing)
        return tracked.shown

    def _motion_tracker_locked(self, config: LiveConfig) -> MotionTracker | None:
        """The tracker for this frame: None when no analysis is asked for, a new one when
        the motion settings changed."""
        motion: MotionConfig | None = config.motion
        if motion is None or not motion.active:
            self._motion = None
        elif self._motion is None or self._motion.config is not motion:
            self._motion = MotionTracker(motion)
        return self._motion

    def _ready_detector(self, settings: DetectorSettings) -> StreamDetector:
        with self._lock:
            detector = self._detector
        if detector is None:
            if not self._slots.try_acquire(self):
                raise StreamBusyError
            # Loading a model is slow next to a frame: done on this worker thread, outside
            # the lock, so the script thread's stats() calls never wait for it.
            detector = self._detector_factory(settings)
            with self._lock:
                self._detector = detector
        elif detector.settings != settings:
            # New landmarker, same stream clock: timestamps keep increasing.
            detector.update_settings(settings)
        return detector

    def _stats_locked(self, owner: str) -> StreamStats:
        window = self._window
        fps = 0.0
        if len(window) >= 2 and window[-1][0] > window[0][0]:
            fps = (len(window) - 1) / (window[-1][0] - window[0][0])
        inference = sum(ms for _, ms in window) / len(window) if window else 0.0
        frame_ms = sum(self._frame_ms) / len(self._frame_ms) if self._frame_ms else 0.0
        detector = self._detector
        source = detector.settings if detector is not None else self._device_settings
        recorder = self._recorders.get(owner)
        return StreamStats(
            frames=self._frames,
            fps=fps,
            inference_ms=inference,
            frame_ms=frame_ms,
            people=self._people,
            model=source.model_variant if source is not None else "",
            running=source is not None,
            error=self._error,
            recording=recorder is not None,
            recorded_frames=recorder.frames if recorder else 0,
            recording_full=bool(recorder and recorder.full),
            busy=self._busy,
        )
