"""Top-down BlazePose: a person detector finds everyone, the landmark model reads each.

For a still image: the person detector's candidates give first regions; the landmark
model reads all of them in one batched call; each person's auxiliary landmarks then
give MediaPipe's own region for them, read again in a second batched call, so the
final landmarks come from the region MediaPipe itself would track the person with.
People whose presence falls below the threshold are dropped, and of two that turn out
to be the same person (their landmark boxes overlap) the surer one stays.

For a stream, as BlazePose tracks one person: each tracked person's next region comes
from their previous landmarks; the detector runs again only every few frames while
fewer people are tracked than allowed, or when a track was just lost. Each person keeps
a track id while they stay in view.

Not thread-safe: one caller at a time (``pose_core.detector`` holds a lock).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..results import PersonPose
from ..settings import DetectorSettings
from .blazepose import LandmarkModel, RegionPose
from .litert import LiteRtModel, bundled_landmark_model
from .persons import MoveNetDetector, NanoDetDetector, PersonDetector
from .region import Region, box_iou

# A detector's box overlapping a tracked person's landmark box this much is that person.
SAME_BOX_IOU = 0.7
# A first reading below this presence is not read again (nothing person-like there).
# Kept low: a loose first region around a person at the edge of a group can score
# under 0.1 and then read well from the region their own landmarks give.
MIN_FIRST_PRESENCE = 0.01
# A second reading whose landmarks moved more than this many person sizes (median)
# from the first has slid onto someone else.
DRIFT_DISTANCE = 0.3
# While fewer people are tracked than allowed, look for new ones every this many frames.
DETECT_EVERY_FRAMES = 5
# A person lost for at most this many frames who is found again where they were gets
# their old id (and colour) back: a dip in presence is not a new person.
REMEMBER_LOST_FRAMES = 90
# ... "where they were": the middles of their visible landmarks within this many person
# sizes.
SAME_PLACE_DISTANCE = 0.5


def make_person_detector(settings: DetectorSettings) -> PersonDetector:
    if settings.person_detector == "movenet":
        return MoveNetDetector()
    if settings.person_detector == "nanodet":
        return NanoDetDetector()
    raise ValueError(f"{settings.person_detector!r} is not a top-down person detector")


def landmark_model(settings: DetectorSettings) -> LandmarkModel:
    return LandmarkModel(LiteRtModel(bundled_landmark_model(settings.model_variant)))


def _distinct(readings: list[RegionPose], limit: int) -> list[RegionPose]:
    """Surest first; one reading per person; at most ``limit``."""
    kept: list[RegionPose] = []
    for reading in sorted(readings, key=lambda r: r.presence, reverse=True):
        if not any(reading.same_person(other) for other in kept):
            kept.append(reading)
        if len(kept) == limit:
            break
    return kept


def _seen_centre(reading: RegionPose) -> np.ndarray:
    """The middle of the landmarks the model is sure it sees (all when none are): for
    someone cut by the frame's edge, the guessed ones outside wander between readings."""
    seen = reading.pose.visibility >= 0.5
    points = reading.pixel_xy[seen] if seen.sum() >= 3 else reading.pixel_xy
    centre: np.ndarray = np.median(points, axis=0)
    return centre


def _same_place(a: RegionPose, b: RegionPose) -> bool:
    distance = float(np.linalg.norm(_seen_centre(a) - _seen_centre(b)))
    return distance < SAME_PLACE_DISTANCE * max(a.size, b.size)


@dataclasses.dataclass
class _Track:
    track_id: int
    region: Region
    # The last reading that passed: where the person was (a failing one may have slid).
    last_seen: RegionPose


@dataclasses.dataclass
class _Lost:
    track_id: int
    last_seen: RegionPose
    frame: int


class TopDownEngine:
    """The person detector and landmark model for one settings value.

    Args:
        settings: Model variant, people allowed, the three confidences, segmentation.
        persons: The person detector (made from ``settings`` when not given).
        landmarks: The landmark model (likewise).
    """

    def __init__(
        self,
        settings: DetectorSettings,
        *,
        persons: PersonDetector | None = None,
        landmarks: LandmarkModel | None = None,
    ) -> None:
        self.settings = settings
        self._persons = persons or make_person_detector(settings)
        self._landmarks = landmarks or landmark_model(settings)
        self._tracks: list[_Track] = []
        self._lost: list[_Lost] = []
        self._frame = 0
        self._frames_since_detection = 0

    def reset(self) -> None:
        """Forget the people being tracked (a new stream)."""
        self._tracks = []
        self._lost = []
        self._frames_since_detection = 0

    def detect_image(self, rgb_image: np.ndarray) -> list[PersonPose]:
        """Everyone in a still image, surest first."""
        return [r.pose for r in self._find_new(rgb_image, [])]

    def detect_frame(self, rgb_frame: np.ndarray) -> list[PersonPose]:
        """Everyone in the next frame of a stream, in track-id order, with track ids."""
        settings = self.settings
        kept: list[tuple[_Track, RegionPose]] = []
        lost = False
        self._frame += 1
        self._lost = [
            gone for gone in self._lost if self._frame - gone.frame <= REMEMBER_LOST_FRAMES
        ]
        if self._tracks:
            readings = self._read(rgb_frame, [t.region for t in self._tracks])
            for track, reading in zip(self._tracks, readings, strict=True):
                if reading.presence < settings.min_tracking_confidence:
                    lost = True
                    self._lost.append(_Lost(track.track_id, track.last_seen, self._frame))
                    continue
                # Two tracks that drifted onto one person: the older one stays.
                if any(reading.same_person(other) for _, other in kept):
                    continue
                kept.append((track, reading))
        self._frames_since_detection += 1
        looking = len(kept) < settings.num_poses and (
            lost or not self._tracks or self._frames_since_detection >= DETECT_EVERY_FRAMES
        )
        if looking:
            self._frames_since_detection = 0
            for reading in self._find_new(rgb_frame, [r for _, r in kept]):
                if len(kept) == settings.num_poses:
                    break
                track_id = self._track_id_for(reading, {track.track_id for track, _ in kept})
                kept.append((_Track(track_id, reading.region, reading), reading))
        self._tracks = [
            _Track(track.track_id, reading.next_region, reading) for track, reading in kept
        ]
        kept.sort(key=lambda pair: pair[0].track_id)
        return [dataclasses.replace(r.pose, track_id=t.track_id) for t, r in kept]

    def _track_id_for(self, reading: RegionPose, in_use: set[int]) -> int:
        """A recently lost person's id if the reading stands where they were, else the
        smallest id nobody holds (colours go by id: two people get the first two)."""
        near = [g for g in self._lost if _same_place(reading, g.last_seen)]
        if near:
            latest = max(near, key=lambda gone: gone.frame)
            self._lost.remove(latest)
            return latest.track_id
        held = in_use | {gone.track_id for gone in self._lost}
        return next(n for n in range(len(held) + 1) if n not in held)

    def _read(self, rgb_image: np.ndarray, regions: list[Region]) -> list[RegionPose]:
        return self._landmarks.run(
            rgb_image, regions, segmentation=self.settings.output_segmentation_masks
        )

    def _find_new(self, rgb_image: np.ndarray, taken: list[RegionPose]) -> list[RegionPose]:
        """People the person detector finds who are not ``taken`` already, read twice."""
        settings = self.settings
        candidates = self._persons.find(rgb_image, settings.min_person_confidence)
        # A candidate squarely on a tracked person is that person: not read at all.
        regions = [
            c.region
            for c in candidates
            if all(box_iou(c.box, reading.box) < SAME_BOX_IOU for reading in taken)
        ]
        first = [r for r in self._read(rgb_image, regions) if r.presence >= MIN_FIRST_PRESENCE]
        second = self._read(rgb_image, [r.next_region for r in first])
        # A second reading that slid onto someone else (a neighbour in a tight group)
        # does not replace the first.
        readings = [
            again if again.same_person(once, DRIFT_DISTANCE) else once
            for once, again in zip(first, second, strict=True)
        ]
        present = [
            r
            for r in readings
            if r.presence >= settings.min_pose_presence_confidence
            and not any(r.same_person(other) for other in taken)
        ]
        return _distinct(present, settings.num_poses)
