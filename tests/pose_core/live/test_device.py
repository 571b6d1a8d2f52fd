"""Landmarks from the viewer's browser ("Run on this device"): every kind of hostile
message is refused and stores nothing; real landmarks (the real model on real photos)
go through the live engine's tracking, recording and motion analysis without a detector.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from pose_core import DetectorSettings
from pose_core.drawing import DrawingStyle
from pose_core.live import LiveConfig, PoseStreamProcessor, StreamSlots, device
from pose_core.live.device import DeviceChannel, DeviceLimits, RejectedMessage, parse_batch
from pose_core.results import PoseResult
from testkit.fixtures import load_rgb, shared_detector

TOKEN = "session-token-0123456789"
SETTINGS = DetectorSettings(model_variant="lite", num_poses=2, person_detector="mediapipe")
STATUS = {"camera": "playing", "delegate": "CPU", "simd": True, "fallback": "software WebGL",
          "model": "lite", "fps": 14.5, "inference_ms": 48.0}  # fmt: skip


@pytest.fixture(scope="module")
def results() -> list[PoseResult]:
    """Real landmarks: the lite model on two frames of a real clip of two people."""
    detector = shared_detector(SETTINGS)
    found = [detector.detect(load_rgb(f"basketball{n}.png")) for n in (1, 2)]
    assert all(r.num_poses >= 1 for r in found)
    return found


def frame_json(result: PoseResult, time_ms: float) -> dict:
    """One frame as the component sends it (4 decimals, as its JavaScript rounds)."""
    return {
        "t": time_ms, "w": result.image_width, "h": result.image_height,
        "ms": round(result.inference_ms, 2),
        "poses": [{"l": np.round(p.landmarks, 4).ravel().tolist(),
                   "w": np.round(p.world_landmarks, 4).ravel().tolist()} for p in result.poses],
    }  # fmt: skip


def message(frames: list[dict], token: str = TOKEN, **changes) -> str:
    body = {"v": 1, "token": token, "status": STATUS, "frames": frames, **changes}
    return json.dumps(body)


def good(results, start_ms: float = 1_765_000_000_000.0, count: int = 4) -> list[dict]:
    return [frame_json(results[n % 2], start_ms + 66.7 * n) for n in range(count)]


# ---- the pure check ------------------------------------------------------------------


def test_real_landmarks_come_through_unchanged(results):
    batch = parse_batch(message(good(results)), token=TOKEN)
    assert batch.status.playing and batch.status.delegate == "CPU" and batch.status.simd
    assert len(batch.frames) == 4
    got = batch.frames[0].result
    want = results[0]
    assert (got.image_width, got.image_height) == (want.image_width, want.image_height)
    assert got.num_poses == want.num_poses
    for a, b in zip(got.poses, want.poses, strict=True):
        assert a.landmarks.shape == (33, 5) and a.world_landmarks.shape == (33, 3)
        assert np.abs(a.landmarks - b.landmarks).max() < 1e-4
        assert np.abs(a.world_landmarks - b.world_landmarks).max() < 1e-4


def _refused(text, reason, limits=None) -> None:
    with pytest.raises(RejectedMessage) as caught:
        parse_batch(text, token=TOKEN, limits=limits)
    assert caught.value.reason == reason, caught.value


def _first_pose(results) -> tuple[list[dict], dict]:
    frames = good(results, count=1)
    return frames, frames[0]["poses"][0]


def test_wrong_or_missing_token(results):
    _refused(message(good(results), token="forged"), device.BAD_TOKEN)
    _refused(message(good(results), token=TOKEN + "x"), device.BAD_TOKEN)
    _refused(json.dumps({"v": 1, "status": STATUS, "frames": []}), device.BAD_TOKEN)
    _refused(json.dumps({"v": 1, "token": 12345, "status": STATUS, "frames": []}), device.BAD_TOKEN)


def test_not_json_or_not_text():
    _refused("{not json", device.NOT_JSON)
    _refused("[" * 100_000 + "]" * 100_000, device.NOT_JSON)  # nesting bomb
    _refused({"v": 1}, device.BAD_SHAPE)  # a component value that is not text
    _refused(b"{}", device.BAD_SHAPE)
    _refused(json.dumps([1, 2, 3]), device.BAD_SHAPE)
    _refused(json.dumps({"v": 2, "token": TOKEN}), device.BAD_SHAPE)


def test_payload_size_cap_is_checked_before_parsing(results):
    limits = DeviceLimits(max_chars=5_000)
    _refused(message(good(results)), device.TOO_LARGE, limits)
    # Not even valid JSON: refused for its size alone, unparsed.
    _refused("x" * (DeviceLimits().max_chars + 1), device.TOO_LARGE)


def test_wrong_landmark_shapes(results):
    for bad in ([0.5] * 32 * 5, [0.5] * 33 * 4, [[0.5] * 5] * 33, "0.5", None, [True] * 165):
        frames, pose = _first_pose(results)
        pose["l"] = bad
        _refused(message(frames), device.BAD_SHAPE)
    frames, pose = _first_pose(results)
    pose["w"] = pose["w"][:-1]
    _refused(message(frames), device.BAD_SHAPE)
    frames, pose = _first_pose(results)
    del pose["w"]
    _refused(message(frames), device.BAD_SHAPE)
    frames = good(results, count=1)
    frames[0]["poses"] = "everyone"
    _refused(message(frames), device.BAD_SHAPE)
    frames[0]["poses"] = [dict(frames[0], poses=[])] * 2  # frames where poses belong
    _refused(message(frames), device.BAD_SHAPE)


def test_nan_and_infinity(results):
    # Real JavaScript sends NaN as null, but a forged text can carry anything.
    for token in ("NaN", "Infinity", "-Infinity", "1e999"):
        frames, pose = _first_pose(results)
        text = message(frames).replace(str(pose["l"][0]), token, 1)
        _refused(text, device.NOT_FINITE)
    frames, pose = _first_pose(results)
    text = message(frames).replace(f'"t": {frames[0]["t"]}', '"t": NaN')
    _refused(text, device.NOT_FINITE)


def test_values_out_of_range(results):
    frames, pose = _first_pose(results)
    pose["l"][0] = 1e6
    _refused(message(frames), device.OUT_OF_RANGE)
    frames, pose = _first_pose(results)
    pose["l"][3] = 1.5  # visibility
    _refused(message(frames), device.OUT_OF_RANGE)
    frames, pose = _first_pose(results)
    pose["l"][4] = -0.1  # presence
    _refused(message(frames), device.OUT_OF_RANGE)
    frames, pose = _first_pose(results)
    pose["w"][1] = -300.0  # metres
    _refused(message(frames), device.OUT_OF_RANGE)
    for key, value in (("w", 100_000), ("h", 0), ("ms", -1), ("t", -5), ("t", 1e20)):
        frames = good(results, count=1)
        frames[0][key] = value
        _refused(message(frames), device.OUT_OF_RANGE)
    frames = good(results, count=1)
    frames[0]["poses"] = frames[0]["poses"][:1] * 11
    _refused(message(frames), device.OUT_OF_RANGE)
    frames = good(results, count=1)
    frames[0]["w"] = 640.5
    _refused(message(frames), device.BAD_SHAPE)


def test_status_fields_are_checked(results):
    for field, value in (("camera", "<img src=x>"), ("camera", "x" * 41), ("delegate", "TPU"),
                         ("model", "huge"), ("fallback", "because"), ("simd", "yes")):  # fmt: skip
        _refused(message(good(results), status={**STATUS, field: value}), device.BAD_SHAPE)
    _refused(message(good(results), status={**STATUS, "fps": -1}), device.OUT_OF_RANGE)
    text = message(good(results)).replace('"fps": 14.5', '"fps": Infinity')
    _refused(text, device.NOT_FINITE)


def test_times_must_increase_within_a_message(results):
    frames = good(results)
    frames[2]["t"] = frames[1]["t"]
    _refused(message(frames), device.NOT_INCREASING)
    frames = good(results)
    frames.reverse()
    _refused(message(frames), device.NOT_INCREASING)


def test_too_many_frames_in_one_message(results):
    frames = good(results, count=65)
    _refused(message(frames), device.TOO_FAST, DeviceLimits(max_chars=10_000_000))


# ---- the channel: memory across messages ------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_channel_accepts_new_frames_and_skips_resent_ones(results):
    clock = Clock()
    channel = DeviceChannel(TOKEN, clock=clock)
    first = good(results, count=4)
    assert len(channel.receive(message(first)) or ()) == 4
    # The same value handed back by a rerun: not a new message, not refused.
    assert channel.receive(message(first)) is None and channel.rejected_total == 0
    # Unacknowledged frames sent again with new ones: only the new ones come out.
    clock.now += 0.25
    later = good(results, start_ms=first[-1]["t"] + 66.7, count=3)
    fresh = channel.receive(message(first[2:] + later))
    assert [f.time_ms for f in fresh or ()] == [f["t"] for f in later]
    assert channel.frames_received == 7 and channel.rejected_total == 0
    assert channel.status.playing


def test_channel_refuses_a_forged_token_and_keeps_going(results):
    clock = Clock()
    channel = DeviceChannel(TOKEN, clock=clock)
    assert channel.receive(message(good(results), token="guess")) is None
    assert channel.rejected == {device.BAD_TOKEN: 1}
    assert channel.frames_received == 0 and not channel.status.playing  # nothing kept
    clock.now += 0.25
    assert len(channel.receive(message(good(results))) or ()) == 4
    # Each channel makes its own unguessable token.
    assert DeviceChannel().token != DeviceChannel().token and len(DeviceChannel().token) >= 32


def test_rate_limit_on_the_servers_clock(results):
    clock = Clock()
    limits = DeviceLimits(max_fps=30, max_messages_per_s=10, window_s=1.0)
    channel = DeviceChannel(TOKEN, limits=limits, clock=clock)
    start = 1_765_000_000_000.0
    # 30 frames in the first second: fine; one more in the same second: refused.
    for n in range(6):
        frames = [frame_json(results[0], start + 5 * n + k) for k in range(5)]
        assert channel.receive(message(frames)) is not None
        clock.now += 0.1
    assert channel.receive(message([frame_json(results[0], start + 100)])) is None
    assert channel.rejected == {device.TOO_FAST: 1}
    assert channel.frames_received == 30
    # A second later the window has moved on.
    clock.now += 1.0
    assert channel.receive(message([frame_json(results[0], start + 200)])) is not None
    # Too many messages, even empty ones.
    for _ in range(20):
        clock.now += 0.01
        channel.receive(message([], status={**STATUS, "fps": 1.0 + clock.now}))
    assert channel.rejected[device.TOO_FAST] > 1


def test_a_refused_message_changes_nothing(results):
    clock = Clock()
    channel = DeviceChannel(TOKEN, clock=clock)
    channel.receive(message(good(results, count=2)))
    before = (channel.last_time_ms, channel.frames_received, channel.status)
    frames = good(results, start_ms=channel.last_time_ms + 1000, count=2)
    frames[1]["poses"][0]["l"][0] = float("nan")
    clock.now += 0.3
    assert channel.receive(message(frames)) is None
    assert (channel.last_time_ms, channel.frames_received, channel.status) == before


# ---- into the live engine -------------------------------------------------------------


def test_device_results_are_recorded_and_snapshotted_without_a_detector(results):
    slots = StreamSlots(1)
    processor = PoseStreamProcessor(LiveConfig(SETTINGS, DrawingStyle()), slots=slots)
    processor.start_recording()
    channel = DeviceChannel(TOKEN, clock=Clock())
    frames = channel.receive(message(good(results, count=6))) or ()
    for frame in frames:
        processor.process_result(frame.result, SETTINGS, frame.time_ms / 1000)
    stats = processor.stats()
    assert stats.frames == 6 and stats.running and stats.model == "lite"
    assert stats.people == results[1].num_poses and stats.recorded_frames == 6
    assert processor.detector is None and slots.in_use() == 0  # no server detector
    snapshot = processor.snapshot()
    assert snapshot is not None and snapshot.result.num_poses >= 1
    # The device keeps its pictures: the snapshot stands on a plain frame of its size.
    assert snapshot.rgb_frame.shape == (results[0].image_height, results[0].image_width, 3)
    assert snapshot.rgb_frame.std() == 0
    recording = processor.stop_recording()
    assert recording is not None and recording.frames_analysed == 6
    assert recording.duration_s == pytest.approx(5 * 0.0667, abs=1e-3)
    processor.release()
    assert not processor.stats().running
