"""Pause probe for the app server that ``bench_webcam --pauses`` starts; the app itself
never loads it.

The bench puts this folder on the server's ``PYTHONPATH`` and names a file in
``POSESCOPE_PAUSE_PROBE``; Python imports ``sitecustomize`` at start-up. The probe
records the moments when the server ran no Python code for a while, which is what
bunches a live stream's frames (the event loop that receives the video needs the GIL
and a core too):

- a thread asks to wake every 5 ms and notes each wake-up at least 10 ms late;
- the garbage collector's full (generation 2) collections and how long each held the
  GIL.

With ``POSESCOPE_PROBE_NO_FREEZE=1`` it also turns ``gc.freeze`` into a no-op, so the
app runs as it did before ``ui/server/gc_tuning.py`` (``bench_webcam --no-freeze``).

Once a second it rewrites the file (JSON: ``pauses`` as [wall time, ms], ``full_gc`` as
[wall time, ms], the latest 20,000 of each) for the bench to cut to its window.
"""

import collections
import gc
import json
import os
import threading
import time

_PATH = os.environ.get("POSESCOPE_PAUSE_PROBE")
_TICK_S = 0.005
_LATE_MS = 10.0


def _install(path: str) -> None:
    pauses: collections.deque[tuple[float, float]] = collections.deque(maxlen=20_000)
    full_gc: collections.deque[tuple[float, float]] = collections.deque(maxlen=20_000)
    gc_started: dict[str, float] = {}

    def on_gc(phase: str, info: dict[str, int]) -> None:
        # Runs on whichever thread triggered the collection, with the GIL held.
        if info["generation"] != 2:
            return
        if phase == "start":
            gc_started["t"] = time.perf_counter()
        elif "t" in gc_started:
            full_gc.append((time.time(), (time.perf_counter() - gc_started.pop("t")) * 1e3))

    def tick() -> None:
        while True:
            asked = time.perf_counter()
            time.sleep(_TICK_S)
            late_ms = (time.perf_counter() - asked - _TICK_S) * 1e3
            if late_ms >= _LATE_MS:
                pauses.append((time.time(), late_ms))

    def write() -> None:
        while True:
            time.sleep(1.0)
            data = json.dumps({"pauses": list(pauses), "full_gc": list(full_gc)})
            with open(path + ".tmp", "w") as handle:
                handle.write(data)
            os.replace(path + ".tmp", path)

    if os.environ.get("POSESCOPE_PROBE_NO_FREEZE") == "1":
        gc.freeze = lambda: None  # the app's freeze_new_imports then freezes nothing
    gc.callbacks.append(on_gc)
    threading.Thread(target=tick, name="bench-pause-tick", daemon=True).start()
    threading.Thread(target=write, name="bench-pause-write", daemon=True).start()


if _PATH:
    _install(_PATH)
