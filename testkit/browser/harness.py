"""One implementation of the browser harness, shared by the browser tests and the webcam
benchmark: the app server, Debian's Chromium with a fake camera, and helpers that drive
and measure the webcam page.

Everything runs on loopback. Chromium is Debian's (``/usr/bin/chromium``), driven by
Playwright's Python client: Playwright's own browser download is never used.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from testkit.browser import y4m

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("POSESCOPE_CHROMIUM", "/usr/bin/chromium")
# Screenshots for the README land here (a real run's output).
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    # Headless tabs in the background must not be throttled: several bench sessions
    # stream at once.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]

# The streamlit-webrtc component's iframe (its title is the component's name).
WEBRTC_IFRAME = "iframe[title*='streamlit_webrtc']"

# Where the two people stand in the fake camera's clip (x0, y0, x1, y1 in the 640x480
# frame, with a margin; the returned video matches with the Webcam page's mirror off,
# ``mirror=false`` in the address): the man catching the ball on the left, the man in the patterned
# shirt on the right. Between them is a bare wall.
PERSON_BOXES = ((10, 50, 215, 480), (410, 0, 640, 480))
# A returned frame "shows the skeleton" with at least this many skeleton-coloured pixels
# (a drawn person at 640x480 has thousands), and "shows none" with at most a handful.
SKELETON_PIXELS = 1000
NO_SKELETON_PIXELS = 30
# The sidebar's confidence sliders that apply to the default person detector
# (MediaPipe's), by label (the whole-body detectors' one is disabled then).
# The three that apply under the default person detector (MoveNet).
CONFIDENCE_SLIDERS = (
    "Min. person confidence",
    "Min. pose presence confidence",
    "Min. tracking confidence",
)


# ---- the app server -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(
    url: str, proc: subprocess.Popen[bytes], timeout: float = 60, ca_file: Path | None = None
) -> None:
    """Wait for Streamlit's health check; over HTTPS, trusting only ``ca_file`` (the
    certificate LAN mode makes, which it writes before Streamlit starts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        context = None
        if ca_file is not None:
            if not ca_file.exists():
                time.sleep(0.2)
                continue
            context = ssl.create_default_context(cafile=str(ca_file))
        try:
            health = f"{url}/_stcore/health"
            with urllib.request.urlopen(health, timeout=2, context=context) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"streamlit did not become healthy at {url}")


class AppServer:
    """A running ``streamlit run streamlit_app.py`` and its combined stdout/stderr log."""

    def __init__(self, url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.url, self.proc, self.log = url, proc, log

    def page_url(self, path: str = "") -> str:
        return f"{self.url}/{path}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def app_server(log: Path, env: dict[str, str] | None = None) -> Iterator[AppServer]:
    """`streamlit run streamlit_app.py` as the README starts it, on a free local port."""
    port = free_port()
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("POSESCOPE_ICE_SERVERS", None)  # loopback only: no STUN/TURN
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
                "--server.headless", "true",
                "--server.port", str(port),
                "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT, env=full_env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield AppServer(url, proc, log)
    finally:
        _stop(proc)


@contextlib.contextmanager
def lan_server(log: Path, config_dir: Path) -> Iterator[AppServer]:
    """``bash scripts/run_app.sh --lan`` as the README starts it, on a free port, with its
    certificate folder in ``config_dir``. Opened at https://127.0.0.1 (the certificate
    names it too): tests never send traffic to the LAN addresses themselves."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "POSESCOPE_CONFIG_DIR": str(config_dir)}
    env.pop("POSESCOPE_ICE_SERVERS", None)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            ["bash", "scripts/run_app.sh", "--lan", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"https://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout=120, ca_file=config_dir / "tls" / "lan-cert.pem")
        yield AppServer(url, proc, log)
    finally:
        _stop(proc)


def _proc_status(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def server_threads(server: AppServer) -> int:
    """Threads of the app server process now (``Threads:`` in /proc/<pid>/status)."""
    return int(_proc_status(server.proc.pid)["Threads"])


def server_rss_mb(server: AppServer) -> float:
    """The app server's resident memory now, in MiB (``VmRSS:``)."""
    return int(_proc_status(server.proc.pid)["VmRSS"].split()[0]) / 1024


# ---- the browser --------------------------------------------------------------------


def chromium_args(camera_clip: Path, *, allow_camera: bool = True) -> list[str]:
    """Chromium's flags: the fake camera playing ``camera_clip`` (a y4m file) in a loop.

    ``allow_camera=False``: no fake permission prompt that says yes, so the camera is
    refused as when a person taps "Block" (headless Chromium denies what it would ask).
    """
    flags = [a for a in CHROMIUM_ARGS if allow_camera or a != "--use-fake-ui-for-media-stream"]
    return [*flags, f"--use-file-for-fake-video-capture={camera_clip}"]


@contextlib.contextmanager
def chromium(camera_clip: Path) -> Iterator[Any]:
    """Headless Debian Chromium whose camera plays ``camera_clip`` (a y4m file) in a loop."""
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(
            f"{CHROMIUM} not found: scripts/run_tests.sh installs Debian's chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh, empty profile (--user-data-dir) itself.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=chromium_args(camera_clip)
        )
        DEVICES.update(playwright.devices)
        try:
            yield browser
        finally:
            browser.close()


# Playwright's device descriptors (viewport, touch, mobile, user agent), filled in by
# :func:`chromium`.
DEVICES: dict[str, dict[str, Any]] = {}


@contextlib.contextmanager
def page_in(context: Any) -> Iterator[Any]:
    """A page of ``context`` with the tests' 30 s timeout; the context is closed after."""
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def new_context(browser: Any) -> Any:
    """A fresh browser session (own cookies, own Streamlit session) allowed the camera."""
    return browser.new_context(viewport=VIEWPORT, permissions=["camera"], device_scale_factor=1)


# ---- Streamlit pages ------------------------------------------------------------------


def open_page(page: Any, server: AppServer, path: str = "", timeout: float = 30) -> None:
    """Go to a page and wait until the app has drawn its title."""
    page.goto(server.page_url(path))
    page.locator("h1").first.wait_for(timeout=timeout * 1000)


def wait_idle(page: Any, timeout: float = 30) -> None:
    """Wait until no script run is in progress (Streamlit's status widget is idle)."""
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget'] "
        "[data-testid='stStatusWidgetRunningIcon']\")",
        timeout=timeout * 1000,
    )


def main_area(page: Any) -> Any:
    """The page's main area (everything but the sidebar and the top navigation)."""
    return page.locator("[data-testid='stMain']")


def go(page: Any, link: str, heading: str) -> None:
    """Switch page with the top navigation: same browser session, state kept."""
    page.locator("[data-testid='stTopNavLink']", has_text=link).click()
    page.locator("h1", has_text=heading).wait_for()


def assert_no_traceback(page: Any, server: AppServer) -> None:
    """Neither the page nor the server log shows a Python traceback or an exception box."""
    text = page.locator("body").inner_text()
    assert "Traceback" not in text, text[-3000:]
    assert page.locator("[data-testid='stException']").count() == 0, text[-3000:]
    log = server.log_text()
    assert "Traceback" not in log, log[-5000:]


def metric_value(page: Any, label: str) -> str:
    """The value of the ``st.metric`` labelled ``label`` (the first one)."""
    metric = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=re.compile(f"^{label}$"))
    )
    return metric.first.locator("[data-testid='stMetricValue']").inner_text().strip()


def live_readout(page: Any) -> dict[str, str]:
    """The webcam page's Live readout: metric label -> shown value."""
    values = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("[data-testid='stMetric']")]
            .map(m => [m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim(),
                       m.querySelector("[data-testid='stMetricValue']")?.innerText.trim()]))"""
    )
    return {k: v for k, v in values.items() if k}


def frames_shown(page: Any) -> int:
    """The Live readout's "Frames" counter (frames the server has processed; 0 while
    the readout does not show it yet, as on the Network stream page before its pull)."""
    return int(live_readout(page).get("Frames", "0").replace(",", ""))


_LIVE_STREAMS = re.compile(r"Live streams on this server: (\d+) of (\d+)")


def live_streams(page: Any) -> tuple[int, int] | None:
    """The Webcam page's "Live streams on this server: K of N" caption as (K, N), or
    None while the page does not show it."""
    captions = page.locator("[data-testid='stCaptionContainer']").all_inner_texts()
    for text in captions:
        found = _LIVE_STREAMS.search(text)
        if found:
            return int(found.group(1)), int(found.group(2))
    return None


def wait_until(
    condition: Any, timeout: float, interval: float = 0.1, what: str = "", state: Any = None
) -> Any:
    """Poll ``condition()`` until it returns something truthy; returns that value.

    On a timeout, the error names ``what`` and, if given, the result of ``state()``.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = f"; state: {state()}" if state is not None else ""
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}{seen}")
        time.sleep(interval)


def webcam_state(page: Any) -> str:
    """The Webcam page's readout, captions and component buttons, for error messages."""
    try:
        buttons = webrtc_frame(page, timeout=2).locator("button").all_inner_texts()
        captions = page.locator("[data-testid='stCaptionContainer']").all_inner_texts()
        return f"readout {live_readout(page)}, captions {captions}, component {buttons}"
    except Exception as exc:  # a diagnostic must not hide the real failure
        return f"unavailable ({exc})"


def wait_frames(page: Any, count: int, timeout: float = 45) -> None:
    """Wait until the Live readout's "Frames" counter reaches ``count``."""
    wait_until(
        lambda: frames_shown(page) >= count,
        timeout,
        what=f"{count} processed frames",
        state=lambda: webcam_state(page),
    )


def wait_streams(page: Any, streams: int, timeout: float = 15) -> tuple[int, int]:
    """Wait until the (refreshing) Live readout says ``streams`` live streams; returns
    the shown (K, N)."""
    return wait_until(
        lambda: (shown := live_streams(page)) and shown[0] == streams and shown,
        timeout,
        what=f'"Live streams on this server: {streams} of N"',
        state=lambda: webcam_state(page),
    )


def set_slider(page: Any, label: str, key: str) -> str:
    """Move the slider labelled ``label`` with the keyboard (``key``: End, Home,
    ArrowUp...) and wait until it shows a new value; returns that value."""
    # A react-aria slider: a visually hidden <input type=range> labelled by the widget.
    slider = page.locator(f"input[type=range][aria-label='{label}']")
    before = slider.get_attribute("aria-valuetext")
    slider.focus()
    slider.press(key)
    page.wait_for_function(
        "([label, before]) => { const s = [...document.querySelectorAll('input[type=range]')]"
        ".find(e => e.getAttribute('aria-label') === label);"
        " return s && s.getAttribute('aria-valuetext') !== before; }",
        arg=[label, before],
    )
    return slider.get_attribute("aria-valuetext")


def save_screenshot(page: Any, path: Path, bottom: Any = None, margin: int = 40) -> Path:
    """Save the whole page (the viewport is grown to the content's height for the shot),
    down to ``margin`` pixels below the locator ``bottom`` when given; 1440 wide."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] - 5)  # no hover effects
    height = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])})
    try:
        # Let images and charts settle in the new viewport.
        page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=10_000)
        page.wait_for_timeout(300)
        end = height
        if bottom is not None:
            box = bottom.bounding_box()
            end = min(height, int(box["y"] + box["height"]) + margin)
        page.screenshot(
            path=str(path), clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": end}
        )
    finally:
        page.set_viewport_size(VIEWPORT)
    return path


# ---- the webcam page ------------------------------------------------------------------


def webrtc_frame(page: Any, timeout: float = 30) -> Any:
    """The streamlit-webrtc component's frame (Playwright ``Frame``), once loaded."""
    handle = page.locator(WEBRTC_IFRAME).element_handle(timeout=timeout * 1000)
    frame = handle.content_frame()
    frame.wait_for_load_state()
    return frame


_VIDEO_PLAYING = """() => {
    const v = document.querySelector('video');
    return !!v && !v.paused && v.readyState >= 2 && v.videoWidth > 0 && v.currentTime > 0;
}"""


def start_webcam(page: Any, timeout: float = 45) -> Any:
    """Press the component's START and wait until the returned video plays.

    Returns the component's frame (where the ``<video>`` is).
    """
    frame = webrtc_frame(page)
    frame.get_by_role("button", name=re.compile("^start$", re.I)).click(timeout=timeout * 1000)
    frame.wait_for_function(_VIDEO_PLAYING, timeout=timeout * 1000)
    return frame


def stop_webcam(page: Any, timeout: float = 30) -> None:
    """Press the component's STOP and wait until its START button is back."""
    frame = webrtc_frame(page)
    frame.get_by_role("button", name=re.compile("^stop$", re.I)).click(timeout=timeout * 1000)
    frame.get_by_role("button", name=re.compile("^start$", re.I)).wait_for(timeout=timeout * 1000)


# Counts the returned video's frames with requestVideoFrameCallback over a window.
_COUNT_FRAMES = """async (seconds) => {
    const video = document.querySelector('video');
    let callbacks = 0, presented0 = null, presented1 = null, t0 = null, t1 = null;
    return await new Promise(resolve => {
        const end = performance.now() + seconds * 1000;
        const onFrame = (now, meta) => {
            if (presented0 === null) { presented0 = meta.presentedFrames; t0 = now; }
            presented1 = meta.presentedFrames; t1 = now;
            callbacks += 1;
            if (now < end) video.requestVideoFrameCallback(onFrame);
            else resolve({callbacks, presented: presented1 - presented0,
                          elapsed: (t1 - t0) / 1000, width: video.videoWidth,
                          height: video.videoHeight});
        };
        video.requestVideoFrameCallback(onFrame);
    });
}"""


@dataclasses.dataclass(frozen=True)
class FrameCount:
    """What the browser saw of the returned video over a window.

    Attributes:
        callbacks: requestVideoFrameCallback calls (frames the page got to look at).
        presented: Frames the compositor presented (rVFC's presentedFrames delta): every
            returned frame, newly processed or re-sent.
        elapsed: Seconds between the first and the last callback.
        width, height: The returned video's size.
    """

    callbacks: int
    presented: int
    elapsed: float
    width: int
    height: int

    @property
    def returned_fps(self) -> float:
        return self.presented / self.elapsed if self.elapsed else 0.0


def count_frames(frame: Any, seconds: float) -> FrameCount:
    """Watch the returned video for ``seconds``; see :class:`FrameCount`."""
    return FrameCount(**frame.evaluate(_COUNT_FRAMES, seconds))


# The round-trip probe, for a camera clip with frame codes (y4m.stamp_frame_code).
# In the component's frame it reads every decoded frame of two video tracks with
# MediaStreamTrackProcessor, taking the frame number from the code squares (luma):
# - the camera, opened a second time (Chromium shares one capture between both): when
#   camera frame k was captured;
# - the returned video (a clone of the <video>'s track): every frame the browser
#   decoded. A number unlike the previous frame's is a newly processed frame; a frame
#   streamlit-webrtc re-sent while the next was still being processed repeats the old
#   number. The time from camera frame k to its processed version is its round trip.
# It also counts the returned frames the <video> presented (requestVideoFrameCallback).
# Results land in window.__roundTrip when the window ends.
_ROUND_TRIP = """([seconds, layout]) => {
    const [X, Y, B, SQUARES, FRAMES] = layout;
    const readCode = async (frame, buffer) => {
        const scale = frame.visibleRect.width / 640;
        const even = v => 2 * Math.round(v / 2);
        const rect = {x: even(X * scale), y: even(Y * scale),
                      width: even(B * SQUARES * scale), height: even(B * scale)};
        const planes = await frame.copyTo(buffer, {rect});
        const {offset, stride} = planes[0];  // luma, for I420 and NV12 alike
        const row = offset + Math.floor(rect.height / 2) * stride;
        let value = 0, ones = 0;
        for (let n = 0; n < SQUARES; n++) {
            const centre = Math.floor((n + 0.5) * B * scale);
            const luma = (buffer[row + centre - 1] + buffer[row + centre]
                          + buffer[row + centre + 1]) / 3;
            if (luma > 128) { ones += 1; if (n < SQUARES - 1) value |= 1 << n; }
        }
        return ones % 2 === 0 && value < FRAMES ? value : -1;
    };
    const readTrack = async (track, onFrame, until) => {
        const reader = new MediaStreamTrackProcessor({track}).readable.getReader();
        const buffer = new Uint8Array(640 * 480 * 4);
        while (!until()) {
            const {value: frame, done} = await reader.read();
            if (done) break;
            const now = performance.now();
            try { onFrame(await readCode(frame, buffer), now); } finally { frame.close(); }
        }
        await reader.cancel();
        track.stop();
    };
    window.__roundTrip = null;
    const run = async () => {
        const video = document.querySelector('video');
        const camera = (await navigator.mediaDevices.getUserMedia(
            {video: {width: 640, height: 480, frameRate: 30}, audio: false}
        )).getVideoTracks()[0];
        const returned = video.srcObject.getVideoTracks()[0].clone();
        const captured = new Map();  // camera frame number -> when it was captured
        const latencies = [];
        let cameraFrames = 0, cameraBad = 0, decoded = 0, distinct = 0, bad = 0;
        let last = null, presented = null, presented0 = null, stopped = false;
        const cameraDone = readTrack(camera, (k, now) => {
            cameraFrames += 1;
            if (k < 0) cameraBad += 1; else captured.set(k, now);
        }, () => stopped);
        const onPresented = (now, meta) => {
            if (presented0 === null) presented0 = meta.presentedFrames;
            presented = meta.presentedFrames;
            if (!stopped) video.requestVideoFrameCallback(onPresented);
        };
        video.requestVideoFrameCallback(onPresented);
        const start = performance.now(), end = start + seconds * 1000;
        await readTrack(returned, (k, now) => {
            decoded += 1;
            if (k < 0) { bad += 1; return; }
            if (k === last) return;
            distinct += 1; last = k;
            const at = captured.get(k);
            if (at !== undefined && now >= at && now - at < 3000) latencies.push(now - at);
        }, () => performance.now() >= end);
        stopped = true;
        const elapsed = (performance.now() - start) / 1000;
        await cameraDone;
        window.__roundTrip = {elapsed, decoded, distinct, bad, cameraFrames, cameraBad,
                              presented: presented - presented0, latencies,
                              width: video.videoWidth, height: video.videoHeight};
    };
    run().catch(e => { window.__roundTrip = {error: String(e)}; });
}"""


@dataclasses.dataclass(frozen=True)
class RoundTrip:
    """The round-trip probe's findings over one window (see ``_ROUND_TRIP``).

    Attributes:
        elapsed: Length of the window, seconds.
        decoded: Returned frames the browser decoded (newly processed or re-sent).
        distinct: Decoded returned frames with a new frame number: the processed frames
            that came back.
        bad: Returned frames whose code did not read (parity or range).
        camera_frames: Frames the camera captured in the window.
        camera_bad: Camera frames whose code did not read.
        presented: Returned frames the ``<video>`` presented.
        latencies: Per processed frame, ms from the camera frame's capture to the
            decoding of its processed version, as seen by the page.
        width, height: The returned video's size.
    """

    elapsed: float
    decoded: int
    distinct: int
    bad: int
    camera_frames: int
    camera_bad: int
    presented: int
    latencies: list[float]
    width: int
    height: int

    @property
    def returned_fps(self) -> float:
        return self.decoded / self.elapsed if self.elapsed else 0.0

    @property
    def processed_fps(self) -> float:
        return self.distinct / self.elapsed if self.elapsed else 0.0

    @property
    def camera_fps(self) -> float:
        return self.camera_frames / self.elapsed if self.elapsed else 0.0

    @property
    def presented_fps(self) -> float:
        return self.presented / self.elapsed if self.elapsed else 0.0


def start_round_trip(frame: Any, seconds: float) -> None:
    """Start the round-trip probe in the component's frame; it runs in the background."""
    layout = [y4m.CODE_X, y4m.CODE_Y, y4m.CODE_BLOCK, y4m.CODE_SQUARES, y4m.CLIP_FRAMES]
    frame.evaluate(_ROUND_TRIP, [seconds, layout])


def round_trip_result(frame: Any, timeout: float = 60) -> RoundTrip:
    """Wait for the probe started by :func:`start_round_trip` and return its findings."""
    frame.wait_for_function("() => window.__roundTrip !== null", timeout=timeout * 1000)
    data = frame.evaluate("() => window.__roundTrip")
    if "error" in data:
        raise RuntimeError(f"round-trip probe failed: {data['error']}")
    data["camera_frames"] = data.pop("cameraFrames")
    data["camera_bad"] = data.pop("cameraBad")
    return RoundTrip(**data)


_GRAB = """() => {
    const v = document.querySelector('video');
    const c = document.createElement('canvas');
    c.width = v.videoWidth; c.height = v.videoHeight;
    c.getContext('2d').drawImage(v, 0, 0);
    return c.toDataURL('image/png');
}"""


def grab_frame(frame: Any) -> np.ndarray:
    """The returned video's current frame as H x W x 3 uint8 RGB (drawn into a canvas)."""
    url = frame.evaluate(_GRAB)
    png = base64.b64decode(url.split(",", 1)[1])
    bgr = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert bgr is not None
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def skeleton_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels in the skeleton's colours: saturated orange or blue (H x W bool).

    The camera clip is greyscale, so such pixels were drawn by the app. The hue bands
    take in the single-person colours (orange left, blue right) and the per-person hues
    used when several people are found (amber and sky blue, and their light shades).
    """
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL)  # hue 0-255 over the full circle
    hue = hsv[..., 0].astype(np.int32) * 360 // 256
    rgb_i = rgb.astype(np.int32)
    chroma = rgb_i.max(axis=2) - rgb_i.min(axis=2)
    orange = (hue >= 20) & (hue <= 50)
    blue = (hue >= 185) & (hue <= 215)
    return (chroma >= 60) & (orange | blue)


def skeleton_pixels_by_region(rgb: np.ndarray) -> dict[str, int]:
    """Skeleton-coloured pixel counts: in each person's box, outside them, in total."""
    mask = skeleton_mask(rgb)
    scale_x, scale_y = rgb.shape[1] / 640, rgb.shape[0] / 480
    inside = np.zeros_like(mask)
    counts = {}
    for n, (x0, y0, x1, y1) in enumerate(PERSON_BOXES):
        box = (
            slice(int(y0 * scale_y), int(y1 * scale_y)),
            slice(int(x0 * scale_x), int(x1 * scale_x)),
        )
        counts[f"person{n + 1}"] = int(mask[box].sum())
        inside[box] = True
    counts["outside"] = int((mask & ~inside).sum())
    counts["total"] = int(mask.sum())
    return counts


def wait_for_skeleton(frame: Any, present: bool, timeout: float) -> dict[str, int]:
    """Grab returned frames until one shows (``present``) or no longer shows the skeleton
    (see :data:`SKELETON_PIXELS`); returns that frame's :func:`skeleton_pixels_by_region`."""

    def check() -> dict[str, int] | None:
        counts = skeleton_pixels_by_region(grab_frame(frame))
        total = counts["total"]
        ok = total >= SKELETON_PIXELS if present else total <= NO_SKELETON_PIXELS
        return counts if ok else None

    what = "the skeleton" if present else "the skeleton to vanish"
    return wait_until(check, timeout, interval=0.05, what=what)
