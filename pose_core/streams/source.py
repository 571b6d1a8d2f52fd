"""One pulled stream, shared by everyone watching it: :class:`LiveSource`.

Threads: a source runs two threads of its own.

- The **pull thread** opens the address with PyAV (FFmpeg), decodes every frame (a
  compressed stream can only be decoded in order) and leaves the newest in a one-frame
  mailbox; a frame not taken before the next arrives is dropped, never queued, so a slow
  detector lowers the processed rate but never adds delay. On a failure it says what
  happened (:class:`Problem`) and tries again with back-off while anyone watches.
- The **processing thread** takes the newest frame, runs the live engine
  (:class:`~pose_core.live.PoseStreamProcessor`, the webcam's, with one detector for
  all viewers) and publishes the annotated frame to the viewers; while the pull has no
  picture it publishes a still frame saying why, twice a second.

Viewers (:class:`~pose_core.streams.track.ViewerTrack`, one per browser) read the
latest published frame on the WebRTC event loop; :meth:`LiveSource.attach` and
:meth:`LiveSource.detach` may be called from any thread. The source stops itself when
no viewer has been attached for ``idle_close_s``: the pull is closed and the detector's
slot given back. Shared fields are guarded by ``_lock``, held for reads and swaps only.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import errno
import fractions
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

import av
import av.error
import numpy as np

from ..live import LiveConfig, PoseStreamProcessor, draw_readout
from .address import AddressError

LOGGER = logging.getLogger(__name__)

# Seconds to open an address, and of silence on an open stream before it counts as lost.
OPEN_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 5.0
# Back-off between attempts: doubles from the first delay up to the last.
RETRY_DELAYS_S = (1.0, 2.0, 4.0, 8.0, 15.0)
# A source stays up this long after its last viewer left (a page reload comes back).
IDLE_CLOSE_S = 3.0
# A viewer gone this long without coming back loses the recording they left running.
ABANDONED_RECORDING_S = 60.0
# Live this long, a stream counts as steady again: its back-off starts afresh.
STEADY_S = 10.0
# Largest picture decoded (4K UHD, as the Video page).
MAX_PIXELS = 3840 * 2160
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
class Problem:
    """Why a pull failed, for the user.

    Attributes:
        kind: A short name (``refused``, ``auth``, ``not_found``, ``timeout``,
            ``unreachable``, ``not_video``, ``codec``, ``too_large``, ``policy``,
            ``ended``, ``error``).
        message: One or two sentences: what happened and what to do. No credentials.
        retry: Whether trying again may help (a wrong password is not retried: cameras
            lock accounts after a few).
    """

    kind: str
    message: str
    retry: bool


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


def classify(exc: BaseException, spec: SourceSpec) -> Problem:
    """What a failure of the pull (PyAV/FFmpeg's, or this module's own) means for the
    user."""
    where = spec.host
    if isinstance(exc, NoVideo):
        return Problem("codec", spec.redact(str(exc)), retry=False)
    if isinstance(exc, TooLarge):
        return Problem("too_large", str(exc), retry=False)
    if isinstance(exc, AddressError):  # the recheck before a reconnection
        return Problem("policy", str(exc), retry=False)
    if isinstance(exc, (av.error.HTTPUnauthorizedError, av.error.HTTPForbiddenError)):
        return Problem(
            "auth",
            f"{where} refused the user name or password. Check them under **Sign-in** "
            "(not retried: cameras lock an account after a few wrong tries).",
            retry=False,
        )
    if isinstance(exc, av.error.HTTPNotFoundError):
        return Problem(
            "not_found",
            f"{where} answered, but serves nothing at this path (404): check the part of "
            "the address after the host, e.g. /stream1 (the camera's manual names it).",
            retry=True,
        )
    if isinstance(exc, av.error.HTTPClientError | av.error.HTTPServerError):
        return Problem("error", f"{where} answered with an error: {spec.redact(str(exc))}", True)
    code = getattr(exc, "errno", None)
    if isinstance(exc, ConnectionRefusedError) or code == errno.ECONNREFUSED:
        return Problem(
            "refused",
            f"{where} refused the connection: check the port, and that the camera or "
            "server is on and streaming.",
            retry=True,
        )
    if isinstance(exc, TimeoutError) or code in (errno.ETIMEDOUT, errno.EAGAIN) or (
        isinstance(exc, av.error.ExitError)
    ):  # fmt: skip
        return Problem(
            "timeout",
            f"No answer from {where} within {OPEN_TIMEOUT_S:g} s, or no picture for "
            f"{READ_TIMEOUT_S:g} s: the network or the camera is down, or a firewall drops "
            "the connection.",
            retry=True,
        )
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.EIO):
        return Problem(
            "unreachable",
            f"Could not reach {where}, or it does not speak this protocol: check the "
            "address, and that this server is on the camera's network.",
            retry=True,
        )
    if isinstance(exc, av.error.InvalidDataError):
        return Problem(
            "not_video",
            f"{where} answered, but not with a video stream this app can read (for HTTP, "
            "an MJPEG or HLS address, not a web page).",
            retry=False,
        )
    if isinstance(exc, EOFError | av.error.EOFError | StreamEnded):
        return Problem("ended", f"The stream from {where} stopped.", retry=True)
    return Problem("error", f"The stream failed: {spec.redact(str(exc))}", retry=True)


class SourceClosedError(RuntimeError):
    """The source is stopping and takes no new viewer."""


class StreamEnded(Exception):
    """The stream reached its end (a live stream should never)."""


class TooLarge(Exception):
    """The stream's pictures are larger than this server decodes."""


class NoVideo(Exception):
    """The stream has no video track, or none this FFmpeg can decode."""


class Viewer(Protocol):
    """What a source tells about new frames (a :class:`~.track.ViewerTrack`)."""

    owner: str

    def notify(self) -> None:
        """A new frame was published (called on the processing thread)."""
        ...

    def stop(self) -> None:
        """End this viewer (it detaches itself)."""
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
        max_pixels: Largest picture decoded; larger streams fail with a message.
        abandoned_recording_s: A viewer gone this long loses the recording they left.
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
                        raise NoVideo(f"{self.spec.host} has no frame this app can decode.")
                    raise StreamEnded
                except Exception as exc:  # every failure is reported and maybe retried
                    if self._closing.is_set():
                        break
                    problem = classify(exc, self.spec)
                    LOGGER.info("Stream %s: %s", self.spec.display, problem.kind)
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
        """Open the stream and decode until it ends, fails or the source closes; returns
        the frames delivered."""
        if self.spec.recheck is not None:
            self.spec.recheck()  # a name that now resolves into a refused network stops here
        container = av.open(
            self.spec.url,
            options=dict(self.spec.options),
            timeout=(OPEN_TIMEOUT_S, READ_TIMEOUT_S),
        )
        try:
            if not container.streams.video:
                raise NoVideo(f"{self.spec.host} sends no video track (sound only?).")
            stream = container.streams.video[0]
            name = stream.codec_context.name if stream.codec_context else "?"
            with self._lock:
                self._codec = name
            started: tuple[float, float] | None = None  # (first frame time, wall clock)
            delivered = 0
            for packet in container.demux(stream):
                if self._closing.is_set():
                    break
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    continue  # a damaged packet: the next key frame repairs the picture
                for frame in frames:
                    if frame.width * frame.height > self._max_pixels:
                        raise TooLarge(
                            f"{self.spec.host} sends {frame.width}x{frame.height} pictures, "
                            f"larger than this server decodes ({self._max_pixels / 1e6:.1f} "
                            "megapixels): choose a smaller stream (cameras offer a sub-stream)."
                        )
                    if self.spec.replay and frame.time is not None:
                        started = self._pace(frame.time, started)
                    self._deliver(frame)
                    delivered += 1
            return delivered
        except av.error.DecoderNotFoundError as exc:
            raise NoVideo(
                f"The stream's video codec cannot be decoded here: {exc}. Set the camera "
                "to H.264 or MJPEG."
            ) from None
        finally:
            container.close()

    def _pace(self, at: float, started: tuple[float, float] | None) -> tuple[float, float]:
        """Sleep until frame time ``at`` is due (a file played at its own rate)."""
        now = time.monotonic()
        if started is None or at < started[0]:
            return at, now
        wait = (at - started[0]) - (now - started[1])
        if wait > 0:
            self._closing.wait(wait)
        return started

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
                elif self._state is not SourceState.LIVE:
                    self._publish(self._slate())
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

    def _slate(self) -> np.ndarray:
        """A still frame saying what the pull is doing: the last picture in dim grey."""
        status = self.status()
        # The engine's last processed picture, as the camera sent it: no skeleton, no
        # readout to show through the still frame's own.
        snapshot = self.processor.snapshot()
        if snapshot is not None:
            # Grey and dim: plainly not live.
            last = snapshot.rgb_frame
            grey = (last.mean(axis=2, dtype=np.float32) * 0.35).astype(np.uint8)
            rgb_frame = np.repeat(grey[:, :, None], 3, axis=2)
        else:
            # 4:3, the tallest common camera shape: the WebRTC component sizes its frame
            # on the first pictures and does not grow it for taller ones later (seen:
            # its STOP button hidden under a 4:3 stream after a 16:9 still frame).
            rgb_frame = np.full((480, 640, 3), 24, np.uint8)
        lines = [f"{self.spec.host}: {_state_words(status)}"]
        if status.problem is not None:
            lines.append(f"{status.problem.kind.replace('_', ' ')}")
        draw_readout(rgb_frame, lines)
        return rgb_frame


def _state_words(status: SourceStatus) -> str:
    if status.state is SourceState.RETRYING:
        return f"reconnecting in {status.retry_in_s:.0f} s (try {status.attempts + 1})"
    if status.state is SourceState.FAILED:
        return "stopped"
    return "connecting..."
