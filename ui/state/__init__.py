"""Per-session state: the analyses (image, result) the pages show and hand to each other.

Everything stays in ``st.session_state``, in memory and private to the browser session:
nothing a user uploads is written to disk or visible to another session.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Literal

import numpy as np

from pose_core import DetectorSettings, PoseResult
from pose_core.bounded import BoundedDict
from pose_core.imageio import fit_within_width, jpeg_bytes
from ui.state.session import session_object

Source = Literal["sample", "upload", "snapshot"]

_ANALYSES = "_analyses"
# The 3D view offers this many recent analyses.
MAX_RECENT = 8
# Analyses kept per session so a rerun does not run inference again (each holds its
# image: this bounds the session's memory).
MAX_CACHED_ANALYSES = 16
# Widest picture the page shows, in pixels (Streamlit's own cap, 2 x 730).
DISPLAY_WIDTH = 1460


@dataclasses.dataclass(frozen=True, eq=False)
class Analysis:
    """One image and the poses found in it.

    Attributes:
        key: Unique id within the session, e.g. "upload:<file id>".
        label: What users call it: the file name, the sample title, "Snapshot 2".
        source: Where the image came from.
        rgb_image: The image as analysed, H x W x 3 uint8 RGB (a large JPEG is decoded
            at a reduced size, see ``full_size``).
        result: The poses found; pixel coordinates refer to the full-size image.
        settings: The settings of the landmarker that produced ``result``.
        full_size: (width, height) of the photo when ``rgb_image`` is a reduced decode
            of it, else None.
    """

    key: str
    label: str
    source: Source
    rgb_image: np.ndarray
    result: PoseResult
    settings: DetectorSettings
    full_size: tuple[int, int] | None = None

    @functools.cached_property
    def display_image(self) -> np.ndarray:
        """``rgb_image`` at most as wide as the page shows it (once per analysis).

        Streamlit would otherwise encode the whole photo on every run, then decode it
        again to shrink it to this width.
        """
        return fit_within_width(self.rgb_image, DISPLAY_WIDTH)

    @functools.cached_property
    def display_jpeg(self) -> bytes:
        """:attr:`display_image` as a JPEG for ``st.image``, encoded once per analysis
        (handed an array, Streamlit encodes it again on every run, at quality 100)."""
        return jpeg_bytes(self.display_image)


@dataclasses.dataclass(frozen=True)
class _CacheKey:
    """One input analysed with the settings a page asked for."""

    input_key: str
    requested: DetectorSettings


@dataclasses.dataclass
class Analyses:
    """This session's analyses: the recent ones the pages hand to each other, the cache
    that spares a rerun the inference, and how many live snapshots were taken."""

    recent: list[Analysis] = dataclasses.field(default_factory=list)
    cache: BoundedDict[_CacheKey, Analysis] = dataclasses.field(
        default_factory=lambda: BoundedDict[_CacheKey, Analysis](MAX_CACHED_ANALYSES)
    )
    snapshots_taken: int = 0


def analyses() -> Analyses:
    """This browser session's :class:`Analyses` (made on first use)."""
    return session_object(_ANALYSES, Analyses)


def _analysis_cache() -> BoundedDict[_CacheKey, Analysis]:
    return analyses().cache


def remember(analysis: Analysis) -> None:
    """Make ``analysis`` the latest one (the 3D view opens on it)."""
    kept = analyses()
    kept.recent = [analysis, *(a for a in kept.recent if a.key != analysis.key)][:MAX_RECENT]


def recent() -> list[Analysis]:
    """Recent analyses, newest first."""
    return list(analyses().recent)


def latest() -> Analysis | None:
    """The newest analysis, if any."""
    items = recent()
    return items[0] if items else None


def cached(key: str, settings: DetectorSettings) -> Analysis | None:
    """A previous analysis of the same input with the same settings, if kept."""
    return _analysis_cache().get(_CacheKey(key, settings))


def cached_decode(key: str) -> tuple[np.ndarray, tuple[int, int] | None] | None:
    """The decoded image of input ``key`` and its full size (see :class:`Analysis`) from
    any kept analysis (decode once, not per settings value)."""
    for cache_key, analysis in _analysis_cache().items():
        if cache_key.input_key == key:
            return analysis.rgb_image, analysis.full_size
    return None


def store(analysis: Analysis, requested: DetectorSettings) -> None:
    """Keep ``analysis`` for reruns with the same input and ``requested`` settings."""
    _analysis_cache()[_CacheKey(analysis.key, requested)] = analysis


def forget_missing(keys: set[str], prefix: str) -> None:
    """Drop cached analyses under ``prefix`` whose input is gone (a removed upload)."""
    cache = _analysis_cache()
    gone = [k for k in cache if k.input_key.startswith(prefix) and k.input_key not in keys]
    for cache_key in gone:
        del cache[cache_key]


def next_snapshot_label(source: str = "Webcam") -> tuple[str, str]:
    """A fresh (key, label) pair for a live snapshot, numbered per session."""
    kept = analyses()
    kept.snapshots_taken += 1
    number = kept.snapshots_taken
    return f"snapshot:{number}", f"{source} snapshot {number}"
