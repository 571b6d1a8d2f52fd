"""PoseScope's recommended defaults: one definition, read by the library, the CLI and
the app (the app's settings panel starts from them, the CLI's options default to them).

The detector's are :class:`~pose_core.settings.DetectorSettings`' own field defaults (so
``ImageDetector()``, ``StreamDetector()`` and ``VideoOptions()`` use them too); the
visibility threshold is the drawings', the tables' and the motion export's.
"""

from __future__ import annotations

import dataclasses

from .settings import DetectorSettings
from .smoothing import SmoothingParams

# Landmarks less visible than this are dimmed in drawings, flagged in tables and filled
# in motion exports.
VISIBILITY_THRESHOLD = 0.5


@dataclasses.dataclass(frozen=True)
class Defaults:
    """The settings PoseScope starts from.

    Attributes:
        detector: Who finds the people and how the landmarker is set up.
        visibility_threshold: Landmarks less visible than this count as hidden.
        smoothing: The One Euro filter's settings when smoothing is asked for.
    """

    detector: DetectorSettings = dataclasses.field(default_factory=DetectorSettings)
    visibility_threshold: float = VISIBILITY_THRESHOLD
    smoothing: SmoothingParams = dataclasses.field(default_factory=SmoothingParams)


_RECOMMENDED = Defaults()


def recommended() -> Defaults:
    """PoseScope's recommended defaults (the same value on every call)."""
    return _RECOMMENDED
