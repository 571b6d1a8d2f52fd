"""Counting repetitions on a joint-angle curve: two thresholds with hysteresis.

A rep is one excursion from the rest side of the curve past the far threshold and back:
for a squat (``active="below"``) the knee angle starts above ``high`` (standing), goes
below ``low`` (the bottom) and comes back above ``high``. The band between the two
thresholds never changes the counter's state, so noise that stays inside it, or that
wobbles around one threshold, counts nothing.

The counter must see the rest side first: someone who starts at the bottom and stands up
has done half a rep. A rep shorter than ``min_duration_s`` is dropped (a glitch, not a
movement). Frames where the angle rests on landmarks under ``min_visibility`` are
unseen; a gap longer than ``max_gap_s`` abandons the rep under way, so a limb lost from
view and found at the other end of its range does not count.

:class:`RepCounter` takes one frame at a time (the live webcam); :func:`count_reps` runs
the same counter over a stored curve (a clip, a recording), so both give the same count.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from ..angles import ANGLE_NAMES

Active = Literal["below", "above"]
Side = Literal["left", "right", "both", "better"]
Phase = Literal["unseen", "waiting", "rest", "leaving", "active", "returning"]
SIDES: tuple[Side, ...] = ("better", "left", "right", "both")
SIDE_LABELS: dict[Side, str] = {
    "better": "Better-visible side",
    "left": "Left",
    "right": "Right",
    "both": "Both (mean of the two)",
}
# The joints that have a left and a right angle ("knee" -> left_knee, right_knee).
SIDED_JOINTS: tuple[str, ...] = tuple(
    dict.fromkeys(n.split("_", 1)[1] for n in ANGLE_NAMES if n.startswith(("left_", "right_")))
)
# Everything a counter can follow: the sided joints, then the unsided angles.
JOINTS: tuple[str, ...] = (
    *SIDED_JOINTS,
    *(n for n in ANGLE_NAMES if not n.startswith(("left_", "right_"))),
)


class RepConfigError(ValueError):
    """A counter configuration that cannot count (the message says why)."""


@dataclasses.dataclass(frozen=True)
class RepConfig:
    """How to count.

    Attributes:
        joint: A sided joint ("knee", "elbow", ...) or an unsided angle ("trunk_lean").
        low: The lower threshold, in degrees.
        high: The upper threshold, in degrees (above ``low``).
        active: "below": a rep goes below ``low`` from above ``high`` (squat, push-up,
            curl); "above": it goes above ``high`` from below ``low`` (jumping jack,
            shoulder press).
        side: Which side's angle: left, right, the mean of both, or per frame the
            better-visible one. Ignored for unsided angles.
        min_duration_s: Shorter reps are dropped.
        min_visibility: Angles resting on landmarks under this visibility are unseen.
        max_gap_s: An unseen stretch longer than this abandons the rep under way.
        rest_label: What the rest phase is called on screen ("up").
        active_label: What the far phase is called ("down").
    """

    joint: str = "knee"
    low: float = 100.0
    high: float = 160.0
    active: Active = "below"
    side: Side = "better"
    min_duration_s: float = 0.4
    min_visibility: float = 0.5
    max_gap_s: float = 0.5
    rest_label: str = "up"
    active_label: str = "down"

    def __post_init__(self) -> None:
        if self.joint not in JOINTS:
            raise RepConfigError(f"Unknown angle {self.joint!r}; choose one of {JOINTS}.")
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise RepConfigError("The thresholds must be numbers.")
        if not self.low < self.high:
            raise RepConfigError(
                f"The lower threshold ({self.low:g}°) must be below the upper one ({self.high:g}°)."
            )
        if self.side not in SIDES:
            raise RepConfigError(f"Unknown side {self.side!r}.")
        if self.active not in ("below", "above"):
            raise RepConfigError(f"Unknown direction {self.active!r}.")

    @property
    def columns(self) -> tuple[str, ...]:
        """The angle columns this counter reads (one or two)."""
        if self.joint in SIDED_JOINTS:
            return (f"left_{self.joint}", f"right_{self.joint}")
        return (self.joint,)

    def in_rest(self, angle: float) -> bool:
        return angle >= self.high if self.active == "below" else angle <= self.low

    def in_active(self, angle: float) -> bool:
        return angle <= self.low if self.active == "below" else angle >= self.high


@dataclasses.dataclass(frozen=True)
class RepPreset:
    """A named exercise: its counter and what the user sees."""

    name: str
    label: str
    config: RepConfig
    note: str


PRESETS: dict[str, RepPreset] = {
    p.name: p
    for p in (
        RepPreset(
            "squat", "Squat", RepConfig("knee", 100, 160, "below", rest_label="up",
                                        active_label="down"),
            "Knee angle: standing about 170°, a parallel squat about 90°.",
        ),
        RepPreset(
            "push_up", "Push-up", RepConfig("elbow", 90, 150, "below", rest_label="up",
                                            active_label="down"),
            "Elbow angle: arms straight at the top, bent to about 80° at the bottom.",
        ),
        RepPreset(
            "biceps_curl", "Biceps curl", RepConfig("elbow", 60, 140, "below",
                                                    rest_label="down", active_label="up"),
            "Elbow angle: arm hanging about 160°, curled about 40°.",
        ),
        RepPreset(
            "lunge", "Lunge", RepConfig("knee", 110, 160, "below", rest_label="up",
                                        active_label="down"),
            "Knee angle of the front leg: about 90° at the bottom of a lunge.",
        ),
        RepPreset(
            "jumping_jack", "Jumping jack", RepConfig("shoulder", 40, 120, "above",
                                                      side="both", min_duration_s=0.25,
                                                      rest_label="in", active_label="out"),
            "Shoulder angle (arm against trunk): arms down about 15°, overhead about 160°.",
        ),
        RepPreset(
            "shoulder_press", "Shoulder press", RepConfig("shoulder", 100, 150, "above",
                                                          side="both", rest_label="down",
                                                          active_label="up"),
            "Shoulder angle: hands at the shoulders about 80-90°, arms overhead about 170°.",
        ),
    )
}  # fmt: skip
CUSTOM = "custom"


@dataclasses.dataclass(frozen=True)
class Rep:
    """One counted repetition.

    Attributes:
        number: 1, 2, ...
        start_s: When the angle left the rest side for this rep.
        end_s: When it was back on the rest side.
        min_angle: The lowest angle in between, degrees.
        max_angle: The highest angle in between (ends included), degrees.
    """

    number: int
    start_s: float
    end_s: float
    min_angle: float
    max_angle: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def range_of_motion(self) -> float:
        return self.max_angle - self.min_angle


@dataclasses.dataclass(frozen=True)
class RepState:
    """The counter after a frame: what the live overlay draws."""

    count: int
    phase: Phase
    angle: float


class RepCounter:
    """Counts reps one frame at a time (not thread-safe: one owner at a time)."""

    def __init__(self, config: RepConfig) -> None:
        self.config = config
        self.reps: list[Rep] = []
        # "waiting": not yet seen on the rest side; "rest": ready for a rep; "active":
        # past the far threshold, a rep under way.
        self._state: Literal["waiting", "rest", "active"] = "waiting"
        # Last rest-side frame before the rep under way, and the angles since.
        self._left_rest_s = math.nan
        self._last_rest_s = math.nan
        self._low = math.inf
        self._high = -math.inf
        self._rest_low = math.inf
        self._rest_high = -math.inf
        self._last_seen_s = math.nan
        self._phase: Phase = "unseen"
        self._angle = math.nan

    @property
    def count(self) -> int:
        return len(self.reps)

    @property
    def state(self) -> RepState:
        return RepState(self.count, self._phase, self._angle)

    def update(self, time_s: float, angle: float) -> RepState:
        """Feed one frame's angle (NaN when unseen); returns the state after it."""
        cfg = self.config
        if not math.isfinite(angle):
            self._angle = math.nan
            self._phase = "unseen"
            if (
                self._state != "waiting"
                and math.isfinite(self._last_seen_s)
                and time_s - self._last_seen_s > cfg.max_gap_s
            ):
                # Too long out of sight: whatever happened meanwhile is not a rep.
                self._state = "waiting"
            return self.state
        self._angle = angle
        self._last_seen_s = time_s
        if cfg.in_rest(angle):
            if self._state == "active" and time_s - self._left_rest_s >= cfg.min_duration_s:
                self.reps.append(
                    Rep(
                        self.count + 1,
                        self._left_rest_s,
                        time_s,
                        min(self._low, angle),
                        max(self._high, angle),
                    )
                )
            if self._state != "rest":
                self._rest_low = self._rest_high = angle
            self._state = "rest"
            self._phase = "rest"
            self._last_rest_s = time_s
            # The rep's extremes count from the last rest frame on, plus the rest
            # stretch's own (the top of a squat before going down).
            self._low = self._high = angle
            self._rest_low = min(self._rest_low, angle)
            self._rest_high = max(self._rest_high, angle)
            return self.state
        self._low = min(self._low, angle)
        self._high = max(self._high, angle)
        if cfg.in_active(angle) and self._state == "rest":
            self._state = "active"
            self._left_rest_s = self._last_rest_s
            self._low = min(self._low, self._rest_low)
            self._high = max(self._high, self._rest_high)
        if self._state == "waiting":
            self._phase = "waiting"
        elif cfg.in_active(angle):
            self._phase = "active"
        else:
            self._phase = "returning" if self._state == "active" else "leaving"
        return self.state

    def reset(self) -> None:
        """Back to zero reps, waiting for the rest side."""
        self.__init__(self.config)  # type: ignore[misc]


def phase_label(config: RepConfig, phase: Phase) -> str:
    """The phase as the overlay and the page name it ("down", "going up", ...)."""
    return {
        "unseen": "not seen",
        "waiting": f"waiting for {config.rest_label}",
        "rest": config.rest_label,
        "leaving": f"going {config.active_label}",
        "active": config.active_label,
        "returning": f"going {config.rest_label}",
    }[phase]


def side_angle(
    config: RepConfig, degrees: np.ndarray, visibility: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The one angle a counter follows, from the angles of its columns.

    Args:
        config: The counter.
        degrees: (N, C) angles of ``config.columns`` (left, right for a sided joint).
        visibility: (N, C) their visibilities.

    Returns:
        (N,) angles, NaN where unseen (under the visibility threshold), and (N,) the
        visibility used.
    """
    degrees = np.asarray(degrees, dtype=np.float64).reshape(len(degrees), -1)
    visibility = np.asarray(visibility, dtype=np.float64).reshape(len(visibility), -1)
    seen = (visibility >= config.min_visibility) & np.isfinite(degrees)
    masked = np.where(seen, degrees, np.nan)
    if degrees.shape[1] == 1:
        return masked[:, 0], visibility[:, 0]
    if config.side == "left":
        return masked[:, 0], visibility[:, 0]
    if config.side == "right":
        return masked[:, 1], visibility[:, 1]
    if config.side == "both":
        # Both sides must be seen: a symmetric exercise read off one side would count
        # a half-hidden body as if whole.
        both = seen.all(axis=1)
        return np.where(both, degrees.mean(axis=1), np.nan), visibility.min(axis=1)
    pick = np.where(visibility[:, 1] > visibility[:, 0], 1, 0)
    rows = np.arange(len(degrees))
    return masked[rows, pick], visibility[rows, pick]


@dataclasses.dataclass(frozen=True, eq=False)
class RepResult:
    """A stored curve, counted.

    Attributes:
        config: The counter used.
        time_s: (N,) frame times.
        angle: (N,) the followed angle, NaN where unseen.
        reps: The counted reps.
        phases: (N,) the phase after each frame.
    """

    config: RepConfig
    time_s: np.ndarray
    angle: np.ndarray
    reps: tuple[Rep, ...]
    phases: tuple[Phase, ...]

    @property
    def count(self) -> int:
        return len(self.reps)


def count_reps(
    time_s: Sequence[float] | np.ndarray, angle: np.ndarray, config: RepConfig
) -> RepResult:
    """Run a :class:`RepCounter` over a stored curve (NaN angles are unseen frames)."""
    times = np.asarray(time_s, dtype=np.float64)
    values = np.asarray(angle, dtype=np.float64)
    if times.shape != values.shape:
        raise ValueError(f"{len(times)} times for {len(values)} angles")
    counter = RepCounter(config)
    phases = tuple(
        counter.update(float(t), float(a)).phase for t, a in zip(times, values, strict=True)
    )
    return RepResult(config, times, values, tuple(counter.reps), phases)


REP_TABLE_COLUMNS = ("rep", "start_s", "end_s", "duration_s", "min_angle", "max_angle",
                     "range_of_motion")  # fmt: skip


def rep_rows(reps: Sequence[Rep]) -> list[dict[str, float]]:
    """The per-rep table as plain rows (for a DataFrame or CSV)."""
    return [
        {
            "rep": r.number,
            "start_s": round(r.start_s, 3),
            "end_s": round(r.end_s, 3),
            "duration_s": round(r.duration_s, 3),
            "min_angle": round(r.min_angle, 1),
            "max_angle": round(r.max_angle, 1),
            "range_of_motion": round(r.range_of_motion, 1),
        }
        for r in reps
    ]


class SequenceCounter:
    """Counts reps from pose classes instead of an angle: one rep each time the classes
    seen pass through ``sequence`` in order ("down" then "up").

    Frames of other classes, or with no class, in between are ignored, so a pose held
    at the bottom, or a frame misread on the way, does not break a rep. A rep shorter
    than ``min_duration_s`` (from the first step's first frame) is dropped.
    """

    def __init__(self, sequence: Sequence[str], min_duration_s: float = 0.3) -> None:
        steps = tuple(sequence)
        if len(steps) < 2:
            raise RepConfigError("A class sequence needs at least two classes.")
        if any(a == b for a, b in itertools.pairwise(steps)):
            raise RepConfigError("A class cannot follow itself in the sequence.")
        self.sequence = steps
        self.min_duration_s = min_duration_s
        self.reps: list[Rep] = []
        self._step = 0
        self._start_s = math.nan
        self._label: str | None = None

    @property
    def count(self) -> int:
        return len(self.reps)

    @property
    def phase(self) -> str | None:
        """The class last seen (None before any)."""
        return self._label

    def update(self, time_s: float, label: str | None) -> int:
        """Feed one frame's class (None when unknown); returns the count."""
        if label is None:
            return self.count
        self._label = label
        if label == self.sequence[0] and self._step <= 1:
            # The rep starts at the first frame of the first class, however long held.
            if self._step == 0:
                self._start_s = time_s
            self._step = 1
        elif self._step >= 1 and label == self.sequence[self._step]:
            self._step += 1
            if self._step == len(self.sequence):
                if time_s - self._start_s >= self.min_duration_s:
                    self.reps.append(Rep(self.count + 1, self._start_s, time_s, math.nan, math.nan))
                self._step = 0
        return self.count

    def reset(self) -> None:
        self.__init__(self.sequence, self.min_duration_s)  # type: ignore[misc]


def count_class_sequence(
    time_s: Sequence[float] | np.ndarray,
    labels: Sequence[str | None],
    sequence: Sequence[str],
    min_duration_s: float = 0.3,
) -> tuple[Rep, ...]:
    """Run a :class:`SequenceCounter` over stored per-frame classes."""
    counter = SequenceCounter(sequence, min_duration_s)
    for t, label in zip(time_s, labels, strict=True):
        counter.update(float(t), label)
    return tuple(counter.reps)
