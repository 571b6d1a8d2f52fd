"""Bracketing each pose's hidden presence score by bisection over nested runs.

MediaPipe gates each pose on a presence score it does not return, after the landmark
model and changing nothing upstream: raising the presence threshold only drops poses,
bit-identical and in the same order (see the package notes). So one run per image at
presence 0 and a few at midpoints tell, for every pose, the highest grid value it
survives; :func:`pose_core.tuning.presence_sweep` builds on this.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import TypeVar

import numpy as np

from ..results import PoseResult

# Landmark arrays this close are the same pose (nested runs are bit-identical).
SAME_POSE_ATOL = 1e-6


K = TypeVar("K", bound=Hashable)


def bracket_levels(
    floor_counts: Mapping[K, int],
    grid_size: int,
    probe: Callable[[list[tuple[K, int]]], Mapping[tuple[K, int], set[int] | None]],
) -> tuple[dict[K, list[int]], set[K]]:
    """Bisect, for every pose, the highest grid index at which it is still found.

    The model is treated as a black box with nested outputs: item ``i`` (an image) has
    ``floor_counts[i]`` poses at grid index 0, and pose ``p`` is found at index ``k``
    exactly when ``k <= level[p]``. Each round asks ``probe`` about the midpoint of
    every open interval; one probe answers for all poses of an item at once.

    Args:
        floor_counts: Poses found at grid index 0, per item.
        grid_size: Number of grid values; beyond the last one nothing is assumed found.
        probe: Given (item, grid index) requests, returns for each the set of floor-pose
            indices found there, or None when a found pose matches no floor pose.

    Returns:
        ``(levels, failed)``: per item, each floor pose's level (0 to grid_size - 1);
        and the items whose probes contradicted nesting (left out of ``levels``).

    A contradiction is caught when a probe lands where some pose's state is already
    known (or finds a pose that is not in the floor run); bisection cannot notice every
    non-nested model. That MediaPipe's presence gate is nested was checked against
    re-running the model at every threshold (see the package notes and the tests).
    """
    if grid_size < 1:
        raise ValueError("the grid needs at least one value")
    # Per item and pose: found at index lo, not found at hi (grid_size: past the end).
    lo = {item: [0] * n for item, n in floor_counts.items()}
    hi = {item: [grid_size] * n for item, n in floor_counts.items()}
    failed: set[K] = set()
    while True:
        requests = sorted(
            {
                (item, (a + b) // 2)
                for item in lo
                if item not in failed
                for a, b in zip(lo[item], hi[item], strict=True)
                if b - a > 1
            },
            key=lambda r: (r[1], str(r[0])),
        )
        if not requests:
            break
        answers = probe(requests)
        for item, mid in requests:
            if item in failed:
                continue
            found = answers[(item, mid)]
            if found is None:
                failed.add(item)
                continue
            for p in range(len(lo[item])):
                alive = p in found
                # Nesting: found above mid means found at mid; lost below means lost.
                if (lo[item][p] >= mid and not alive) or (hi[item][p] <= mid and alive):
                    failed.add(item)
                    break
                if lo[item][p] < mid < hi[item][p]:
                    if alive:
                        lo[item][p] = mid
                    else:
                        hi[item][p] = mid
            if item not in failed and found - set(range(len(lo[item]))):
                failed.add(item)
    return {item: levels for item, levels in lo.items() if item not in failed}, failed


def identify_poses(floor: PoseResult, result: PoseResult) -> set[int] | None:
    """Which of ``floor``'s poses ``result`` holds (exact landmark match, same order).

    Returns None if a pose of ``result`` is not one of ``floor``'s, or the order differs:
    the runs are not nested.
    """
    found: list[int] = []
    for pose in result.poses:
        match = next(
            (
                i
                for i, candidate in enumerate(floor.poses)
                if np.allclose(
                    candidate.landmarks, pose.landmarks, atol=SAME_POSE_ATOL, equal_nan=True
                )
            ),
            None,
        )
        if match is None:
            return None
        found.append(match)
    if found != sorted(found) or len(set(found)) != len(found):
        return None
    return set(found)
