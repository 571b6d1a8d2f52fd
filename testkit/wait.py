"""Waiting for something to happen: poll a condition until it holds or a deadline passes,
rather than sleeping a fixed time and hoping."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    timeout: float,
    *,
    interval: float = 0.02,
    message: str = "",
) -> T:
    """Call ``predicate`` until it returns something true, and return that; fail with an
    ``AssertionError`` (naming ``message``) when ``timeout`` seconds pass first. The
    predicate is called once more at the deadline, so a slow machine fails only when the
    condition really never held."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            result = predicate()
            if result:
                return result
            raise AssertionError(f"not within {timeout} s: {message or predicate!r}")
        time.sleep(interval)
