"""Network streams in a real browser against a real RTSP server on loopback (GStreamer's,
``testkit/rtsp/``) serving a clip of real people with a password: the skeleton on the
returned video, the password kept off the page and out of the link, a second viewer
sharing the one pull and detector, the camera going away and coming back, the pull
closed after the last viewer, and the messages for a wrong password, path and port.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.browser import harness
from testkit.rtsp.fixture import RtspServer, frames_file, require_gst_rtsp

pytestmark = pytest.mark.browser

USER, PASSWORD = "operator", "Tr1cky-pa55word"
# Skeleton-coloured pixels in a returned frame: the clip is grey, so any are the app's.
# The walkers are small (about 100 px tall at 640x480); measured 300-900 with people.
SKELETON = 120


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspServer]:
    require_gst_rtsp()
    frames = frames_file(tmp_path_factory.mktemp("rtsp"), 640, 480, grey=True)
    with RtspServer(frames, 640, 480, user=USER, password=PASSWORD) as server:
        yield server
        # Nothing pulls any more when the tests are done: no load left for later tests.
        harness.wait_until(
            lambda: _established(server.port) == 0, 30, interval=0.25,
            what="every pull from the test camera to close",
        )  # fmt: skip


def _established(port: int) -> int:
    """TCP connections to ``port`` on loopback in the ESTABLISHED state (/proc/net/tcp)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state = fields[1], fields[3]
        if state == "01" and int(local.split(":")[1], 16) == port:
            count += 1
    return count


def _open(page, server, query: str = "model=Lite") -> None:
    harness.open_page(page, server, f"stream?{query}")
    page.locator("h1", has_text="Network stream").wait_for()


def _enter(page, address: str) -> None:
    field = page.get_by_role("textbox", name="Stream address")
    field.fill(address)
    field.press("Enter")
    harness.wait_idle(page)


def _main_text(page) -> str:
    return harness.main_area(page).inner_text()


def _wait_text(page, pattern: str, timeout: float) -> str:
    regex = re.compile(pattern)
    return harness.wait_until(
        lambda: (m := regex.search(_main_text(page))) and m.group(0),
        timeout,
        interval=0.25,
        what=repr(pattern),
    )


def _skeleton_pixels(frame) -> int:
    return int(harness.skeleton_mask(harness.grab_frame(frame)).sum())


def test_an_rtsp_camera_plays_shares_survives_a_restart_and_closes(browser, app_server, camera):
    with harness.page_in(harness.new_context(browser)) as first:
        _open(first, app_server)
        _enter(first, camera.url)
        # The password moved to Sign-in; the address field shows none.
        field = first.get_by_role("textbox", name="Stream address")
        harness.wait_until(
            lambda: field.input_value() == camera.url_without_credentials, 10, interval=0.2,
            what="the address without its credentials",
        )  # fmt: skip
        frame = harness.start_webcam(first, timeout=60)
        harness.wait_until(
            lambda: _skeleton_pixels(frame) >= SKELETON, 45, interval=0.1, what="skeletons"
        )
        _wait_text(first, r"Live · 640×480 H264", 15)
        # The component's frame holds the whole player, STOP button included (it keeps
        # the height of its first pictures: the still frame before them must not be
        # shorter than the stream).
        shown = first.locator(harness.WEBRTC_IFRAME).bounding_box()["height"]
        assert shown >= frame.evaluate("() => document.body.scrollHeight") - 2
        harness.save_screenshot(first, harness.SCREENSHOTS / "network_stream.png")
        assert PASSWORD not in _main_text(first) and PASSWORD not in first.url
        assert "stream=" in first.url  # the share link names the source by an id
        harness.assert_no_traceback(first, app_server)

        # A colleague opens the link: same pull, same detector.
        with harness.page_in(harness.new_context(browser)) as second:
            second.goto(first.url)
            second.locator("h1", has_text="Network stream").wait_for()
            assert "Watching a shared stream" in _main_text(second)
            assert PASSWORD not in second.content()
            second_frame = harness.start_webcam(second, timeout=60)
            harness.wait_until(
                lambda: _skeleton_pixels(second_frame) >= SKELETON, 45, interval=0.1,
                what="skeletons for the second viewer",
            )  # fmt: skip
            _wait_text(second, r"2 viewers share one pull and one detector", 15)
            assert harness.wait_streams(second, 1) == (1, 2)  # one detector's slot
            assert _established(camera.port) == 1  # one pull from the camera
            harness.stop_webcam(second)

        # The camera goes away: the viewer is told, and the stream comes back by itself.
        camera.stop()
        try:
            _camera_away_and_back(first, frame, camera)
        finally:
            if not camera.running:  # the other tests need it
                camera.start()
        harness.assert_no_traceback(first, app_server)

        # The last viewer leaves: the pull is closed and the slot given back.
        harness.stop_webcam(first)
        harness.wait_until(
            lambda: _established(camera.port) == 0, 20, interval=0.25,
            what="the pull to close",
        )  # fmt: skip


def _camera_away_and_back(first, frame, camera: RtspServer) -> None:
    """With the camera stopped: the message, a still frame; then back on its own."""
    _wait_text(first, r"(stopped|refused the connection).*Reconnecting in \d+ s", 20)
    harness.wait_until(
        lambda: _skeleton_pixels(frame) < SKELETON / 4, 10, interval=0.2,
        what="the still frame while the camera is away",
    )  # fmt: skip
    time.sleep(2)
    camera.start()
    _wait_text(first, r"Live · .*back after 1 loss", 40)
    harness.wait_until(
        lambda: _skeleton_pixels(frame) >= SKELETON, 30, interval=0.1,
        what="skeletons after the camera came back",
    )  # fmt: skip


@pytest.mark.parametrize(
    "make_address, message",
    [
        (lambda c: c.url.replace(PASSWORD, "guess"), r"refused the user name or password"),
        (lambda c: c.url.replace("/people", "/nothing"), r"serves nothing at this path \(404\)"),
        (lambda c: f"rtsp://127.0.0.1:{harness.free_port()}/people",
         r"refused the connection.*Reconnecting in"),
        (lambda c: "file:///etc/passwd", r"file:// addresses are not opened here"),
    ],
    ids=["wrong-password", "wrong-path", "nothing-listening", "local-file"],
)  # fmt: skip
def test_wrong_addresses_get_their_messages(browser, app_server, camera, make_address, message):
    with harness.page_in(harness.new_context(browser)) as page:
        _open(page, app_server)
        _enter(page, make_address(camera))
        if "file://" not in message:
            harness.start_webcam(page, timeout=60)
        _wait_text(page, message, 30)
        assert "guess" not in _main_text(page)
        harness.assert_no_traceback(page, app_server)
        if "file://" not in message:
            harness.stop_webcam(page)
