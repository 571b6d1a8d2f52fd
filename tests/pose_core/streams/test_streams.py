"""Network sources (pose_core.streams): the address policy, credentials kept out of sight,
and real pulls from real HTTP servers on loopback (MJPEG as IP cameras serve it, HLS
written by FFmpeg's muxer, a clip played live): detection, sharing, failures, reconnection,
the bounded buffer, and the viewers' WebRTC track.

The RTSP server itself is tested in tests/testkit/test_rtsp_server.py, and the app against it in
tests/browser/test_network_stream.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator

import av
import numpy as np
import pytest

from pose_core.drawing import DrawingStyle
from pose_core.live import LiveConfig, PoseStreamProcessor, StreamSlots
from pose_core.settings import DetectorSettings
from pose_core.streams import (
    AddressError,
    Cap,
    LiveSource,
    Problem,
    ProblemKind,
    SourceBusyError,
    SourceState,
    SourceStatus,
    StreamHub,
    StreamPolicy,
    clip_spec,
    network_spec,
    split_credentials,
)
from pose_core.streams.source import SourceSpec
from testkit.http_streams import SAMPLE_CLIP, HttpStreamServer, write_hls
from testkit.wait import wait_until
from ui.webrtc import track as viewer_track
from ui.webrtc.slate import draw_slate
from ui.webrtc.track import ViewerPlayer
from ui.words import streams as stream_words

LITE = LiveConfig(
    DetectorSettings(model_variant="lite", num_poses=2, person_detector="mediapipe"), DrawingStyle()
)
PASSWORD = "s3cr3t-Pa55"


def _loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


def _run_async(coroutine):
    """Run ``coroutine`` on a fresh event loop in a thread of its own (the browser tests'
    Playwright may have a loop running on this one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def wait_for(check: Callable[[], object], timeout: float, what: str) -> object:
    return wait_until(check, timeout, interval=0.05, message=what)


# ---- addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address, words",
    [
        ("file:///etc/passwd", "file:// addresses are not opened here"),
        ("/etc/passwd", "Start the address with one of rtsp://"),
        ("ftp://camera/stream", "ftp:// addresses are not opened here"),
        ("javascript:alert(1)", "Start the address with one of"),
        ("rtsp://", "no host name"),
        ("rtsp://camera:99999/x", "the port (1 to 65535)"),
        ("rtsp://[::1/x", "an IPv6 address goes in brackets"),
        ("rtsp://[abc]/x", "That address cannot be read"),
        (
            "rtsp://[::ffff:169.254.169.254]/",
            "does not open streams from ::ffff:169.254.169.254 (169.254.169.254)",
        ),
        ("rtsp://[::ffff:a9fe:a9fe]/", "(169.254.169.254)"),
        ("rtsp://[64:ff9b::a9fe:a9fe]/", "(169.254.169.254)"),
        ("rtsp://cam era/x", "spaces or control characters"),
        ("", "Enter the stream's address"),
        ("rtsp://169.254.169.254/latest", "does not open streams from 169.254.169.254"),
        ("http://[fe80::1]/x", "does not open streams from fe80::1"),
    ],
)
def test_addresses_outside_the_allow_list_are_refused_in_words(address, words):
    with pytest.raises(AddressError, match=re.escape(words)):
        StreamPolicy().check(address, resolver=_loopback)


def test_a_host_that_does_not_resolve_says_so():
    def no_such_host(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(AddressError, match=r"'camera\.invalid' was not found"):
        StreamPolicy().check("rtsp://camera.invalid/live", resolver=no_such_host)


def test_every_address_a_name_resolves_to_is_checked():
    mixed = lambda host, port: ["203.0.113.9", "169.254.169.254"]  # noqa: E731
    with pytest.raises(AddressError, match=r"camera\.example \(169\.254\.169\.254\)"):
        StreamPolicy().check("rtsp://camera.example/live", resolver=mixed)


@pytest.mark.parametrize(
    "env",
    [
        {"POSESCOPE_STREAM_ALLOW": "10.1.0.0/16;10.2.0.0/16"},  # a typo must not open all
        {"POSESCOPE_STREAM_DENY": "private;loopback"},
        {"POSESCOPE_STREAM_DENY": "metadata.google.internal"},  # names cannot be denied
        {"POSESCOPE_STREAM_SCHEMES": "gopher"},
    ],
)
def test_an_unreadable_operator_setting_fails_closed(env):
    policy = StreamPolicy.from_env(env)
    assert policy.closed and policy.problems
    with pytest.raises(AddressError, match="opens none"):
        policy.check("rtsp://203.0.113.9/live")
    assert (policy.rows()[1][:2]) == (
        "Networks streams may come from",
        "none (a setting is unreadable)",
    )


def test_a_deny_list_adds_to_the_default_one():
    policy = StreamPolicy.from_env({"POSESCOPE_STREAM_DENY": "private"})
    for address in ("rtsp://192.168.1.20/x", "rtsp://169.254.169.254/x"):
        with pytest.raises(AddressError, match="does not allow that network"):
            policy.check(address)
    assert policy.rows()[2][1] == "link-local, multicast, unspecified, private"


def test_credentials_in_the_query_are_masked():
    typed = f"http://192.168.1.30/videostream.cgi?user=admin&pwd={PASSWORD}&resolution=32"
    checked = StreamPolicy().check(typed)
    assert checked.url == typed
    assert checked.display == "http://192.168.1.30/videostream.cgi?user=***&pwd=***&resolution=32"
    assert PASSWORD not in checked.redact(f"Server returned 404 Not Found: '{typed}'")


def test_the_user_name_is_redacted_only_as_a_credential():
    checked = StreamPolicy().check("rtsp://admin:pw1234@10.0.0.5/admin/live")
    assert checked.display == "rtsp://10.0.0.5/admin/live"
    assert checked.redact("at rtsp://admin:pw1234@10.0.0.5/admin/live") == (
        "at rtsp://10.0.0.5/admin/live"
    )
    assert checked.redact("user admin: pw1234") == "user ***: ***"


def test_credentials_are_split_kept_for_ffmpeg_and_never_displayed():
    typed = f"rtsp://admin:{PASSWORD}@192.168.1.20:554/Streaming/Channels/101"
    assert split_credentials(typed) == (
        "rtsp://192.168.1.20:554/Streaming/Channels/101", "admin", PASSWORD,
    )  # fmt: skip
    checked = StreamPolicy().check(typed)
    assert checked.url == typed  # what FFmpeg opens
    assert checked.display == "rtsp://192.168.1.20:554/Streaming/Channels/101"
    assert PASSWORD not in repr(checked) and "admin" not in repr(checked)
    assert checked.has_credentials and checked.port == 554
    # FFmpeg's own messages quote the whole address: redact() scrubs them.
    ffmpeg_says = f"[Errno 1094995529] Invalid data found when processing input: '{typed}'"
    assert PASSWORD not in checked.redact(ffmpeg_says)
    assert checked.display in checked.redact(ffmpeg_says)
    # Given apart (the page's Sign-in), special characters are percent-encoded for FFmpeg.
    apart = StreamPolicy().check("rtsp://192.168.1.20/live", "op@site", "p:w/d")
    assert apart.url == "rtsp://op%40site:p%3Aw%2Fd@192.168.1.20/live"
    assert apart.redact(f"failed: {apart.url}") == "failed: rtsp://192.168.1.20/live"
    # Different credentials are a different pull: one user's password is not shared.
    other = StreamPolicy().check("rtsp://viewer:x1@192.168.1.20/live")
    assert network_spec(other).key != network_spec(apart).key


def test_the_operator_narrows_what_may_be_opened():
    env = {
        "POSESCOPE_STREAM_DENY": "private,loopback,link-local",
        "POSESCOPE_STREAM_SCHEMES": "rtsps,https",
    }
    policy = StreamPolicy.from_env(env)
    assert policy.schemes == ("rtsps", "https") and not policy.closed
    with pytest.raises(AddressError, match="rtsp:// addresses are not opened here"):
        policy.check("rtsp://8.8.8.8/live")
    with pytest.raises(AddressError, match=r"does not open streams from cam.lan \(192.168.1.20\)"):
        policy.check("rtsps://cam.lan/live", resolver=lambda h, p: ["192.168.1.20"])
    with pytest.raises(AddressError, match="does not allow that network"):
        policy.check("https://127.0.0.1:8443/x")
    assert policy.check("rtsps://203.0.113.7/live").port == 322

    only = StreamPolicy.from_env({"POSESCOPE_STREAM_ALLOW": "10.1.0.0/16, cams.example.org"})
    assert only.check("rtsp://10.1.2.3/x").host == "10.1.2.3"
    assert only.check("rtsp://cams.example.org/x", resolver=lambda h, p: ["198.51.100.4"])
    with pytest.raises(AddressError, match="only opens streams from the networks"):
        only.check("rtsp://10.2.0.1/x")


# ---- pulls from real servers -----------------------------------------------------------


class Viewer:
    """Counts the frames a source publishes (a WebRTC track stands here in most tests)."""

    def __init__(self, owner: str = "") -> None:
        self.owner = owner
        self.notified = 0

    def notify(self) -> None:
        self.notified += 1

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def hub() -> Iterator[tuple[StreamHub, StreamSlots, list[PoseStreamProcessor]]]:
    slots = StreamSlots(2)
    made: list[PoseStreamProcessor] = []

    def processor(config: LiveConfig) -> PoseStreamProcessor:
        made.append(PoseStreamProcessor(config, slots=slots))
        return made[-1]

    streams = StreamHub(processor, source_factory=_fast_source, slate=draw_slate)
    yield streams, slots, made
    for source in streams.active():
        source.close()
    for processor_ in made:
        processor_.release()


def _fast_source(spec: SourceSpec, processor: PoseStreamProcessor, **kwargs) -> LiveSource:
    # Short back-off and idle close, so failures and departures show within a test.
    return LiveSource(spec, processor, idle_close_s=1.0, retry_delays_s=(0.3, 0.6, 1.0), **kwargs)


def _spec(url: str):
    return network_spec(StreamPolicy().check(url))


@pytest.mark.slow
def test_an_mjpeg_camera_is_pulled_detected_and_closed_after_its_last_viewer(hub):
    streams, slots, _ = hub
    with HttpStreamServer(fps=15) as camera:
        spec = _spec(camera.url())
        source = streams.source(spec, LITE)
        viewer = Viewer()
        source.attach(viewer)
        wait_for(lambda: source.processor.stats().frames >= 10, 30, "10 processed frames")
        status = source.status()
        assert status.state is SourceState.LIVE and status.problem is None
        assert (status.width, status.height, status.codec) == (640, 480, "mjpeg")
        assert 10 <= status.input_fps <= 20
        assert source.processor.stats().people >= 1  # the walkers of the sample clip
        assert viewer.notified >= 10
        assert slots.in_use() == 1

        source.detach(viewer)
        wait_for(lambda: source.status().state is SourceState.CLOSED, 10, "the source to close")
        assert streams.running(spec) is None and slots.in_use() == 0
        sent = camera.frames_sent
        time.sleep(0.5)
        assert camera.frames_sent - sent <= 2  # the pull is closed: the camera stops sending


def test_two_viewers_share_one_pull_and_one_detector(hub):
    streams, slots, made = hub
    with HttpStreamServer(fps=15) as camera:
        spec = _spec(camera.url())
        first, second = Viewer(), Viewer()
        streams.source(spec, LITE).attach(first)
        streams.source(spec, LITE).attach(second)
        source = streams.running(spec)
        assert source is not None
        wait_for(lambda: source.processor.stats().frames >= 5, 30, "processed frames")
        assert streams.sources_started == 1 and len(made) == 1 and slots.in_use() == 1
        assert source.status().viewers == 2
        assert abs(first.notified - second.notified) <= 1
        assert streams.link(spec) == source.public_id and streams.spec_for_link(source.public_id)


@pytest.mark.slow
def test_wrong_credentials_stop_without_retrying_and_never_reach_the_logs(hub, caplog):
    streams, _, _ = hub
    caplog.set_level(logging.DEBUG)
    with HttpStreamServer(credentials=f"admin:{PASSWORD}") as camera:
        wrong = _spec(camera.url(credentials="admin:guess"))
        source = streams.source(wrong, LITE)
        source.attach(Viewer())
        wait_for(lambda: source.status().state is SourceState.FAILED, 15, "the failure")
        problem = source.status().problem
        assert problem is not None and problem.kind is ProblemKind.AUTH and not problem.retry
        assert problem.http_status == 401 and problem.host == "127.0.0.1"
        assert "user name or password" in stream_words.problem_message(problem)
        time.sleep(0.5)
        assert source.status().attempts == 1  # not retried

        right = _spec(camera.url(credentials=f"admin:{PASSWORD}"))
        good = streams.source(right, LITE)
        good.attach(Viewer())
        wait_for(lambda: good.processor.stats().frames >= 3, 30, "frames with the password")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "guess" not in logged and PASSWORD not in logged and "Stream http://127.0.0.1" in logged


@pytest.mark.parametrize(
    "path, kind, retry",
    [
        ("/nothing-here", ProblemKind.NOT_FOUND, True),
        ("/page.html", ProblemKind.NOT_VIDEO, False),
        ("/sound.ts", ProblemKind.NO_VIDEO_TRACK, False),
    ],
)
def test_a_wrong_path_a_web_page_and_sound_only_say_what_is_wrong(hub, path, kind, retry):
    streams, _, _ = hub
    with HttpStreamServer() as camera:
        source = streams.source(_spec(camera.url(path)), LITE)
        source.attach(Viewer())
        wait_for(lambda: source.status().problem is not None, 15, "a problem")
        problem = source.status().problem
        assert (problem.kind, problem.retry) == (kind, retry)


@pytest.mark.slow
def test_a_camera_that_goes_away_is_retried_with_back_off_and_comes_back(hub):
    streams, _, _ = hub
    camera = HttpStreamServer(fps=15)
    camera.start()
    try:
        source = streams.source(_spec(camera.url()), LITE)
        source.attach(Viewer())
        wait_for(lambda: source.processor.stats().frames >= 3, 30, "frames")
        camera.stop()
        wait_for(lambda: source.status().state is SourceState.RETRYING, 10, "retrying")
        wait_for(lambda: source.status().attempts >= 2, 10, "a second attempt")
        problem = source.status().problem
        assert problem is not None and problem.kind in {ProblemKind.REFUSED, ProblemKind.ENDED}
        frames_before = source.processor.stats().frames
        # While it is down, viewers get a still frame saying why, twice a second.
        before = source.latest()
        time.sleep(1.2)
        after = source.latest()
        assert before is not None and after is not None
        assert after.sequence >= before.sequence + 2
        # The app's still frame: the camera's last picture, grey and dim, with white
        # words in the top-left corner.
        still = after.rgb_frame
        assert still.shape == (480, 640, 3)
        assert (still[..., 0] == still[..., 1]).all() and (still[..., 1] == still[..., 2]).all()
        assert still[120:].max() <= 0.35 * 255 + 1 and still[120:].mean() > 5
        assert still[:60, :400].max() >= 250

        camera.start()
        wait_for(lambda: source.status().state is SourceState.LIVE, 15, "the camera back")
        wait_for(lambda: source.processor.stats().frames > frames_before + 3, 30, "frames again")
        assert source.status().reconnects == 1
    finally:
        camera.stop()


def test_a_refused_address_keeps_retrying_while_watched(hub):
    streams, _, _ = hub
    with HttpStreamServer() as camera:
        port = camera.port
    source = streams.source(_spec(f"rtsp://127.0.0.1:{port}/live"), LITE)
    source.attach(Viewer())
    wait_for(lambda: source.status().attempts >= 3, 10, "three attempts")
    status = source.status()
    assert status.state is SourceState.RETRYING and status.problem.kind is ProblemKind.REFUSED
    assert "refused the connection" in stream_words.retrying_message(status, status.problem)


@pytest.mark.slow
def test_hls_is_pulled(hub, tmp_path):
    streams, _, _ = hub
    playlist = write_hls(tmp_path / "hls")
    with HttpStreamServer(hls=playlist.parent) as server:
        source = streams.source(_spec(server.url("/index.m3u8")), LITE)
        source.attach(Viewer())
        wait_for(lambda: source.processor.stats().frames >= 5, 30, "frames from HLS")
        status = source.status()
        assert (status.width, status.height, status.codec) == (384, 288, "h264")


@pytest.mark.slow
def test_a_clip_plays_at_its_own_rate_and_a_slow_detector_drops_frames_not_time(tmp_path):
    # 10 fps clip; a detector 4x too slow for it: the mailbox keeps the newest frame, so
    # what is processed stays within one frame period and a detection of the wall clock.
    slots = StreamSlots(1)
    seen: list[float] = []
    # Which clip frame a picture is, by its bytes (decoding is deterministic): its time.
    with av.open(str(SAMPLE_CLIP)) as clip:
        times = {
            hashlib.sha1(f.to_ndarray(format="rgb24").tobytes()).digest(): float(f.time or 0)
            for f in clip.decode(video=0)
        }
    clock_zero = time.monotonic()

    class SlowProcessor(PoseStreamProcessor):
        def process(self, rgb_frame: np.ndarray, *, started: float | None = None) -> np.ndarray:
            at = times[hashlib.sha1(rgb_frame.tobytes()).digest()]
            seen.append((time.monotonic() - clock_zero) - at)
            time.sleep(0.4)
            return rgb_frame

    processor = SlowProcessor(LITE, slots=slots)
    source = LiveSource(clip_spec(SAMPLE_CLIP, "walking.mp4"), processor).start()
    source.attach(Viewer())
    try:
        time.sleep(4.0)
        status = source.status()
        assert 9.0 <= status.input_fps <= 11.0  # paced at the clip's rate, not decoded flat out
        assert status.dropped >= 20
        lags = seen[2:]
        assert len(lags) >= 6
        # Frame time vs wall clock: constant up to one frame and one detection (0.5 s),
        # never growing as the frames a queue would hold pile up.
        assert max(lags) - min(lags) < 0.55, lags
    finally:
        source.close()


@pytest.mark.slow
def test_the_viewer_track_sends_each_published_frame_once_with_rising_times(hub):
    streams, _, _ = hub
    with HttpStreamServer(fps=15) as camera:
        spec = _spec(camera.url())
        player = viewer_track.player(streams, spec, LITE)
        track = player.video
        assert isinstance(player, ViewerPlayer) and player.audio is None

        source = streams.running(spec)
        assert source is not None

        async def scenario():
            frames = [await asyncio.wait_for(track.recv(), 20) for _ in range(12)]
            # Each viewer gets frames of its own: encoders convert them on their own
            # threads, and two converting one shared frame crashed the server (libswscale).
            for _ in range(50):
                first, second = (viewer_track.player(streams, spec, LITE).video for _ in range(2))
                published = source.latest()  # new tracks take the latest at once
                mine = await asyncio.wait_for(first.recv(), 20)
                theirs = await asyncio.wait_for(second.recv(), 20)
                first.stop()
                second.stop()
                if source.latest() is published:  # no new frame came in between
                    return frames, mine, theirs, published
            raise AssertionError("the stream never held still for two reads")

        frames, mine, theirs, published = _run_async(scenario())
        assert mine is not theirs and mine.pts == theirs.pts == published.pts
        assert np.array_equal(mine.to_ndarray(format="rgb24"), published.rgb_frame)
        stamps = [f.pts for f in frames]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
        assert source.status().viewers == 1
        track.stop()  # what streamlit-webrtc does when the browser's session ends
        assert source.status().viewers == 0
        wait_for(lambda: source.status().state is SourceState.CLOSED, 10, "the source to close")


@pytest.mark.slow
def test_the_hub_caps_viewers_and_sources_and_links_end_with_the_pull(hub):
    streams, _, _ = hub
    streams.max_viewers, streams.max_sources = 2, 1
    with HttpStreamServer(fps=15) as camera:
        spec = _spec(camera.url())
        players = [viewer_track.player(streams, spec, LITE) for _ in range(2)]
        with pytest.raises(SourceBusyError) as viewers:
            viewer_track.player(streams, spec, LITE)
        assert (viewers.value.cap, viewers.value.limit) == (Cap.VIEWERS, 2)
        assert "already has 2 viewers" in stream_words.busy_message(viewers.value)
        with pytest.raises(SourceBusyError) as sources:
            streams.source(_spec(camera.url("/video.mjpg?other=1")), LITE)
        assert (sources.value.cap, sources.value.limit) == (Cap.SOURCES, 1)
        assert "already pulls 1 network streams" in stream_words.busy_message(sources.value)
        source = streams.running(spec)
        assert source is not None and streams.spec_for_link(source.public_id) is spec
        for player in players:
            player.video.stop()
        wait_for(lambda: source.status().state is SourceState.CLOSED, 10, "the source to close")
        assert streams.spec_for_link(source.public_id) is None  # the link ended with it


def test_a_failed_source_is_replaced_when_someone_starts_again(hub):
    streams, _, _ = hub
    with HttpStreamServer(credentials=f"admin:{PASSWORD}") as camera:
        spec = _spec(camera.url(credentials="admin:guess"))
        failed = streams.source(spec, LITE)
        failed.attach(Viewer())
        wait_for(lambda: failed.status().state is SourceState.FAILED, 15, "the failure")
        again = streams.source(spec, LITE)
        assert again is not failed and failed.closed and streams.sources_started == 2


def test_a_reconnection_checks_the_address_again(hub):
    # As if the camera's name now resolved into a refused network (DNS rebinding).
    def refused() -> None:
        raise AddressError("This server does not open streams from 169.254.169.254")

    streams, _, _ = hub
    with HttpStreamServer() as camera:
        spec = dataclasses.replace(_spec(camera.url()), recheck=refused)
        source = streams.source(spec, LITE)
        source.attach(Viewer())
        wait_for(lambda: source.status().state is SourceState.FAILED, 10, "the refusal")
        problem = source.status().problem
        assert problem.kind is ProblemKind.POLICY and not problem.retry
        assert stream_words.problem_message(problem) == (
            "This server does not open streams from 169.254.169.254"
        )
        assert camera.frames_sent == 0  # never connected


@pytest.mark.slow
def test_a_recording_left_running_by_a_viewer_who_went_away_is_dropped():
    slots = StreamSlots(1)
    processor = PoseStreamProcessor(LITE, slots=slots)
    spec = clip_spec(SAMPLE_CLIP, "walking.mp4")
    source = LiveSource(spec, processor, abandoned_recording_s=1.0).start()
    try:
        stays, leaves = Viewer("stays"), Viewer("leaves")
        source.attach(stays)
        source.attach(leaves)
        processor.start_recording("stays")
        processor.start_recording("leaves")
        wait_for(lambda: processor.stats("leaves").recorded_frames >= 3, 30, "recorded frames")
        source.detach(leaves)  # the tab closed: nobody will end this recording
        wait_for(lambda: not processor.is_recording("leaves"), 10, "the recording dropped")
        assert processor.is_recording("stays")  # the viewer still watching keeps theirs
        comeback = Viewer("stays")
        source.detach(stays)
        source.attach(comeback)  # a reload: the same session back within the grace
        time.sleep(1.6)
        assert processor.is_recording("stays")
    finally:
        source.close()
        processor.release()


def test_every_problem_and_state_has_words_naming_the_host():
    # The core reports facts; the page and the still frame word every one of them.
    for kind in ProblemKind:
        problem = Problem(kind, "cam.lan", detail="FFmpeg says no", http_status=500,
                          width=7680, height=4320, max_pixels=3840 * 2160)  # fmt: skip
        message = stream_words.problem_message(problem)
        if kind is ProblemKind.POLICY:  # the address check's own sentence, as it is
            assert message == "FFmpeg says no"
        else:
            assert "cam.lan" in message or "FFmpeg says no" in message, (kind, message)
        for state in (SourceState.CONNECTING, SourceState.RETRYING, SourceState.FAILED):
            status = _status(state, problem)
            lines = stream_words.slate_lines("cam.lan", status)
            assert lines[0].startswith("cam.lan: ") and len(lines) == 2 and lines[1]
    too_large = Problem(ProblemKind.TOO_LARGE, "cam.lan", width=7680, height=4320,
                        max_pixels=3840 * 2160)  # fmt: skip
    assert "7680x4320 pictures" in stream_words.problem_message(too_large)
    assert "8.3 megapixels" in stream_words.problem_message(too_large)
    timeout = stream_words.problem_message(Problem(ProblemKind.TIMEOUT, "cam.lan"))
    assert "within 10 s, or no picture for 5 s" in timeout
    retrying = _status(SourceState.RETRYING, Problem(ProblemKind.REFUSED, "cam.lan"))
    assert stream_words.slate_lines("cam.lan", retrying) == [
        "cam.lan: reconnecting in 4 s (try 3)",
        "refused",
    ]


def test_the_still_frame_before_any_picture_is_4_by_3_and_leaves_the_last_picture_alone():
    status = _status(SourceState.CONNECTING, None)
    first = draw_slate("cam.lan", status, None)
    assert first.shape == (480, 640, 3) and first[200:].max() == 24
    last = np.full((360, 640, 3), 200, np.uint8)
    still = draw_slate("cam.lan", status, last)
    assert still.shape == last.shape and (last == 200).all()  # a new picture each time
    assert still[200:].max() == int(200 * 0.35)


def _status(state: SourceState, problem: Problem | None) -> SourceStatus:
    return SourceStatus(
        state=state, problem=problem, attempts=2, retry_in_s=3.6, viewers=1, width=0,
        height=0, codec="", input_fps=0.0, dropped=0, reconnects=0,
    )  # fmt: skip
