"""Giving freed memory back to the operating system after a live stream stops.

A stream's buffers (decoded and annotated frames, the codecs', the landmarker's) are
allocated on its own threads, so glibc spreads them over its per-thread arenas and keeps
what they free for reuse instead of returning it: the server's resident memory after
each stop then wanders by a couple of hundred megabytes with no trend
(``bench/bench_soak.py``). ``malloc_trim`` returns it; a trim takes tens to a couple of
hundred milliseconds, locking one arena at a time, so it runs on a short-lived thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import threading
import time
from collections.abc import Callable

LOGGER = logging.getLogger(__name__)


def _load_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    with contextlib.suppress(OSError, AttributeError):
        return ctypes.CDLL("libc.so.6").malloc_trim
    return None


class MemoryTrimmer:
    """Runs ``malloc_trim`` on a background thread, one trim at a time.

    Thread-safe: :meth:`trim` may be called from any thread; a request while a trim
    runs is dropped (that trim returns the memory too).
    """

    def __init__(self) -> None:
        self._malloc_trim = _load_malloc_trim()
        self._running = threading.Lock()

    def trim(self) -> threading.Thread | None:
        """Start a trim; returns its thread, or None if none was started."""
        malloc_trim = self._malloc_trim
        if malloc_trim is None or not self._running.acquire(blocking=False):
            return None

        def run() -> None:
            try:
                started = time.perf_counter()
                malloc_trim(0)
                elapsed_ms = (time.perf_counter() - started) * 1000
                LOGGER.debug("Returned freed memory in %.0f ms", elapsed_ms)
            finally:
                self._running.release()

        thread = threading.Thread(target=run, name="posescope-trim", daemon=True)
        thread.start()
        return thread
