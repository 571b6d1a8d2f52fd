"""One pulled stream, shared by everyone watching it: :class:`LiveSource`.

Threads: a source runs two threads of its own.

- The **pull thread** opens the address with PyAV (FFmpeg), decodes every frame (a
  compressed stream can only be decoded in order) and leaves the newest in a one-frame
  mailbox (:mod:`.pull`); a frame not taken before the next arrives is dropped, never
  queued, so a slow detector lowers the processed rate but never adds delay. On a
  failure it records what happened (:class:`~.problems.Problem`) and tries again with
  back-off while anyone watches.
- The **processing thread** takes the newest frame, runs the live engine
  (:class:`~pose_core.live.PoseStreamProcessor`, the webcam's, with one detector for
  all viewers) and publishes the annotated frame to the viewers; while the pull has no
  picture it publishes the app's still frame (its :class:`Slate`) twice a second.

Viewers (the app's WebRTC tracks, one per browser) read the
latest published frame on the WebRTC event loop; :meth:`LiveSource.attach` and
:meth:`LiveSource.detach` may be called from any thread. The source stops itself when
no viewer has been attached for ``idle_close_s``: the pull is closed and the detector's
slot given back. Shared fields are guarded by ``_lock``, held for reads and swaps only.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import fractions
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

import av
import numpy as np

from ..live import LiveConfig, PoseStreamProcessor
from .problems import Problem, classify
from .pull import MAX_PIXELS, OPEN_TIMEOUT_S, READ_TIMEOUT_S, NoFrames, Pull, StreamEnded

LOGGER = logging.getLogger(__name__)

# Back-off between attempts: doubles from the first delay up to the last.
RETRY_DELAYS_S = (1.0, 2.0, 4.0, 8.0, 15.0)
# A source stays up this long after its last viewer left (a page reload comes back).
IDLE_CLOSE_S = 3.0
# A viewer gone this long without coming back loses the recording they left running.
ABANDONED_RECORDING_S = 60.0
# Live this long, a stream counts as steady again: its back-off starts afresh.
STEADY_S = 10.0
# While there is no picture, a still frame saying why is sent this often.
SLATE_INTERVAL_S = 0.5
# The RTP clock of the frames handed to WebRTC.
VIDEO_TIME_BASE = fractions.Fraction(1, 90_000)
RATE_WINDOW_S = 2.0


class SourceState(enum.Enum):
    """Where a source is in its life."""

    CONNECTING = "connecting"
    LIVE = "live"
    RETRYING = "retrying"
    FAILED = "failed"
    CLOSED = "closed"


@dataclasses.dataclass(frozen=True)
class SourceSpec:
    """What to pull and how to show it.

    Attributes:
        url: What FFmpeg opens (credentials included: never shown).
        display: The address as shown on the page and in the logs.
        key: Identifies the source on this server; equal keys share one pull.
        host: The host named in messages.
        options: FFmpeg options.
        replay: Pace frames by their timestamps and start again at the end (a file
            played live); otherwise frames are taken as they come.
        shareable: Other sessions may join it by its public id (a private upload may not).
        redact: Takes credentials out of a text (FFmpeg's messages quote the address).
        recheck: Called before every (re)connection: checks the address against the
            operator's rules again, with a fresh DNS answer, and raises if it may no
            longer be opened.
    """

    url: str
    display: str
    key: str
    host: str
    options: Mapping[str, str]
    replay: bool = False
    shareable: bool = True
    redact: Callable[[str], str] = str
    recheck: Callable[[], object] | None = None

    def __repr__(self) -> str:
        return f"SourceSpec({self.display!r})"


@dataclasses.dataclass(frozen=True, eq=False)
class Published:
    """A processed frame as the viewers get it.

    Attributes:
        sequence: Counts published frames: a viewer sends each number once.
        rgb_frame: The picture (H x W x 3 RGB); read-only by agreement, each viewer makes
            its own video frame from it.
        pts: Its time in :data:`VIDEO_TIME_BASE` units, one clock for every viewer.
    """

    sequence: int
    rgb_frame: np.ndarray
    pts: int


@dataclasses.dataclass(frozen=True)
class SourceStatus:
    """A consistent copy of a source's state, for the page.

    Attributes:
        state: Where the source is.
        problem: Why it is retrying or failed (None while connecting or live).
        attempts: Failed attempts since it was last live.
        retry_in_s: Seconds to the next attempt while retrying.
        viewers: Browsers watching now.
        width, height: The stream's picture size (0 before the first frame).
        codec: The stream's video codec.
        input_fps: Frames decoded per second.
        dropped: Frames decoded but skipped because the detector was busy.
        reconnects: Times the pull came back after a loss.
    """

    state: SourceState
    problem: Problem | None
    attempts: int
    retry_in_s: float
    viewers: int
    width: int
    height: int
    codec: str
    input_fps: float
    dropped: int
    reconnects: int


class SourceClosedError(RuntimeError):
    """The source is stopping and takes no new viewer."""


class Viewer(Protocol):
    """What a source tells about new frames (a :class:`~.track.ViewerTrack`)."""

    owner: str

    def notify(self) -> None:
        """A new frame was published (called on the processing thread)."""
        ...

    def stop(self) -> None:
        """End this viewer (it detaches itself)."""
        ...


class Slate(Protocol):
    """Draws the still frame viewers get while a source has no picture (the app's).

    Called on the source's processing thread, twice a second and only while the source
    is not live, so it may take a few milliseconds; it must not block, and must return a
    picture of its own (it is published to every viewer as it is) and leave ``last``
    unchanged (the engine's own copy).
    """

    def __call__(self, host: str, status: SourceStatus, last: np.ndarray | None) -> np.ndarray:
        """An H x W x 3 RGB picture saying what ``status`` means for ``host``; ``last``
        is the last picture the camera sent (None before the first)."""
        ...


@dataclasses.dataclass
class _Mailbox:
    """The newest decoded frame, replaced by the next (guarded by its condition)."""

    condition: threading.Condition = dataclasses.field(default_factory=threading.Condition)
    frame: av.VideoFrame | None = None
    dropped: int = 0


class LiveSource:
    """A pulled stream, its live engine, and its viewers.

    Args:
        spec: What to pull.
        processor: The live engine (its ``recv`` is called on this source's processing
            thread only).
        on_closed: Called once, on a source thread, after the source stopped.
        idle_close_s: Stop this long after the last viewer left.
        retry_delays_s: Back-off between attempts (the last repeats).
        max_pixels: Largest picture decoded; larger streams fail.
        abandoned_recording_s: A viewer gone this long loses the recording they left.
        slate: Draws the still frame published while there is no picture; without one,
            viewers keep the last published frame until the picture comes back.
    """

    def __init__(
        self,
        spec: SourceSpec,
        processor: PoseStreamProcessor,
        *,
        on_closed: Callable[[LiveSource], object] | None = None,
        idle_close_s: float = IDLE_CLOSE_S,
        retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S,
        max_pixels: int = MAX_PIXELS,
        abandoned_recording_s: float = ABANDONED_RECORDING_S,
        slate: Slate | None = None,
    ) -> None:
        self.spec = spec
        self.processor = processor
        # Share links name a source by this, never by its address.
        self.public_id = secrets.token_urlsafe(9)
        self._on_closed = on_closed
        self._idle_close_s = idle_close_s
        self._retry_delays_s = retry_delays_s
        self._max_pixels = max_pixels
        self._abandoned_recording_s = abandoned_recording_s
        self._slate = slate
        self._live_since = 0.0
        self._closing = threading.Event()
        self._mailbox = _Mailbox()
        self._lock = threading.Lock()
        self._viewers: set[Viewer] = set()
        # Owners (browser sessions) whose last viewer left, and when.
        self._left: dict[str, float] = {}
        self._unwatched_since: float | None = time.monotonic()
        self._state = SourceState.CONNECTING
        self._problem: Problem | None = None
        self._attempts = 0
        self._retry_at = 0.0
        self._reconnects = 0
        self._size = (0, 0)
        self._codec = ""
        self._decoded: collections.deque[float] = collections.deque()
        self._published: Published | None = None
        self._clock_zero = time.monotonic()
        self._pull_thread = threading.Thread(
            target=self._pull_loop, name=f"stream-pull-{self.public_id}", daemon=True
        )
        self._process_thread = threading.Thread(
            target=self._process_loop, name=f"stream-process-{self.public_id}", daemon=True
        )

    def start(self) -> LiveSource:
        self._pull_thread.start()
        self._process_thread.start()
        return self

    # ---- any thread ----------------------------------------------------------------------

    def attach(self, viewer: Viewer) -> None:
        """Add a viewer; raises :class:`SourceClosedError` if the source is stopping."""
        with self._lock:
            if self._closing.is_set():
                raise SourceClosedError(self.spec.display)
            self._viewers.add(viewer)
            self._unwatched_since = None
            self._left.pop(viewer.owner, None)

    def detach(self, viewer: Viewer) -> None:
        with self._lock:
            self._viewers.discard(viewer)
            now = time.monotonic()
            if not self._viewers and self._unwatched_since is None:
                self._unwatched_since = now
            if viewer.owner and all(v.owner != viewer.owner for v in self._viewers):
                self._left[viewer.owner] = now

    def leave(self, owner: str) -> None:
        """End every viewer of browser session ``owner`` (its page says it stopped)."""
        with self._lock:
            leaving = [v for v in self._viewers if v.owner == owner]
        for viewer in leaving:  # outside the lock: stop() detaches through it
            viewer.stop()

    def update_config(self, config: LiveConfig) -> None:
        """New settings for the shared engine (applied on the next frame)."""
        self.processor.update_config(config)

    def latest(self) -> Published | None:
        """The newest published frame (None before the first)."""
        with self._lock:
            return self._published

    @property
    def closed(self) -> bool:
        """Stopped or stopping: it takes no new viewer."""
        return self._closing.is_set()

    def status(self) -> SourceStatus:
        now = time.monotonic()
        with self._lock:
            decoded = self._decoded
            fps = 0.0
            if len(decoded) >= 2 and decoded[-1] > decoded[0]:
                fps = (len(decoded) - 1) / (decoded[-1] - decoded[0])
            if decoded and now - decoded[-1] > RATE_WINDOW_S:
                fps = 0.0
            return SourceStatus(
                state=self._state,
                problem=self._problem,
                attempts=self._attempts,
                retry_in_s=max(0.0, self._retry_at - now),
                viewers=len(self._viewers),
                width=self._size[0],
                height=self._size[1],
                codec=self._codec,
                input_fps=fps,
                dropped=self._mailbox.dropped,
                reconnects=self._reconnects,
            )

    def close(self) -> None:
        """Stop pulling and processing (returns at once; the threads end within the
        read timeout)."""
        with self._lock:  # attach() checks it under the same lock
            self._closing.set()
        with self._mailbox.condition:
            self._mailbox.condition.notify_all()

    # ---- the pull thread -------------------------------------------------------------

    def _pull_loop(self) -> None:
        try:
            while not self._closing.is_set():
                try:
                    delivered = self._pull_once()
                    if self.spec.replay and delivered:
                        continue  # a file played live starts again
                    if self.spec.replay:  # not a tight loop over a clip with no frame
                        raise NoFrames
                    raise StreamEnded
                except Exception as exc:  # every failure is reported and maybe retried
                    if self._closing.is_set():
                        break
                    problem = classify(exc, host=self.spec.host, redact=self.spec.redact)
                    LOGGER.info("Stream %s: %s", self.spec.display, problem.kind.value)
                    if not self._wait_to_retry(problem):
                        break
        finally:
            LOGGER.info("Stopped pulling %s", self.spec.display)

    def _wait_to_retry(self, problem: Problem) -> bool:
        """Record ``problem`` and wait before the next attempt; False to give up."""
        with self._lock:
            self._problem = problem
            self._attempts += 1
            if not problem.retry:
                self._state = SourceState.FAILED
                return False
            self._state = SourceState.RETRYING
            delay = self._retry_delays_s[min(self._attempts, len(self._retry_delays_s)) - 1]
            self._retry_at = time.monotonic() + delay
        return not self._closing.wait(delay)

    def _pull_once(self) -> int:
        """One attempt: returns the frames delivered before the stream ended."""
        if self.spec.recheck is not None:
            self.spec.recheck()  # a name that now resolves into a refused network stops here
        pull = Pull(
            self.spec.url, self.spec.options, self.spec.replay, self._max_pixels, self._closing
        )
        return pull.run(self._set_codec, self._deliver)

    def _set_codec(self, name: str) -> None:
        with self._lock:
            self._codec = name

    def _deliver(self, frame: av.VideoFrame) -> None:
        now = time.monotonic()
        with self._lock:
            if self._state is not SourceState.LIVE:
                if self._live_since:  # it was live before: this is a comeback
                    self._reconnects += 1
                self._state, self._problem = SourceState.LIVE, None
                self._live_since = now
            elif self._attempts and now - self._live_since >= STEADY_S:
                # Back-off starts afresh only once the stream has held: one that connects
                # and drops at once is not retried every second.
                self._attempts = 0
            self._size = (frame.width, frame.height)
            self._decoded.append(now)
            while self._decoded and now - self._decoded[0] > RATE_WINDOW_S:
                self._decoded.popleft()
        box = self._mailbox
        with box.condition:
            if box.frame is not None:
                box.dropped += 1
            box.frame = frame
            box.condition.notify()

    # ---- the processing thread -------------------------------------------------------

    def _process_loop(self) -> None:
        try:
            while not self._closing.is_set():
                frame = self._take(SLATE_INTERVAL_S)
                if frame is not None:
                    started = time.perf_counter()
                    rgb_frame = frame.to_ndarray(format="rgb24")
                    self._publish(self.processor.process(rgb_frame, started=started))
                elif self._slate is not None and self._state is not SourceState.LIVE:
                    self._publish(self._draw_slate(self._slate))
                self._drop_abandoned_recordings()
                if self._close_if_unwatched():
                    LOGGER.info("Nobody watches %s any more: closed it", self.spec.display)
        except Exception:  # a bug here must not leave a zombie pull behind
            LOGGER.exception("Stream processing failed for %s", self.spec.display)
            self.close()
        finally:
            self._pull_thread.join(timeout=OPEN_TIMEOUT_S + READ_TIMEOUT_S)
            self.processor.release()
            with self._lock:
                self._state = SourceState.CLOSED
            if self._on_closed is not None:
                self._on_closed(self)

    def _take(self, timeout: float) -> av.VideoFrame | None:
        box = self._mailbox
        with box.condition:
            if box.frame is None and not self._closing.is_set():
                box.condition.wait(timeout)
            frame, box.frame = box.frame, None
        return frame

    def _drop_abandoned_recordings(self) -> None:
        # A viewer who closed the tab mid-recording never ends it; on a source others
        # keep watching, it would grow to its cap and keep tracking on for everyone. One
        # who pressed Stop has the page keep it within a second; this waits far longer.
        now = time.monotonic()
        with self._lock:
            gone = [o for o, at in self._left.items() if now - at > self._abandoned_recording_s]
            for owner in gone:
                del self._left[owner]
        for owner in gone:
            if self.processor.stop_recording(owner) is not None:
                LOGGER.info("Dropped a recording whose viewer left %s", self.spec.display)

    def _close_if_unwatched(self) -> bool:
        # Under the lock that attach() takes: a viewer joins a source that stays, or
        # finds it closing and starts a new one.
        with self._lock:
            since = self._unwatched_since
            if since is None or time.monotonic() - since <= self._idle_close_s:
                return False
            self._closing.set()
        self.close()
        return True

    def _publish(self, rgb_frame: np.ndarray) -> None:
        # A picture, not a video frame: each viewer makes its own frame from it (one copy
        # on the event loop), since encoders must never share one (track.py).
        pts = int((time.monotonic() - self._clock_zero) / VIDEO_TIME_BASE)
        with self._lock:
            sequence = self._published.sequence + 1 if self._published else 1
            self._published = Published(sequence, rgb_frame, pts)
            viewers = list(self._viewers)
        for viewer in viewers:
            viewer.notify()

    def _draw_slate(self, slate: Slate) -> np.ndarray:
        # The engine's last processed picture, as the camera sent it: no skeleton, no
        # readout to show through the still frame's own.
        snapshot = self.processor.snapshot()
        last = snapshot.rgb_frame if snapshot is not None else None
        return slate(self.spec.host, self.status(), last)
