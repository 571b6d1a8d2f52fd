"""PoseScope core: offline MediaPipe pose detection, results, drawing and angles.

Streamlit-free on purpose: the app's pages, the CLI and the benchmarks all call this.
The Plotly figures live in :mod:`pose_core.figures` and are not re-exported here: Plotly
takes about a second to import, and the CLI and a detection in a notebook never draw one.
"""

from .angles import JOINT_ANGLES, JointAngle, joint_angles
from .defaults import Defaults, recommended
from .detector import (
    DEFAULT_MAX_INFERENCE_PIXELS,
    ImageDetector,
    StreamDetector,
    load_mediapipe,
)
from .drawing import DrawingStyle, draw_poses
from .imageio import (
    EmptyImageError,
    ImageDecodeError,
    ImageTooLargeError,
    ImageTooSmallError,
    NotAnImageError,
    TruncatedImageError,
    bgr_to_rgb,
    decode_image,
    decode_image_reduced,
    rgb_to_bgr,
)
from .landmarks import LANDMARK_NAMES, NUM_LANDMARKS, POSE_CONNECTIONS
from .models import ModelFileError, model_path, verified_model_path
from .results import PersonPose, PoseResult
from .settings import MODEL_VARIANT_LABELS, MODEL_VARIANTS, DetectorSettings, ModelVariant

__all__ = [
    "DEFAULT_MAX_INFERENCE_PIXELS",
    "JOINT_ANGLES",
    "LANDMARK_NAMES",
    "MODEL_VARIANTS",
    "MODEL_VARIANT_LABELS",
    "NUM_LANDMARKS",
    "POSE_CONNECTIONS",
    "Defaults",
    "DetectorSettings",
    "DrawingStyle",
    "EmptyImageError",
    "ImageDecodeError",
    "ImageDetector",
    "ImageTooLargeError",
    "ImageTooSmallError",
    "JointAngle",
    "ModelFileError",
    "ModelVariant",
    "NotAnImageError",
    "PersonPose",
    "PoseResult",
    "StreamDetector",
    "TruncatedImageError",
    "bgr_to_rgb",
    "decode_image",
    "decode_image_reduced",
    "draw_poses",
    "joint_angles",
    "load_mediapipe",
    "model_path",
    "recommended",
    "rgb_to_bgr",
    "verified_model_path",
]
