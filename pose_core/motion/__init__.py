"""Motion analysis: rep counting, pose classes learned from examples, pose match.

Streamlit-free; the pages and the live engine build on it. ``reps`` counts on angle
curves (or class sequences), ``embedding`` and ``classify`` learn poses from a few
examples, ``match`` scores a pose against a reference, ``live`` runs all three per frame,
``series`` runs them over a clip or a recording.
"""

from .classify import (
    Classification,
    ClassifierError,
    Evaluation,
    PoseClassifier,
    PoseExample,
    ScoreSmoother,
    class_timeline,
)
from .embedding import embed, mirror_points, normalise, pose_points
from .live import MotionConfig, MotionState, MotionTracker, draw_reference
from .match import MatchError, MatchResult, ReferencePose, match_pose
from .reps import (
    CUSTOM,
    JOINTS,
    PRESETS,
    SIDE_LABELS,
    SIDES,
    Rep,
    RepConfig,
    RepConfigError,
    RepCounter,
    RepPreset,
    RepResult,
    SequenceCounter,
    count_class_sequence,
    count_reps,
    phase_label,
    rep_rows,
    side_angle,
)

__all__ = [
    "CUSTOM",
    "JOINTS",
    "PRESETS",
    "SIDES",
    "SIDE_LABELS",
    "Classification",
    "ClassifierError",
    "Evaluation",
    "MatchError",
    "MatchResult",
    "MotionConfig",
    "MotionState",
    "MotionTracker",
    "PoseClassifier",
    "PoseExample",
    "ReferencePose",
    "Rep",
    "RepConfig",
    "RepConfigError",
    "RepCounter",
    "RepPreset",
    "RepResult",
    "ScoreSmoother",
    "SequenceCounter",
    "class_timeline",
    "count_class_sequence",
    "count_reps",
    "draw_reference",
    "embed",
    "match_pose",
    "mirror_points",
    "normalise",
    "phase_label",
    "pose_points",
    "rep_rows",
    "side_angle",
]
