"""Video processing on real footage: decoding, tracking, tables, encoding, bad clips.

The clips are cut from ``fixtures/vtest.avi`` (a real street scene, 10 fps) by PyAV in
the tests themselves, so what is analysed is real camera footage, and the bad clips are
real broken files (truncated, zero frames, unknown codec), not mocks.
"""

from __future__ import annotations

import gc
import math
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path

import av
import mediapipe as mp
import numpy as np
import pandas as pd
import pytest
from mediapipe.tasks.python import BaseOptions, vision

from pose_core import DetectorSettings, joint_angles, model_path, video
from pose_core.drawing import LEFT_COLOUR, RIGHT_COLOUR
from pose_core.figures import (
    MAX_ANIMATION_FRAMES,
    figure_3d_animation,
    figure_angles_over_time,
    figure_coordinates_over_time,
)
from pose_core.landmarks import LANDMARK_NAMES
from pose_core.smoothing import SmoothingParams
from pose_core.timeseries import (
    ANGLE_NAMES,
    TABLE_COLUMNS,
    LandmarkTable,
    TableBuilder,
    angle_table,
    summarise,
    table_jitter,
    to_csv_bytes,
    to_parquet_bytes,
)
from pose_core.video import (
    NotAVideoError,
    VideoDecodeError,
    VideoJobRunner,
    VideoLimits,
    VideoOptions,
    VideoTooLargeError,
    VideoTooLongError,
    analysis_size,
    iter_frames,
    probe_video,
    process_video,
    read_frame_at,
)
from testkit.corpus import (
    VIDEO_CASES,
    VTEST,
    WALK_FRAMES,
    WALK_START,
    video_case,
    video_corpus,
    vtest_frames,
    write_clip,
)
from testkit.wait import wait_until

LITE = DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")


def decode_all(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


def top_level_boxes(path: Path) -> list[bytes]:
    """The top-level ISO-BMFF box types of an MP4, in file order."""
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        boxes.append(data[offset + 4 : offset + 8])
        if size < 8:
            break
        offset += size
    return boxes


@pytest.fixture(scope="module")
def walk_frames() -> list[np.ndarray]:
    return vtest_frames(WALK_START, WALK_FRAMES)


@pytest.fixture(scope="module")
def walk_clip(tmp_path_factory: pytest.TempPathFactory, walk_frames) -> Path:
    return write_clip(tmp_path_factory.mktemp("walk") / "walk.mp4", walk_frames)


@pytest.fixture(scope="module")
def walk_result(walk_clip: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("walk_out") / "annotated.mp4"
    return process_video(walk_clip, VideoOptions(LITE), out_path=out)


# ---- probing and decoding ------------------------------------------------------------


def test_probe_reads_the_real_clip() -> None:
    info = probe_video(VTEST)
    assert (info.width, info.height, info.rotation) == (768, 576, 0)
    assert info.fps == pytest.approx(10.0)
    assert info.frame_count == 795
    assert info.duration_s == pytest.approx(79.5)
    assert info.container == "avi"
    assert info.codec == "msmpeg4"


def test_iter_frames_gives_rgb_frames_with_times(walk_clip: Path, walk_frames) -> None:
    frames = list(iter_frames(walk_clip))
    assert [f.index for f in frames] == list(range(WALK_FRAMES))
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(WALK_FRAMES) / 10, atol=1e-6)
    first = frames[0].rgb_frame
    assert first.shape == (576, 768, 3) and first.dtype == np.uint8
    # Same picture as the source frame (lossy H.264 in between): RGB order kept.
    diff = np.abs(first.astype(int) - walk_frames[0].astype(int))
    assert diff.mean() < 6
    assert np.abs(first.astype(int) - walk_frames[0][..., ::-1].astype(int)).mean() > diff.mean()


def test_stride_and_resolution_cap(walk_clip: Path) -> None:
    frames = list(iter_frames(walk_clip, stride=4, max_side=384))
    assert [f.index for f in frames] == list(range(0, WALK_FRAMES, 4))
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(0, 6, 0.4), atol=1e-6)
    assert {f.rgb_frame.shape for f in frames} == {(288, 384, 3)}


def test_analysis_size_is_even_and_capped() -> None:
    assert analysis_size(768, 576, None) == (768, 576)
    assert analysis_size(1920, 1080, 1280) == (1280, 720)
    assert analysis_size(1080, 1920, 640) == (360, 640)
    for width, height in [(301, 201), (1001, 333), (17, 9)]:
        w, h = analysis_size(width, height, None)
        assert w % 2 == 0 and h % 2 == 0
        assert abs(w - width) <= 1 and abs(h - height) <= 1


def test_odd_sized_clip_is_encoded_at_an_even_size(tmp_path: Path, walk_frames) -> None:
    # Uncompressed RGB in AVI allows odd sizes (H.264 in yuv420p does not); 301 px rows
    # are also not a multiple of any alignment, so the decoder pads them.
    crops = [np.ascontiguousarray(f[300:501, 100:401]) for f in walk_frames[:6]]
    clip = write_clip(tmp_path / "odd.avi", crops, codec="rawvideo", pix_fmt="bgr24")
    info = probe_video(clip)
    assert (info.width, info.height) == (301, 201)
    frames = list(iter_frames(clip))
    assert {f.rgb_frame.shape for f in frames} == {(200, 300, 3)} or {
        f.rgb_frame.shape for f in frames
    } == {(202, 302, 3)}
    r = process_video(clip, VideoOptions(LITE), out_path=tmp_path / "odd_out.mp4")
    assert r.frame_width % 2 == 0 and r.frame_height % 2 == 0
    decoded = decode_all(r.video_path)
    assert len(decoded) == 6 and (decoded[0].width, decoded[0].height) == (
        r.frame_width, r.frame_height,
    )  # fmt: skip
    # Colours survive (red jacket stays red): the RGB order is right end to end.
    source = crops[0].astype(int).mean(axis=(0, 1))
    shown = frames[0].rgb_frame.astype(int).mean(axis=(0, 1))
    assert np.abs(source - shown).max() < 4


def test_display_rotation_is_applied(tmp_path: Path) -> None:
    # A landscape frame whose top-left quarter is red, stored with a 90-degree display
    # rotation (counter-clockwise), as phones store portrait clips.
    rgb = np.zeros((120, 160, 3), np.uint8)
    rgb[:60, :80] = (255, 0, 0)
    clip = write_clip(tmp_path / "rotated.mp4", [rgb] * 3, rotation=90)
    info = probe_video(clip)
    assert (info.width, info.height, info.rotation) == (120, 160, 90)
    frame = next(iter_frames(clip)).rgb_frame
    assert frame.shape == (160, 120, 3)
    # Turned counter-clockwise, the top-left corner ends up bottom-left.
    assert frame[150, 10, 0] > 200 and frame[150, 10, 2] < 60
    assert frame[10, 10, 0] < 60


def test_other_containers_and_codecs(tmp_path: Path, walk_frames) -> None:
    small = [np.ascontiguousarray(f[::4, ::4]) for f in walk_frames[:8]]  # 192 x 144
    clips = {
        "clip.mov": {"codec": "libx264"},
        "clip.mkv": {"codec": "mpeg4"},
        "clip.webm": {"codec": "libvpx-vp9"},
        "clip.avi": {"codec": "mpeg4"},
    }
    for name, kwargs in clips.items():
        path = write_clip(tmp_path / name, small, **kwargs)
        info = probe_video(path)
        assert (info.width, info.height) == (192, 144), name
        assert len(list(iter_frames(path))) == 8, name


# ---- processing ----------------------------------------------------------------------


def bare_mediapipe_video(rgb_frames: Sequence[np.ndarray], times_ms: Sequence[int]):
    """MediaPipe's own VIDEO-mode loop, no pose_core code in between."""
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path("lite"))),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    results = []
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        for rgb, t in zip(rgb_frames, times_ms, strict=True):
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
            results.append(landmarker.detect_for_video(image, t))
    return results


@pytest.mark.slow
def test_landmarks_match_mediapipe_video_mode(walk_clip: Path, walk_result) -> None:
    decoded = list(iter_frames(walk_clip))
    theirs = bare_mediapipe_video(
        [f.rgb_frame for f in decoded], [round(f.time_s * 1000) for f in decoded]
    )
    table = walk_result.raw_table
    found = [i for i, r in enumerate(theirs) if r.pose_landmarks]
    # The pedestrian is found in (nearly) every frame of this stretch.
    assert len(found) >= 57
    assert table.frame.tolist() == found
    for row, i in enumerate(found):
        person = theirs[i].pose_landmarks[0]
        expected = [[p.x, p.y, p.z, p.visibility, p.presence] for p in person]
        np.testing.assert_allclose(table.landmarks[row], expected, atol=1e-6)
        world = [[p.x, p.y, p.z] for p in theirs[i].pose_world_landmarks[0]]
        np.testing.assert_allclose(table.world_landmarks[row], world, atol=1e-6)


def test_result_describes_the_run(walk_result) -> None:
    r = walk_result
    assert r.frames_analysed == WALK_FRAMES
    assert r.frame_index.tolist() == list(range(WALK_FRAMES))
    np.testing.assert_allclose(r.frame_time_s, np.arange(WALK_FRAMES) / 10, atol=1e-6)
    assert (r.frame_width, r.frame_height) == (768, 576)
    assert not r.cancelled and r.warnings == ()
    assert r.table is r.raw_table  # no smoothing asked
    assert set(r.table.person.tolist()) == {0}
    # He stands at the lower left (hips at x ~ 0.26), then walks right and up.
    hips = r.table.landmarks[:, [23, 24], :2].mean(axis=1)
    assert np.abs(hips[:15, 0] - 0.26).max() < 0.03
    assert hips[-1, 0] - hips[0, 0] > 0.4 and hips[-1, 1] < hips[0, 1] - 0.1
    assert np.corrcoef(r.table.time_s[15:], hips[15:, 0])[0, 1] > 0.95
    heights = np.nanmax(r.table.landmarks[:, :, 1], 1) - np.nanmin(r.table.landmarks[:, :, 1], 1)
    assert 70 / 576 < np.median(heights) < 160 / 576


@pytest.mark.slow
def test_people_keep_their_ids(walk_clip: Path) -> None:
    """With several people allowed, the walker stays person 0 all along, however
    MediaPipe orders the people of each frame; passers-by get other ids."""
    r = process_video(
        walk_clip,
        VideoOptions(
            DetectorSettings(model_variant="lite", num_poses=3, person_detector="mediapipe")
        ),
    )
    walker = r.table.for_person(0)
    assert walker.frame.tolist() == list(range(WALK_FRAMES))
    hips = walker.landmarks[:, [23, 24], :2].mean(axis=1)
    # Continuous: no frame-to-frame jump to somebody else.
    assert np.abs(np.diff(hips, axis=0)).max() < 0.03
    # Others found are other people (here the man standing at the right edge, who
    # the walker approaches): not a second copy of the walker, and each keeps an id.
    assert len(r.table.persons) > 1
    for row in np.nonzero(r.table.person != 0)[0]:
        theirs = r.table.landmarks[row, [23, 24], :2].mean(axis=0)
        assert np.abs(theirs - hips[r.table.frame[row]]).max() > 0.05
    for frame in np.unique(r.table.frame):
        ids = r.table.person[r.table.frame == frame]
        assert len(set(ids.tolist())) == len(ids)


def test_annotated_video_decodes_with_every_frame(walk_result, walk_frames) -> None:
    path = walk_result.video_path
    assert path.suffix == ".mp4" and walk_result.video_mime == "video/mp4"
    assert walk_result.video_codec == "libx264"
    frames = decode_all(path)
    assert len(frames) == WALK_FRAMES
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (768, 576)
    np.testing.assert_allclose([f.time for f in frames], np.arange(WALK_FRAMES) / 10, atol=1e-3)
    # The index (moov) comes before the media data: browsers start playing at once.
    boxes = top_level_boxes(path)
    assert boxes.index(b"moov") < boxes.index(b"mdat")
    # The skeleton is drawn: orange and blue pixels near the person that the source
    # frame does not have.
    row = int(np.nonzero(walk_result.table.frame == 10)[0][0])
    xy = walk_result.table.landmarks[row, :, :2] * [768, 576]
    x0, y0 = np.maximum(xy.min(axis=0).astype(int) - 10, 0)
    x1, y1 = xy.max(axis=0).astype(int) + 10
    annotated = frames[10].to_ndarray(format="rgb24")[y0:y1, x0:x1].astype(int)
    source = walk_frames[10][y0:y1, x0:x1].astype(int)
    for colour in (LEFT_COLOUR, RIGHT_COLOUR):
        near = lambda img, c=colour: (np.abs(img - c).sum(axis=2) < 90).sum()  # noqa: E731
        assert near(annotated) > 20 + 5 * near(source), colour


def test_stride_and_cap_in_processing(walk_clip: Path, walk_result, tmp_path: Path) -> None:
    r = process_video(
        walk_clip, VideoOptions(LITE, stride=3, max_side=384), out_path=tmp_path / "out.mp4"
    )
    assert r.frame_index.tolist() == list(range(0, WALK_FRAMES, 3))
    assert (r.frame_width, r.frame_height) == (384, 288)
    frames = decode_all(r.video_path)
    assert len(frames) == 20
    assert (frames[0].width, frames[0].height) == (384, 288)
    # Real timing survives the stride: the last frame is still at 5.7 s.
    assert frames[-1].time == pytest.approx(5.7, abs=1e-3)
    # Landmarks are normalised to the analysed frame, so they land where the full-size
    # run put them. Not exactly: at half size the walker is 55 px tall and MediaPipe's
    # estimate is rougher (measured: median 10 px apart, at worst 45 px on a 768 px
    # scale), while a scaling mistake would put them hundreds of pixels off.
    full = walk_result.table
    offsets = []
    for row, frame in enumerate(r.table.frame):
        match = np.nonzero(full.frame == frame)[0]
        if len(match):
            ours = r.table.landmarks[row, [23, 24], :2].mean(axis=0)
            theirs = full.landmarks[match[0], [23, 24], :2].mean(axis=0)
            offsets.append(np.abs((ours - theirs) * [768, 576]).max())
    assert len(offsets) >= 15
    assert np.median(offsets) < 20 and max(offsets) < 80


def test_progress_and_cancel(walk_clip: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < 10

    r = process_video(
        walk_clip, VideoOptions(LITE), progress=progress, out_path=tmp_path / "out.mp4"
    )
    assert r.cancelled
    assert r.frames_analysed == 10
    assert calls == [(i, WALK_FRAMES) for i in range(1, 11)]
    # What was done is a complete, playable file.
    assert len(decode_all(r.video_path)) == 10


def test_progress_reaches_the_total(walk_clip: Path) -> None:
    calls: list[tuple[int, int]] = []
    process_video(
        walk_clip, VideoOptions(LITE, stride=2), progress=lambda d, t: calls.append((d, t)) or True
    )
    assert [c[0] for c in calls[:-1]] == list(range(1, 31))
    assert calls[-1] == (30, 30)


def test_smoothing_is_applied_and_raw_kept(walk_clip: Path, walk_result) -> None:
    r = process_video(walk_clip, VideoOptions(LITE, smoothing=SmoothingParams()))
    np.testing.assert_array_equal(r.raw_table.landmarks, walk_result.raw_table.landmarks)
    assert r.table is not r.raw_table
    # Positions move, scores do not.
    assert np.abs(r.table.landmarks[1:, :, :2] - r.raw_table.landmarks[1:, :, :2]).max() > 1e-3
    np.testing.assert_array_equal(r.table.landmarks[:, :, 3:], r.raw_table.landmarks[:, :, 3:])
    jitter = r.jitter()
    assert jitter["smoothed_px"] < jitter["raw_px"]
    assert jitter["smoothed_mm"] < jitter["raw_mm"]


@pytest.mark.slow
def test_frames_are_streamed_not_accumulated(walk_clip: Path, tmp_path: Path, monkeypatch):
    """However long the clip, only the frames in the pipeline's short queues are alive
    at once (the decoded arrays live in FFmpeg's buffers, so they are counted by weak
    reference rather than by an allocator hook)."""
    alive: set[int] = set()
    peak = 0
    real_iter_frames = video.pipeline.iter_frames

    def counting_iter_frames(*args, **kwargs):
        for decoded in real_iter_frames(*args, **kwargs):
            alive.add(decoded.index)
            weakref.finalize(decoded.rgb_frame, alive.discard, decoded.index)
            yield decoded

    def progress(_done: int, _total: int) -> bool:
        nonlocal peak
        peak = max(peak, len(alive))
        return True

    monkeypatch.setattr(video.pipeline, "iter_frames", counting_iter_frames)
    process_video(
        walk_clip, VideoOptions(LITE), progress=progress, out_path=tmp_path / "streamed.mp4"
    )
    gc.collect()
    # Two queues of QUEUE_FRAMES (4) plus one frame in each thread's hands.
    assert 1 <= peak <= 12, peak
    assert not alive


@pytest.fixture
def runner() -> Iterator[VideoJobRunner]:
    runner = VideoJobRunner(max_jobs=1)
    yield runner
    runner.shutdown()


@pytest.mark.slow
def test_job_runs_in_background_and_a_queued_one_cancels(
    runner: VideoJobRunner, walk_clip: Path, tmp_path: Path
) -> None:
    job = runner.submit(walk_clip, VideoOptions(LITE), out_path=tmp_path / "job.mp4")
    # One worker: the second job waits for the first.
    queued = runner.submit(walk_clip, VideoOptions(LITE), out_path=tmp_path / "job2.mp4")
    assert queued.status().state == "queued"
    queued.cancel()
    status = job.wait(timeout=120)
    assert status.state == "done"
    assert status.done == status.total == WALK_FRAMES
    assert status.result is not None and status.result.frames_analysed == WALK_FRAMES
    assert status.fps > 0 and status.fraction == 1.0

    status = queued.wait(timeout=120)
    assert status.state == "cancelled"
    assert status.result is None and status.done == 0  # never ran
    assert not (tmp_path / "job2.mp4").exists()


def test_cancelling_a_running_job_keeps_the_frames_done(
    runner: VideoJobRunner, walk_clip: Path
) -> None:
    job = runner.submit(walk_clip, VideoOptions(LITE))
    wait_until(lambda: job.status().done >= 3, 60, interval=0.01, message="3 frames done")
    job.cancel()
    status = job.wait(timeout=60)
    assert status.state == "cancelled"
    assert status.result is not None and 3 <= status.result.frames_analysed < WALK_FRAMES


def test_runner_shutdown_cancels_its_jobs(walk_clip: Path) -> None:
    runner = VideoJobRunner(max_jobs=1)
    running = runner.submit(walk_clip, VideoOptions(LITE))
    waiting = runner.submit(walk_clip, VideoOptions(LITE))
    wait_until(lambda: running.status().done >= 1, 60, interval=0.01, message="a frame done")
    runner.shutdown()
    assert running.wait(timeout=60).state == "cancelled"
    assert waiting.wait(timeout=60).state == "cancelled"


def test_dropping_a_job_cancels_it(runner: VideoJobRunner, walk_clip: Path) -> None:
    job = runner.submit(walk_clip, VideoOptions(LITE))
    shared = job._shared
    del job
    gc.collect()
    assert shared.cancel.is_set()


def test_job_reports_a_bad_clip(runner: VideoJobRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    status = runner.submit(bad, VideoOptions(LITE)).wait(timeout=60)
    assert status.state == "failed"
    assert isinstance(status.error, NotAVideoError)


def test_read_frame_at_seeks(walk_result) -> None:
    frames = decode_all(walk_result.video_path)
    for t in (0.0, 2.3, 5.9):
        expected = frames[round(t * 10)].to_ndarray(format="rgb24")
        np.testing.assert_array_equal(read_frame_at(walk_result.video_path, t), expected)


def test_encoder_falls_back_to_vp9(walk_clip: Path, tmp_path: Path, monkeypatch) -> None:
    available = set(av.codecs_available) - {"libx264", "libopenh264"}
    monkeypatch.setattr("pose_core.video.encode.av.codecs_available", available)
    r = process_video(
        walk_clip, VideoOptions(LITE, stride=6, max_side=192), out_path=tmp_path / "o.mp4"
    )
    assert r.video_path.suffix == ".webm" and r.video_mime == "video/webm"
    assert r.video_codec == "libvpx-vp9"
    with av.open(str(r.video_path)) as container:
        assert container.streams.video[0].codec_context.name == "vp9"
    assert len(decode_all(r.video_path)) == 10


# ---- bad clips -----------------------------------------------------------------------


def _assert_user_message(error: VideoDecodeError) -> None:
    message = str(error)
    assert message and message[0].isupper() and message.endswith(".")
    # No FFmpeg internals or paths for the user.
    for internal in ("Errno", "avformat", "/tmp", "Traceback"):
        assert internal not in message


@pytest.fixture(scope="module")
def bad_clips(tmp_path_factory: pytest.TempPathFactory, walk_frames) -> dict[str, Path]:
    return video_corpus(tmp_path_factory.mktemp("bad"), walk_frames)


@pytest.mark.parametrize("clip", [case.key for case in VIDEO_CASES if case.error is not None])
def test_bad_clips_get_a_clear_message(bad_clips, clip: str) -> None:
    case = video_case(clip)
    with pytest.raises(case.error) as caught:
        probe_video(bad_clips[clip])
    assert type(caught.value) is case.error
    for words in case.words:
        assert words in str(caught.value)
    _assert_user_message(caught.value)
    # process_video refuses them the same way, before loading any model.
    with pytest.raises(case.error):
        process_video(bad_clips[clip], VideoOptions(LITE))


def test_cut_clips_are_analysed_up_to_the_cut(bad_clips, tmp_path: Path) -> None:
    r = process_video(
        bad_clips["cut_mp4_index_first"], VideoOptions(LITE), out_path=tmp_path / "a.mp4"
    )
    assert 5 <= r.frames_analysed < 30
    assert len(r.warnings) == 1 and "cut short" in r.warnings[0]
    assert len(decode_all(r.video_path)) == r.frames_analysed

    r = process_video(bad_clips["cut_avi"], VideoOptions(LITE, stride=20, max_side=192))
    assert 0 < r.frame_index[-1] < 795 / 2
    assert len(r.warnings) == 1 and "announces 795 frames" in r.warnings[0]


def test_limits_on_duration_and_frames() -> None:
    with pytest.raises(VideoTooLongError, match=r"1\.3 minutes"):
        probe_video(VTEST, VideoLimits(max_duration_s=60))
    with pytest.raises(VideoTooLongError, match="more than the 100 allowed"):
        process_video(VTEST, VideoOptions(LITE, stride=2, limits=VideoLimits(max_frames=100)))
    with pytest.raises(VideoTooLargeError):
        probe_video(VTEST, VideoLimits(max_pixels=768 * 576 - 1))


def test_missing_file_is_not_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        probe_video(tmp_path / "nope.mp4")


# ---- tables --------------------------------------------------------------------------


def test_long_table_and_exports(walk_result) -> None:
    table = walk_result.table
    frame = table.to_dataframe()
    assert list(frame.columns) == list(TABLE_COLUMNS)
    assert len(frame) == 33 * len(table)
    first = frame.iloc[:33]
    assert first["landmark"].tolist() == list(LANDMARK_NAMES)
    assert (first["frame"] == table.frame[0]).all()
    np.testing.assert_allclose(first["time_s"], table.frame[0] / 10, atol=1e-6)
    np.testing.assert_allclose(first["x"], table.landmarks[0, :, 0], rtol=1e-6)
    np.testing.assert_allclose(first["world_z"], table.world_landmarks[0, :, 2], rtol=1e-6)

    import io

    from_csv = pd.read_csv(io.BytesIO(to_csv_bytes(frame)))
    assert list(from_csv.columns) == list(TABLE_COLUMNS)
    np.testing.assert_allclose(from_csv["visibility"], frame["visibility"], rtol=1e-6)
    from_parquet = pd.read_parquet(io.BytesIO(to_parquet_bytes(frame)))
    pd.testing.assert_frame_equal(from_parquet, frame)


def test_angle_table_matches_joint_angles(walk_result) -> None:
    table = walk_result.table
    angles = angle_table(table)
    assert list(angles.columns[:3]) == ["frame", "time_s", "person"]
    assert set(ANGLE_NAMES) <= set(angles.columns)
    for row in range(0, len(table), 7):
        expected = joint_angles(table.world_landmarks[row], table.landmarks[row, :, 3])
        for angle in expected:
            assert angles[angle.name].iloc[row] == pytest.approx(angle.degrees, abs=1e-6)
            assert angles[f"{angle.name}_visibility"].iloc[row] == pytest.approx(
                angle.visibility, abs=1e-6
            )
    # A walking person's knees are mostly straight-ish, never folded flat.
    assert 100 < np.nanmedian(angles["left_knee"]) <= 180


def test_summary(walk_result) -> None:
    summary = walk_result.summary(0.5)
    table = walk_result.table
    assert summary.frames_analysed == WALK_FRAMES
    assert summary.frames_with_person == len(set(table.frame.tolist()))
    assert summary.people == 1
    assert summary.person_ratio == pytest.approx(summary.frames_with_person / WALK_FRAMES)
    visibility = summary.mean_visibility
    assert visibility["landmark"].tolist() == list(LANDMARK_NAMES)
    np.testing.assert_allclose(
        visibility["mean_visibility"], table.landmarks[:, :, 3].mean(axis=0), rtol=1e-5
    )
    share = (table.landmarks[:, :, 3] >= 0.5).mean(axis=0)
    np.testing.assert_allclose(visibility["visible_share"], share)
    empty = summarise(LandmarkTable.empty(), 10)
    assert (empty.frames_with_person, empty.people, empty.person_ratio) == (0, 0, 0.0)


def test_table_builder_grows_and_keeps_order() -> None:
    builder = TableBuilder(capacity=2)
    rng = np.random.default_rng(3)
    rows = [(f, f / 10, f % 2, rng.random((33, 5)), rng.random((33, 3))) for f in range(9)]
    for row in rows:
        builder.append(*row)
    table = builder.build()
    assert len(table) == 9
    assert table.frame.tolist() == list(range(9))
    np.testing.assert_allclose(table.landmarks[5], rows[5][3].astype(np.float32))
    np.testing.assert_allclose(table.world_landmarks[8], rows[8][4].astype(np.float32))
    assert table.persons == [0, 1] and table.for_person(1).frame.tolist() == [1, 3, 5, 7]


def test_table_jitter_ignores_gaps() -> None:
    # One landmark set moving 1 px per frame, with a jump across a gap in frames.
    frames = np.array([0, 1, 2, 3, 10, 11])
    xs = np.array([0, 1, 2, 3, 500, 501], dtype=np.float64)
    landmarks = np.zeros((6, 33, 5), np.float32)
    landmarks[:, :, 0] = (xs / 1000)[:, None]
    landmarks[:, :, 3] = 1.0
    table = LandmarkTable(
        frames, frames / 10, np.zeros(6, np.int64), landmarks, np.zeros((6, 33, 3), np.float32)
    )
    assert table_jitter(table, frame_size=(1000, 500)) == pytest.approx(1.0, rel=1e-5)
    assert table_jitter(table, world=True) == 0.0


# ---- figures -------------------------------------------------------------------------


def test_angle_figure(walk_result) -> None:
    angles = angle_table(walk_result.table)
    figure = figure_angles_over_time(angles, ["left_knee", "right_elbow"], cursor_time=2.5)
    lines = [t for t in figure.data if t.showlegend is not False]
    assert [t.name for t in lines] == ["left knee", "right elbow"]
    assert lines[0].line.color == "rgb(255,145,0)" and lines[1].line.color == "rgb(0,170,255)"
    np.testing.assert_allclose(np.asarray(lines[0].x, float)[: len(angles)], angles["time_s"])
    assert list(figure.layout.yaxis.range) == [0, 180]
    cursor = [s for s in figure.layout.shapes if s.type == "line"]
    assert len(cursor) == 1 and cursor[0].x0 == cursor[0].x1 == 2.5
    with pytest.raises(ValueError, match="unknown joint"):
        figure_angles_over_time(angles, ["left_tail"])
    empty = figure_angles_over_time(angle_table(LandmarkTable.empty()), ["left_knee"])
    assert empty.layout.annotations[0].text == "No person detected"


def test_angle_figure_breaks_lines_at_gaps() -> None:
    table = LandmarkTable(
        np.array([0, 1, 2, 8, 9]),
        np.array([0.0, 0.1, 0.2, 0.8, 0.9]),
        np.zeros(5, np.int64),
        np.ones((5, 33, 5), np.float32),
        np.random.default_rng(0).random((5, 33, 3)).astype(np.float32),
    )
    figure = figure_angles_over_time(angle_table(table), ["left_knee"])
    x = np.asarray(figure.data[1].x, dtype=float)
    assert len(x) == 6 and np.isnan(x[3])


def test_coordinate_figure_in_pixels(walk_result) -> None:
    table = walk_result.table
    figure = figure_coordinates_over_time(
        table, ["nose", "left_ankle"], coordinates=("x", "y", "world_y"),
        cursor_time=1.0, frame_size=(768, 576), visibility_threshold=0.0,
    )  # fmt: skip
    assert len(figure.data) == 6  # 2 landmarks x 3 panels
    nose_y = np.asarray(figure.data[2].y, dtype=float)
    expected = table.landmarks[:, 0, 1] * 576
    np.testing.assert_allclose(nose_y[np.isfinite(nose_y)], expected, rtol=1e-5)
    assert figure.layout.yaxis2.autorange == "reversed"  # image y points down
    # The cursor runs through every panel.
    cursors = [s for s in figure.layout.shapes if s.type == "line"]
    assert len(cursors) == 3 and {s.x0 for s in cursors} == {1.0}
    with pytest.raises(ValueError):
        figure_coordinates_over_time(table, ["nose"], coordinates=("w",))


def test_3d_animation(walk_result) -> None:
    table = walk_result.table
    figure = figure_3d_animation(table, start_time=3.0)
    assert len(figure.frames) == len(table)
    assert all(len(f.data) == 12 for f in figure.frames)
    assert [f.name for f in figure.frames] == [f"{t:.2f}" for t in table.time_s]
    slider = figure.layout.sliders[0]
    assert len(slider.steps) == len(table)
    assert figure.frames[slider.active].name == "3.00"
    labels = [b.label for b in figure.layout.updatemenus[0].buttons]
    assert labels == ["▶ Play", "❚❚ Pause"]
    # Fixed axes that hold every frame's skeleton (plot x, y, z = x, depth z, up -y).
    scene = figure.layout.scene
    for f in figure.frames:
        for trace in f.data:
            for axis, values in (("xaxis", trace.x), ("yaxis", trace.y), ("zaxis", trace.z)):
                values = np.array([v for v in values if v is not None], dtype=float)
                low, high = getattr(scene, axis).range
                assert ((values >= low) & (values <= high)).all()
    # Up is up: the head is above the hips in the plot.
    joints = [t for t in figure.frames[0].data if t.mode == "markers" and len(t.x)]
    points = {c[0]: z for t in joints for c, z in zip(t.customdata, t.z, strict=True)}
    if "nose" in points and "left_hip" in points:
        assert points["nose"] > points["left_hip"]
    colours = {t.name: t.line.color for t in figure.data if t.mode == "lines"}
    assert colours["left bones"] == "rgb(255,145,0)"
    assert colours["right bones"] == "rgb(0,170,255)"


@pytest.mark.slow
def test_3d_animation_samples_long_clips() -> None:
    count = 2 * MAX_ANIMATION_FRAMES + 7
    rng = np.random.default_rng(1)
    table = LandmarkTable(
        np.arange(count),
        np.arange(count) / 30,
        np.zeros(count, np.int64),
        rng.random((count, 33, 5)).astype(np.float32),
        rng.random((count, 33, 3)).astype(np.float32),
    )
    figure = figure_3d_animation(table)
    assert len(figure.frames) == MAX_ANIMATION_FRAMES
    assert figure.frames[0].name == "0.00"
    assert figure.frames[-1].name == f"{(count - 1) / 30:.2f}"
    assert math.isclose(
        figure.layout.updatemenus[0].buttons[0].args[1]["frame"]["duration"], 1000 / 30 * 2.02,
        rel_tol=0.05,
    )  # fmt: skip
