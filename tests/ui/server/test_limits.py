"""Server limits: defaults, POSESCOPE_* overrides, bad values reported, and each limit
enforced where users meet it (the Image, Video and Webcam pages)."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from pose_core import live
from pose_core.video import VideoLimits
from testkit.apptest import (
    FakeStreamer,
    analyse,
    assert_no_exception,
    fixture_bytes,
    live_config,
    new_app,
    open_page,
    send_frame,
    upload,
    video_page,
)
from testkit.corpus import make_walk_clip
from testkit.fixtures import load_rgb
from ui.server import runtime
from ui.server.limits import ENV_VARS, Limits
from ui.webrtc import webcam
from ui.words import live as live_words


@pytest.fixture
def env_limits(monkeypatch):
    """Set POSESCOPE_* variables for one test; the app reads them afresh."""
    for variable in ENV_VARS.values():
        monkeypatch.delenv(variable, raising=False)

    def set_env(**values: str) -> None:
        for field, value in values.items():
            monkeypatch.setenv(ENV_VARS[field], value)
        runtime.current.clear()

    yield set_env
    runtime.current.clear()
    monkeypatch.undo()
    runtime.current()  # the defaults again, for the shared pools too


def test_defaults_are_the_documented_ones() -> None:
    defaults = Limits.from_env({})
    assert defaults == Limits()
    assert (defaults.photo_upload_mb, defaults.video_upload_mb) == (25, 200)
    assert defaults.max_image_pixels == 64_000_000
    assert defaults.video_limits() == VideoLimits()
    assert (defaults.max_video_jobs, defaults.max_live_streams) == (2, 2)
    assert not defaults.problems
    assert {row[2] for row in defaults.rows()} - {"fixed (4K)"} == set(ENV_VARS.values())


def test_environment_overrides_and_bad_values_are_reported() -> None:
    found = Limits.from_env(
        {
            "POSESCOPE_PHOTO_UPLOAD_MB": "5",
            "POSESCOPE_MAX_IMAGE_MEGAPIXELS": "0.5",
            "POSESCOPE_MAX_VIDEO_MINUTES": "2.5",
            "POSESCOPE_MAX_LIVE_STREAMS": "two",
            "POSESCOPE_MAX_VIDEO_JOBS": "-1",
            "POSESCOPE_MAX_VIDEO_FRAMES": "nan",
            "POSESCOPE_VIDEO_UPLOAD_MB": "1.5",  # megabytes are whole numbers
        }
    )
    assert found.photo_upload_mb == 5
    assert found.max_image_pixels == 500_000
    assert found.max_image_bytes == 5 * 1024 * 1024
    assert found.video_limits().max_duration_s == 150.0
    # The bad ones keep their defaults, each reported by name.
    assert (found.max_live_streams, found.max_video_jobs) == (2, 2)
    assert (found.max_video_frames, found.video_upload_mb) == (36_000, 200)
    assert len(found.problems) == 4
    for field in ("max_live_streams", "max_video_jobs", "max_video_frames", "video_upload_mb"):
        assert any(f"{ENV_VARS[field]}=" in p and "default" in p for p in found.problems)


def test_home_lists_the_limits_and_flags_a_bad_setting(env_limits) -> None:
    env_limits(max_live_streams="many", photo_upload_mb="10")
    at = new_app().run()
    assert_no_exception(at)
    table = at.table[0].value
    assert table.loc["Photo upload", "Limit"] == "10 MB"
    assert table.loc["Live streams processed at once (webcam, network)", "Limit"] == "2"
    assert table.loc["Network stream addresses", "Limit"] == "rtsp://, rtsps://, http://, https://"
    refused = table.loc["Networks refused for streams", "Limit"]
    assert refused == "link-local, multicast, unspecified"
    assert any("POSESCOPE_MAX_LIVE_STREAMS='many'" in w.value for w in at.warning)


def test_the_pixel_budget_and_upload_size_reach_the_image_page(env_limits) -> None:
    env_limits(max_image_megapixels="0.1", photo_upload_mb="3")
    at = open_page(new_app(), "image.py")
    assert at.file_uploader(key="image_uploads").proto.max_upload_size_mb == 3
    at.file_uploader(key="image_uploads").set_value(
        [("messi5.jpg", fixture_bytes("messi5.jpg"), "image/jpeg")]
    )
    at.run()
    assert_no_exception(at)
    (error,) = at.error
    assert "548 x 342 pixels \\(0\\.19 megapixels\\)" in error.value  # Markdown-escaped
    assert "limit of 0\\.1 megapixels" in error.value
    assert "Resize it" in error.value


def test_the_frame_budget_reaches_the_video_page(env_limits, tmp_path) -> None:
    env_limits(max_video_frames="10", video_upload_mb="50")
    clip = make_walk_clip(tmp_path / "walk.mp4", count=30).read_bytes()
    at = upload(video_page(), "walk.mp4", clip)
    assert at.file_uploader(key="video_upload").proto.max_upload_size_mb == 50
    at = analyse(at)
    assert_no_exception(at)
    assert any("more than the 10 allowed" in e.value for e in at.error)


# ---- live streams at once -------------------------------------------------------------


def test_stream_slots_count_holders_and_free_dropped_ones() -> None:
    class Holder:  # a stand-in for a session's processor, never idle
        def idle_seconds(self) -> float:
            return 0.0

        def release(self) -> None:
            raise AssertionError("a busy holder is never released by the slots")

    slots = live.StreamSlots(2)
    a, b, c = Holder(), Holder(), Holder()
    assert slots.try_acquire(a) and slots.try_acquire(a)  # again: still one slot
    assert slots.try_acquire(b)
    assert not slots.try_acquire(c)
    assert slots.in_use() == 2
    slots.release(a)
    assert slots.try_acquire(c)
    del b  # a session dropped without releasing: its slot frees itself
    gc.collect()
    assert slots.in_use() == 1


def test_a_stream_over_the_limit_is_told_the_server_is_busy_then_gets_its_turn() -> None:
    slots = live.StreamSlots(1)
    frame = load_rgb("basketball1.png")
    first = live.PoseStreamProcessor(live_config(), slots=slots)
    second = live.PoseStreamProcessor(live_config(), slots=slots, text=live_words.LIVE_WORDS)
    try:
        send_frame(first, frame)
        assert first.stats().people >= 1 and not first.stats().busy
        busy_frame = send_frame(second, frame)
        stats = second.stats()
        assert stats.busy and second.detector is None and stats.frames == 0
        # Its own frame comes back, unchanged but for the app's banner in the top-left
        # corner (no skeleton drawn).
        assert busy_frame.shape == frame.shape
        np.testing.assert_array_equal(busy_frame[100:], frame[100:])
        assert not np.array_equal(busy_frame[:60, :250], frame[:60, :250])

        first.release()  # the first user stops: the waiting stream starts on its next frame
        send_frame(second, frame)
        stats = second.stats()
        assert not stats.busy and stats.frames == 1 and stats.people >= 1
        assert slots.in_use() == 1
    finally:
        first.release()
        second.release()
    assert slots.in_use() == 0


def test_the_webcam_page_reports_the_streams_in_use(env_limits, monkeypatch) -> None:
    env_limits(max_live_streams="1")
    fakes = [FakeStreamer(), FakeStreamer()]
    frame = load_rgb("basketball1.png")
    pages = []
    try:
        for fake in fakes:
            monkeypatch.setattr(webcam, "webrtc_streamer", fake)
            at = open_page(new_app(), "webcam.py")
            fake.playing = True
            pages.append(at.run())
            fake.send(frame)
        second = pages[1]
        assert runtime.current().live_slots.capacity == 1
        monkeypatch.setattr(webcam, "webrtc_streamer", fakes[1])
        second.run()
        assert_no_exception(second)
        assert any("The server is busy" in w.value for w in second.warning)
        assert any("Live streams on this server: 1 of 1" in c.value for c in second.caption)
    finally:
        for fake in fakes:
            for call in fake.calls:
                call["video_frame_callback"].__self__.release()
    assert runtime.current().live_slots.in_use() == 0
