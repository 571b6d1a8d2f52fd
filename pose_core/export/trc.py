"""TRC (OpenSim's marker trajectories) of a :class:`~.motion.MotionClip`'s landmarks.

The 33 landmarks are the markers, under their MediaPipe names, in millimetres, on the
clip's even timeline (filled frames included: OpenSim's inverse kinematics wants every
marker in every frame). Axes are OpenSim's ground frame for a person facing the camera:
X forward (from the person towards the camera), Y up, Z to the person's right, which is
a rotation of MediaPipe's world frame (X = -z, Y = -y, Z = -x). The hips' centre is the
origin horizontally and stands at the rest pose's hip height above the floor (Y = 0),
plus the image-space root translation if asked for.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import numpy as np

from ..landmarks import LANDMARK_NAMES
from .motion import MotionClip

# OpenSim's ground frame from MediaPipe's world frame (a rotation: determinant +1).
OPENSIM_FROM_MEDIAPIPE = np.array([[0.0, 0.0, -1.0], [0.0, -1.0, 0.0], [-1.0, 0.0, 0.0]])
# The export frame (y up, facing +z, left +x; see .skeleton) to OpenSim's.
_OPENSIM_FROM_EXPORT = OPENSIM_FROM_MEDIAPIPE @ np.diag([1.0, -1.0, -1.0])

TrcUnits = Literal["mm", "m"]
_TRC_SCALE: Mapping[str, float] = MappingProxyType({"mm": 1000.0, "m": 1.0})


def opensim_markers(clip: MotionClip, root: np.ndarray) -> np.ndarray:
    """(F, 33, 3) marker positions in OpenSim's frame, metres.

    Args:
        clip: The motion.
        root: (F, 3) the hips' centre in the export frame (height above the floor and
            any translation), as in :attr:`~.motion.Motion.root`.
    """
    export = clip.export_landmarks() + root[:, None, :]
    out: np.ndarray = export @ _OPENSIM_FROM_EXPORT.T
    return out


def write_trc(
    clip: MotionClip, root: np.ndarray, *, file_name: str = "motion.trc", units: TrcUnits = "mm"
) -> str:
    """The clip's landmarks as TRC text (tab separated, version 4 header).

    Args:
        clip: The motion.
        root: (F, 3) the hips' centre per frame in the export frame (see
            :func:`opensim_markers`).
        file_name: Written into the header's first line, as TRC files do.
        units: "mm" (OpenSim's usual) or "m".
    """
    markers = opensim_markers(clip, root) * _TRC_SCALE[units]
    frames, count = clip.frames, len(LANDMARK_NAMES)
    rate = f"{clip.rate:.6g}"
    out = io.StringIO()
    safe_name = file_name.replace("\t", " ").replace("\n", " ")
    out.write(f"PathFileType\t4\t(X/Y/Z)\t{safe_name}\n")
    out.write(
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
        "OrigDataStartFrame\tOrigNumFrames\n"
    )
    out.write(f"{rate}\t{rate}\t{frames}\t{count}\t{units}\t{rate}\t1\t{frames}\n")
    out.write("Frame#\tTime\t" + "\t\t\t".join(LANDMARK_NAMES) + "\t\t\n")
    out.write("\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, count + 1)) + "\n")
    out.write("\n")
    times = clip.times
    for f in range(frames):
        values = "\t".join(f"{v:.5f}" for v in markers[f].ravel())
        out.write(f"{f + 1}\t{times[f]:.6f}\t{values}\n")
    return out.getvalue()
