"""MediaPipe PoseLandmarker wrappers for still images and video streams."""

from __future__ import annotations

import functools
import threading
import time
import types
from typing import Any, Literal, Protocol, Self

import numpy as np

from .exit_hooks import call_before_threads_join
from .imageio import fit_within_pixels
from .models import verified_model_path
from .results import PoseResult
from .settings import DetectorSettings

# Inference runs on at most this many pixels; MediaPipe itself looks at 224x224 and
# 256x256 crops, so a 12-megapixel photo only costs conversion time above this.
DEFAULT_MAX_INFERENCE_PIXELS = 4_000_000

# Every landmarker still open at interpreter exit prints a TypeError traceback from its
# __del__ (mediapipe 1.2.2), and one garbage-collected while open can hang the process
# in MediaPipe's clean-up. So open detectors are held here (strongly: they are never
# collected open) until close(), and any left are closed before exit.
_OPEN: set[_Detector] = set()


def _close_all() -> None:
    for detector in list(_OPEN):
        detector.close()


# A landmarker makes its C calls on a ThreadPoolExecutor thread, so the ones left open
# are closed before executors shut down at exit (see exit_hooks).
call_before_threads_join(_close_all)


@functools.cache
def load_mediapipe() -> types.SimpleNamespace:
    """Import MediaPipe's Tasks API, once; detectors call it when they are created.

    Importing it takes about 0.4 s with a warm disk cache and 1.5 s or more cold (its
    drawing helpers import matplotlib.pyplot), so it waits until something detects: the
    app's first page does not pay for it. Code that creates detectors on a thread of its
    own calls this first on the thread that starts it, because two threads importing
    overlapping packages at once can hand one of them a partially initialised module.

    Returns:
        A namespace with ``mp`` (the ``mediapipe`` package), ``BaseOptions`` and
        ``vision`` (``mediapipe.tasks.python.vision``).
    """
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    return types.SimpleNamespace(mp=mp, BaseOptions=BaseOptions, vision=vision)


def _create_landmarker(
    settings: DetectorSettings, running_mode: Literal["IMAGE", "VIDEO"]
) -> Any:  # vision.PoseLandmarker: MediaPipe ships no types
    tasks = load_mediapipe()
    vision = tasks.vision
    options = vision.PoseLandmarkerOptions(
        base_options=tasks.BaseOptions(
            model_asset_path=str(verified_model_path(settings.model_variant))
        ),
        running_mode=vision.RunningMode[running_mode],
        num_poses=settings.num_poses,
        min_pose_detection_confidence=settings.min_pose_detection_confidence,
        min_pose_presence_confidence=settings.min_pose_presence_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
        output_segmentation_masks=settings.output_segmentation_masks,
    )
    return vision.PoseLandmarker.create_from_options(options)


class _Backend(Protocol):
    """What finds the poses for a detector: MediaPipe's landmarker or the top-down engine."""

    def detect(self, rgb_image: np.ndarray, timestamp_ms: int | None) -> PoseResult: ...

    def close(self) -> None: ...


class _MediaPipeBackend:
    """MediaPipe's PoseLandmarker: its own face-based person detector, then BlazePose."""

    def __init__(
        self, settings: DetectorSettings, mode: Literal["IMAGE", "VIDEO"], max_pixels: int
    ) -> None:
        self._landmarker = _create_landmarker(settings, mode)
        self._max_pixels = max_pixels

    def detect(self, rgb_image: np.ndarray, timestamp_ms: int | None) -> PoseResult:
        height, width = rgb_image.shape[:2]
        inference_image, _scale = fit_within_pixels(rgb_image, self._max_pixels)
        mp_image = _as_mp_image(inference_image)
        start = time.perf_counter()
        if timestamp_ms is None:
            mp_result = self._landmarker.detect(mp_image)
        else:
            mp_result = self._landmarker.detect_for_video(mp_image, timestamp_ms)
        inference_ms = (time.perf_counter() - start) * 1000.0
        # Normalised coordinates are scale-free, so the original size maps them to pixels.
        return PoseResult.from_mediapipe(
            mp_result, width, height, inference_ms=inference_ms, timestamp_ms=timestamp_ms
        )

    def close(self) -> None:
        self._landmarker.close()


class _TopDownBackend:
    """A whole-body person detector, then BlazePose's landmark model per person."""

    def __init__(self, settings: DetectorSettings, mode: Literal["IMAGE", "VIDEO"]) -> None:
        from .topdown.engine import TopDownEngine

        self._engine = TopDownEngine(settings)
        self._tracking = mode == "VIDEO"

    def detect(self, rgb_image: np.ndarray, timestamp_ms: int | None) -> PoseResult:
        _check_rgb(rgb_image)
        height, width = rgb_image.shape[:2]
        start = time.perf_counter()
        if self._tracking:
            poses = self._engine.detect_frame(rgb_image)
        else:
            poses = self._engine.detect_image(rgb_image)
        inference_ms = (time.perf_counter() - start) * 1000.0
        return PoseResult(tuple(poses), width, height, inference_ms, timestamp_ms)

    def close(self) -> None:
        self._engine.reset()


def _create_backend(
    settings: DetectorSettings, mode: Literal["IMAGE", "VIDEO"], max_pixels: int
) -> _Backend:
    if settings.person_detector == "mediapipe":
        return _MediaPipeBackend(settings, mode, max_pixels)
    return _TopDownBackend(settings, mode)


def _check_rgb(rgb_image: np.ndarray) -> None:
    if rgb_image.ndim != 3 or rgb_image.shape[2] != 3 or rgb_image.dtype != np.uint8:
        raise ValueError(
            f"expected an H x W x 3 uint8 RGB image, got {rgb_image.dtype} {rgb_image.shape}"
        )


def _as_mp_image(rgb_image: np.ndarray) -> Any:  # mediapipe.Image
    _check_rgb(rgb_image)
    mp = load_mediapipe().mp
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb_image))


class _Detector:
    _running_mode: Literal["IMAGE", "VIDEO"]

    def __init__(
        self,
        settings: DetectorSettings | None = None,
        *,
        max_inference_pixels: int = DEFAULT_MAX_INFERENCE_PIXELS,
    ) -> None:
        # No settings: DetectorSettings' defaults, PoseScope's recommended ones (the
        # CLI's and the app's).
        self.settings = settings or DetectorSettings()
        self.max_inference_pixels = max_inference_pixels
        # A landmarker (and a tracking engine) is not thread-safe: one call at a time.
        self._lock = threading.Lock()
        self._backend: _Backend | None = _create_backend(
            self.settings, self._running_mode, max_inference_pixels
        )
        _OPEN.add(self)

    @property
    def closed(self) -> bool:
        return self._backend is None

    def close(self) -> None:
        """Release the MediaPipe graph (or the top-down models). Safe to call twice."""
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None
        _OPEN.discard(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _run(self, rgb_image: np.ndarray, timestamp_ms: int | None) -> PoseResult:
        _check_rgb(rgb_image)
        if self._backend is None:
            raise RuntimeError("this detector is closed")
        return self._backend.detect(rgb_image, timestamp_ms)


class ImageDetector(_Detector):
    """Pose detection on independent still images (MediaPipe IMAGE mode).

    Thread-safe: calls are serialised, so one instance can be shared (for example
    through ``st.cache_resource``) by every session that uses the same settings.

    Example:
        >>> with ImageDetector(DetectorSettings(model_variant="lite")) as detector:
        ...     result = detector.detect(rgb_image)
    """

    _running_mode = "IMAGE"

    def detect(self, rgb_image: np.ndarray) -> PoseResult:
        """Detect people in an RGB image (H x W x 3 uint8).

        Images above ``max_inference_pixels`` are downscaled for inference only;
        pixel coordinates in the result refer to the original image.
        """
        with self._lock:
            return self._run(rgb_image, None)


class StreamDetector(_Detector):
    """Pose detection on the frames of one video stream (MediaPipe VIDEO mode).

    MediaPipe tracks the person from frame to frame, which is faster and steadier than
    IMAGE mode, but needs strictly increasing timestamps and one landmarker per stream:
    create one instance per stream (per browser session, per video file), never share
    it, and :meth:`reset` it when the stream restarts.
    """

    _running_mode = "VIDEO"

    def __init__(
        self,
        settings: DetectorSettings | None = None,
        *,
        max_inference_pixels: int = DEFAULT_MAX_INFERENCE_PIXELS,
    ) -> None:
        super().__init__(settings, max_inference_pixels=max_inference_pixels)
        self._last_timestamp_ms: int | None = None
        self._clock_origin = time.monotonic()

    def detect(self, rgb_frame: np.ndarray, timestamp_ms: int | None = None) -> PoseResult:
        """Detect people in the next frame of the stream.

        Args:
            rgb_frame: H x W x 3 uint8 RGB frame.
            timestamp_ms: The frame's time in milliseconds. Defaults to a monotonic
                clock. A timestamp not after the previous one (repeated or reordered
                frames) is moved to one millisecond after it, as MediaPipe requires.
        """
        with self._lock:
            if timestamp_ms is None:
                timestamp_ms = int((time.monotonic() - self._clock_origin) * 1000)
            timestamp_ms = int(timestamp_ms)
            if self._last_timestamp_ms is not None and timestamp_ms <= self._last_timestamp_ms:
                timestamp_ms = self._last_timestamp_ms + 1
            self._last_timestamp_ms = timestamp_ms
            return self._run(rgb_frame, timestamp_ms)

    def reset(self, settings: DetectorSettings | None = None) -> None:
        """Start a new stream: drop tracking state and timestamps; optionally new settings.

        The new landmarker is created before the old one is closed, so a failure to load
        leaves the detector working with its previous settings.
        """
        self._swap_landmarker(settings or self.settings, restart_clock=True)

    def update_settings(self, settings: DetectorSettings) -> bool:
        """Switch to ``settings`` if they differ; returns whether the landmarker changed.

        MediaPipe fixes options at creation, so new settings mean a new landmarker; the
        stream's clock keeps running so timestamps stay increasing.
        """
        if settings == self.settings and not self.closed:
            return False
        self._swap_landmarker(settings, restart_clock=False)
        return True

    def _swap_landmarker(self, settings: DetectorSettings, *, restart_clock: bool) -> None:
        # Load first, outside the lock: frames keep flowing through the old landmarker
        # meanwhile, and a failed load leaves it in place.
        backend = _create_backend(settings, self._running_mode, self.max_inference_pixels)
        with self._lock:
            old, self._backend = self._backend, backend
            self.settings = settings
            if restart_clock:
                self._last_timestamp_ms = None
                self._clock_origin = time.monotonic()
        _OPEN.add(self)
        if old is not None:
            old.close()
