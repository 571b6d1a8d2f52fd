"""Scoring poses against the multi-person test set (tests/fixtures/multi/people.json).

Used by ``tests/pose_core/topdown/test_topdown.py`` and ``bench/bench_people.py``. A person
counts as found when one pose, matched to them alone, covers them: its confident landmarks'
box overlaps theirs, or most of those landmarks fall inside their (slightly widened)
box with the hips' centre among them. A pose that matches nobody counts as a false
pose, unless it stands in an area marked as holding people too small or unclear to
box, or matches a person outside the target population (mostly hidden, under about
100 px, or mostly out of frame): those are neither hits nor false alarms.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import numpy as np

from pose_core import PoseResult, decode_image
from pose_core.landmarks import LANDMARK_INDEX
from testkit.fixtures import FIXTURES

MULTI = FIXTURES / "multi"
# A landmark counts from this visibility on.
CONFIDENT = 0.5
MIN_IOU = 0.3
MIN_INSIDE = 0.6
WIDEN = 0.1
_HIPS = [LANDMARK_INDEX["left_hip"], LANDMARK_INDEX["right_hip"]]


@dataclasses.dataclass(frozen=True)
class Person:
    box: np.ndarray
    target: bool
    view: str
    cut_by_edge: bool
    height_px: int


@dataclasses.dataclass(frozen=True)
class Truth:
    name: str
    path: Path
    people: tuple[Person, ...]
    ignore: tuple[np.ndarray, ...]

    @property
    def targets(self) -> int:
        return sum(p.target for p in self.people)

    def rgb(self) -> np.ndarray:
        return decode_image(self.path.read_bytes())


@functools.cache
def load() -> tuple[Truth, ...]:
    """Every image of the set, person-free ones included."""
    data = json.loads((MULTI / "people.json").read_text())
    truths = []
    for name, entry in data["images"].items():
        people = tuple(
            Person(
                np.array(p["box"], np.float64),
                bool(p["mostly_in_frame_and_100px"]),
                str(p.get("view", "")),
                bool(p.get("cut_by_edge", False)),
                int(p["height_px"]),
            )
            for p in entry["people"]
        )
        ignore = tuple(np.array(box, np.float64) for box in entry.get("ignore_regions", []))
        truths.append(Truth(name, MULTI / name, people, ignore))
    fixtures = MULTI.parent
    for name in data.get("person_free_elsewhere", []):
        truths.append(Truth(name, fixtures / name, (), ()))
    return tuple(truths)


@dataclasses.dataclass(frozen=True)
class Score:
    """How one result did on one image."""

    targets: int
    found_targets: int
    people: int
    found_people: int
    false_poses: int


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _inside(points: np.ndarray, box: np.ndarray) -> np.ndarray:
    w, h = box[2] - box[0], box[3] - box[1]
    x0, y0, x1, y1 = box[0] - WIDEN * w, box[1] - WIDEN * h, box[2] + WIDEN * w, box[3] + WIDEN * h
    inside: np.ndarray = (
        (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
    )
    return inside


def _affinity(pixels: np.ndarray, confident: np.ndarray, box: np.ndarray) -> float:
    """How well a pose covers a person's box: 0 when it does not."""
    points = pixels[confident]
    if len(points) < 2:
        return 0.0
    pose_box = np.concatenate([points.min(axis=0), points.max(axis=0)])
    iou = _iou(pose_box, box)
    hips = pixels[_HIPS].mean(axis=0)
    inside = float(_inside(points, box).mean())
    if iou >= MIN_IOU or (inside >= MIN_INSIDE and bool(_inside(hips[None], box)[0])):
        return max(iou, inside * 0.5)
    return 0.0


def score(result: PoseResult, truth: Truth) -> Score:
    """Match ``result``'s poses one to one to ``truth``'s people (best pairs first)."""
    pairs = []
    pixels = [p.pixel_xy(result.image_width, result.image_height) for p in result.poses]
    for i, (pose, xy) in enumerate(zip(result.poses, pixels, strict=True)):
        confident = pose.visibility >= CONFIDENT
        for j, person in enumerate(truth.people):
            affinity = _affinity(xy, confident, person.box)
            if affinity > 0:
                pairs.append((affinity, i, j))
    pose_of: dict[int, int] = {}
    used: set[int] = set()
    for _affinity_value, i, j in sorted(pairs, reverse=True):
        if i not in used and j not in pose_of:
            pose_of[j] = i
            used.add(i)
    false_poses = 0
    for i, xy in enumerate(pixels):
        if i in used:
            continue
        centre = np.nanmedian(xy, axis=0)
        if any(bool(_inside(centre[None], box)[0]) for box in truth.ignore):
            continue
        false_poses += 1
    targets = [j for j, p in enumerate(truth.people) if p.target]
    return Score(
        targets=len(targets),
        found_targets=sum(j in pose_of for j in targets),
        people=len(truth.people),
        found_people=len(pose_of),
        false_poses=false_poses,
    )
