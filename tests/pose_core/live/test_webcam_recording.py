"""Recording and smoothing the webcam stream: real frames through the processor, the
recording shown with the Video page's views (curves, 3D playback, downloads)."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pandas as pd
import pytest

from pose_core import decode_image, live
from pose_core.export import read_bvh
from pose_core.smoothing import SmoothingParams
from pose_core.timeseries import TABLE_COLUMNS
from testkit.apptest import (
    assert_no_exception,
    downloaded,
    live_config,
    metric_values,
    new_app,
    open_page,
    recorded_media,
    send_frame,
)
from testkit.fixtures import FIXTURES

FRAMES = 6


@pytest.fixture(scope="module")
def clips() -> list[np.ndarray]:
    # Two frames of the same scene, a moment apart: real movement between them.
    return [decode_image(FIXTURES / f"basketball{n}.png") for n in (1, 2)]


def _values(data) -> list:
    """A Plotly spec's array: a list, or a typed array ({"dtype", "bdata"})."""
    if data is None:
        return []
    if isinstance(data, dict):
        return list(np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]))
    return [x for x in data if x is not None]


def test_record_stop_and_explore_on_the_page(streamer, clips):
    at = open_page(new_app(), "webcam.py")
    assert at.toggle(key="webcam_record").disabled  # nothing is playing
    streamer.playing = True
    at.run()
    processor: live.PoseStreamProcessor = at.session_state["_webcam_live"].processor
    streamer.send(clips[0])  # before recording: not kept

    at.toggle(key="webcam_record").set_value(True).run()
    assert processor.recording
    for n in range(FRAMES):
        streamer.send(clips[n % 2])
    at.run()
    assert_no_exception(at)
    assert processor.stats().recorded_frames == FRAMES
    assert any(f"Recording · {FRAMES} frames kept" in c.value for c in at.caption)

    with recorded_media() as files:
        at.toggle(key="webcam_record").set_value(False).run()
        assert_no_exception(at)
        assert not processor.recording
        assert any(h.value == "Webcam recording" for h in at.main.subheader)
        assert metric_values(at, "Frames analysed") == [str(FRAMES)]
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        titles = [s["layout"]["title"]["text"] for s in specs]
        assert titles[0].startswith("Joint angles over time")
        assert titles[1].startswith("Landmark coordinates over time")
        assert titles[2].startswith("3D playback")
        # Curves are split into visible and faint stretches: together, every frame.
        xs = {round(float(x), 6) for t in specs[0]["data"] for x in _values(t.get("x"))}
        xs = {x for x in xs if np.isfinite(x)}
        assert len(xs) == FRAMES
        assert len(specs[2]["frames"]) == FRAMES
        assert not at.get("video")  # no annotated-video tab for a recording

        buttons = {b.label: b for b in at.get("download_button")}
        assert list(buttons) == [
            "Landmarks CSV", "Landmarks Parquet", "Joint angles CSV",
            "Motion BVH (Blender, Unity)", "Markers TRC (OpenSim)",
        ]  # fmt: skip
        for label in ("Landmarks CSV", "Landmarks Parquet", "Motion BVH (Blender, Unity)"):
            assert buttons[label].proto.deferred_file_id, f"{label} is built on every run"
        csv_file = downloaded(files, buttons["Landmarks CSV"])
        parquet_file = downloaded(files, buttons["Landmarks Parquet"])
        bvh_file = downloaded(files, buttons["Motion BVH (Blender, Unity)"])
    # The recording's uneven frame times, resampled to a whole number of frames per second.
    frame_time = read_bvh(bvh_file.content.decode()).frame_time
    assert 1 / frame_time == pytest.approx(round(1 / frame_time))
    assert csv_file.mimetype == "text/csv"
    table = pd.read_csv(io.BytesIO(csv_file.content))
    assert list(table.columns) == list(TABLE_COLUMNS)
    # Two players: person 0 in every frame, maybe a second one; 33 landmarks each.
    assert sorted(table["frame"].unique()) == list(range(FRAMES))
    assert table.groupby(["frame", "person"]).size().eq(33).all()
    assert (table["person"] == 0).sum() == 33 * FRAMES
    times = table.drop_duplicates("frame")["time_s"].to_numpy()
    assert times[0] == 0.0 and np.all(np.diff(times) > 0)  # since the recording began
    parquet = pd.read_parquet(io.BytesIO(parquet_file.content))
    assert len(parquet) == len(table)
    # A cursor move on the recording's own widgets leaves the Video page's keys alone.
    assert "webcam_rec_cursor" in at.session_state and "video_cursor" not in at.session_state


@pytest.mark.slow
def test_the_cap_stops_the_recording_and_the_page_says_so(streamer, clips):
    at = open_page(new_app(), "webcam.py")
    streamer.playing = True
    at.run()
    processor: live.PoseStreamProcessor = at.session_state["_webcam_live"].processor
    processor.max_recording_frames = 3
    at.toggle(key="webcam_record").set_value(True).run()
    for n in range(5):
        streamer.send(clips[n % 2])
    stats = processor.stats()
    assert (stats.recorded_frames, stats.recording_full, stats.frames) == (3, True, 5)
    at.run()
    assert any("Recording full: 3 frames kept" in w.value for w in at.warning)

    at.toggle(key="webcam_record").set_value(False).run()
    assert_no_exception(at)
    assert metric_values(at, "Frames analysed") == ["3"]
    assert any("cap of 3 frames" in w.value for w in at.warning)


def test_recorder_memory_is_bounded(clips):
    processor = live.PoseStreamProcessor(
        live_config(), slots=live.StreamSlots(1), max_recording_frames=4
    )
    try:
        processor.start_recording()
        for n in range(7):
            send_frame(processor, clips[n % 2])
        recording = processor.stop_recording()
    finally:
        processor.release()
    assert recording.frames_analysed == 4
    assert recording.warnings == (
        "The recording reached its cap of 4 frames; frames after that were not kept.",
    )
    assert len(recording.table) == 4  # one person per frame
    assert recording.table.landmarks.shape == (4, 33, 5)
    assert recording.table.world_landmarks.shape == (4, 33, 3)
    assert recording.raw_table is recording.table  # no smoothing: one copy only
    assert recording.video_path is None and recording.info.container == "webcam"
    assert processor.stop_recording() is None


def _still_clip_jitter(frame: np.ndarray, smoothing: SmoothingParams | None) -> dict:
    """Record a still frame with fresh sensor noise each time, at 30 fps."""
    now = [10.0]
    processor = live.PoseStreamProcessor(
        live_config(smoothing), slots=live.StreamSlots(1), clock=lambda: now[0]
    )
    rng = np.random.default_rng(4)
    try:
        processor.start_recording()
        for _ in range(20):
            noise = rng.normal(0, 12, frame.shape)
            send_frame(processor, np.clip(frame + noise, 0, 255).astype(np.uint8))
            now[0] += 1 / 30
        recording = processor.stop_recording()
    finally:
        processor.release()
    assert recording.frames_analysed == 20
    return recording.jitter()


@pytest.mark.slow
def test_smoothing_reduces_jitter_on_a_still_noisy_frame():
    frame = decode_image(FIXTURES / "messi5.jpg")
    raw = _still_clip_jitter(frame, None)
    smoothed = _still_clip_jitter(frame, SmoothingParams(min_cutoff=0.5, beta=5.0))
    assert raw["raw_px"] == pytest.approx(raw["smoothed_px"])  # no filter: same table
    assert raw["raw_px"] > 0
    # The same detections go in; the filter takes most of their jitter out.
    assert smoothed["smoothed_px"] < 0.6 * smoothed["raw_px"]
    assert smoothed["smoothed_mm"] < 0.6 * smoothed["raw_mm"]


def test_the_drawn_skeleton_is_the_smoothed_one_and_resets_with_settings():
    frame = decode_image(FIXTURES / "messi5.jpg")
    now = [0.0]
    processor = live.PoseStreamProcessor(
        live_config(SmoothingParams(min_cutoff=0.05, beta=0.0)),
        slots=live.StreamSlots(1),
        clock=lambda: now[0],
    )
    try:
        send_frame(processor, frame)
        first = processor.snapshot().result.poses[0].landmarks.copy()
        now[0] += 1 / 30
        shifted = np.roll(frame, 20, axis=1)  # the person jumps 20 px right
        send_frame(processor, shifted)
        smoothed = processor.snapshot().result.poses[0].landmarks
        # A heavy filter barely follows the jump.
        jump = np.nanmedian(smoothed[:, 0] - first[:, 0]) * frame.shape[1]
        assert 0 <= jump < 5
        # New settings: the filter starts afresh from the raw landmarks.
        processor.update_config(live_config(SmoothingParams(min_cutoff=1.0, beta=0.0)))
        now[0] += 1 / 30
        send_frame(processor, shifted)
        fresh = processor.snapshot().result.poses[0].landmarks
        assert np.nanmedian(fresh[:, 0] - first[:, 0]) * frame.shape[1] > 15
    finally:
        processor.release()


@pytest.mark.slow
def test_the_cursor_stays_where_the_user_moved_it(streamer, clips):
    at = open_page(new_app(), "webcam.py")
    streamer.playing = True
    at.run()
    at.toggle(key="webcam_record").set_value(True).run()
    for n in range(FRAMES):
        streamer.send(clips[n % 2])
    at.toggle(key="webcam_record").set_value(False).run()
    cursor = at.slider(key="webcam_rec_cursor")
    assert cursor.value == cursor.min  # a new recording starts at its first frame
    cursor.set_value(cursor.max).run()
    at.run()  # any later run (the readout, a sidebar change) keeps it there
    assert_no_exception(at)
    assert at.slider(key="webcam_rec_cursor").value == cursor.max > cursor.min
