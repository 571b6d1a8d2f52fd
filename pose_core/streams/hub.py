"""The server's network sources: one pull per address, whoever watches it.

:class:`StreamHub` lives in the app's runtime (one per process). A viewer asks for a
source by its :class:`~.source.SourceSpec`; the first viewer of an address starts the
pull and its live engine, later ones join it, and the source stops itself after its last
viewer left (:data:`~.source.IDLE_CLOSE_S`). Sources are also known by a random public
id, so a share link can name one without its address or credentials.

Thread-safe: called from script threads, streamlit-webrtc's worker threads and the
sources' own threads; the lock is held only to look up and swap entries.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable

from ..live import LiveConfig, PoseStreamProcessor
from .source import LiveSource, SourceClosedError, SourceSpec
from .track import ViewerPlayer

# Share links this process still recognises (oldest forgotten first).
MAX_KNOWN_LINKS = 64
# Viewers of one source at once: each costs a video encode on the server.
DEFAULT_MAX_VIEWERS = 6


class SourceBusyError(RuntimeError):
    """A source has as many viewers as it may."""


class StreamHub:
    """Open network sources, by address key.

    Args:
        processor_factory: Makes a source's live engine from the first viewer's settings.
        source_factory: Makes a source (tests pass a fake opener through it).
        max_viewers: Viewers of one source at once.
    """

    def __init__(
        self,
        processor_factory: Callable[[LiveConfig], PoseStreamProcessor],
        *,
        source_factory: Callable[..., LiveSource] = LiveSource,
        max_viewers: int = DEFAULT_MAX_VIEWERS,
    ) -> None:
        self._processor_factory = processor_factory
        self._source_factory = source_factory
        self.max_viewers = max_viewers
        self._lock = threading.Lock()
        self._sources: dict[str, LiveSource] = {}
        self._links: collections.OrderedDict[str, SourceSpec] = collections.OrderedDict()
        self._link_of: dict[str, str] = {}
        self.sources_started = 0

    def source(self, spec: SourceSpec, config: LiveConfig) -> LiveSource:
        """The running source for ``spec``, started if there is none."""
        with self._lock:
            source = self._sources.get(spec.key)
            if source is not None and not source.closed:
                return source
            source = self._source_factory(
                spec, self._processor_factory(config), on_closed=self._forget
            )
            self._sources[spec.key] = source
            self.sources_started += 1
            if spec.shareable:
                link = self._link_of.get(spec.key)
                if link is None:
                    link = source.public_id
                    self._link_of[spec.key] = link
                self._links[link] = spec
                self._links.move_to_end(link)
                while len(self._links) > MAX_KNOWN_LINKS:
                    _, old_spec = self._links.popitem(last=False)
                    self._link_of.pop(old_spec.key, None)
            # Started under the lock, so a second caller finds it running.
            return source.start()

    def player(self, spec: SourceSpec, config: LiveConfig) -> ViewerPlayer:
        """A new viewer of ``spec`` (streamlit-webrtc's ``player_factory`` calls this
        when the browser's offer arrives)."""
        for _ in range(2):
            source = self.source(spec, config)
            if source.status().viewers >= self.max_viewers:
                raise SourceBusyError(
                    f"This stream already has {self.max_viewers} viewers, the most it may have."
                )
            try:
                return ViewerPlayer(source)
            except SourceClosedError:
                continue  # it closed for want of viewers just now: start a new one
        raise SourceClosedError(spec.display)

    def running(self, spec: SourceSpec) -> LiveSource | None:
        """The source for ``spec`` if one is running."""
        with self._lock:
            source = self._sources.get(spec.key)
        return source if source is not None and not source.closed else None

    def link(self, spec: SourceSpec) -> str | None:
        """The public id a share link uses for ``spec`` (None until it was started, or
        if it is private)."""
        with self._lock:
            return self._link_of.get(spec.key)

    def spec_for_link(self, link: str) -> SourceSpec | None:
        """The source a share link names, if this process knows it."""
        with self._lock:
            return self._links.get(link)

    def active(self) -> list[LiveSource]:
        with self._lock:
            return [s for s in self._sources.values() if not s.closed]

    def _forget(self, source: LiveSource) -> None:
        with self._lock:
            if self._sources.get(source.spec.key) is source:
                del self._sources[source.spec.key]
