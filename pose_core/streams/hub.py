"""The server's network sources: one pull per address, whoever watches it.

:class:`StreamHub` lives in the app's runtime (one per process). A viewer asks for a
source by its :class:`~.source.SourceSpec`; the first viewer of an address starts the
pull and its live engine, later ones join it, and the source stops itself after its last
viewer left (:data:`~.source.IDLE_CLOSE_S`). A running source is also known by a random
public id, so a share link can name it without its address or credentials; the link
ends with the pull.

Thread-safe: called from script threads, streamlit-webrtc's worker threads and the
sources' own threads; the lock is held only to look up and swap entries (a source and its
engine are made outside it).
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable

from ..live import LiveConfig, PoseStreamProcessor
from .source import LiveSource, Slate, SourceSpec, SourceState

# Viewers of one source at once: each costs a video encode on the server.
DEFAULT_MAX_VIEWERS = 6
# Sources pulled at once: each decodes its stream on two threads, watched or not by a
# detector (the live-stream slots cap detection, not pulls).
DEFAULT_MAX_SOURCES = 4


class Cap(enum.Enum):
    """A limit of the hub's."""

    VIEWERS = "viewers of one source"
    SOURCES = "sources pulled at once"


class SourceBusyError(RuntimeError):
    """A cap is reached: too many viewers of one source, or too many sources.

    Attributes:
        cap: Which cap.
        limit: Its value on this hub.
    """

    def __init__(self, cap: Cap, limit: int) -> None:
        super().__init__(f"{cap.value}: {limit}, the most allowed")
        self.cap = cap
        self.limit = limit


class StreamHub:
    """Open network sources, by address key.

    Args:
        processor_factory: Makes a source's live engine from the first viewer's settings.
        source_factory: Makes a source (tests shorten its timings through it); called
            with the spec, the engine, ``on_closed`` and ``slate``.
        max_viewers: Viewers of one source at once.
        max_sources: Sources pulled at once.
        slate: Draws the still frame each source shows while it has no picture.
    """

    def __init__(
        self,
        processor_factory: Callable[[LiveConfig], PoseStreamProcessor],
        *,
        source_factory: Callable[..., LiveSource] = LiveSource,
        max_viewers: int = DEFAULT_MAX_VIEWERS,
        max_sources: int = DEFAULT_MAX_SOURCES,
        slate: Slate | None = None,
    ) -> None:
        self._processor_factory = processor_factory
        self._source_factory = source_factory
        self._slate = slate
        self.max_viewers = max_viewers
        self.max_sources = max_sources
        self._lock = threading.Lock()
        self._sources: dict[str, LiveSource] = {}
        self.sources_started = 0

    def source(self, spec: SourceSpec, config: LiveConfig) -> LiveSource:
        """The running source for ``spec``, started if there is none (or if the one
        there gave up: a user who fixed the camera and pressed Start wants a new try).

        Raises:
            SourceBusyError: This server already pulls as many sources as it may.
        """
        running = self._usable(spec)
        if running is not None:
            return running
        # Made outside the lock (loading the engine's modules takes a while).
        made = self._source_factory(
            spec, self._processor_factory(config), on_closed=self._forget, slate=self._slate
        )
        with self._lock:
            current = self._sources.get(spec.key)
            if current is not None and _usable(current):
                return current  # another viewer was quicker: the new one never starts
            if current is not None:
                current.close()  # failed: replaced
            elif sum(1 for s in self._sources.values() if not s.closed) >= self.max_sources:
                raise SourceBusyError(Cap.SOURCES, self.max_sources)
            self._sources[spec.key] = made
            self.sources_started += 1
            return made.start()

    def watch(self, spec: SourceSpec, config: LiveConfig) -> LiveSource:
        """The source a new viewer of ``spec`` attaches to (the app wraps it in the
        viewer's own track when the browser's offer arrives).

        Raises:
            SourceBusyError: The source has as many viewers as it may, or the server
                pulls as many sources as it may.
        """
        source = self.source(spec, config)
        if source.status().viewers >= self.max_viewers:
            raise SourceBusyError(Cap.VIEWERS, self.max_viewers)
        return source

    def running(self, spec: SourceSpec) -> LiveSource | None:
        """The source for ``spec`` if one is running."""
        with self._lock:
            source = self._sources.get(spec.key)
        return source if source is not None and not source.closed else None

    def leave(self, spec: SourceSpec, owner: str) -> None:
        """Browser session ``owner`` stopped watching ``spec``: end its viewers now rather
        than when streamlit-webrtc gets round to stopping its WebRTC session."""
        source = self.running(spec)
        if source is not None and owner:
            source.leave(owner)

    def link(self, spec: SourceSpec) -> str | None:
        """The public id a share link uses for ``spec`` while it runs (None if it is
        not running, or private)."""
        source = self.running(spec)
        return source.public_id if source is not None and spec.shareable else None

    def spec_for_link(self, link: str) -> SourceSpec | None:
        """The running source a share link names, if any."""
        for source in self.active():
            if source.public_id == link and source.spec.shareable:
                return source.spec
        return None

    def active(self) -> list[LiveSource]:
        with self._lock:
            return [s for s in self._sources.values() if not s.closed]

    def _usable(self, spec: SourceSpec) -> LiveSource | None:
        with self._lock:
            source = self._sources.get(spec.key)
        return source if source is not None and _usable(source) else None

    def _forget(self, source: LiveSource) -> None:
        with self._lock:
            if self._sources.get(source.spec.key) is source:
                del self._sources[source.spec.key]


def _usable(source: LiveSource) -> bool:
    return not source.closed and source.status().state is not SourceState.FAILED
