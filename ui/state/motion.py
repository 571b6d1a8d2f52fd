"""This session's motion analysis inputs: the taught pose classes and the reference pose.

The Poses page teaches them, the live pages use them frame by frame and the Video page
along a clip. Only the session's script thread reads or writes them.
"""

from __future__ import annotations

import dataclasses

from pose_core.motion import MotionConfig, PoseClassifier, ReferencePose, RepConfig
from ui.state.session import session_object

# The Poses page's widget picking a class sequence to count reps by.
SEQUENCE = "pose_sequence"


@dataclasses.dataclass(frozen=True)
class _LiveConfigKey:
    """What a live motion config was made from (objects by identity: a newly taught
    classifier or reference is a new config)."""

    reps: RepConfig | None
    classifier_id: int | None
    sequence: tuple[str, ...] | None
    reference_id: int | None


@dataclasses.dataclass
class MotionSession:
    """Attributes:
    classifier: The taught pose classes (empty at first).
    reference: The reference pose to score against, if one is set.
    loaded_file: The upload id of the last classes file loaded (loaded once).
    """

    classifier: PoseClassifier = dataclasses.field(default_factory=PoseClassifier)
    reference: ReferencePose | None = None
    loaded_file: str | None = None
    _live: tuple[_LiveConfigKey, MotionConfig] | None = None

    def live_config(
        self, reps: RepConfig | None, sequence: tuple[str, ...] | None, *,
        use_classes: bool, use_reference: bool,
    ) -> MotionConfig:  # fmt: skip
        """The live stream's motion config; the same object while nothing changed, so
        the stream's count is kept across reruns (a new object restarts the tracker)."""
        clf = self.classifier if use_classes and self.classifier.ready else None
        ref = self.reference if use_reference else None
        seq = sequence if clf is not None else None
        key = _LiveConfigKey(reps, id(clf) if clf else None, seq, id(ref) if ref else None)
        if self._live is not None and self._live[0] == key:
            return self._live[1]
        config = MotionConfig(reps=reps, classifier=clf, sequence=seq, reference=ref)
        self._live = (key, config)
        return config


def motion_session() -> MotionSession:
    """This browser session's :class:`MotionSession`."""
    return session_object("_motion", MotionSession)
