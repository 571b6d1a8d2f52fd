""":func:`process_video` in the background, for user interfaces with a Cancel button.

A :class:`VideoJobRunner` owns a fixed pool of worker threads (the server's limit on
clips analysed at once); a job submitted while every worker is busy waits its turn in
state "queued". The app creates one runner per server process (its runtime object).

Threads: :meth:`VideoJobRunner.submit` and every :class:`VideoJob` method are called by
the owner (a browser session's script thread); the run itself happens on a pool thread,
which writes only the job's :class:`_JobShared` record, under its lock.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
import time
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from ..detector import load_mediapipe
from ..exit_hooks import call_before_threads_join
from .errors import VideoDecodeError
from .pipeline import VideoOptions, process_video
from .probe import VideoInfo
from .result import VideoResult

LOGGER = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
# Clips analysed at once when the app does not say: the machine has few cores, and two
# MediaPipe graphs already fill them.
DEFAULT_MAX_JOBS = 2


@dataclasses.dataclass(frozen=True)
class JobStatus:
    """A snapshot of a :class:`VideoJob`.

    Attributes:
        state: "queued" (waiting for a free worker), "running", "done", "failed" or
            "cancelled".
        done: Frames analysed so far.
        total: Frames expected (an estimate until the end).
        elapsed_s: Seconds since the job started running.
        result: The result once done or cancelled (cancelled results are partial).
        error: The exception if it failed.
    """

    state: JobState
    done: int
    total: int
    elapsed_s: float
    result: VideoResult | None = None
    error: BaseException | None = None

    @property
    def fps(self) -> float:
        """Analysed frames per second so far."""
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current speed, or None before the speed is known."""
        if self.done < 2 or self.fps <= 0:
            return None
        return max(self.total - self.done, 0) / self.fps

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")


class _JobShared:
    """What the pool thread writes and the owner reads. The pool holds this, never the
    :class:`VideoJob`, so dropping the job object cancels its run."""

    def __init__(self, total: int) -> None:
        self.lock = threading.Lock()
        self.cancel = threading.Event()
        self.state: JobState = "queued"
        self.done = 0
        self.total = total
        self.started: float | None = None
        self.result: VideoResult | None = None
        self.error: BaseException | None = None

    def set_state(self, state: JobState) -> None:
        with self.lock:
            self.state = state

    def progress(self, done: int, total: int) -> bool:
        """The pipeline's progress callback: False asks it to stop."""
        with self.lock:
            self.done, self.total = done, total
        return not self.cancel.is_set()


def _run_job(
    shared: _JobShared,
    path: Path,
    options: VideoOptions,
    out_path: Path | None,
    info: VideoInfo | None,
) -> None:
    """On a pool thread: the whole analysis, reported through ``shared``."""
    if shared.cancel.is_set():  # cancelled while queued
        shared.set_state("cancelled")
        return
    with shared.lock:
        shared.state = "running"
        shared.started = time.perf_counter()
    try:
        result = process_video(
            path, options, progress=shared.progress, out_path=out_path, info=info
        )
    except BaseException as exc:  # reported through status()
        if not isinstance(exc, VideoDecodeError):
            LOGGER.exception("Video processing failed")
        with shared.lock:
            shared.error = exc
            shared.state = "failed"
        return
    with shared.lock:
        shared.result = result
        shared.state = "cancelled" if result.cancelled else "done"


def _cancel(shared: _JobShared, future: Future[None]) -> None:
    shared.cancel.set()
    if future.cancel():  # still queued: it will never run
        shared.set_state("cancelled")


class VideoJob:
    """One clip submitted to a :class:`VideoJobRunner`: progress, cancel, result.

    Dropping the job object cancels its run.
    """

    def __init__(self, path: Path, shared: _JobShared, future: Future[None]) -> None:
        self.path = path
        self._shared = shared
        self._future = future
        weakref.finalize(self, _cancel, shared, future)

    def cancel(self) -> None:
        """Ask the job to stop after the current frame (or never to start)."""
        _cancel(self._shared, self._future)

    @property
    def cancel_requested(self) -> bool:
        return self._shared.cancel.is_set()

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Block until the job finishes (or ``timeout`` seconds), then return its status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.status().finished:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            try:
                self._future.exception(timeout=left)
            except BaseException:  # cancelled or timed out: the loop decides
                continue
        return self.status()

    def status(self) -> JobStatus:
        """The job's progress and, once finished, its result or error."""
        s = self._shared
        with s.lock:
            elapsed = time.perf_counter() - s.started if s.started is not None else 0.0
            state = s.state
            if state == "queued" and self._future.cancelled():
                state = "cancelled"  # the pool dropped it before it ran (a shutdown)
            return JobStatus(state, s.done, s.total, elapsed, s.result, s.error)


def _shut_down_if_alive(runner: weakref.ref[VideoJobRunner]) -> None:
    alive = runner()
    if alive is not None:
        alive.shutdown()


class VideoJobRunner:
    """Runs :class:`VideoJob` on at most ``max_jobs`` threads; more wait their turn.

    Example:
        >>> runner = VideoJobRunner(max_jobs=2)
        >>> job = runner.submit("clip.mp4", VideoOptions(settings), out_path="out.mp4")
        >>> job.status().fraction  # poll from the UI
    """

    def __init__(self, max_jobs: int = DEFAULT_MAX_JOBS) -> None:
        if max_jobs < 1:
            raise ValueError(f"at least one job must be allowed, not {max_jobs}")
        self.max_jobs = max_jobs
        self._executor = ThreadPoolExecutor(max_workers=max_jobs, thread_name_prefix="video-job")
        # Jobs submitted and still referenced, so that shutdown can stop them.
        self._jobs: weakref.WeakSet[VideoJob] = weakref.WeakSet()
        # The pool's threads are joined at exit: a clip under way must stop first.
        call_before_threads_join(functools.partial(_shut_down_if_alive, weakref.ref(self)))

    def submit(
        self,
        path: str | Path,
        options: VideoOptions | None = None,
        *,
        out_path: str | Path | None = None,
        info: VideoInfo | None = None,
    ) -> VideoJob:
        """Queue :func:`process_video` on ``path``; returns at once."""
        # MediaPipe is imported here, on the caller's thread, rather than first on a
        # pool thread, where it would race the script thread's imports (load_mediapipe).
        load_mediapipe()
        path = Path(path)
        options = options or VideoOptions()
        shared = _JobShared(options.expected_frames(info) if info is not None else 0)
        future = self._executor.submit(
            _run_job, shared, path, options, Path(out_path) if out_path else None, info
        )
        job = VideoJob(path, shared, future)
        self._jobs.add(job)
        return job

    def shutdown(self, *, wait: bool = True) -> None:
        """Cancel every job; with ``wait``, return once the running ones have stopped
        (after their current frame), so nothing of theirs runs on afterwards."""
        for job in list(self._jobs):
            job.cancel()
        self._executor.shutdown(wait=wait, cancel_futures=True)
