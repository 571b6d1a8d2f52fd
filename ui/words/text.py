"""User text made safe to show or to name a file after."""

from __future__ import annotations

import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """Escape Markdown in user text (file names) so it renders literally."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def safe_stem(label: str) -> str:
    """A download file-name stem from user text: letters, digits, '-' and '_' only."""
    stem = label.rsplit(".", 1)[0] if "." in label else label
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")
    return stem[:60] or "image"
