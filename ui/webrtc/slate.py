"""The still frame viewers of a network source get while it has no picture: the camera's
last picture in dim grey (plainly not live), with what the pull is doing written on it.

:func:`draw_slate` is the :class:`~pose_core.streams.Slate` the app's stream hub hands
every source (``ui.server.runtime``). Threads: it runs on a source's processing thread,
twice a second and only while that source is not live (never per video frame).
"""

from __future__ import annotations

import numpy as np

from pose_core.live import draw_readout
from pose_core.streams import SourceStatus
from ui.words.streams import slate_lines

# How bright the last picture stays: dim enough to read as stopped, light enough to
# recognise the scene.
DIM = 0.35


def draw_slate(host: str, status: SourceStatus, last: np.ndarray | None) -> np.ndarray:
    """A new RGB picture saying what ``status`` means for ``host``, over ``last`` (the
    camera's last picture, left unchanged) in dim grey."""
    if last is not None:
        grey = (last.mean(axis=2, dtype=np.float32) * DIM).astype(np.uint8)
        rgb_frame = np.repeat(grey[:, :, None], 3, axis=2)
    else:
        # 4:3, the tallest common camera shape: the WebRTC component sizes its frame
        # on the first pictures and does not grow it for taller ones later (seen:
        # its STOP button hidden under a 4:3 stream after a 16:9 still frame).
        rgb_frame = np.full((480, 640, 3), 24, np.uint8)
    draw_readout(rgb_frame, slate_lines(host, status))
    return rgb_frame
