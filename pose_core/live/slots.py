"""How many live streams this process processes at once: a counting lock with a
take-back for streams whose browser has gone.

A tab closed mid-stream sends no more frames, but streamlit-webrtc only ends its stream
(``on_ended``) when the peer connection's ICE consent expires: 6 failed checks 5 s apart
(aioice), about 30 s. Until then its slot would be lost to everyone else.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Protocol

LOGGER = logging.getLogger(__name__)

# A stream with no frame for this long gives up its slot when another stream wants one
# or the page counts them. A live camera sends ~30 frames a second.
STALE_STREAM_S = 5.0


class StreamHolder(Protocol):
    """What holds a slot: a live stream's processor."""

    def idle_seconds(self) -> float:
        """Seconds since the stream last handled a frame (lock-free)."""
        ...

    def release(self) -> None:
        """Give back the slot and everything the stream holds."""
        ...


class StreamBusyError(RuntimeError):
    """Every live-stream slot is taken."""


class StreamSlots:
    """At most ``capacity`` streams hold a slot at once.

    Holders are kept weakly: a processor dropped without :meth:`release` (a session
    gone without its stream ending) frees its slot too. A holder idle for more than
    ``stale_after_s`` is stale: :meth:`try_acquire` and :meth:`in_use` take its slot
    back and call its ``release()`` (outside the lock).

    Thread-safe: called from the frame worker threads of every session and from their
    script threads.
    """

    def __init__(self, capacity: int, *, stale_after_s: float = STALE_STREAM_S) -> None:
        if capacity < 1:
            raise ValueError(f"at least one live stream must be allowed, not {capacity}")
        self._lock = threading.Lock()
        self._holders: weakref.WeakSet[StreamHolder] = weakref.WeakSet()
        self.capacity = capacity
        self.stale_after_s = stale_after_s

    def try_acquire(self, holder: StreamHolder) -> bool:
        """Take a slot for ``holder`` (True if it has one now, also if it had one)."""
        with self._lock:
            if holder in self._holders:
                return True
            stale = self._take_stale_locked() if len(self._holders) >= self.capacity else []
            taken = len(self._holders) < self.capacity
            if taken:
                self._holders.add(holder)
        self._release_all(stale)
        return taken

    def release(self, holder: StreamHolder) -> None:
        """Give back ``holder``'s slot, if it has one."""
        with self._lock:
            self._holders.discard(holder)

    def in_use(self) -> int:
        """Slots taken now (stale holders' slots taken back first)."""
        with self._lock:
            stale = self._take_stale_locked()
            count = len(self._holders)
        self._release_all(stale)
        return count

    def _take_stale_locked(self) -> list[StreamHolder]:
        stale = [h for h in self._holders if h.idle_seconds() > self.stale_after_s]
        for holder in stale:
            self._holders.discard(holder)
        return stale

    @staticmethod
    def _release_all(stale: list[StreamHolder]) -> None:
        # Outside the lock: a holder's release() gives its slot back through release().
        for holder in stale:
            LOGGER.info("A live stream had no frame for a while: took its slot back")
            holder.release()
