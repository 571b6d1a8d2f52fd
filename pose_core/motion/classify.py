"""Pose classes learned from a few examples: k-nearest neighbours on the embedding.

The user names classes and gives each a handful of examples (photos, snapshots, frames).
A pose is compared with every example as in MediaPipe's pose-classification guide: the
examples whose largest per-coordinate difference is smallest are kept first (one limb
far off rules an example out), then the ``k`` nearest by mean difference vote; depth
counts a fifth as much as x and y (MediaPipe's z is the noisiest coordinate). With
``mirror`` on, each example also counts mirrored (x flipped, left and right swapped), so
a class taught facing one way, or on one leg, is recognised facing the other way or on
the other leg.

Leave-one-out over the examples gives the accuracy the user can expect and flags
outliers: examples their own class's other examples do not vote for (a wrong label, a
misdetected photo). Over time, per-class scores are smoothed by an exponential moving
average before the top class is taken, so one misread frame does not flip the class.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..timeseries import LandmarkTable
from .embedding import embed, mirror_points

AXIS_WEIGHTS = np.array([1.0, 1.0, 0.2])
FORMAT = "posescope-pose-classes"
MAX_EXAMPLES = 500
MAX_LABEL = 60


class ClassifierError(ValueError):
    """Examples or a file that cannot make a classifier (the message says why)."""


@dataclasses.dataclass(frozen=True, eq=False)
class PoseExample:
    """One taught pose.

    Attributes:
        label: Its class.
        points: (33, 3) pixel x, y and MediaPipe's z (``embedding.pose_points``).
        source: Where it came from ("photo squat.jpg", "snapshot 2", "frame 40 of x.mp4").
    """

    label: str
    points: np.ndarray
    source: str = ""


@dataclasses.dataclass(frozen=True)
class Classification:
    """One pose classified: the top class (None without examples) and every class's
    share of the neighbours' votes."""

    label: str | None
    scores: Mapping[str, float]


@dataclasses.dataclass(frozen=True, eq=False)
class Evaluation:
    """Leave-one-out over the examples.

    Attributes:
        labels: The classes, in the classifier's order.
        predicted: Per example, the class the others voted for (None if it was alone).
        accuracy: Share of examples predicted right (NaN with fewer than two classes).
        confusion: (C, C) counts, rows the true class, columns the predicted one.
        outliers: Indices of examples predicted wrong.
    """

    labels: tuple[str, ...]
    predicted: tuple[str | None, ...]
    accuracy: float
    confusion: np.ndarray
    outliers: tuple[int, ...]


def _clean_label(label: object) -> str:
    if not isinstance(label, str) or not label.strip():
        raise ClassifierError("Every class needs a name.")
    text = " ".join(label.split())
    if len(text) > MAX_LABEL:
        raise ClassifierError(f"Class names are at most {MAX_LABEL} characters.")
    return text


@dataclasses.dataclass(frozen=True, eq=False)
class PoseClassifier:
    """k-NN over taught examples (immutable: adding an example makes a new one).

    Attributes:
        examples: The taught poses.
        k: Neighbours that vote.
        mirror: Also match the pose flipped left to right.
    """

    examples: tuple[PoseExample, ...] = ()
    # 3 rather than the guide's 10: a class here has a handful of examples, and a
    # larger k lets the class with the most examples outvote a small one.
    k: int = 3
    mirror: bool = True
    _embeddings: np.ndarray = dataclasses.field(init=False, repr=False)
    _labels: np.ndarray = dataclasses.field(init=False, repr=False)
    _mirrored: np.ndarray = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.examples) > MAX_EXAMPLES:
            raise ClassifierError(f"At most {MAX_EXAMPLES} examples.")
        if not 1 <= self.k <= 50:
            raise ClassifierError("k must be between 1 and 50.")
        points = (
            np.stack([e.points for e in self.examples]) if self.examples else np.zeros((0, 33, 3))
        )
        embeddings = embed(points) if self.examples else np.zeros((0, 23, 3))
        mirrored = embed(mirror_points(points)) if self.examples else embeddings
        object.__setattr__(self, "_embeddings", embeddings)
        object.__setattr__(self, "_mirrored", mirrored)
        object.__setattr__(
            self, "_labels", np.array([e.label for e in self.examples], dtype=object)
        )

    @property
    def labels(self) -> tuple[str, ...]:
        """The classes, in the order they were first taught."""
        return tuple(dict.fromkeys(e.label for e in self.examples))

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = dict.fromkeys(self.labels, 0)
        for e in self.examples:
            out[e.label] += 1
        return out

    @property
    def ready(self) -> bool:
        """At least two classes, so there is something to tell apart."""
        return len(self.labels) >= 2

    def with_example(self, label: str, points: np.ndarray, source: str = "") -> PoseClassifier:
        points = np.asarray(points, dtype=np.float64)
        example = PoseExample(_clean_label(label), points, source)
        try:
            embed(points)  # a degenerate pose is refused before it is kept
        except ValueError as exc:
            raise ClassifierError(f"This pose cannot be taught: {exc}.") from None
        return dataclasses.replace(self, examples=(*self.examples, example))

    def without(self, index: int) -> PoseClassifier:
        return dataclasses.replace(
            self, examples=tuple(e for i, e in enumerate(self.examples) if i != index)
        )

    def without_label(self, label: str) -> PoseClassifier:
        return dataclasses.replace(
            self, examples=tuple(e for e in self.examples if e.label != label)
        )

    # ---- distances and votes -------------------------------------------------------

    def _distances(
        self, embeddings: np.ndarray, keep: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(N, M) max and mean weighted differences of N embeddings to the examples."""
        sets = [self._embeddings]
        if self.mirror:
            sets.append(self._mirrored)
        best_max = best_mean = None
        for ex in sets:
            if keep is not None:
                ex = ex[keep]
            diff = np.abs(embeddings[:, None] - ex[None]) * AXIS_WEIGHTS
            dmax = diff.max(axis=(2, 3))
            dmean = diff.mean(axis=(2, 3))
            best_max = dmax if best_max is None else np.minimum(best_max, dmax)
            best_mean = dmean if best_mean is None else np.minimum(best_mean, dmean)
        assert best_max is not None and best_mean is not None
        return best_max, best_mean

    def _vote(
        self, dmax: np.ndarray, dmean: np.ndarray, labels: np.ndarray
    ) -> list[Classification]:
        k = min(self.k, labels.shape[0])
        shortlist = min(labels.shape[0], max(3 * k, k))
        classes = self.labels
        out = []
        for row_max, row_mean in zip(dmax, dmean, strict=True):
            if not labels.shape[0]:
                out.append(Classification(None, {}))
                continue
            near = np.argsort(row_max, kind="stable")[:shortlist]
            chosen = near[np.argsort(row_mean[near], kind="stable")[:k]]
            scores = dict.fromkeys(classes, 0.0)
            for i in chosen:
                scores[labels[i]] += 1.0 / k
            # Ties go to the class of the nearest example.
            best = max(scores.values())
            tied = {c for c, s in scores.items() if s == best}
            label = next(str(labels[i]) for i in chosen if labels[i] in tied)
            out.append(Classification(label, scores))
        return out

    def classify_many(self, points: np.ndarray) -> list[Classification]:
        """Classify (N, 33, 3) poses (pixel x, y, z)."""
        pts = np.asarray(points, dtype=np.float64)
        if not self.examples:
            return [Classification(None, {}) for _ in range(len(pts))]
        dmax, dmean = self._distances(embed(pts))
        return self._vote(dmax, dmean, self._labels)

    def classify(self, points: np.ndarray) -> Classification:
        """Classify one (33, 3) pose."""
        return self.classify_many(np.asarray(points)[None])[0]

    def evaluate(self) -> Evaluation:
        """Leave-one-out: each example classified by all the others."""
        labels = self.labels
        index = {c: i for i, c in enumerate(labels)}
        all_labels = self._labels
        embeddings = self._embeddings
        predicted: list[str | None] = []
        confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
        for i in range(len(self.examples)):
            keep = np.arange(len(self.examples)) != i
            if not keep.any():
                predicted.append(None)
                continue
            dmax, dmean = self._distances(embeddings[i : i + 1], keep)
            guess = self._vote(dmax, dmean, all_labels[keep])[0].label
            predicted.append(guess)
            if guess is not None:
                confusion[index[self.examples[i].label], index[guess]] += 1
        right = [p == e.label for p, e in zip(predicted, self.examples, strict=True)]
        accuracy = float(np.mean(right)) if len(labels) >= 2 and right else math.nan
        outliers = tuple(i for i, ok in enumerate(right) if not ok)
        return Evaluation(labels, tuple(predicted), accuracy, confusion, outliers)

    # ---- files -----------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "version": 1,
                "k": self.k,
                "mirror": self.mirror,
                "examples": [
                    {
                        "label": e.label,
                        "source": e.source,
                        "points": np.round(np.asarray(e.points, dtype=np.float64), 3).tolist(),
                    }
                    for e in self.examples
                ],
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> PoseClassifier:
        """Read a file written by :meth:`to_json`.

        Raises:
            ClassifierError: not such a file, or a damaged one (the message says what).
        """
        try:
            data: Any = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ClassifierError(f"Not a JSON file ({exc}).") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ClassifierError("Not a PoseScope pose-classes file.")
        if data.get("version") != 1:
            raise ClassifierError(f"Unknown pose-classes file version {data.get('version')!r}.")
        raw = data.get("examples")
        if not isinstance(raw, list):
            raise ClassifierError("The file has no list of examples.")
        if len(raw) > MAX_EXAMPLES:
            raise ClassifierError(f"At most {MAX_EXAMPLES} examples.")
        examples = []
        for n, item in enumerate(raw, start=1):
            if not isinstance(item, dict):
                raise ClassifierError(f"Example {n} is not an object.")
            try:
                points = np.array(item.get("points"), dtype=np.float64)
            except (TypeError, ValueError):
                raise ClassifierError(f"Example {n}'s points are not numbers.") from None
            if points.shape != (33, 3) or not np.isfinite(points).all():
                raise ClassifierError(f"Example {n} needs 33 finite x, y, z points.")
            try:
                embed(points)
            except ValueError as exc:
                raise ClassifierError(f"Example {n}: {exc}.") from None
            source = item.get("source", "")
            examples.append(PoseExample(_clean_label(item.get("label")), points, str(source)[:200]))
        k = data.get("k", 3)
        mirrored = data.get("mirror", True)
        if not isinstance(k, int) or isinstance(k, bool) or not isinstance(mirrored, bool):
            raise ClassifierError("k must be a whole number and mirror true or false.")
        return cls(tuple(examples), k=k, mirror=mirrored)


class ScoreSmoother:
    """Exponential moving average of per-class scores over frames (one per stream or
    clip; not thread-safe).

    Args:
        alpha: Weight of the newest frame (1 = no smoothing).
        min_score: The top smoothed class is reported only from this share on.
    """

    def __init__(self, alpha: float = 0.3, min_score: float = 0.5) -> None:
        if not 0 < alpha <= 1:
            raise ValueError("alpha must be in (0, 1]")
        self.alpha = alpha
        self.min_score = min_score
        self.scores: dict[str, float] = {}

    def update(
        self, scores: Mapping[str, float] | None, prefer: str | None = None
    ) -> Classification:
        """Feed a frame's scores (None when nobody was seen: every class fades).

        ``prefer`` is the frame's own pick (:attr:`Classification.label`, which breaks
        vote ties by the nearest example): it wins a tie of the smoothed scores. With one
        example per class every frame's vote is a tie, and without it the first taught
        class would always win."""
        new = scores or {}
        if not self.scores:
            # The first frame is taken as it is, not faded in from nothing.
            self.scores = dict(new)
        for label in set(self.scores) | set(new):
            old = self.scores.get(label, 0.0)
            self.scores[label] = old + self.alpha * (new.get(label, 0.0) - old)
        if not self.scores:
            return Classification(None, {})
        label, best = max(self.scores.items(), key=lambda kv: kv[1])
        if prefer is not None and best - self.scores.get(prefer, -math.inf) <= 1e-9:
            label = prefer
        return Classification(label if best >= self.min_score else None, dict(self.scores))

    def reset(self) -> None:
        self.scores = {}


def table_points(table: LandmarkTable, frame_width: int, frame_height: int) -> np.ndarray:
    """(R, 33, 3) pixel points of every row of ``table`` (for :meth:`classify_many`)."""
    lm = table.landmarks.astype(np.float64)
    scale = np.array([frame_width, frame_height, frame_width], dtype=np.float64)
    return lm[:, :, :3] * scale


def class_timeline(
    classifier: PoseClassifier,
    table: LandmarkTable,
    frame_width: int,
    frame_height: int,
    *,
    alpha: float = 0.3,
) -> tuple[list[str | None], list[str | None]]:
    """Per row of one person's ``table``: the raw class and the smoothed one.

    Raises:
        ValueError: when the table holds more than one person.
    """
    if len(np.unique(table.person)) > 1:
        raise ValueError("class_timeline takes one person's rows")
    raw = classifier.classify_many(table_points(table, frame_width, frame_height))
    smoother = ScoreSmoother(alpha)
    smoothed = [smoother.update(c.scores, c.label).label for c in raw]
    return [c.label for c in raw], smoothed


def examples_from(labels: Sequence[str], points: np.ndarray, source: str = "") -> PoseClassifier:
    """A classifier from parallel labels and (N, 33, 3) points (tests, scripts)."""
    return PoseClassifier(
        tuple(
            PoseExample(_clean_label(lab), np.asarray(p, dtype=np.float64), source)
            for lab, p in zip(labels, points, strict=True)
        )
    )
