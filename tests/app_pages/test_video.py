"""AppTest of the Video page: upload, background processing with progress and Cancel,
results (video, curves, 3D, tables, downloads) and clear messages for bad clips.

The clip is real street footage (testkit/corpus.py cuts it from vtest.avi); the model,
PyAV and the encoder all run for real. Only the browser's part (the upload, clicks) is
simulated.
"""

from __future__ import annotations

import gc
import io
import json
from pathlib import Path

import av
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pose_core.timeseries import TABLE_COLUMNS
from testkit.apptest import (
    ROOT,
    analyse,
    assert_no_exception,
    downloaded,
    metric_values,
    recorded_media,
    upload,
    video_job_running,
    video_page,
    video_session,
    wait_for_result,
)
from testkit.corpus import VIDEO_CASE_KEYS, make_walk_clip, video_case, video_corpus
from ui.words.text import plain

CLIP_FRAMES = 30


@pytest.fixture(scope="module")
def walk_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = make_walk_clip(tmp_path_factory.mktemp("app") / "walk.mp4", count=CLIP_FRAMES)
    return path.read_bytes()


def results(at: AppTest) -> dict:
    return video_session(at).results


def test_empty_page_invites_an_upload() -> None:
    at = video_page()
    assert_no_exception(at)
    assert at.title[0].value == "Video"
    uploader = at.file_uploader(key="video_upload")
    assert set(uploader.allowed_type) >= {".mp4", ".mov", ".webm", ".mkv", ".avi"}
    assert "Drag and drop a clip" in at.info[0].value


@pytest.mark.slow
def test_upload_analyse_and_explore(walk_bytes: bytes) -> None:
    at = upload(video_page(), "walk.mp4", walk_bytes)
    assert_no_exception(at)
    assert any("768 × 576 px" in c.value for c in at.caption)
    assert not at.get("plotly_chart")  # nothing analysed yet

    with recorded_media() as files:
        at = analyse(at)
        assert_no_exception(at)
        assert metric_values(at, "Frames analysed") == [str(CLIP_FRAMES)]
        # The walker, and (two people are allowed by default) maybe a passer-by.
        people = int(metric_values(at, "People tracked")[0])
        assert people >= 1
        assert len([s for s in at.selectbox if s.key == "video_person"]) == (people > 1)
        assert metric_values(at, "With a person") == ["100%"]
        assert len(at.get("video")) == 1
        charts = at.get("plotly_chart")
        specs = [json.loads(c.proto.spec) for c in charts]
        titles = [s["layout"]["title"]["text"] for s in specs]
        assert titles[0].startswith("Joint angles over time")
        assert titles[1].startswith("Landmark coordinates over time")
        assert titles[2].startswith("3D playback")
        assert len(specs[2]["frames"]) == CLIP_FRAMES
        assert [t["name"] for t in specs[0]["data"] if t.get("showlegend") is not False] == [
            "left knee", "right knee", "left elbow", "right elbow",
        ]  # fmt: skip

        buttons = {b.label: b for b in at.get("download_button")}
        assert list(buttons) == [
            "Annotated video", "Landmarks CSV", "Landmarks Parquet", "Joint angles CSV",
            "Motion BVH (Blender, Unity)", "Markers TRC (OpenSim)",
        ]  # fmt: skip
        # Built when clicked, not on every rerun: fetch them as the browser would.
        for label, button in buttons.items():
            assert button.proto.deferred_file_id, f"{label} is built on every run"
        csv_file = downloaded(files, buttons["Landmarks CSV"])
        video_file = downloaded(files, buttons["Annotated video"])
        parquet_file = downloaded(files, buttons["Landmarks Parquet"])
        angles_file = downloaded(files, buttons["Joint angles CSV"])
    assert (csv_file.mimetype, video_file.mimetype) == ("text/csv", "video/mp4")

    table = pd.read_csv(io.BytesIO(csv_file.content))
    assert list(table.columns) == list(TABLE_COLUMNS)
    (result,) = results(at).values()
    assert len(table) == 33 * len(result.table) >= 33 * CLIP_FRAMES
    assert sorted(table["frame"].unique()) == list(range(CLIP_FRAMES))
    assert table["person"].value_counts()[0] == 33 * CLIP_FRAMES  # the walker: every frame
    pd.testing.assert_frame_equal(
        pd.read_parquet(io.BytesIO(parquet_file.content)).astype({"landmark": str}),
        table.astype({"landmark": str}),
        check_exact=False,
        rtol=1e-6,
    )
    angles = pd.read_csv(io.BytesIO(angles_file.content))
    assert {"frame", "time_s", "person", "left_knee", "trunk_lean"} <= set(angles.columns)
    assert len(angles) == len(result.table)
    with av.open(io.BytesIO(video_file.content)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in container.decode(video=0)) == CLIP_FRAMES


@pytest.mark.slow
def test_display_options_do_not_reprocess(walk_bytes: bytes) -> None:
    at = analyse(upload(video_page(), "walk.mp4", walk_bytes))
    (result,) = results(at).values()
    at.multiselect(key="video_joints").set_value(["left_hip", "trunk_lean"]).run()
    at.slider(key="video_cursor").set_value(2.0).run()
    at.segmented_control(key="video_camera").set_value("side").run()
    assert_no_exception(at)
    assert not video_job_running(at)
    assert list(results(at).values()) == [result]  # the very same object
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t["name"] for t in spec["data"] if t.get("showlegend") is not False]
    assert names == ["left hip", "trunk lean"]
    assert any(shape.get("x0") == 2.0 for shape in spec["layout"]["shapes"])
    assert [c for i in at.image for c in i.captions] == ["Frame 20 at 2.00 s"]


@pytest.mark.slow
def test_new_options_offer_to_update(walk_bytes: bytes) -> None:
    at = analyse(upload(video_page(), "walk.mp4", walk_bytes))
    at.number_input(key="video_stride").set_value(2).run()
    assert_no_exception(at)
    # The earlier result stays on screen, flagged, with the button to update it.
    assert any("other settings or options" in i.value for i in at.info)
    assert metric_values(at, "Frames analysed") == [str(CLIP_FRAMES)]
    at = analyse(at)
    assert metric_values(at, "Frames analysed") == [str(CLIP_FRAMES // 2)]
    assert len(results(at)) == 2


@pytest.mark.slow
def test_smoothing_shows_the_jitter_it_removes(walk_bytes: bytes) -> None:
    at = upload(video_page(), "walk.mp4", walk_bytes)
    at.toggle(key="video_smoothing").set_value(True).run()
    at = analyse(at)
    assert_no_exception(at)
    labels = [m.label for m in at.metric]
    assert "Image landmarks, smoothed" in labels and "World landmarks, smoothed" in labels
    (result,) = results(at).values()
    jitter = result.jitter()
    assert jitter["smoothed_px"] < jitter["raw_px"]


def test_cancel_keeps_a_partial_result() -> None:
    # The whole 80-second street clip: long enough to cancel mid-way.
    at = upload(video_page(), "street.avi", (ROOT / "tests/fixtures/vtest.avi").read_bytes())
    at.button(key="video_process").click().run()
    assert_no_exception(at)
    assert at.get("progress"), "a progress bar while processing"
    at.button(key="video_cancel").click().run()
    at = wait_for_result(at, timeout=60)
    assert_no_exception(at)
    assert any(w.value.startswith("Cancelled") for w in at.warning)
    (result,) = results(at).values()
    assert result.cancelled and 0 < result.frames_analysed < 795
    # And it can be run again in full.
    assert at.button(key="video_process")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The video corpus (testkit/corpus.py): bad clips, and cut ones that still play."""
    return video_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.mark.parametrize("key", VIDEO_CASE_KEYS)
def test_bad_clips_get_a_message_not_a_traceback(clips: dict[str, Path], key: str) -> None:
    case = video_case(key)
    at = upload(video_page(), case.name, clips[key].read_bytes(), case.mime)
    assert_no_exception(at)
    process = [b for b in at.button if b.key == "video_process"]
    if case.error is None:  # cut short, but what is there plays
        assert not at.error
        assert len(process) == 1
        return
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith(f"**Could not analyse {plain(case.name)}.**"), message
    for words in case.words:
        assert plain(words) in message
    assert not process


@pytest.mark.slow
def test_a_clip_cut_short_is_analysed_up_to_the_cut(clips: dict[str, Path]) -> None:
    case = video_case("cut_mp4_index_first")
    at = analyse(upload(video_page(), case.name, clips[case.key].read_bytes(), case.mime))
    assert_no_exception(at)
    assert not at.error
    (result,) = results(at).values()
    assert 5 <= result.frames_analysed < 30
    assert metric_values(at, "Frames analysed") == [str(result.frames_analysed)]
    assert [w.value for w in at.warning if "cut short" in w.value]


@pytest.mark.slow
def test_temporary_files_stay_in_the_session_folder(walk_bytes: bytes) -> None:
    at = analyse(upload(video_page(), "walk.mp4", walk_bytes))
    folder = video_session(at).folder
    (result,) = results(at).values()
    assert result.video_path.parent == folder
    assert sorted(p.name.split("-")[0] for p in folder.iterdir()) == ["annotated", "input"]
    # The folder goes with the session's state (its TemporaryDirectory's finaliser).
    del at.session_state["_video_session"]
    del result
    gc.collect()
    assert not folder.exists()


@pytest.mark.slow
def test_the_sample_clip_is_analysed_with_one_click() -> None:
    at = video_page()
    at.button(key="video_sample_button").click().run()
    assert_no_exception(at)
    with recorded_media():
        at = wait_for_result(at, timeout=180)
        assert_no_exception(at)
        # The bundled cut: 20 s at 10 fps, people walking close enough to be found.
        assert metric_values(at, "Frames analysed") == ["200"]
        assert int(metric_values(at, "People tracked")[0]) >= 1
        assert any("OpenCV sample data" in c.value for c in at.caption)
    # An upload takes its place.
    assert at.button(key="video_sample_button").proto.type == "secondary"
