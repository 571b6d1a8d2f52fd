"""The Webcam page (AppTest, with the WebRTC component patched out) and its processor.

AppTest cannot run the browser half of streamlit-webrtc, so ``ui.webrtc.webcam.webrtc_streamer``
is replaced by a fake that records its arguments; the tests then feed real video frames
(a photograph) to the frame callback the page handed over, as the WebRTC worker would.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import re
import threading
import time
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from pose_core import DetectorSettings, ImageDetector, StreamDetector, decode_image, live
from pose_core import detector as detector_module
from testkit.apptest import (
    LITE,
    assert_no_exception,
    landmark_tables,
    live_config,
    metric_values,
    new_app,
    open_page,
    send_frame,
)
from testkit.fixtures import FIXTURES
from ui.server import ice
from ui.webrtc import webcam
from ui.words import live as live_words


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    return decode_image(FIXTURES / "messi5.jpg")


def _processor(at) -> live.PoseStreamProcessor:
    return at.session_state["_webcam_live"].processor


def test_page_wires_the_stream_for_localhost(streamer):
    at = open_page(new_app(), "webcam.py")
    assert_no_exception(at)
    kwargs = streamer.last
    assert kwargs["rtc_configuration"] == {"iceServers": []}  # no STUN/TURN by default
    assert kwargs["async_processing"] is True  # latest frame only: drops, never queues
    assert kwargs["media_stream_constraints"]["audio"] is False
    processor = _processor(at)
    assert kwargs["video_frame_callback"].__self__ is processor
    assert kwargs["on_video_ended"].__self__ is processor
    assert "Direct connection" in _ice_caption(at)
    assert at.button(key="webcam_snapshot_button").disabled  # nothing is playing
    assert metric_values(at, "Frames") == ["0"]


@pytest.mark.slow
def test_live_frames_readout_slider_and_snapshot(streamer, frame):
    # Unmirrored, so the returned picture lines up with the camera's.
    at = open_page(new_app({**LITE, "mirror": "false"}), "webcam.py")
    streamer.playing = True
    at.run()
    processor = _processor(at)

    out = streamer.send(frame)
    assert out.shape == frame.shape
    detector = processor.detector
    assert detector is not None and detector.settings.model_variant == "lite"
    stats = processor.stats()
    assert (stats.frames, stats.people, stats.running) == (1, 1, True)
    # The readout box in the top-left corner darkens the video (60 % black) under the
    # text; the skeleton changes pixels further down.
    np.testing.assert_allclose(out[1, 1], frame[1, 1] * 0.4, atol=1.5)
    assert not np.array_equal(out[40:], frame[40:])
    assert live_words.readout_lines(stats)[1].startswith("frames 1 ")

    # A slider reaches the running stream on its next frame, same detector object.
    at.slider(key="presence").set_value(0.75).run()
    streamer.send(frame)
    assert processor.detector is detector
    assert detector.settings.min_pose_presence_confidence == pytest.approx(0.75)
    assert processor.stats().frames == 2
    at.run()
    assert metric_values(at, "Frames") == ["2"]
    assert metric_values(at, "People") == ["1"]

    # Snapshot: the frozen frame gets the full report and becomes the 3D view's source.
    assert not at.button(key="webcam_snapshot_button").disabled
    at.button(key="webcam_snapshot_button").click().run()
    assert_no_exception(at)
    assert any(h.value == "Webcam snapshot 1" for h in at.main.subheader)
    assert [len(t) for t in landmark_tables(at)] == [33]
    assert len(at.get("download_button")) == 3
    open_page(at, "view_3d.py")
    assert at.selectbox(key="view3d_source").value == "snapshot:1"
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["title"]["text"].startswith("3D pose")


@pytest.mark.slow
def test_stopping_the_stream_releases_the_detector(streamer, frame):
    at = open_page(new_app(), "webcam.py")
    streamer.playing = True
    at.run()
    streamer.send(frame)
    detector = _processor(at).detector
    assert detector is not None and not detector.closed

    streamer.playing = False
    at.run()
    assert detector.closed
    assert _processor(at).detector is None
    assert _processor(at).stats().frames == 0

    # The WebRTC worker's own "track ended" callback releases it as well.
    streamer.playing = True
    at.run()
    streamer.send(frame)
    detector = _processor(at).detector
    streamer.last["on_video_ended"]()
    assert detector.closed and _processor(at).detector is None


def test_a_stream_drawn_on_every_run_is_not_taken_for_an_orphan(streamer, monkeypatch):
    # streamlit-webrtc's own orphan check (a stream left behind by a page switch) can
    # misfire on a live stream; the page skips it while it drew the stream last run.
    skipped = []
    monkeypatch.setattr(webcam, "_skip_orphan_check", skipped.append)
    at = open_page(new_app(), "webcam.py")
    assert skipped == []  # first draw
    at.run()
    assert skipped == ["webcam"]
    open_page(at, "image.py")
    open_page(at, "webcam.py")
    assert skipped == ["webcam"]  # back from another page: streamlit-webrtc checks
    at.run()
    assert skipped == ["webcam", "webcam"]


def test_each_session_gets_its_own_processor(streamer, frame):
    first = open_page(new_app(), "webcam.py")
    second = open_page(new_app(), "webcam.py")
    assert _processor(first) is not _processor(second)


def _ice_caption(at) -> str:
    """The Webcam page's line on how the connection is set up."""
    (line,) = [c.value for c in at.main.caption if "connection" in c.value or "ICE" in c.value]
    return line


def test_ice_servers_from_the_environment(streamer, monkeypatch):
    servers = [{"urls": ["stun:stun.example.org:3478"]}]
    monkeypatch.setenv(ice.ENV_VAR, json.dumps(servers))
    at = open_page(new_app(), "webcam.py")
    assert streamer.last["rtc_configuration"] == {"iceServers": servers}
    assert "1 ICE server(s) (STUN) from environment" in _ice_caption(at)


def test_ice_servers_from_secrets_win(streamer, monkeypatch):
    monkeypatch.setenv(ice.ENV_VAR, json.dumps([{"urls": ["stun:ignored.example.org"]}]))
    at = new_app()
    at.secrets["ice_servers"] = [
        {"urls": "turn:turn.example.org:3478", "username": "demo", "credential": "s3cret"}
    ]
    open_page(at, "webcam.py")
    assert streamer.last["rtc_configuration"] == {
        "iceServers": [
            {"urls": ["turn:turn.example.org:3478"], "username": "demo", "credential": "s3cret"}
        ]
    }


def test_a_bad_ice_setting_is_reported_and_ignored(streamer, monkeypatch):
    monkeypatch.setenv(ice.ENV_VAR, '[{"urls": ["http://example.org"], "credential": "x"}]')
    at = open_page(new_app(), "webcam.py")
    assert_no_exception(at)
    assert streamer.last["rtc_configuration"] == {"iceServers": []}
    assert "Ignored POSESCOPE_ICE_SERVERS" in at.warning[0].value
    assert "x" not in at.warning[0].value.split(":", 1)[1].replace("example", "")


def test_turn_server_gets_fresh_time_limited_credentials(streamer, monkeypatch):
    # coturn's TURN REST scheme: user "expiry:posescope", password HMAC-SHA1 of it.
    secret = "a-secret-only-coturn-and-the-app-know"
    monkeypatch.setenv(ice.TURN_URLS_VAR, "turn:127.0.0.1:3478?transport=udp")
    monkeypatch.setenv(ice.TURN_SECRET_VAR, secret)
    monkeypatch.setenv(ice.POLICY_VAR, "relay")
    before = time.time()
    at = open_page(new_app(), "webcam.py")
    assert_no_exception(at)
    (server,) = streamer.last["rtc_configuration"]["iceServers"]
    assert server["urls"] == ["turn:127.0.0.1:3478?transport=udp"]
    expiry, user = server["username"].split(":")
    assert user == "posescope"
    assert before + ice.TURN_CREDENTIAL_TTL_S <= int(expiry) + 1
    assert int(expiry) <= time.time() + ice.TURN_CREDENTIAL_TTL_S
    signed = hmac.new(secret.encode(), server["username"].encode(), hashlib.sha1).digest()
    assert server["credential"] == base64.b64encode(signed).decode()
    # Relay only: the browser's configuration says so, the server's cannot.
    assert streamer.last["frontend_rtc_configuration"]["iceTransportPolicy"] == "relay"
    assert "iceTransportPolicy" not in streamer.last["rtc_configuration"]
    assert "TURN relay only" in _ice_caption(at)
    assert all(secret not in str(c.value) for c in at.main.caption)


def test_turn_without_its_secret_or_a_bad_policy_is_reported(streamer, monkeypatch):
    monkeypatch.setenv(ice.TURN_URLS_VAR, "turn:127.0.0.1:3478")
    monkeypatch.setenv(ice.POLICY_VAR, "sometimes")
    at = open_page(new_app(), "webcam.py")
    assert_no_exception(at)
    assert streamer.last["rtc_configuration"] == {"iceServers": []}
    assert "Ignored POSESCOPE_TURN_URLS: POSESCOPE_TURN_SECRET is not set" in at.warning[0].value


# ---- the processor on its own ---------------------------------------------------------


def test_processor_reports_errors_on_the_frame_and_keeps_going(frame):
    def broken(settings):
        raise RuntimeError("model file missing")

    processor = live.PoseStreamProcessor(
        live_config(), slots=live.StreamSlots(1), detector_factory=broken
    )
    assert send_frame(processor, frame).shape == frame.shape
    assert processor.stats().error == "RuntimeError: model file missing"
    assert processor.snapshot() is None


def test_processed_fps_comes_from_the_frame_clock(frame):
    now = [100.0]
    processor = live.PoseStreamProcessor(
        live_config(), slots=live.StreamSlots(1), clock=lambda: now[0]
    )
    try:
        for _ in range(5):
            processor.recv(av.VideoFrame.from_ndarray(frame, format="rgb24"))
            now[0] += 0.1
        stats = processor.stats()
        assert stats.frames == 5
        assert stats.fps == pytest.approx(10.0)
        assert stats.inference_ms > 0
        snapshot = processor.snapshot()
        assert snapshot.result.num_poses == 1
        np.testing.assert_array_equal(snapshot.rgb_frame, frame)
    finally:
        processor.release()


class _PausingStreamDetector(StreamDetector):
    """A real stream detector that holds the frame worker at its first read of
    ``settings`` after a detection: ``recv`` reads them under the processor's lock, to
    track, smooth and record the frame's poses."""

    def __init__(
        self, settings: DetectorSettings, paused: threading.Event, resume: threading.Event
    ) -> None:
        self.paused, self.resume = paused, resume
        self._hold: threading.Thread | None = None
        super().__init__(settings)

    @property
    def settings(self) -> DetectorSettings:
        if threading.current_thread() is self._hold:
            self._hold = None
            self.paused.set()
            self.resume.wait(timeout=120)
        return self._settings

    @settings.setter
    def settings(self, value: DetectorSettings) -> None:
        self._settings = value

    def detect(self, rgb_frame: np.ndarray, timestamp_ms: int | None = None):
        result = super().detect(rgb_frame, timestamp_ms)
        self._hold = threading.current_thread()
        return result


def test_stopping_a_recording_waits_for_the_frame_being_recorded(frame):
    # The frame worker records a frame under the processor's lock and the script thread
    # takes the recorder under the same lock: a stop pressed while a frame is being
    # recorded waits for it, so the frame is kept rather than appended to a recording
    # already handed over (and being built) on the other thread.
    paused, resume = threading.Event(), threading.Event()
    processor = live.PoseStreamProcessor(
        live_config(),
        detector_factory=lambda settings: _PausingStreamDetector(settings, paused, resume),
        slots=live.StreamSlots(1),
    )
    processor.start_recording()
    stopped = []
    worker = threading.Thread(target=send_frame, args=(processor, frame))
    stopper = threading.Thread(target=lambda: stopped.append(processor.stop_recording()))
    try:
        worker.start()
        assert paused.wait(timeout=120), "the frame never reached the recording step"
        stopper.start()
        # With the lock held by the worker, the stop cannot finish however long it is
        # given; without it, it finishes at once (the half-second only matters then).
        stopper.join(timeout=0.5)
        assert stopper.is_alive(), "the stop did not wait for the frame being recorded"
    finally:
        resume.set()
        worker.join(timeout=120)
        if stopper.ident is not None:
            stopper.join(timeout=120)
    try:
        stats = processor.stats()
        assert (stats.frames, stats.people, stats.error) == (1, 1, None)
        (recording,) = stopped
        assert recording.frames_analysed == 1
        assert recording.table.frame.tolist() == [0]  # the person of that frame
        assert not processor.recording
    finally:
        processor.release()


# ---- long runs: frames of changing size, streams that go quiet -------------------------

# What a camera may switch between mid-stream (WebRTC also scales frames down under load),
# with an odd size that no encoder would pick.
CHANGING_SIZES = ((640, 480), (1280, 720), (320, 240), (333, 251), (640, 480))


def _threads_now() -> int:
    """This process's threads, native ones included (MediaPipe's are not Python's)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^Threads:\s+(\d+)", status, re.M).group(1))


def _decoded(rgb_frame: np.ndarray) -> av.VideoFrame:
    """``rgb_frame`` as the WebRTC decoder hands frames over: planar YUV 4:2:0."""
    return av.VideoFrame.from_ndarray(rgb_frame, format="rgb24").reformat(format="yuv420p")


def test_frames_of_changing_size_reuse_one_detector_and_release_it(frame):
    # Where the person's landmarks are, from the still-image detector: normalised
    # coordinates do not change when the frame is scaled, even unevenly.
    with ImageDetector(
        DetectorSettings(model_variant="lite", num_poses=1, person_detector="mediapipe")
    ) as still:
        reference = still.detect(frame).poses[0].landmarks
    visible = reference[:, 3] > 0.5
    box = reference[visible, :2].min(axis=0), reference[visible, :2].max(axis=0)
    open_before = len(detector_module._OPEN)
    threads = []
    # Two streams one after the other on one processor: stopped, the next one works.
    processor = live.PoseStreamProcessor(live_config(), slots=live.StreamSlots(1))
    for _ in range(2):
        processor.start_recording()
        detectors = set()
        for width, height in CHANGING_SIZES:
            rgb = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
            out = processor.recv(_decoded(rgb))
            assert (out.width, out.height) == (width, height)
            stats = processor.stats()
            assert stats.error is None and not stats.busy, stats
            detectors.add(id(processor.detector))
            assert len(detector_module._OPEN) == open_before + 1
            result = processor.snapshot().result
            assert result.num_poses == 1, (width, height)
            assert (result.image_width, result.image_height) == (width, height)
            found = result.poses[0].landmarks[visible, :2]
            # On the person: inside the still-image landmarks' box (with 5 % of the frame
            # to spare) and near them on the whole, as fractions of the frame's width and
            # height (the tracker carries its region over from the previous frame, of
            # another size, so 320x240 after 1280x720 is the farthest off, ~2 %).
            assert (found >= box[0] - 0.05).all() and (found <= box[1] + 0.05).all()
            offset = np.median(np.abs(found - reference[visible, :2]))
            assert offset < 0.04, ((width, height), offset)
        assert len(detectors) == 1  # one detector for the whole stream
        recording = processor.stop_recording()
        assert recording.frames_analysed == len(CHANGING_SIZES)
        assert len(recording.table.frame) == len(CHANGING_SIZES)  # one person per frame
        # Landmarks are kept normalised; pixel views use the first frame's size.
        assert (recording.frame_width, recording.frame_height) == CHANGING_SIZES[0]
        detector = processor.detector
        processor.release()
        assert detector.closed and processor.detector is None
        assert len(detector_module._OPEN) == open_before
        threads.append(_threads_now())
    # The first stream may start MediaPipe's process-wide workers; the second adds none.
    assert threads[1] <= threads[0] + 1, threads


def test_a_stream_without_frames_gives_its_slot_to_the_next(frame):
    now = [100.0]
    slots = live.StreamSlots(1)
    gone = live.PoseStreamProcessor(live_config(), clock=lambda: now[0], slots=slots)
    waiting = live.PoseStreamProcessor(live_config(), clock=lambda: now[0], slots=slots)
    try:
        gone.recv(_decoded(frame))  # then its tab closes: no more frames
        gone_detector = gone.detector
        now[0] += 1.0
        waiting.recv(_decoded(frame))
        assert waiting.stats().busy and slots.in_use() == 1
        now[0] += live.STALE_STREAM_S - 1.5  # not stale yet
        waiting.recv(_decoded(frame))
        assert waiting.stats().busy and not gone_detector.closed

        # Over STALE_STREAM_S without a frame: the next stream to ask takes the slot,
        # and the quiet one's detector is closed.
        now[0] += 1.0
        waiting.recv(_decoded(frame))
        assert not waiting.stats().busy and waiting.stats().frames == 1
        assert gone_detector.closed and gone.detector is None and gone.stats().frames == 0
        assert slots.in_use() == 1

        # Frames come back to the quiet stream: it is told the server is busy now.
        gone.recv(_decoded(frame))
        assert gone.stats().busy and gone.detector is None

        # Counting the slots (the Webcam page does on every run) frees a quiet one too.
        waiting_detector = waiting.detector
        now[0] += live.STALE_STREAM_S + 0.5
        gone.idle_seconds()  # asking does not count as a frame
        assert slots.in_use() == 0
        assert waiting_detector.closed and waiting.detector is None
        gone.recv(_decoded(frame))
        assert not gone.stats().busy and gone.stats().people == 1
    finally:
        gone.release()
        waiting.release()
    assert slots.in_use() == 0


def test_camera_choice_asks_the_browser_and_goes_in_the_share_link(streamer):
    at = open_page(new_app(), "webcam.py")
    video = streamer.last["media_stream_constraints"]["video"]
    assert video["facingMode"] == {"ideal": "user"}  # front by default, and mirrored
    assert at.toggle(key="mirror").value is True
    at.segmented_control(key="camera").set_value("Rear").run()
    assert_no_exception(at)
    assert streamer.last["media_stream_constraints"]["video"]["facingMode"] == {
        "ideal": "environment"
    }
    # The rear camera films the scene: no mirror unless asked for.
    assert at.toggle(key="mirror").value is False
    query = dict(p.split("=", 1) for p in at.sidebar.code[0].value.split("?", 1)[1].split("&"))
    assert (query["camera"], query["mirror"]) == ("Rear", "false")
    assert {at.segmented_control(key="camera").proto.query_param_key,
            at.toggle(key="mirror").proto.query_param_key} == {"camera", "mirror"}  # fmt: skip


def test_a_shared_link_reopens_the_rear_camera(streamer):
    at = open_page(new_app({"camera": "Rear", "mirror": "true"}), "webcam.py")
    assert_no_exception(at)
    assert streamer.last["media_stream_constraints"]["video"]["facingMode"]["ideal"] == (
        "environment"
    )
    assert at.toggle(key="mirror").value is True


def test_camera_problems_are_named_with_what_to_do():
    assert "blocked" in webcam.problem_message("NotAllowedError")
    assert "No camera found" in webcam.problem_message("NotFoundError")
    assert "in use" in webcam.problem_message("NotReadableError")
    assert "https://" in webcam.problem_message("insecure")
    assert webcam.problem_message("") is None
    # An unknown name is shown as a name only, never as markup.
    assert "unknown error" in webcam.problem_message("<b>Weird</b>Error")


def test_mirror_flips_the_returned_picture_not_what_the_detector_sees(frame):
    def run(mirror: bool) -> tuple[np.ndarray, live.Snapshot]:
        config = dataclasses.replace(live_config(), mirror=mirror)
        processor = live.PoseStreamProcessor(
            config, slots=live.StreamSlots(1), text=live_words.LIVE_WORDS
        )
        try:
            out = send_frame(processor, frame)
            snapshot = processor.snapshot()
            assert snapshot is not None
            return out, snapshot
        finally:
            processor.release()

    plain, plain_snapshot = run(False)
    mirrored, mirrored_snapshot = run(True)
    # Same landmarks (the detector saw the same, unflipped frame): left is still left.
    np.testing.assert_allclose(
        mirrored_snapshot.result.poses[0].landmarks, plain_snapshot.result.poses[0].landmarks
    )
    np.testing.assert_array_equal(mirrored_snapshot.rgb_frame, frame)
    # The picture is the plain one flipped, below the readout box drawn after the flip.
    below = slice(60, None)
    np.testing.assert_array_equal(mirrored[below], plain[below][:, ::-1])
    np.testing.assert_allclose(mirrored[1, 1], frame[1, -2] * 0.4, atol=1.5)
