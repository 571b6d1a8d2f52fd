"""Keeps Streamlit's garbage collection after each script run short.

Streamlit calls ``gc.collect(2)`` after every script run (``runner.postScriptGC``),
fragment runs included, and the Webcam page's readout is a fragment that reruns once a
second. A full collection walks every object the collector tracks: about 200,000 once
Streamlit, pandas, Plotly, MediaPipe and the WebRTC stack are imported; 60 ms in a quiet
process, 90-145 ms in the app server while it streams, all of it holding the GIL.
Meanwhile the event loop cannot take in video packets and the frame worker cannot get
back from MediaPipe, so camera frames reach the worker in bunches and all but the last
of a bunch are dropped. Measured with one stream (``bench_webcam --no-freeze`` and
``--pauses``): full collections of 133.4 ms (median) once a second and 25.1 of 29.8
camera frames per second processed; with the freeze, 0.9 ms and 29.2 of 29.9.

Almost all of those objects come from importing modules and live as long as the
process. :meth:`ImportFreezer.freeze_new_imports` moves them to the permanent generation
(``gc.freeze``), which full collections skip, so they walk only the app's own objects.
Reference counting still frees frozen objects; only a reference cycle that was alive at
a freeze and dies later is never reclaimed, so a freeze happens only after new modules
were imported: a handful of times per process, as pages are first opened.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time

LOGGER = logging.getLogger(__name__)


class ImportFreezer:
    """Freezes the objects imported modules made, once per batch of new imports.

    Thread-safe: every session's script thread calls :meth:`freeze_new_imports` after
    its run. One per process (the app's runtime owns it).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._modules_at_freeze = 0

    def freeze_new_imports(self) -> bool:
        """Freeze every tracked object if modules were imported since the last freeze.

        Cheap when nothing was imported (one ``len``), so it is called after every run.
        Returns whether it froze.
        """
        if len(sys.modules) <= self._modules_at_freeze:
            return False
        with self._lock:
            if len(sys.modules) <= self._modules_at_freeze:
                return False
            started = time.perf_counter()
            # Collect first: garbage frozen now would stay forever.
            gc.collect()
            gc.freeze()
            self._modules_at_freeze = len(sys.modules)
        LOGGER.info(
            "Froze %d objects after imports (%d modules) in %.0f ms",
            gc.get_freeze_count(),
            self._modules_at_freeze,
            (time.perf_counter() - started) * 1000.0,
        )
        return True
