"""The live webcam engine, Streamlit-free: per-stream processing, slots, recording.

- :mod:`.processor`: :class:`PoseStreamProcessor`, one per browser session's stream
  (its docstring names the thread that calls each method);
- :mod:`.slots`: :class:`StreamSlots`, how many streams the server processes at once;
- :mod:`.recorder`: :class:`LiveRecorder`, landmarks kept as a
  :class:`~pose_core.video.VideoResult`;
- :mod:`.stats`: the settings handed in and the readout handed out;
- :mod:`.overlay`: drawing the app's text (:class:`FrameText`) on the returned video.
"""

from .overlay import FrameText, draw_readout
from .processor import FPS_WINDOW_S, PoseStreamProcessor
from .recorder import MAX_RECORDING_FRAMES, LiveRecorder
from .slots import STALE_STREAM_S, StreamBusyError, StreamHolder, StreamSlots
from .stats import LiveConfig, LiveConfigHolder, Snapshot, StreamStats

__all__ = [
    "FPS_WINDOW_S",
    "MAX_RECORDING_FRAMES",
    "STALE_STREAM_S",
    "FrameText",
    "LiveConfig",
    "LiveConfigHolder",
    "LiveRecorder",
    "PoseStreamProcessor",
    "Snapshot",
    "StreamBusyError",
    "StreamHolder",
    "StreamSlots",
    "StreamStats",
    "draw_readout",
]
