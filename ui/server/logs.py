"""The app's own log lines (models loaded, streams released, failures) on the server's
stderr, next to Streamlit's, so an operator can see what the server is doing."""

from __future__ import annotations

import logging
import sys

LOGGERS = ("pose_core", "ui")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: int = logging.INFO) -> None:
    """Send ``pose_core`` and ``ui`` records at ``level`` and above to stderr (the
    runtime calls this when it is made; a second call adds no second handler)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(getattr(h, "_posescope", False) for h in logger.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter(FORMAT))
            handler._posescope = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
            logger.setLevel(level)
            logger.propagate = False  # not twice through the root's last-resort handler
