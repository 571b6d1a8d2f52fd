"""Motion analysis on a live stream: the rep counter, the pose class and the match score
for one person, frame by frame, and what is drawn for them on the returned video.

A :class:`MotionTracker` belongs to one stream and is driven by its frame worker; the
stream processor guards it with its lock (see ``pose_core.live.processor``). Everything
here is a few small numpy operations per frame (``bench/bench_motion.py``).
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from ..angles import ANGLE_NAMES, JOINT_ANGLES, angle_rows, angles_at
from ..landmarks import POSE_CONNECTIONS
from ..results import PersonPose, PoseResult
from .classify import PoseClassifier, ScoreSmoother
from .embedding import pose_points
from .match import DEFAULT_TOLERANCE_DEG, LIMBS, MatchResult, ReferencePose, match_pose
from .reps import Rep, RepConfig, RepCounter, SequenceCounter, phase_label, side_angle

REFERENCE_COLOUR = (255, 255, 255)  # RGB
OFF_COLOUR = (230, 40, 40)


@dataclasses.dataclass(frozen=True, eq=False)
class MotionConfig:
    """What to do with the person on the stream (every part optional).

    Attributes:
        reps: Count reps on an angle with this counter.
        classifier: Classify the pose with these taught classes.
        sequence: Count reps on this class sequence instead of the angle (needs
            ``classifier``).
        reference: Score the pose against this one and draw it over the person.
        alpha: Weight of the newest frame in the class scores' moving average.
        tolerance_deg: Limbs further off the reference than this are drawn red.
    """

    reps: RepConfig | None = None
    classifier: PoseClassifier | None = None
    sequence: tuple[str, ...] | None = None
    reference: ReferencePose | None = None
    alpha: float = 0.3
    tolerance_deg: float = DEFAULT_TOLERANCE_DEG

    @property
    def active(self) -> bool:
        return (
            self.reps is not None
            or (self.classifier is not None and self.classifier.ready)
            or self.reference is not None
        )


@dataclasses.dataclass(frozen=True, eq=False)
class MotionState:
    """After a frame: what the overlay draws and the page shows."""

    count: int = 0
    phase: str = ""
    angle: float = math.nan
    reps: tuple[Rep, ...] = ()
    label: str | None = None
    label_score: float = math.nan
    match: MatchResult | None = None


def pose_angle(config: RepConfig, pose: PersonPose) -> float:
    """The angle ``config`` follows for one person (NaN when unseen)."""
    world = np.asarray(pose.world_landmarks, dtype=np.float64)
    vis = np.asarray(pose.visibility, dtype=np.float64)
    degrees, visibility = [], []
    for column in config.columns:
        if column in JOINT_ANGLES:
            a, v, b = JOINT_ANGLES[column]
            degrees.append(float(angles_at(world[a], world[v], world[b])))
            visibility.append(float(min(vis[a], vis[v], vis[b])))
        else:
            rows = angle_rows(world[None], vis[None])
            k = ANGLE_NAMES.index(column)
            degrees.append(float(rows.degrees[0, k]))
            visibility.append(float(rows.visibility[0, k]))
    angle, _ = side_angle(config, np.array([degrees]), np.array([visibility]))
    return float(angle[0])


class MotionTracker:
    """Per-stream motion state (not thread-safe: its owner serialises the calls)."""

    def __init__(self, config: MotionConfig) -> None:
        self.config = config
        self._counter = RepCounter(config.reps) if config.reps is not None else None
        self._sequence = (
            SequenceCounter(config.sequence)
            if config.sequence and config.classifier is not None
            else None
        )
        self._smoother = ScoreSmoother(config.alpha)
        self.state = MotionState()
        # Rep times count from the first frame this tracker saw (the stream's clock is
        # monotonic, with an arbitrary origin: the per-rep table would show it).
        self._origin: float | None = None

    def update(self, time_s: float, result: PoseResult, min_visibility: float = 0.5) -> MotionState:
        """Analyse the first person of ``result`` (everyone else is left alone).

        ``time_s`` is on any clock; the reps' times are seconds since the first frame
        given to this tracker (since the stream started, or the count was reset)."""
        cfg = self.config
        if self._origin is None:
            self._origin = time_s
        time_s -= self._origin
        pose = result.poses[0] if result.poses else None
        count, phase, angle = 0, "", math.nan
        reps: tuple[Rep, ...] = ()
        if self._counter is not None:
            angle = pose_angle(self._counter.config, pose) if pose is not None else math.nan
            st = self._counter.update(time_s, angle)
            count, phase = st.count, phase_label(self._counter.config, st.phase)
            reps = tuple(self._counter.reps)
        label, label_score = None, math.nan
        if cfg.classifier is not None and cfg.classifier.ready:
            scores, pick = None, None
            if pose is not None:
                points = pose_points(pose, result.image_width, result.image_height)
                raw = cfg.classifier.classify(points)
                scores, pick = raw.scores, raw.label
            smoothed = self._smoother.update(scores, pick)
            label = smoothed.label
            label_score = smoothed.scores.get(label, math.nan) if label else math.nan
            if self._sequence is not None:
                self._sequence.update(time_s, label)
                count, phase = self._sequence.count, label or ""
                reps = tuple(self._sequence.reps)
        match = None
        if cfg.reference is not None and pose is not None:
            xy = pose.pixel_xy(result.image_width, result.image_height)
            match = match_pose(cfg.reference, xy, pose.visibility, min_visibility=min_visibility)
        self.state = MotionState(count, phase, angle, reps, label, label_score, match)
        return self.state

    def reset(self) -> None:
        self.__init__(self.config)  # type: ignore[misc]


def draw_reference(rgb_frame: np.ndarray, match: MatchResult, tolerance_deg: float) -> None:
    """Draw the aligned reference skeleton (in place): white, its limbs further off than
    ``tolerance_deg`` in red, so the user sees which one to move."""
    height, width = rgb_frame.shape[:2]
    thickness = max(1, round(min(height, width) / 300))
    points = np.round(match.aligned).astype(np.int32)
    for a, b in POSE_CONNECTIONS:
        if a < 11 or b < 11:
            continue  # the face adds clutter, not guidance
        cv2.line(rgb_frame, tuple(points[a]), tuple(points[b]), REFERENCE_COLOUR, thickness,
                 cv2.LINE_AA)  # fmt: skip
    for (start, end), diff in zip(LIMBS.values(), match.limbs, strict=True):
        if math.isfinite(diff.degrees) and abs(diff.degrees) > tolerance_deg:
            p = np.round(match.aligned[list(start)].mean(axis=0)).astype(np.int32)
            q = np.round(match.aligned[list(end)].mean(axis=0)).astype(np.int32)
            cv2.line(rgb_frame, tuple(p), tuple(q), OFF_COLOUR, thickness + 1, cv2.LINE_AA)
