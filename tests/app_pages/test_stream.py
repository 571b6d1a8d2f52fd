"""The Network stream page (AppTest, the WebRTC component patched out, as on the Webcam
page): addresses and credentials on the page, a real MJPEG camera on loopback pulled
through the page's player factory, the share link, and a clip played live.

The real browser and a real RTSP server are in tests/browser/test_network_stream.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pose_core.streams import SourceState
from testkit.apptest import assert_no_exception, metric_values, new_app, open_page
from testkit.http_streams import HttpStreamServer
from testkit.wait import wait_until
from ui.server import runtime
from ui.webrtc.track import ViewerPlayer

PASSWORD = "Wr0ng-h0rse"


@pytest.fixture
def camera() -> Iterator[HttpStreamServer]:
    with HttpStreamServer(credentials=f"admin:{PASSWORD}", fps=15) as server:
        yield server


@pytest.fixture(autouse=True)
def _close_sources() -> Iterator[None]:
    yield
    for source in runtime.current().streams.active():
        source.close()


def _page_text(at) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "info", "warning", "error",
             "title", "subheader", "metric") for e in at.get(kind)]  # fmt: skip
    parts += [str(w.value) for w in at.text_input if w.key != "stream_password"]
    return "\n".join(parts)


def _wait(check, timeout: float, what: str):
    wait_until(check, timeout, interval=0.05, message=what)


@pytest.mark.slow
def test_before_an_address_the_page_explains_and_draws_no_player(streamer):
    at = open_page(new_app(), "stream.py")
    assert_no_exception(at)
    assert any("Type the address of an IP camera" in i.value for i in at.info)
    assert not streamer.calls


@pytest.mark.parametrize(
    "address, message",
    [
        ("file:///etc/passwd", "file:// addresses are not opened here"),
        ("/dev/video0", "Start the address with one of rtsp://, rtsps://, http://, https://"),
        ("rtsp://169.254.169.254/", "its operator does not allow that network"),
    ],
)
def test_addresses_not_allowed_get_a_message_and_no_player(streamer, address, message):
    at = open_page(new_app(), "stream.py")
    at.text_input(key="stream_address").set_value(address).run()
    assert_no_exception(at)
    assert [e.value for e in at.error] == [message] or message in at.error[0].value
    assert not streamer.calls


@pytest.mark.slow
def test_a_camera_with_a_password_plays_and_the_password_is_never_shown(streamer, camera):
    at = open_page(new_app(), "stream.py")
    typed = camera.url(credentials=f"admin:{PASSWORD}")
    at.text_input(key="stream_address").set_value(typed).run()
    assert_no_exception(at)
    # The credentials moved to Sign-in; the address field keeps the rest.
    assert at.text_input(key="stream_address").value == camera.url()
    assert at.text_input(key="stream_user").value == "admin"
    assert at.text_input(key="stream_password").value == PASSWORD
    assert any("moved from the address to **Sign-in**" in c.value for c in at.caption)

    started = runtime.current().streams.sources_started
    kwargs = streamer.last
    assert kwargs["key"] == "stream" and kwargs["media_stream_constraints"]["audio"] is False
    assert str(kwargs["mode"]).endswith("RECVONLY")
    # The browser's offer arrives: streamlit-webrtc's worker calls the player factory.
    player = kwargs["player_factory"]()
    assert isinstance(player, ViewerPlayer)
    source = player.video.source
    _wait(lambda: source.processor.stats().frames >= 5, 30, "processed frames")
    streamer.playing = True
    at.run()
    assert_no_exception(at)
    assert source.status().state is SourceState.LIVE
    assert any("Live · 640×480 MJPEG" in c.value for c in at.caption)
    assert int(metric_values(at, "Frames")[0]) >= 5
    # The share link names the source by a random id, not by its address.
    link = at.query_params["stream"]
    assert link == source.public_id and "127.0.0.1" not in link
    assert PASSWORD not in _page_text(at) and PASSWORD not in str(at.query_params)

    # A second browser opens the link: it joins the same pull, without the credentials.
    other = open_page(new_app({"model": "Lite", "stream": link}), "stream.py")
    assert_no_exception(other)
    assert any(camera.url() in i.value.replace("\\", "") for i in other.info)
    second = streamer.last["player_factory"]()
    assert second.video.source is source and source.status().viewers == 2
    assert runtime.current().streams.sources_started == started + 1
    assert PASSWORD not in _page_text(other)

    # Snapshot and recording work on the shared stream, per viewer.
    at.button(key="stream_snapshot_button").click().run()
    assert_no_exception(at)
    assert any(h.value == "Stream snapshot 1" for h in at.main.subheader)
    at.toggle(key="stream_record").set_value(True).run()
    assert source.processor.is_recording(at.session_state["_stream"].owner)
    assert not source.processor.is_recording(other.session_state["_stream"].owner)
    _wait(lambda: source.processor.stats(at.session_state["_stream"].owner).recorded_frames >= 3,
          20, "recorded frames")  # fmt: skip
    # Both press Stop: each page ends its own viewer at once (and, with the last one
    # gone, the pull closes); the recording is kept.
    streamer.playing = False
    other.run()
    assert second.video.readyState == "ended" and player.video.readyState == "live"
    at.run()
    assert_no_exception(at)
    assert player.video.readyState == "ended" and source.status().viewers == 0
    _wait(lambda: source.status().state is SourceState.CLOSED, 10, "the source to close")
    at.run()
    assert any(h.value == "Stream recording" for h in at.main.subheader)
    assert not at.toggle(key="stream_record").value


def test_a_wrong_password_is_reported_on_the_page(streamer, camera):
    at = open_page(new_app(), "stream.py")
    at.text_input(key="stream_address").set_value(camera.url()).run()
    at.text_input(key="stream_user").set_value("admin").run()
    at.text_input(key="stream_password").set_value("guess").run()
    player = streamer.last["player_factory"]()
    source = player.video.source
    _wait(lambda: source.status().state is SourceState.FAILED, 15, "the refusal")
    streamer.playing = True
    at.run()
    assert_no_exception(at)
    assert any("refused the user name or password" in e.value for e in at.error)
    assert "guess" not in _page_text(at)
    player.video.stop()


def test_a_clip_plays_live_with_the_readout(streamer):
    at = open_page(new_app(), "stream.py")
    at.segmented_control(key="stream_kind").set_value("Clip played live").run()
    assert_no_exception(at)
    player = streamer.last["player_factory"]()
    source = player.video.source
    assert not source.spec.shareable
    _wait(lambda: source.processor.stats().frames >= 5, 30, "processed frames")
    streamer.playing = True
    at.run()
    assert_no_exception(at)
    assert int(metric_values(at, "Frames")[0]) >= 5
    assert "stream" not in at.query_params  # a private clip gets no share link
    player.video.stop()


def test_an_unknown_share_link_says_so(streamer):
    at = open_page(new_app({"model": "Lite", "stream": "no-such-id"}), "stream.py")
    assert_no_exception(at)
    assert any("does not know" in w.value for w in at.warning)
