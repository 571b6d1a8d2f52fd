"""Motion export: BVH for animation tools (Blender, Unity), TRC for OpenSim.

Streamlit-free. One module a step:

- :mod:`.skeleton`: the humanoid hierarchy, where its joints sit on the 33 landmarks,
  a person's proportions and rest pose (T-pose);
- :mod:`.solve`: per-frame joint rotations (swing and twist), forward kinematics,
  Euler angles without jumps;
- :mod:`.motion`: one person's landmarks on an even timeline (:class:`MotionClip`,
  gaps filled) and its solved :class:`Motion`;
- :mod:`.bvh`: BVH text out, and back to joint positions;
- :mod:`.trc`: TRC text.

:func:`export_bvh` and :func:`export_trc` are what the pages and the CLI call.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..defaults import VISIBILITY_THRESHOLD
from ..results import PoseResult
from ..video import VideoResult
from .bvh import BvhData, BvhFormatError, Units, bvh_positions, read_bvh, write_bvh
from .motion import ExportError, Motion, MotionClip
from .skeleton import EXPORT_FROM_MEDIAPIPE, JOINT_NAMES, JOINTS, PARENTS
from .solve import EULER_ORDER, rotation_steps_deg
from .trc import OPENSIM_FROM_MEDIAPIPE, TrcUnits, write_trc


@dataclasses.dataclass(frozen=True)
class ExportOptions:
    """How to export.

    Attributes:
        visibility_threshold: Frames less visible than this are filled (see
            :class:`MotionClip`); also which samples measure the bone lengths.
        root_translation: Move the root with the hips' image position (scaled to metres
            near the person); off: the hips stay above the origin.
        bvh_units: Lengths in the BVH file.
        trc_units: Lengths in the TRC file.
    """

    visibility_threshold: float = VISIBILITY_THRESHOLD
    root_translation: bool = False
    bvh_units: Units = "cm"
    trc_units: TrcUnits = "mm"


def solve(clip: MotionClip, options: ExportOptions | None = None) -> Motion:
    """The clip's person fitted with a skeleton and every frame's rotations."""
    options = options or ExportOptions()
    return Motion.solve(
        clip,
        root_translation=options.root_translation,
        visibility_threshold=options.visibility_threshold,
    )


def export_bvh(clip: MotionClip, options: ExportOptions | None = None) -> str:
    """BVH text of the clip (see :mod:`.bvh` for its conventions)."""
    options = options or ExportOptions()
    return write_bvh(solve(clip, options), options.bvh_units)


def export_trc(
    clip: MotionClip, options: ExportOptions | None = None, *, file_name: str = "motion.trc"
) -> str:
    """TRC text of the clip's landmarks (see :mod:`.trc` for its conventions)."""
    options = options or ExportOptions()
    motion = solve(clip, options)
    return write_trc(clip, motion.root, file_name=file_name, units=options.trc_units)


def video_rate(result: VideoResult) -> float:
    """Frames per second of a result's export: the analysed frame rate of a clip (its
    frame rate over the stride), or a webcam recording's mean rate rounded to whole
    frames per second (its frames come at uneven times and are resampled)."""
    if result.video_path is None and result.info.container == "webcam":
        return float(max(1, round(result.info.fps)))
    return result.info.fps / result.stride if result.info.fps > 0 else 30.0


def video_clip(
    result: VideoResult, person: int, visibility_threshold: float = VISIBILITY_THRESHOLD
) -> MotionClip:
    """The clip of one person of an analysed video or a webcam recording (the landmarks
    as shown: smoothed when the result was smoothed). Raises :class:`ExportError`."""
    return MotionClip.from_table(
        result.table,
        person,
        rate=video_rate(result),
        frame_size=(result.frame_width, result.frame_height),
        visibility_threshold=visibility_threshold,
    )


def photo_clip(result: PoseResult, index: int) -> MotionClip:
    """A one-frame clip of person ``index`` of a photo (raises :class:`ExportError`)."""
    return MotionClip.from_pose(result, index)


@dataclasses.dataclass(frozen=True, eq=False)
class SkeletonPlayback:
    """A BVH read back, for drawing over the landmarks.

    Attributes:
        times: (F,) source time of each BVH frame, seconds.
        points: (F, N, 3) joints and end sites in MediaPipe's world frame, metres, hips'
            centre at the origin (as the world landmarks are).
        edges: (parent, child) index pairs: the bones.
    """

    times: np.ndarray
    points: np.ndarray
    edges: tuple[tuple[int, int], ...]


def skeleton_playback(bvh_text: str, start_s: float, units: Units = "cm") -> SkeletonPlayback:
    """Read a BVH written by :func:`export_bvh` back into hip-centred joint positions.

    Raises:
        BvhFormatError: The text is not a BVH file.
    """
    data = read_bvh(bvh_text)
    positions = bvh_positions(data) / {"cm": 100.0, "m": 1.0}[units]
    hip_centred = positions - positions[:, :1]
    points = hip_centred @ EXPORT_FROM_MEDIAPIPE.T
    edges = tuple((p, c) for c, p in enumerate(data.parents) if p >= 0)
    times = start_s + np.arange(data.frames) * data.frame_time
    return SkeletonPlayback(times, points, edges)


__all__ = [
    "EULER_ORDER",
    "EXPORT_FROM_MEDIAPIPE",
    "JOINTS",
    "JOINT_NAMES",
    "OPENSIM_FROM_MEDIAPIPE",
    "PARENTS",
    "BvhData",
    "BvhFormatError",
    "ExportError",
    "ExportOptions",
    "Motion",
    "MotionClip",
    "SkeletonPlayback",
    "bvh_positions",
    "export_bvh",
    "export_trc",
    "photo_clip",
    "read_bvh",
    "rotation_steps_deg",
    "skeleton_playback",
    "solve",
    "video_clip",
    "video_rate",
    "write_bvh",
    "write_trc",
]
