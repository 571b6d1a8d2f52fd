"""People across frames: stable person ids, per-person smoothing, and drawing order.

Used by both the video pipeline and the live webcam stream, so a person's id, their One
Euro filter and their colour follow the same rules in a clip and on the camera.

Not thread-safe: one :class:`PoseTracks` per stream, used by one thread at a time.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .landmarks import landmark_span
from .results import PersonPose, PoseResult
from .smoothing import PoseSmoother, SmoothingParams

# Torso landmarks (shoulders, hips): their centre moves least with arms and legs.
_TORSO = [11, 12, 23, 24]


def _anchor(landmarks: np.ndarray) -> tuple[np.ndarray, float]:
    """A person's position (torso centre, normalised) and size, for matching.

    The size is the longest side of the person's extent: ``max_jump`` is in those units.
    """
    torso = landmarks[_TORSO, :2]
    torso = torso[np.isfinite(torso).all(axis=1)]
    xy = landmarks[:, :2][np.isfinite(landmarks[:, :2]).all(axis=1)]
    centre = torso.mean(axis=0) if len(torso) else xy.mean(axis=0)
    span = landmark_span(xy)
    size = float(span.max()) if np.isfinite(span).all() else 0.1
    return centre, max(size, 0.02)


@dataclasses.dataclass
class _Track:
    centre: np.ndarray
    size: float
    time_s: float


class PersonTracker:
    """Gives each detected person a stable id across frames.

    MediaPipe returns the people of a frame in no particular order, so a time series
    "of person 1" needs matching. Greedy nearest-centre matching is enough here because
    VIDEO mode tracks each person's region from the previous frame: a person moves a
    fraction of their size between frames. With ``num_poses == 1`` everyone is person 0.
    """

    def __init__(self, max_people: int, *, max_gap_s: float = 1.0, max_jump: float = 0.75):
        self.max_people = max_people
        self.max_gap_s = max_gap_s
        self.max_jump = max_jump  # in person sizes
        self._tracks: dict[int, _Track] = {}
        self._next_id = 0

    def assign(self, poses: tuple[PersonPose, ...], time_s: float) -> list[int]:
        """Track ids of ``poses`` (same order) in the frame at ``time_s``."""
        if self.max_people == 1:
            return [0] * len(poses)
        given = [p.track_id for p in poses]
        if all(track_id is not None for track_id in given):
            # The detector tracked them itself (the top-down engine): keep its ids.
            return [int(track_id) for track_id in given if track_id is not None]
        self._tracks = {
            k: v for k, v in self._tracks.items() if time_s - v.time_s <= self.max_gap_s
        }
        anchors = [_anchor(p.landmarks) for p in poses]
        pairs = []
        for i, (centre, size) in enumerate(anchors):
            for track_id, track in self._tracks.items():
                distance = float(np.linalg.norm(centre - track.centre)) / max(size, track.size)
                if distance <= self.max_jump:
                    pairs.append((distance, i, track_id))
        ids: list[int | None] = [None] * len(poses)
        used: set[int] = set()
        for _distance, i, track_id in sorted(pairs):
            if ids[i] is None and track_id not in used:
                ids[i] = track_id
                used.add(track_id)
        assigned: list[int] = []
        for matched, (centre, size) in zip(ids, anchors, strict=True):
            if matched is None:
                matched = self._next_id
                self._next_id += 1
            self._tracks[matched] = _Track(centre, size, time_s)
            assigned.append(matched)
        return assigned


@dataclasses.dataclass(frozen=True, eq=False)
class TrackedPerson:
    """One person of a frame, with their id.

    Attributes:
        track_id: Stable across frames while the person stays in view.
        raw: The detector's landmarks.
        shown: The landmarks to draw and record, with the track id: smoothed when
            smoothing is on, else ``raw``'s.
    """

    track_id: int
    raw: PersonPose
    shown: PersonPose

    @property
    def smoothed(self) -> bool:
        """Whether ``shown`` holds smoothed landmarks rather than the detector's."""
        return self.shown.landmarks is not self.raw.landmarks


@dataclasses.dataclass(frozen=True, eq=False)
class TrackedFrame:
    """A frame's people, ordered by track id.

    Attributes:
        result: The detector's result for the frame.
        people: Every person in it, in track-id order.
    """

    result: PoseResult
    people: tuple[TrackedPerson, ...]

    @property
    def shown(self) -> PoseResult:
        """The result to draw: shown landmarks in track-id order, so that each person
        keeps their colour (colours go by position) while they stay in view."""
        return dataclasses.replace(self.result, poses=tuple(p.shown for p in self.people))


class PoseTracks:
    """Track ids, then optional One Euro smoothing per person, for one stream of frames.

    Args:
        max_people: The detector's ``num_poses`` (1 makes everyone person 0).
        smoothing: One Euro settings, or None for the detector's landmarks.
    """

    def __init__(self, max_people: int, smoothing: SmoothingParams | None = None) -> None:
        self.max_people = max_people
        self._tracker = PersonTracker(max_people)
        self.restart_smoothing(smoothing)

    def restart_smoothing(self, smoothing: SmoothingParams | None) -> None:
        """New filters (or none) from the next frame on; person ids carry on."""
        self.smoothing = smoothing
        self._smoother = PoseSmoother(smoothing) if smoothing is not None else None

    def update(self, result: PoseResult, time_s: float) -> TrackedFrame:
        """Assign ids to ``result``'s people (seconds ``time_s``, increasing) and smooth."""
        ids = self._tracker.assign(result.poses, time_s)
        people = []
        for track_id, pose in zip(ids, result.poses, strict=True):
            shown = dataclasses.replace(pose, track_id=track_id)
            if self._smoother is not None:
                landmarks, world = self._smoother(
                    track_id, pose.landmarks, pose.world_landmarks, time_s
                )
                shown = PersonPose(landmarks, world, pose.segmentation_mask, track_id)
            people.append(TrackedPerson(track_id, pose, shown))
        people.sort(key=lambda person: person.track_id)
        return TrackedFrame(result, tuple(people))
