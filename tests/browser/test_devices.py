"""Demo anywhere: the app in LAN mode (``run_app.sh --lan``, HTTPS with the certificate it
makes) driven by Chromium with the fake camera, as phones, tablets and a projector see it.

Chromium opens https://127.0.0.1 (the certificate names it, and Chromium is told to
ignore that it is self-signed, as a person taps "Proceed" on a phone): the tests never
send anything to the machine's LAN addresses, they only check that the server listens
on them and that the certificate and the QR code name them.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from cryptography import x509

from deploy import lan
from testkit.browser import harness
from testkit.browser.harness import AppServer
from testkit.browser.y4m import basketball_frames

pytestmark = pytest.mark.browser

PAGES = ("", "image", "webcam", "video", "3d", "tuning")
# The iPhone 13's screen (Playwright's descriptor has the viewport below Safari's bars,
# 390x664) and a small tablet; both with touch and a mobile viewport.
PHONE = "iPhone 13"
TABLET = "iPad Mini"
SIZES = {PHONE: {"width": 390, "height": 844}, TABLET: {"width": 768, "height": 1024}}


@pytest.fixture(scope="module")
def lan_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    folder = tmp_path_factory.mktemp("lan")
    with harness.lan_server(folder / "streamlit.log", folder / "config") as server:
        yield server


def _port(server: AppServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _context(browser: Any, device: str | None = None, camera: bool = True, **extra: Any) -> Any:
    options: dict[str, Any] = {"viewport": harness.VIEWPORT, "device_scale_factor": 1}
    if device is not None:
        options = {**harness.DEVICES[device], "viewport": SIZES[device], "device_scale_factor": 2}
        options.pop("default_browser_type", None)
    options.update(extra)
    return browser.new_context(
        ignore_https_errors=True, permissions=["camera"] if camera else [], **options
    )


@pytest.fixture
def phone(browser: Any, lan_app: AppServer) -> Iterator[Any]:
    with harness.page_in(_context(browser, PHONE)) as page:
        yield page


@pytest.fixture
def desktop(browser: Any, lan_app: AppServer) -> Iterator[Any]:
    with harness.page_in(_context(browser)) as page:
        yield page


# ---- LAN mode, the certificate, the QR code --------------------------------------------


def test_lan_mode_listens_on_every_interface_with_a_certificate_for_the_lan_addresses(
    lan_app: AppServer,
) -> None:
    port = _port(lan_app)
    assert lan_app.url.startswith("https://")
    listening = _listening(port)
    assert "00000000" in listening, listening  # 0.0.0.0: every IPv4 interface

    pem = ssl.get_server_certificate(("127.0.0.1", port))
    cert = x509.load_pem_x509_certificate(pem.encode())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    names = set(san.get_values_for_type(x509.DNSName))
    assert set(lan.lan_addresses()) | {"127.0.0.1"} <= ips, ips
    assert set(lan.host_names()) | {"localhost"} <= names, names
    # The key stays in the per-user folder, readable by its owner only.
    key_file = Path(lan_app.log).parent / "config" / "tls" / "lan-key.pem"
    assert key_file.stat().st_mode & 0o077 == 0
    assert harness.ROOT not in key_file.parents


def _listening(port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


def test_home_shows_the_address_and_a_qr_code_that_decodes_to_it(phone, lan_app) -> None:
    import zxingcpp

    harness.open_page(phone, lan_app)
    panel = phone.locator(".st-key-join_panel")
    panel.wait_for()
    shown = panel.locator("[data-testid='stCode'] code").first.inner_text().strip()
    expected = [f"https://{ip}:{_port(lan_app)}" for ip in lan.lan_addresses()]
    assert expected, "this machine has no LAN address to serve on"
    assert shown == expected[0]

    image = panel.locator("img").first
    image.scroll_into_view_if_needed()
    png = image.screenshot()
    pixels = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    decoded = [b.text for b in zxingcpp.read_barcodes(pixels)]
    assert decoded == [shown], decoded
    harness.assert_no_traceback(phone, lan_app)


# ---- phones and tablets ----------------------------------------------------------------

# Elements that stick out to the right of the viewport and are not inside a box that
# scrolls or clips them (a table, a chart, the code block), i.e. what makes the page
# itself scroll sideways.
_OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const clipped = (element) => {
        for (let e = element.parentElement; e && e !== document.body; e = e.parentElement) {
            const overflow = getComputedStyle(e).overflowX;
            if (overflow !== 'visible' && e.getBoundingClientRect().right <= width + 1) {
                return true;
            }
        }
        return false;
    };
    const out = [];
    for (const element of document.querySelectorAll('body *')) {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || box.right <= width + 1) continue;
        if (getComputedStyle(element).visibility === 'hidden' || clipped(element)) continue;
        out.push(`${element.tagName}.${element.className}`.slice(0, 80)
                 + ` right=${Math.round(box.right)}`);
    }
    const main = document.querySelector("[data-testid='stMain']");
    return {out: out.slice(0, 10), width,
            page: document.documentElement.scrollWidth,
            main: main ? main.scrollWidth - main.clientWidth : 0};
}"""


def _assert_fits(page: Any, where: str) -> None:
    found = page.evaluate(_OVERFLOW)
    assert found["page"] <= found["width"] + 1, (where, found)
    assert found["main"] <= 1, (where, found)
    assert not found["out"], (where, found)


def _device_start(page: Any) -> Any:
    """The on-device component's Start button (its frame has the component's name)."""
    return page.frame_locator("iframe[title='ui.ondevice.component.ondevice']").get_by_role(
        "button", name="Start"
    )


# What must be on screen and answer a tap on each page (a locator, from the page).
KEY_CONTROLS = {
    "": lambda p: [p.get_by_role("button", name="Detect poses").first],
    "image": lambda p: [p.locator("[data-testid='stFileUploaderDropzone'] button").first],
    # A phone or tablet in LAN mode opens the Webcam page on "Run on: This device": the
    # component's own Start button (inside its frame), not the WebRTC one.
    "webcam": lambda p: [
        _device_start(p),
        p.get_by_role("radio", name="This device", checked=True),
        p.get_by_role("radio", name="Rear"),
        p.get_by_role("button", name="Presenter view"),
    ],
    "video": lambda p: [p.get_by_role("button", name="Analyse the sample clip")],
    "3d": lambda p: [p.locator("[data-testid='stMain'] [data-testid='stPageLink'] a").first],
    "tuning": lambda p: [p.locator("[data-testid='stMain'] [data-testid='stCheckbox']").first],
}


@pytest.mark.parametrize("device", [PHONE, TABLET])
def test_every_page_fits_phones_and_tablets(browser, lan_app, device) -> None:
    context = _context(browser, device)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        for path in PAGES:
            harness.open_page(page, lan_app, path)
            harness.wait_idle(page)
            page.wait_for_timeout(300)  # layout after the last element arrived
            _assert_fits(page, f"{device} /{path}")
            for control in KEY_CONTROLS[path](page):
                control.scroll_into_view_if_needed()
                # Playwright's actionability checks: visible, stable, enabled and the
                # topmost element at its centre (a tap would reach it).
                control.click(trial=True, timeout=10_000)
                box = control.bounding_box()
                assert box is not None and box["x"] >= 0, (path, box)
                assert box["x"] + box["width"] <= SIZES[device]["width"] + 1, (path, box)
        # The navigation reaches every page from a phone too (the sidebar's menu).
        harness.open_page(page, lan_app)
        # A result with its landmark table and the 3D view: still no sideways scrolling.
        page.get_by_role("button", name="Detect poses").first.click()
        page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
        page.get_by_role("tab", name=re.compile("3D pose")).first.click()
        page.locator("[data-testid='stPlotlyChart']:visible").first.wait_for(timeout=60_000)
        harness.wait_idle(page, timeout=60)
        page.wait_for_timeout(500)
        _assert_fits(page, f"{device} home result")
        chart = page.locator("[data-testid='stPlotlyChart']:visible").first
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= SIZES[device]["width"] + 1, box
        # The 3D view turns with a finger: a touch on it reaches its WebGL canvas.
        chart.locator(".gl-container canvas").first.click(trial=True)
        harness.assert_no_traceback(page, lan_app)
    finally:
        context.close()


def test_phone_streams_over_https_and_the_video_fits(phone, lan_app) -> None:
    # The server path, chosen in the link (a phone in LAN mode starts on This device).
    harness.open_page(phone, lan_app, "webcam?model=Lite&run=This+server")
    frame = harness.start_webcam(phone)
    harness.wait_frames(phone, 5, timeout=60)
    harness.wait_for_skeleton(frame, present=True, timeout=20)
    video = phone.locator(harness.WEBRTC_IFRAME)
    box = video.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= SIZES[PHONE]["width"] + 1, box
    _assert_fits(phone, "phone webcam, streaming")
    assert phone.evaluate("() => window.isSecureContext")
    harness.wait_frames(phone, 30, timeout=60)
    _phone_screenshot(phone, harness.SCREENSHOTS / "phone_webcam.png")
    harness.assert_no_traceback(phone, lan_app)


def _phone_screenshot(page: Any, path: Path) -> None:
    page.mouse.move(1, 1)
    page.locator(harness.WEBRTC_IFRAME).scroll_into_view_if_needed()
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(path))


# ---- mirror ------------------------------------------------------------------------------


def _colour_masks(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(orange, blue): the left side's and the right side's skeleton colours."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL)
    hue = hsv[..., 0].astype(np.int32) * 360 // 256
    rgb_i = rgb.astype(np.int32)
    chroma = rgb_i.max(axis=2) - rgb_i.min(axis=2)
    return (chroma >= 60) & (hue >= 20) & (hue <= 50), (chroma >= 60) & (hue >= 185) & (hue <= 215)


def _centroid(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.mean(), ys.mean()])


def _camera_difference(rgb: np.ndarray, camera: list[np.ndarray]) -> float:
    """Mean grey-level difference to the closest frame of the camera's clip, where
    nothing was drawn (no skeleton colour, below the readout box at the top)."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    orange, blue = _colour_masks(rgb)
    keep = ~cv2.dilate((orange | blue).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    keep[:120] = False
    return min(
        float(np.abs(grey - cv2.cvtColor(f, cv2.COLOR_RGB2GRAY))[keep].mean()) for f in camera
    )


def _steady_frame(frame: Any) -> np.ndarray:
    """A returned frame with a skeleton on it."""
    harness.wait_for_skeleton(frame, present=True, timeout=20)
    return harness.grab_frame(frame)


def test_mirror_flips_the_picture_but_left_stays_left(desktop, lan_app) -> None:
    camera = basketball_frames()
    # One person, so the colours are the sides' (orange left, blue right).
    harness.open_page(desktop, lan_app, "webcam?model=Lite&poses=1&mirror=false")
    frame = harness.start_webcam(desktop)
    harness.wait_frames(desktop, 20, timeout=60)
    plain = _steady_frame(frame)
    assert plain.shape[:2] == camera[0].shape[:2]
    assert _camera_difference(plain, camera) < 12

    desktop.get_by_text("Mirror", exact=True).click()
    harness.wait_until(
        lambda: _camera_difference(harness.grab_frame(frame)[:, ::-1], camera) < 12,
        20,
        what="the mirrored picture",
    )
    mirrored = _steady_frame(frame)
    flipped_back = mirrored[:, ::-1]
    # The picture is the camera's, mirrored (and not the camera's as it was).
    assert _camera_difference(flipped_back, camera) < 12
    assert _camera_difference(mirrored, camera) > 2 * _camera_difference(flipped_back, camera)

    # Left is still drawn as left: flipped back, the orange (left) limbs are where they
    # were without the mirror, not where the blue (right) ones were.
    orange_plain, blue_plain = _colour_masks(plain)
    orange_back, _ = _colour_masks(np.ascontiguousarray(flipped_back))
    assert orange_plain.sum() > 200 and orange_back.sum() > 200
    to_orange = np.linalg.norm(_centroid(orange_back) - _centroid(orange_plain))
    to_blue = np.linalg.norm(_centroid(orange_back) - _centroid(blue_plain))
    print(f"\norange centroid offset {to_orange:.1f} px (to the blue side: {to_blue:.1f} px)")
    assert to_orange < 0.5 * to_blue, (to_orange, to_blue)
    # The readout is drawn after the flip, so its text reads the right way: its dark box
    # (60 % black) is top-left on the mirrored picture, not flipped to the top-right.
    grey = cv2.cvtColor(mirrored, cv2.COLOR_RGB2GRAY).astype(np.float32)
    shown = [cv2.cvtColor(f[:, ::-1], cv2.COLOR_RGB2GRAY).astype(np.float32) for f in camera]
    corner, other = (slice(2, 10), slice(2, 30)), (slice(2, 10), slice(-30, -2))
    assert grey[corner].mean() < 0.7 * min(s[corner].mean() for s in shown)
    assert grey[other].mean() > 0.8 * min(s[other].mean() for s in shown)
    # On is the default, which the address leaves out; the share link spells it out.
    assert "mirror=false" not in desktop.url
    harness.assert_no_traceback(desktop, lan_app)


# ---- the camera's problems ---------------------------------------------------------------


def test_a_denied_camera_gets_a_message_saying_what_to_do(
    browser, fake_camera_clip, lan_app
) -> None:
    refusing = browser.browser_type.launch(
        executable_path=harness.CHROMIUM,
        headless=True,
        args=harness.chromium_args(fake_camera_clip, allow_camera=False),
    )
    try:
        page = _context(refusing, camera=False).new_page()
        harness.open_page(page, lan_app, "webcam")
        frame = harness.webrtc_frame(page)
        frame.get_by_role("button", name=re.compile("^start$", re.I)).click()
        message = page.locator("[data-testid='stAlert']", has_text="The camera is blocked")
        message.wait_for(timeout=20_000)
        assert "Allow it" in message.inner_text()
        harness.assert_no_traceback(page, lan_app)
    finally:
        refusing.close()


# ---- presenter view ------------------------------------------------------------------------


def test_presenter_view_enlarges_the_live_video_without_restarting_it(desktop, lan_app):
    desktop.set_viewport_size({"width": 1280, "height": 720})  # a projector
    harness.open_page(desktop, lan_app, "webcam?model=Lite")
    frame = harness.start_webcam(desktop)
    harness.wait_frames(desktop, 10, timeout=60)
    video = desktop.locator(f".st-key-webcam_video {harness.WEBRTC_IFRAME}")
    before = video.bounding_box()
    # Marks the playing <video> and its stream: a restarted stream gets new ones.
    frame.evaluate("() => { const v = document.querySelector('video');"
                   " v.__mark = 1; v.srcObject.__mark = 1; }")  # fmt: skip
    frames_before = harness.frames_shown(desktop)

    desktop.get_by_role("button", name="Presenter view").click()
    desktop.get_by_role("button", name="Exit presenter view").wait_for()
    harness.wait_until(
        lambda: not desktop.locator("[data-testid='stSidebar']").is_visible(),
        10,
        what="the sidebar to go",
    )
    time.sleep(1.0)  # the component settles in its new width
    after = video.bounding_box()
    assert after["width"] * after["height"] > 1.3 * before["width"] * before["height"], (
        before,
        after,
    )
    assert after["y"] + after["height"] <= 720 + 1, after  # the whole video on screen
    assert not desktop.locator("h1", has_text="Webcam").is_visible()
    # The same stream, still running: counted frames go on rising from where they were.
    harness.wait_frames(desktop, frames_before + 20, timeout=30)
    marked = frame.evaluate("() => { const v = document.querySelector('video');"
                            " return v.__mark === 1 && v.srcObject.__mark === 1; }")  # fmt: skip
    assert marked, "the video element or its stream was replaced"
    value = desktop.locator(".st-key-webcam_readout [data-testid='stMetricValue']").first
    assert float(value.evaluate("e => getComputedStyle(e).fontSize").rstrip("px")) >= 40
    harness.wait_for_skeleton(frame, present=True, timeout=10)
    desktop.screenshot(path=str(harness.SCREENSHOTS / "presenter.png"))

    desktop.get_by_role("button", name="Exit presenter view").click()
    desktop.locator("[data-testid='stSidebar']").wait_for(state="visible")
    frames_back = harness.frames_shown(desktop)
    harness.wait_frames(desktop, frames_back + 10, timeout=30)
    assert frame.evaluate("() => document.querySelector('video').__mark === 1")
    harness.assert_no_traceback(desktop, lan_app)
