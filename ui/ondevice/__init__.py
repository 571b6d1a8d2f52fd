"""Run on this device: the viewer's browser runs BlazePose, the server only hosts.

- :mod:`.component`: the Streamlit component (``frontend/``) and its arguments;
- :mod:`.panel`: the Webcam page's on-device mode (video, readout, tools), feeding the
  landmarks it receives to :mod:`pose_core.live` through :mod:`pose_core.live.device`.
"""

from pathlib import Path

FRONTEND = Path(__file__).resolve().parent / "frontend"
