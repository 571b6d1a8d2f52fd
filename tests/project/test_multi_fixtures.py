"""The multi-person fixture set (fixtures/multi/): files, hashes, boxes and counts agree.

Cheap checks, no model: the boxes were made by looking at the pictures (see
fixtures/PROVENANCE.md); these tests keep people.json, the files and the provenance note
consistent with each other.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from testkit.fixtures import FIXTURES

MULTI = FIXTURES / "multi"
DOC: dict[str, Any] = json.loads((MULTI / "people.json").read_text())
IMAGES: dict[str, dict[str, Any]] = DOC["images"]
PROVENANCE = (FIXTURES / "PROVENANCE.md").read_text()

# People boxed in each image, as counted by looking; and how many of them are in the
# target population (body mostly in frame, at least 100 px tall, not mostly hidden).
EXPECTED_COUNTS = {
    "bar55.jpg": (8, 4),
    "cold_water.jpg": (6, 4),
    "anne_helene.jpg": (3, 1),
    "pool.jpg": (2, 2),
    "qt-logo.jpg": (3, 3),
    "wayne_upright.png": (2, 2),
    "quickie-flip-example-source.jpg": (7, 5),
    "ascent.png": (2, 2),
    "scenetext01.jpg": (2, 1),
    "vtest_f0080.png": (6, 0),
    "vtest_f0520.png": (7, 3),
    "vtest_f0640.png": (6, 1),
    "vtest_f0760.png": (7, 1),
    "leuvenA.jpg": (0, 0),
}
FLAGS = ("face_visible", "cut_by_edge", "mostly_hidden", "mostly_in_frame_and_100px")


def _people() -> list[tuple[str, dict[str, Any]]]:
    return [(name, p) for name, image in IMAGES.items() for p in image["people"]]


def test_the_listed_files_are_the_files_in_the_folder() -> None:
    on_disk = {p.name for p in MULTI.iterdir()} - {"people.json"}
    assert on_disk == set(IMAGES)
    assert set(EXPECTED_COUNTS) == set(IMAGES)
    for name in DOC["person_free_elsewhere"]:
        assert (FIXTURES / name).is_file()


def test_sizes_stay_small() -> None:
    sizes = [(MULTI / name).stat().st_size for name in IMAGES]
    assert max(sizes) < 2_000_000
    assert sum(sizes) < 15_000_000


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_bytes_and_sha256_are_recorded_in_provenance(name: str) -> None:
    data = (MULTI / name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    rows = [line for line in PROVENANCE.splitlines() if f"`multi/{name}`" in line]
    assert len(rows) == 1, f"{name}: expected one table row in PROVENANCE.md"
    assert f"`{digest}`" in rows[0]
    assert re.search(rf"\| {len(data)} \|", rows[0])


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_size_matches_and_boxes_lie_inside_the_image(name: str) -> None:
    image = IMAGES[name]
    with Image.open(MULTI / name) as im:
        assert im.size == (image["width"], image["height"])
    width, height = im.size
    for p in image["people"]:
        x0, y0, x1, y1 = p["box"]
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, p
        assert p["height_px"] == y1 - y0
        assert p["view"] in {"front", "side", "back"}
        assert all(isinstance(p[flag], bool) for flag in FLAGS)
        assert p["note"]
        touches = x0 == 0 or y0 == 0 or x1 == width or y1 == height
        if touches:
            # Boxes on the border are people the edge cuts (a box may also be cut
            # without touching it exactly, e.g. at a hidden edge).
            assert p["cut_by_edge"], p
    for x0, y0, x1, y1 in image["ignore_regions"]:
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height


def test_target_population_flag_follows_its_definition() -> None:
    for name, p in _people():
        if p["mostly_in_frame_and_100px"]:
            assert p["height_px"] >= 100, (name, p)
            assert not p["mostly_hidden"], (name, p)


def test_counts() -> None:
    for name, (count, target) in EXPECTED_COUNTS.items():
        people = IMAGES[name]["people"]
        assert len(people) == count, name
        assert sum(p["mostly_in_frame_and_100px"] for p in people) == target, name
    people = [p for _, p in _people()]
    assert len(people) == 61
    assert sum(1 for image in IMAGES.values() if image["people"]) == 13
    # The kinds of people are all there.
    assert sum(p["face_visible"] for p in people) >= 25
    assert sum(p["view"] == "side" for p in people) >= 10
    assert sum(p["view"] == "back" for p in people) >= 10
    assert sum(p["cut_by_edge"] for p in people) >= 10
    assert sum(60 <= p["height_px"] < 100 for p in people) >= 15
    # Groups with faces: at least three images with three or more visible faces.
    groups = [n for n, im in IMAGES.items() if sum(p["face_visible"] for p in im["people"]) >= 3]
    assert len(groups) >= 3


def test_boxes_of_one_image_are_not_duplicates() -> None:
    for name, image in IMAGES.items():
        boxes = [tuple(p["box"]) for p in image["people"]]
        assert len(boxes) == len(set(boxes)), name


def _frame_number(name: str) -> int:
    match = re.fullmatch(r"vtest_f(\d{4})\.png", name)
    assert match
    return int(match.group(1))


def test_video_frames_are_frames_of_vtest_avi() -> None:
    names = sorted(n for n in IMAGES if n.startswith("vtest_f"))
    wanted = {_frame_number(n): n for n in names}
    capture = cv2.VideoCapture(str(FIXTURES / "vtest.avi"))
    found: dict[int, np.ndarray] = {}
    index = 0
    try:
        while index <= max(wanted):
            ok, frame = capture.read()
            assert ok, f"vtest.avi ended at frame {index}"
            if index in wanted:
                found[index] = frame
            index += 1
    finally:
        capture.release()
    for number, name in wanted.items():
        stored = cv2.imread(str(MULTI / name))
        assert stored is not None and stored.shape == found[number].shape
        diff = np.abs(stored.astype(np.int16) - found[number].astype(np.int16))
        # Decoders of this codec are normally bit-exact; allow a little for others.
        assert diff.mean() < 1.0, (name, float(diff.mean()))


def test_person_free_image_has_no_boxes() -> None:
    assert IMAGES["leuvenA.jpg"]["people"] == []
    assert IMAGES["leuvenA.jpg"]["ignore_regions"] == []


def test_every_image_names_its_source() -> None:
    for name, image in IMAGES.items():
        assert image["source"], name
        assert Path(name).suffix in {".jpg", ".png"}
