"""Typed objects in ``st.session_state``: one place that reads and writes it by key.

A page's own state is a dataclass kept under one key (``LiveSession``, ``VideoSession``,
``LabState``...), so pages read attributes with types instead of raw keys. Widget values
stay under their widget keys: Streamlit owns those.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")


def session_object(key: str, factory: Callable[[], T]) -> T:
    """This browser session's object under ``key``, made by ``factory`` on first use."""
    if key not in st.session_state:
        st.session_state[key] = factory()
    value: T = st.session_state[key]
    return value
