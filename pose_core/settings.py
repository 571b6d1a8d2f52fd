"""Detector settings: one frozen, hashable value per distinct MediaPipe landmarker."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, get_args

ModelVariant = Literal["lite", "full", "heavy"]
MODEL_VARIANTS: tuple[ModelVariant, ...] = get_args(ModelVariant)
# What users read: the settings panel (and so the share links' ``model=``), the charts'
# legends and the tables all show these.
MODEL_VARIANT_LABELS: dict[ModelVariant, str] = {"lite": "Lite", "full": "Full", "heavy": "Heavy"}
MAX_NUM_POSES = 10
# Who finds the people before BlazePose's landmark model reads them: MediaPipe's own
# face-based detector (inside the PoseLandmarker), or a whole-body detector run
# top-down (pose_core.topdown).
PersonDetectorName = Literal["mediapipe", "movenet", "nanodet"]
PERSON_DETECTORS: tuple[PersonDetectorName, ...] = get_args(PersonDetectorName)
PERSON_DETECTOR_LABELS: dict[PersonDetectorName, str] = {
    "mediapipe": "MediaPipe",
    "movenet": "MoveNet",
    "nanodet": "NanoDet",
}
# Where each whole-body detector's scores separate people from the rest (its scores are
# on its own scale), chosen on the multi-person test set (README, "Every person").
DEFAULT_PERSON_CONFIDENCE: dict[PersonDetectorName, float] = {
    "mediapipe": 0.5,
    "movenet": 0.05,
    "nanodet": 0.3,
}


@dataclasses.dataclass(frozen=True)
class DetectorSettings:
    """Everything fixed when a MediaPipe ``PoseLandmarker`` is created.

    Field names follow ``PoseLandmarkerOptions``; ``model_variant`` picks the ``.task``
    bundle (MediaPipe's "model complexity"). Instances are hashable, so callers can cache
    one landmarker per distinct settings value.

    The field defaults are PoseScope's recommended settings, the one definition the
    library, the CLI and the app share (:func:`pose_core.defaults.recommended`): the Full
    model, up to two people, found by MoveNet. MediaPipe's own options default to one
    person and its built-in detector: pass ``num_poses=1, person_detector="mediapipe"``
    for those.

    Attributes:
        model_variant: "lite", "full" or "heavy".
        num_poses: Maximum number of people to detect (1 to 10).
        min_pose_detection_confidence: Score the person detector must reach, in [0, 1].
        min_pose_presence_confidence: Landmark model's presence score needed, in [0, 1].
        min_tracking_confidence: Score needed to keep tracking between video frames
            instead of re-running the person detector, in [0, 1]. Unused in IMAGE mode.
        output_segmentation_masks: Also return a per-person segmentation mask.
        person_detector: Who finds the people: MediaPipe's built-in detector, or MoveNet
            or NanoDet run top-down.
        min_person_confidence: Score MoveNet or NanoDet must reach, in [0, 1] (their
            scores are on their own scales; MediaPipe's uses
            ``min_pose_detection_confidence``).
    """

    model_variant: ModelVariant = "full"
    # Two people: the demos often show a pair (and one is found either way).
    num_poses: int = 2
    min_pose_detection_confidence: float = 0.5
    min_pose_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    output_segmentation_masks: bool = False
    # MoveNet top-down: it finds far more people in groups than MediaPipe's own detector,
    # with no more false ones, and keeps the live webcam as fast (README, "Every person in
    # the picture").
    person_detector: PersonDetectorName = "movenet"
    min_person_confidence: float = DEFAULT_PERSON_CONFIDENCE["movenet"]

    def __post_init__(self) -> None:
        if self.model_variant not in MODEL_VARIANTS:
            raise ValueError(
                f"model_variant must be one of {', '.join(MODEL_VARIANTS)}, "
                f"not {self.model_variant!r}"
            )
        if isinstance(self.num_poses, bool) or not isinstance(self.num_poses, int):
            raise ValueError(f"num_poses must be an integer, not {self.num_poses!r}")
        if not 1 <= self.num_poses <= MAX_NUM_POSES:
            raise ValueError(f"num_poses must be between 1 and {MAX_NUM_POSES}")
        if self.person_detector not in PERSON_DETECTORS:
            raise ValueError(
                f"person_detector must be one of {', '.join(PERSON_DETECTORS)}, "
                f"not {self.person_detector!r}"
            )
        for name in (
            "min_pose_detection_confidence",
            "min_pose_presence_confidence",
            "min_tracking_confidence",
            "min_person_confidence",
        ):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be a number between 0 and 1, not {value!r}")
            # Normalise ints (0, 1) to floats so equal settings hash equally.
            object.__setattr__(self, name, float(value))
        object.__setattr__(self, "output_segmentation_masks", bool(self.output_segmentation_masks))

    def replace(self, **changes: Any) -> DetectorSettings:
        """Return a copy with ``changes`` applied (validated like the constructor)."""
        return dataclasses.replace(self, **changes)
