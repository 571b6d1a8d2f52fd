"""Landmarks found in the viewer's browser ("Run on this device"), checked before the live
engine sees them.

The browser runs BlazePose itself and sends, every quarter of a second or so, one JSON
text: its status (camera, delegate, speed) and the frames' landmarks since the last
message the server acknowledged. Everything in it is untrusted: a page's script can send
anything. :func:`parse_batch` is the pure check (size first, before any parsing; then
shape, numbers, ranges, the session's token, increasing times);
:class:`DeviceChannel` adds what needs memory (the rate limit on an injected clock,
frames already received, counters of refusals). A refused message stores nothing.

Threads: a :class:`DeviceChannel` belongs to one browser session and is only called on
that session's script thread (the page's fragment run), so it has no lock.

The message (``v`` 1)::

    {"v": 1, "token": "...",
     "status": {"camera": "playing", "delegate": "CPU", "simd": true, "fallback": "",
                "model": "lite", "fps": 14.8, "inference_ms": 52.0},
     "frames": [{"t": 1765151234567.5, "w": 640, "h": 480, "ms": 51.2,
                 "poses": [{"l": [165 numbers: 33 x (x, y, z, visibility, presence)],
                            "w": [99 numbers: 33 x (x, y, z) in metres]}]}]}

``t`` is the frame's time in milliseconds of the browser's clock (its time origin plus
``performance.now()``, so it keeps increasing when the component is reloaded).
"""

from __future__ import annotations

import collections
import dataclasses
import hmac
import json
import math
import secrets
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..landmarks import NUM_LANDMARKS
from ..results import LANDMARK_FIELDS, WORLD_FIELDS, PersonPose, PoseResult
from ..settings import MAX_NUM_POSES, MODEL_VARIANTS

# Why a message was refused (the readout counts each).
TOO_LARGE = "too large"
NOT_JSON = "not JSON"
BAD_TOKEN = "wrong session token"
BAD_SHAPE = "bad shape"
NOT_FINITE = "not a finite number"
OUT_OF_RANGE = "value out of range"
NOT_INCREASING = "times not increasing"
TOO_FAST = "too many frames per second"
REASONS = (TOO_LARGE, NOT_JSON, BAD_TOKEN, BAD_SHAPE, NOT_FINITE, OUT_OF_RANGE,
           NOT_INCREASING, TOO_FAST)  # fmt: skip

# What the browser may say about its camera: a state, or a getUserMedia error's name.
CAMERA_STATES = frozenset({"stopped", "starting", "playing", "insecure"})
DELEGATES = frozenset({"", "CPU", "GPU"})
# Why the CPU runs although a GPU delegate was tried first (empty: no fallback).
FALLBACKS = frozenset({"", "no WebGL", "software WebGL", "GPU failed"})


@dataclasses.dataclass(frozen=True)
class DeviceLimits:
    """The caps on what one browser session may send.

    Attributes:
        max_chars: Longest message, in characters, checked before parsing (64 frames of
            two people at 4 decimals is about 300 000).
        max_frames: Frames in one message (the browser re-sends unacknowledged frames,
            at most 2 s' worth at 30 fps).
        max_fps: New frames accepted per second, over ``window_s``.
        max_messages_per_s: Messages accepted per second, over ``window_s``.
        window_s: The rate limit's window, in seconds of the server's clock.
        coordinate: Largest magnitude of a normalised image coordinate (joints out of
            frame lie outside 0..1, never this far).
        world_m: Largest magnitude of a world coordinate, in metres from the hips.
        max_side: Largest frame width or height, in pixels.
        max_inference_ms: Longest inference time a frame may claim.
    """

    max_chars: int = 512_000
    max_frames: int = 64
    max_fps: float = 90.0
    max_messages_per_s: float = 20.0
    window_s: float = 2.0
    coordinate: float = 10.0
    world_m: float = 10.0
    max_side: int = 8192
    max_inference_ms: float = 60_000.0


class RejectedMessage(ValueError):
    """A device message that was refused; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class DeviceStatus:
    """What the browser says about itself.

    Attributes:
        camera: "stopped", "starting", "playing", "insecure", or the name of the error
            the camera failed with (e.g. "NotAllowedError").
        delegate: "GPU" or "CPU" ("" before the model has loaded).
        simd: Whether the SIMD build of the WASM runtime runs.
        fallback: Why the CPU runs when the GPU was not used ("" otherwise).
        model: The model variant the browser runs ("" before it has loaded).
        fps: Frames the browser processed per second, lately.
        inference_ms: The browser's mean inference time, lately.
    """

    camera: str = "stopped"
    delegate: str = ""
    simd: bool = False
    fallback: str = ""
    model: str = ""
    fps: float = 0.0
    inference_ms: float = 0.0

    @property
    def playing(self) -> bool:
        return self.camera == "playing"


@dataclasses.dataclass(frozen=True)
class DeviceFrame:
    """One frame's landmarks as the browser found them (``time_ms``: its clock)."""

    time_ms: float
    result: PoseResult


@dataclasses.dataclass(frozen=True)
class DeviceBatch:
    """A checked message: the browser's status and the frames it carried."""

    status: DeviceStatus
    frames: tuple[DeviceFrame, ...]


def _shape(condition: bool, detail: str) -> None:
    if not condition:
        raise RejectedMessage(BAD_SHAPE, detail)


def _number(value: Any, low: float, high: float, what: str) -> float:
    # bool is an int to Python, not a number to us.
    _shape(isinstance(value, int | float) and not isinstance(value, bool), f"{what} not a number")
    number = float(value)
    if not math.isfinite(number):
        raise RejectedMessage(NOT_FINITE, what)
    if not low <= number <= high:
        raise RejectedMessage(OUT_OF_RANGE, f"{what} = {number:g}")
    return number


def _table(values: Any, columns: int, what: str) -> np.ndarray:
    """A flat list of NUM_LANDMARKS x ``columns`` finite numbers as a float32 table."""
    _shape(
        isinstance(values, list) and len(values) == NUM_LANDMARKS * columns,
        f"{what} needs {NUM_LANDMARKS} x {columns} numbers",
    )
    _shape(
        all(isinstance(v, int | float) and not isinstance(v, bool) for v in values),
        f"{what} not all numbers",
    )
    table = np.asarray(values, dtype=np.float64).reshape(NUM_LANDMARKS, columns)
    if not np.isfinite(table).all():
        raise RejectedMessage(NOT_FINITE, what)
    return table


def _pose(raw: Any, limits: DeviceLimits) -> PersonPose:
    _shape(isinstance(raw, dict), "a pose is not an object")
    image = _table(raw.get("l"), len(LANDMARK_FIELDS), "image landmarks")
    world = _table(raw.get("w"), len(WORLD_FIELDS), "world landmarks")
    if np.abs(image[:, :3]).max() > limits.coordinate:
        raise RejectedMessage(OUT_OF_RANGE, "image landmark coordinates")
    if image[:, 3:].min() < 0.0 or image[:, 3:].max() > 1.0:
        raise RejectedMessage(OUT_OF_RANGE, "visibility or presence outside 0..1")
    if np.abs(world).max() > limits.world_m:
        raise RejectedMessage(OUT_OF_RANGE, "world landmarks")
    return PersonPose(image.astype(np.float32), world.astype(np.float32))


def _status(raw: Any, limits: DeviceLimits) -> DeviceStatus:
    _shape(isinstance(raw, dict), "status is not an object")
    camera = raw.get("camera")
    _shape(
        isinstance(camera, str)
        and (camera in CAMERA_STATES or (camera.isalpha() and len(camera) <= 40)),
        "camera state",
    )
    delegate, fallback, model = raw.get("delegate"), raw.get("fallback"), raw.get("model")
    _shape(delegate in DELEGATES, "delegate")
    _shape(fallback in FALLBACKS, "fallback")
    _shape(model == "" or model in MODEL_VARIANTS, "model")
    _shape(isinstance(raw.get("simd"), bool), "simd")
    return DeviceStatus(
        camera=str(camera),
        delegate=str(delegate),
        simd=bool(raw["simd"]),
        fallback=str(fallback),
        model=str(model),
        fps=_number(raw.get("fps"), 0.0, 1000.0, "status fps"),
        inference_ms=_number(
            raw.get("inference_ms"), 0.0, limits.max_inference_ms, "status inference_ms"
        ),
    )


def parse_batch(text: Any, *, token: str, limits: DeviceLimits | None = None) -> DeviceBatch:
    """Check one message from the browser; raises :class:`RejectedMessage` on anything
    but a well-formed message carrying ``token``, whose frames' times increase.

    Pure: the caller keeps what depends on earlier messages (:class:`DeviceChannel`).
    """
    limits = limits or DeviceLimits()
    if not isinstance(text, str):
        raise RejectedMessage(BAD_SHAPE, "the message is not text")
    # Before parsing: a huge message costs only this length check.
    if len(text) > limits.max_chars:
        raise RejectedMessage(TOO_LARGE, f"{len(text)} characters")
    try:
        # NaN and Infinity are not JSON; Python's parser would take them.
        message = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, RejectedMessage):
            raise
        raise RejectedMessage(NOT_JSON, type(exc).__name__) from None
    _shape(isinstance(message, dict) and message.get("v") == 1, "not a version 1 message")
    sent_token = message.get("token")
    # Constant time: the token is the session's secret.
    if not isinstance(sent_token, str) or not hmac.compare_digest(
        sent_token.encode(), token.encode()
    ):
        raise RejectedMessage(BAD_TOKEN, "the token is not this session's")
    status = _status(message.get("status"), limits)
    raw_frames = message.get("frames")
    _shape(isinstance(raw_frames, list), "frames is not a list")
    if len(raw_frames) > limits.max_frames:
        raise RejectedMessage(TOO_FAST, f"{len(raw_frames)} frames in one message")
    frames = []
    previous = -math.inf
    for raw in raw_frames:
        _shape(isinstance(raw, dict), "a frame is not an object")
        time_ms = _number(raw.get("t"), 0.0, 1e14, "frame time")
        if time_ms <= previous:
            raise RejectedMessage(NOT_INCREASING, f"{time_ms:g} after {previous:g}")
        previous = time_ms
        width = _number(raw.get("w"), 1, limits.max_side, "frame width")
        height = _number(raw.get("h"), 1, limits.max_side, "frame height")
        _shape(width.is_integer() and height.is_integer(), "frame size")
        inference = _number(raw.get("ms"), 0.0, limits.max_inference_ms, "inference time")
        poses = raw.get("poses")
        _shape(isinstance(poses, list), "poses is not a list")
        if len(poses) > MAX_NUM_POSES:
            raise RejectedMessage(OUT_OF_RANGE, f"{len(poses)} people in one frame")
        result = PoseResult(
            tuple(_pose(p, limits) for p in poses),
            int(width),
            int(height),
            inference_ms=inference,
            timestamp_ms=int(time_ms),
        )
        frames.append(DeviceFrame(time_ms, result))
    return DeviceBatch(status, tuple(frames))


def _no_constant(name: str) -> Any:
    raise RejectedMessage(NOT_FINITE, name)


class DeviceChannel:
    """One browser session's landmark channel: its token, rate limit and counters.

    Args:
        token: The session's secret the component was handed (a fresh one if omitted).
        limits: The caps.
        clock: Monotonic seconds, for the rate limit (tests step it by hand).
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        limits: DeviceLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self.limits = limits or DeviceLimits()
        self._clock = clock
        self._last_text: str | None = None
        # Time of the newest frame received (the browser's clock): older ones are re-sent.
        self.last_time_ms = -math.inf
        # (server time, new frames) per accepted message, within the rate window.
        self._accepted: collections.deque[tuple[float, int]] = collections.deque()
        self.status = DeviceStatus()
        self.frames_received = 0
        self.rejected: collections.Counter[str] = collections.Counter()

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def receive(self, text: Any) -> tuple[DeviceFrame, ...] | None:
        """Check a message; returns its frames not received before (possibly none), or
        None when it was refused or is the message already handled.

        A rerun hands the page the component's last value again: the same text is not
        a new message, and is neither counted nor refused.
        """
        if text is None or text == self._last_text:
            return None
        self._last_text = text if isinstance(text, str) else None
        try:
            batch = parse_batch(text, token=self.token, limits=self.limits)
            fresh = tuple(f for f in batch.frames if f.time_ms > self.last_time_ms)
            self._check_rate(len(fresh))
        except RejectedMessage as refused:
            self.rejected[refused.reason] += 1
            return None
        self.status = batch.status
        if fresh:
            self.last_time_ms = fresh[-1].time_ms
        self.frames_received += len(fresh)
        return fresh

    def _check_rate(self, frames: int) -> None:
        now = self._clock()
        window = self.limits.window_s
        while self._accepted and now - self._accepted[0][0] >= window:
            self._accepted.popleft()
        messages = len(self._accepted) + 1
        total = sum(n for _, n in self._accepted) + frames
        if messages > self.limits.max_messages_per_s * window:
            raise RejectedMessage(TOO_FAST, f"{messages} messages in {window:g} s")
        if total > self.limits.max_fps * window:
            raise RejectedMessage(TOO_FAST, f"{total} frames in {window:g} s")
        self._accepted.append((now, frames))
