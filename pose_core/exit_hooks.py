"""Work that must run at interpreter exit before threads are joined.

At exit Python first joins the non-daemon threads (``threading._shutdown``), running
threading's own exit hooks, last registered first, before it does; plain ``atexit``
handlers run only after that. Two things here cannot wait that long: closing MediaPipe
landmarkers (their C calls go through executor threads, which refuse work once
threading shuts down) and cancelling clip analyses (the pool would otherwise wait for a
long clip to finish before the process may exit).

``threading._register_atexit`` is private (CPython 3.9+, used by
``concurrent.futures``); ``tests/test_private_api_pins.py`` fails if it goes away.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


def call_before_threads_join(hook: Callable[[], object]) -> None:
    """Run ``hook`` at interpreter exit, before the remaining threads are joined."""
    threading._register_atexit(hook)  # type: ignore[attr-defined]
