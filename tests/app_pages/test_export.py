"""AppTest of the motion exports on the pages: BVH and TRC downloads on the Video page
(the same view serves the webcam recording) and the 3D view, and the exported skeleton
drawn over the landmarks in the 3D playback. Real clip, real models."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pose_core.export import read_bvh
from pose_core.export.skeleton import JOINT_NAMES
from pose_core.landmarks import LANDMARK_NAMES
from testkit.apptest import (
    analyse,
    assert_no_exception,
    downloaded,
    new_app,
    open_page,
    recorded_media,
    upload,
    video_page,
)
from testkit.corpus import make_walk_clip

CLIP_FRAMES = 20
BVH, TRC = "Motion BVH (Blender, Unity)", "Markers TRC (OpenSim)"


@pytest.fixture(scope="module")
def walk_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = make_walk_clip(tmp_path_factory.mktemp("export") / "walk.mp4", count=CLIP_FRAMES)
    return path.read_bytes()


@pytest.mark.slow
def test_video_page_downloads_bvh_and_trc_and_shows_the_export(walk_bytes: bytes) -> None:
    at = upload(video_page(), "walk.mp4", walk_bytes)
    with recorded_media() as files:
        at = analyse(at)
        assert_no_exception(at)
        buttons = {b.label: b for b in at.get("download_button")}
        assert buttons[BVH].proto.deferred_file_id and buttons[TRC].proto.deferred_file_id
        bvh = downloaded(files, buttons[BVH])
        trc = downloaded(files, buttons[TRC])
    assert bvh.filename == "walk_person1.bvh" and trc.filename == "walk_person1.trc"
    data = read_bvh(bvh.content.decode())
    assert [n for n in data.names if not n.endswith("_end")] == list(JOINT_NAMES)
    assert data.frame_time == pytest.approx(0.1)  # the clip's 10 fps
    assert 2 <= data.frames <= CLIP_FRAMES
    lines = trc.content.decode().splitlines()
    assert lines[0].split("\t")[:2] == ["PathFileType", "4"]
    assert lines[2].split("\t")[:5] == ["10", "10", str(data.frames), "33", "mm"]
    assert [n for n in lines[3].split("\t")[2:] if n] == list(LANDMARK_NAMES)
    assert any("frames at 10 fps" in c.value for c in at.caption)

    def playback():
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        return next(s for s in specs if s["layout"]["title"]["text"].startswith("3D playback"))

    assert not any(t.get("name") == "exported skeleton (BVH)" for t in playback()["data"])
    at.checkbox(key="video_show_export").check().run()
    assert_no_exception(at)
    spec = playback()
    (overlay,) = [
        i for i, t in enumerate(spec["data"]) if t.get("name") == "exported skeleton (BVH)"
    ]
    # Drawn in every animation frame, with a bone per joint and end site.
    assert all(len(frame["data"]) == len(spec["data"]) for frame in spec["frames"])
    assert all(len(f["data"][overlay]["x"]) == 3 * (len(data.names) - 1) for f in spec["frames"])

    # Root translation on: the same motion, the hips now move.
    at.toggle(key="video_export_root").set_value(True).run()
    with recorded_media() as files:
        at.run()
        buttons = {b.label: b for b in at.get("download_button")}
        moving = read_bvh(downloaded(files, buttons[BVH]).content.decode())
    assert np.ptp(moving.values[:, :3], axis=0).max() > 1.0  # centimetres
    assert np.ptp(data.values[:, :3], axis=0).max() == 0.0


def test_3d_view_downloads_a_one_frame_bvh_of_the_chosen_person() -> None:
    at = new_app().run()
    at.button(key="sample_two_players").click().run()
    open_page(at, "view_3d.py")
    at.segmented_control(key="view3d_person_sample:two_players").set_value(1).run()
    assert_no_exception(at)
    with recorded_media() as files:
        at.run()
        buttons = {b.label: b for b in at.get("download_button")}
        bvh = downloaded(files, buttons[BVH])
        trc = downloaded(files, buttons[TRC])
    assert bvh.filename.endswith("_person2.bvh")
    data = read_bvh(bvh.content.decode())
    assert data.frames == 1
    assert trc.content.decode().splitlines()[2].split("\t")[2:5] == ["1", "33", "mm"]
