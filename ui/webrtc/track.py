"""One browser's view of a shared source, as a WebRTC track.

streamlit-webrtc's receive-only mode takes a ``player_factory``: it calls it when the
browser's offer arrives and stops the player's tracks when its WebRTC session ends (the
user pressed STOP, or the tab went away and ICE gave up). :class:`ViewerPlayer` is that
player: its :class:`ViewerTrack` attaches to the source when made and detaches when
stopped, so a source always knows who watches it.

Threads: :meth:`ViewerTrack.recv` runs on streamlit-webrtc's asyncio event loop;
:meth:`ViewerTrack.notify` on the source's processing thread (it only schedules a wake-up
on the loop); ``stop`` on either.
"""

from __future__ import annotations

import asyncio
import contextlib

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from pose_core.live import LiveConfig
from pose_core.streams import LiveSource, SourceClosedError, SourceSpec, StreamHub
from pose_core.streams.source import VIDEO_TIME_BASE, Published

# How long recv waits for a new frame before looking again (a closed source, a stop).
WAKE_S = 1.0


class ViewerTrack(MediaStreamTrack):
    """Sends the newest frame the source published, each frame once."""

    kind = "video"

    def __init__(self, source: LiveSource, owner: str = "") -> None:
        super().__init__()
        self.source = source
        # The browser session watching (its recording is dropped if it never comes back).
        self.owner = owner
        self._seen = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        source.attach(self)

    def notify(self) -> None:
        loop, event = self._loop, self._event
        if loop is None or event is None:
            return
        with contextlib.suppress(RuntimeError):  # a closed loop: the session is gone
            loop.call_soon_threadsafe(event.set)

    async def recv(self) -> av.VideoFrame:
        if self._event is None:
            self._loop = asyncio.get_running_loop()
            self._event = asyncio.Event()
        while True:
            if self.readyState != "live" or self.source.closed:
                raise MediaStreamError
            # Cleared before looking, so a frame published in between still wakes us.
            self._event.clear()
            published = self.source.latest()
            if published is not None and published.sequence != self._seen:
                self._seen = published.sequence
                return _own_frame(published)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), WAKE_S)

    def stop(self) -> None:
        super().stop()
        self.source.detach(self)


def _own_frame(published: Published) -> av.VideoFrame:
    """A video frame of this viewer's own for a published picture.

    Every viewer's encoder converts its frames to YUV on a thread of its own, and PyAV
    caches that conversion's scaler on the frame: two encoders converting one shared
    frame at once crashed the server in libswscale (seen with two viewers)."""
    frame = av.VideoFrame.from_ndarray(published.rgb_frame, format="rgb24")
    frame.pts, frame.time_base = published.pts, VIDEO_TIME_BASE
    return frame


class ViewerPlayer:
    """What streamlit-webrtc's ``player_factory`` returns: a video track, no audio."""

    def __init__(self, source: LiveSource, owner: str = "") -> None:
        self.video: ViewerTrack | None = ViewerTrack(source, owner)
        self.audio = None


def player(hub: StreamHub, spec: SourceSpec, config: LiveConfig, owner: str = "") -> ViewerPlayer:
    """A new viewer of ``spec`` (streamlit-webrtc's ``player_factory`` calls this when the
    browser's offer arrives); ``owner`` names the browser session, whose recording on the
    source is dropped if it leaves and never comes back.

    Raises:
        SourceBusyError: The source has as many viewers as it may, or the server pulls as
            many sources as it may (its ``cap`` and ``limit`` say which; the page words
            it with ``ui.words.streams.busy_message``).
    """
    for _ in range(2):
        source = hub.watch(spec, config)
        try:
            return ViewerPlayer(source, owner)
        except SourceClosedError:
            continue  # it closed for want of viewers just now: start a new one
    raise SourceClosedError(spec.display)
