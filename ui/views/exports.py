"""Motion downloads (BVH for Blender / Unity, TRC for OpenSim) and the exported skeleton
read back for the 3D playback: the Streamlit side of :mod:`pose_core.export`.

Files are built when a button is clicked, not on every rerun; the read-back skeleton is
kept per result, person and threshold in the session.
"""

from __future__ import annotations

import dataclasses
import logging

import streamlit as st

from pose_core.export import (
    ExportError,
    ExportOptions,
    MotionClip,
    SkeletonPlayback,
    export_bvh,
    export_trc,
    photo_clip,
    skeleton_playback,
    video_clip,
)
from pose_core.results import PoseResult
from pose_core.video import VideoResult

LOGGER = logging.getLogger(__name__)
BVH_MIME = "application/octet-stream"
TRC_MIME = "text/plain"
FILL_NOTE = (
    "Frames where the person is missing or less visible than the threshold are "
    "interpolated between the nearest clear frames. BVH: y up, centimetres, Euler angles "
    "Z X Y, T-pose rest; TRC: millimetres, OpenSim axes (X towards the camera, Y up)."
)


def _buttons(clip: MotionClip, options: ExportOptions, stem: str, key: str) -> None:
    name = f"{stem}_person{clip.person + 1}"
    cols = st.columns(2)
    cols[0].download_button(
        "Motion BVH (Blender, Unity)", lambda: export_bvh(clip, options).encode(),
        file_name=f"{name}.bvh", mime=BVH_MIME, key=f"{key}_bvh",
        icon=":material/accessibility_new:", width="stretch", on_click="ignore",
    )  # fmt: skip
    cols[1].download_button(
        "Markers TRC (OpenSim)",
        lambda: export_trc(clip, options, file_name=f"{name}.trc").encode(),
        file_name=f"{name}.trc", mime=TRC_MIME, key=f"{key}_trc",
        icon=":material/scatter_plot:", width="stretch", on_click="ignore",
    )  # fmt: skip


def motion_downloads(
    result: VideoResult, person: int, stem: str, *, key: str, threshold: float
) -> None:
    """BVH and TRC buttons for one person of a clip or recording, with a root-motion
    toggle and a line saying what the files hold."""
    root = st.toggle(
        "Root moves with the hips in the picture",
        key=f"{key}_root",
        help="Off: the skeleton stays on the spot (its motion is all joint rotations). On: "
        "the hips also move as they move in the picture, scaled to metres near the person "
        "(left-right and up-down only: one camera gives no depth).",
    )
    options = ExportOptions(visibility_threshold=threshold, root_translation=root)
    try:
        clip = video_clip(result, person, threshold)
    except ExportError as exc:
        st.info(str(exc), icon=":material/person_off:")
        return
    _buttons(clip, options, stem, key)
    for warning in clip.warnings:
        st.caption(warning)
    st.caption(
        f"Person {person + 1}: {clip.frames} frames at {clip.rate:g} fps, from "
        f"{clip.start_s:.2f} s of the source. {FILL_NOTE}"
    )


def photo_downloads(result: PoseResult, index: int, stem: str, *, key: str) -> None:
    """BVH (one frame) and TRC buttons for one person of a photo."""
    try:
        clip = photo_clip(result, index)
    except ExportError as exc:
        st.info(str(exc), icon=":material/person_off:")
        return
    _buttons(clip, ExportOptions(), stem, key)
    st.caption(f"Person {index + 1}, one frame: the pose as a BVH or a TRC marker set.")


def exported_skeleton(result: VideoResult, person: int, threshold: float) -> SkeletonPlayback:
    """The person's BVH export read back by forward kinematics (kept in the session).

    Raises:
        ExportError: The person cannot be exported.
    """
    # One is enough: the one on screen. Keyed by the result itself (an id() could be
    # reused by a later result once this one is gone).
    cached: _ShownPlayback | None = st.session_state.get("_export_playback")
    if cached is not None and cached.of(result, person, threshold):
        return cached.playback
    clip = video_clip(result, person, threshold)
    playback = skeleton_playback(export_bvh(clip, ExportOptions(threshold)), clip.start_s)
    st.session_state["_export_playback"] = _ShownPlayback(result, person, threshold, playback)
    return playback


@dataclasses.dataclass(frozen=True, eq=False)
class _ShownPlayback:
    result: VideoResult
    person: int
    threshold: float
    playback: SkeletonPlayback

    def of(self, result: VideoResult, person: int, threshold: float) -> bool:
        return self.result is result and (self.person, self.threshold) == (person, threshold)
