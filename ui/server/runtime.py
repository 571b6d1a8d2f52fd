"""The app's process-wide things, made once per server: one :class:`Runtime` object.

Streamlit runs every browser session's script on a thread of its own in one process,
so whatever is shared between sessions lives here and nowhere else: the limits read
from the environment, the pool of threads that analyse uploaded clips, the live-stream
slots, the network sources being pulled and the addresses allowed, the memory trimmer
run after a stream stops, the garbage-collector freeze, and the app's logging set-up.
Pages get it with :func:`current`.

Thread rules: :func:`current` may be called from any script thread (Streamlit's cache
makes one object); every member is thread-safe.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Mapping

import streamlit as st

from pose_core.live import LiveConfig, PoseStreamProcessor, StreamSlots
from pose_core.memory import MemoryTrimmer
from pose_core.streams import StreamHub, StreamPolicy
from pose_core.video import VideoJobRunner
from ui.server import logs
from ui.server.gc_tuning import ImportFreezer
from ui.server.limits import Limits, for_server
from ui.webrtc.slate import draw_slate
from ui.words.live import LIVE_WORDS

LOGGER = logging.getLogger(__name__)
# Set per replica by deploy/cluster.py (its HAProxy cookie value), so an operator can
# tell which one served a page.
REPLICA_VAR = "POSESCOPE_REPLICA"


def replica_name(environ: Mapping[str, str] | None = None) -> str:
    """This server's short id: ``POSESCOPE_REPLICA``, else "single" (not the host's
    name: every visitor of the Home page sees it)."""
    environ = os.environ if environ is None else environ
    return environ.get(REPLICA_VAR, "").strip()[:32] or "single"


class Counter:
    """A count that any thread may add to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def add(self) -> None:
        with self._lock:
            self._value += 1

    @property
    def value(self) -> int:
        return self._value


@dataclasses.dataclass(frozen=True, eq=False)
class Runtime:
    """Everything shared by the sessions of one server process.

    Attributes:
        limits: What one user may ask of the server (``POSESCOPE_*`` over defaults).
        video_jobs: Analyses uploaded clips, ``limits.max_video_jobs`` at once.
        live_slots: Webcam streams processed at once (``limits.max_live_streams``).
        memory: Gives memory back to the OS after a live stream stops.
        imports: Freezes imported modules' objects out of full garbage collections.
        image_detector_loads: Image landmarkers loaded (``ui.server.detectors`` caches them).
        replica: This server's short id (several replicas behind a load balancer).
        streams: Network sources being pulled, one per address, each holding a live
            slot while it processes.
        stream_policy: What network addresses may be opened (``POSESCOPE_STREAM_*``).
    """

    limits: Limits
    video_jobs: VideoJobRunner
    live_slots: StreamSlots
    memory: MemoryTrimmer
    imports: ImportFreezer
    image_detector_loads: Counter
    replica: str
    streams: StreamHub
    stream_policy: StreamPolicy

    @classmethod
    def create(cls, limits: Limits, stream_policy: StreamPolicy | None = None) -> Runtime:
        live_slots = StreamSlots(limits.max_live_streams)
        memory = MemoryTrimmer()

        def stream_processor(config: LiveConfig) -> PoseStreamProcessor:
            return PoseStreamProcessor(
                config, slots=live_slots, on_released=memory.trim, text=LIVE_WORDS
            )

        return cls(
            limits=limits,
            video_jobs=VideoJobRunner(limits.max_video_jobs),
            live_slots=live_slots,
            memory=memory,
            imports=ImportFreezer(),
            image_detector_loads=Counter(),
            replica=replica_name(),
            streams=StreamHub(stream_processor, slate=draw_slate),
            stream_policy=stream_policy or StreamPolicy.from_env(),
        )


# Cleared (Streamlit's "Clear caches", or tests), the next call makes a new runtime with
# the environment's limits read again; what sessions already hold keeps working on the
# old one: clips under way finish, running streams keep their slots (so the server may
# briefly serve more streams than one pool allows), and the old pool's threads end
# once nothing refers to it.
@st.cache_resource(show_spinner=False)
def current() -> Runtime:
    """This server's runtime, made on first use (the entrypoint's first run)."""
    logs.configure()
    limits = for_server()
    for problem in limits.problems:
        LOGGER.warning("Limits: %s", problem)
    policy = StreamPolicy.from_env()
    for problem in policy.problems:
        LOGGER.warning("Network streams: %s (ignored)", problem)
    return Runtime.create(limits, policy)
