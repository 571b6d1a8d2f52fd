"""Two replicas behind a real HAProxy, WebRTC through a real coturn, in real Chromium.

The cluster is what ``scripts/run_cluster.sh`` starts (``deploy.cluster``), with the
browsers' media forced through the TURN relay (``iceTransportPolicy: "relay"``): a
stream that plays at all has gone through coturn.

- Sticky sessions: two browser sessions land on different replicas and each stays on its
  own through reruns, an upload, a download and a live stream; nothing crosses.
- TURN: the relayed stream carries the skeleton, at a rate compared with a direct one.
- Failure: one replica killed mid-stream; the other user's stream goes on, the affected
  user sees Streamlit's connection message and, on reload, gets the surviving replica;
  HAProxy marks the dead one down, and up again once it is back.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deploy import cluster as deploy
from testkit.browser import harness
from testkit.browser.harness import AppServer
from testkit.fixtures import FIXTURES

pytestmark = pytest.mark.browser


class ClusterServer:
    """The cluster seen through HAProxy, shaped like :class:`harness.AppServer`."""

    def __init__(self, running: deploy.Cluster) -> None:
        self.cluster = running
        self.url = running.url

    def page_url(self, path: str = "") -> str:
        return f"{self.url}/{path}"

    def log_text(self) -> str:
        return "\n".join(self.cluster.log_text(r.name) for r in self.cluster.replicas)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterServer]:
    for program in ("haproxy", "turnserver"):
        try:
            deploy.require(program)
        except FileNotFoundError as exc:
            pytest.fail(str(exc))
    options = deploy.ClusterOptions(
        replicas=2,
        port=deploy.free_port(),
        turn_port=deploy.free_port(kind=socket.SOCK_DGRAM),
        relay_only=True,
    )
    with deploy.running(options, tmp_path_factory.mktemp("cluster")) as running:
        yield ClusterServer(running)


def _replica_of(page: Any) -> str:
    """The replica named in the Home page's limits table."""
    harness.main_area(page).get_by_text("Limits on this server").click()
    row = page.locator("tr", has_text="Served by replica")
    row.wait_for()
    return row.locator("td").first.inner_text().strip()


def _cookie(page: Any) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get("POSESCOPE_REPLICA", "")


def _processed_fps(page: Any, seconds: float = 6.0) -> float:
    """Frames the server processed per second, from the Live readout's counter."""
    start, t0 = harness.frames_shown(page), time.monotonic()
    time.sleep(seconds)
    return (harness.frames_shown(page) - start) / (time.monotonic() - t0)


def test_sessions_stick_to_their_replica_and_stream_through_turn(
    browser, cluster: ClusterServer, app_server: AppServer
) -> None:
    # The direct rate first, on the plain server (no TURN), for the comparison below.
    direct_context = harness.new_context(browser)
    try:
        direct = direct_context.new_page()
        harness.open_page(direct, app_server, "webcam?model=Lite")
        harness.start_webcam(direct)
        harness.wait_frames(direct, 30)
        direct_fps = _processed_fps(direct)
        harness.stop_webcam(direct)
    finally:
        direct_context.close()

    contexts = [harness.new_context(browser) for _ in range(2)]
    try:
        a, b = (context.new_page() for context in contexts)
        for page in (a, b):
            page.set_default_timeout(30_000)
        harness.open_page(a, cluster, "")
        harness.open_page(b, cluster, "")
        replica_a, replica_b = _replica_of(a), _replica_of(b)
        # leastconn: A's open WebSocket sends B's session to the other replica.
        assert {replica_a, replica_b} == {"r1", "r2"}, (replica_a, replica_b)
        assert (_cookie(a), _cookie(b)) == (replica_a, replica_b)

        # ---- an upload and a download (media served by A's replica) ----
        harness.open_page(a, cluster, "image?model=Lite&poses=1")
        harness.open_page(b, cluster, "image?model=Lite&poses=3")
        harness.main_area(a).locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            [{"name": "messi5.jpg", "mimeType": "image/jpeg",
              "buffer": (FIXTURES / "messi5.jpg").read_bytes()}]
        )  # fmt: skip
        harness.main_area(a).get_by_text("Person 1 — ").first.wait_for()
        with a.expect_download() as download:
            harness.main_area(a).get_by_role("button", name="Landmarks JSON").first.click()
        record = json.loads(Path(download.value.path()).read_text())
        assert (record["width"], record["height"], len(record["poses"])) == (548, 342, 1)
        harness.wait_idle(b)
        assert "messi5" not in b.locator("body").inner_text()
        assert b.locator("[data-testid='stFileChip']").count() == 0

        # ---- both stream, media relayed by coturn ----
        harness.go(a, "Webcam", "Webcam")
        harness.go(b, "Webcam", "Webcam")
        assert "TURN relay only" in a.locator("body").inner_text()
        a_video = harness.start_webcam(a)
        harness.wait_frames(a, 30)
        relay_fps = _processed_fps(a)
        print(f"\nprocessed fps, one stream: direct {direct_fps:.1f}, through TURN {relay_fps:.1f}")
        harness.wait_for_skeleton(a_video, present=True, timeout=15)
        # The relay costs a hop on loopback, not the detector's time; both figures are
        # printed (and in the README), the bound only says the relayed stream is live.
        assert relay_fps >= 5, (relay_fps, direct_fps)
        b_video = harness.start_webcam(b)
        harness.wait_frames(b, 10)
        harness.wait_for_skeleton(b_video, present=True, timeout=15)
        # Each replica counts its own stream only: the slots are per replica.
        for page in (a, b):
            harness.wait_until(
                lambda page=page: harness.live_streams(page) == (1, 2), 10, what="1 of 2 streams"
            )
        turn_log = cluster.cluster.log_text("turnserver")
        assert re.search(r"ALLOCATE processed, success", turn_log), turn_log[-2000:]
        # Through all of it, each session stayed on its replica.
        assert (_cookie(a), _cookie(b)) == (replica_a, replica_b)

        # ---- A's replica dies mid-stream ----
        assert cluster.cluster.server_states() == {"r1": "UP", "r2": "UP"}
        cluster.cluster.kill_replica(replica_a)
        b_before = harness.frames_shown(b)
        harness.wait_until(
            lambda: cluster.cluster.server_states()[replica_a] == "DOWN", 10, what="marked down"
        )
        # B carries on untouched.
        harness.wait_until(
            lambda: harness.frames_shown(b) > b_before + 30, 15, what="B's stream to go on"
        )
        harness.wait_for_skeleton(b_video, present=True, timeout=10)
        # A is told the connection is gone, and a reload lands on the survivor.
        a.get_by_text(
            re.compile("Connection error|Is Streamlit still running", re.I)
        ).first.wait_for(timeout=30_000)
        harness.open_page(a, cluster, "")
        assert _replica_of(a) == replica_b
        assert _cookie(a) == replica_b
        harness.go(a, "Webcam", "Webcam")
        harness.start_webcam(a)
        harness.wait_frames(a, 10)
        harness.wait_until(  # both streams now on the survivor
            lambda: harness.live_streams(a) == (2, 2), 10, what="2 of 2 streams"
        )

        # The dead replica comes back: HAProxy takes it into service again.
        cluster.cluster.restart_replica(replica_a)
        harness.wait_until(
            lambda: cluster.cluster.server_states()[replica_a] == "UP", 15, what="back up"
        )
        for page in (a, b):
            harness.stop_webcam(page)
        assert "Traceback" not in cluster.log_text()
    finally:
        for context in contexts:
            context.close()
