"""Work that must run at interpreter exit before threads are joined.

At exit Python first runs threading's own exit hooks, last registered first, then joins
the non-daemon threads, and only then runs plain ``atexit`` handlers. Two things cannot
wait that long: closing MediaPipe landmarkers (their C calls go through executor
threads, which refuse work once ``concurrent.futures``' hook has run, and MediaPipe's own
atexit handler turns those calls into no-ops) and cancelling clip analyses (the pool
would otherwise wait for a long clip to finish before the process may exit).

``threading._register_atexit`` is CPython-private with no public equivalent
(``concurrent.futures`` uses it for the same reason); ``tests/project/test_private_api_pins.py``
fails if it goes away.
"""

from __future__ import annotations

import atexit
import concurrent.futures.thread  # noqa: F401  (its exit hook must be registered before ours)
import logging
import threading
from collections.abc import Callable

LOGGER = logging.getLogger(__name__)


def call_before_threads_join(hook: Callable[[], object]) -> None:
    """Run ``hook`` at interpreter exit, before ``concurrent.futures`` shuts its executors
    down and the remaining threads are joined."""
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        register(hook)
        return
    LOGGER.warning(
        "threading._register_atexit is missing: %r runs at exit only after the threads "
        "are joined (pose detectors are then closed too late, and the exit may hang)",
        hook,
    )
    atexit.register(hook)
