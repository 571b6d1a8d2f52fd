"""A live page's own state in one browser session (the Webcam and Network stream pages):
what the tools produced and what the page handed to the live engine.

Only the session's script thread reads or writes it; the live engines it points to have
thread rules of their own (:class:`~pose_core.live.PoseStreamProcessor`).
"""

from __future__ import annotations

import dataclasses

from pose_core.live import LiveConfig, PoseStreamProcessor
from pose_core.live.device import DeviceChannel
from pose_core.video import VideoResult
from ui.state import Analysis
from ui.state.session import session_object


@dataclasses.dataclass
class LiveSession:
    """One live page's state (``page``: "webcam" or "stream").

    Attributes:
        snapshot: The frame frozen by Snapshot, shown under the video.
        recording: The last finished recording, shown with the Video page's views.
        processor: The Webcam page's own engine (one VIDEO-mode detector per session).
        recording_engine: The shared engine this viewer records on (Network stream): kept
            here because the source may close before the page runs again, and the
            recording must not go with it.
        pushed: The settings this viewer last handed to a shared engine (Network stream).
        player_drawn: Whether the previous full run drew the stream component.
        device_processor: The Webcam page's engine for landmarks found on the viewer's
            device ("Run on: This device"); no detector of its own.
        device_channel: That mode's landmark channel (token, rate limit, counters).
    """

    snapshot: Analysis | None = None
    recording: VideoResult | None = None
    processor: PoseStreamProcessor | None = None
    recording_engine: PoseStreamProcessor | None = None
    pushed: LiveConfig | None = None
    player_drawn: bool = False
    device_processor: PoseStreamProcessor | None = None
    device_channel: DeviceChannel | None = None


def live_session(page: str) -> LiveSession:
    """This browser session's state of live page ``page``."""
    return session_object(f"_{page}_live", LiveSession)
