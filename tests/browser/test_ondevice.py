"""The Webcam page's "Run on: This device" end to end: Debian's Chromium runs the vendored
MediaPipe runtime on its fake camera (a clip of two real people), draws the skeleton
over the video and sends landmarks back to the app.

Headless Chromium has no GPU here: WebGL runs on a software renderer, so the component
picks the CPU delegate and says why ("software WebGL"); with WebGL switched off it says
"no WebGL". The clip is greyscale, so saturated orange or blue pixels on the overlay
canvas were drawn by the component.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import cv2
import numpy as np
import pytest

from pose_core.export import read_bvh
from pose_core.export.skeleton import JOINT_NAMES
from pose_core.models import MODELS_DIR
from testkit.browser import harness
from testkit.browser.y4m import KICK_CATCH_REPS, alternating_pose_frames, write_y4m
from tools import vendor_tasks_vision

pytestmark = pytest.mark.browser

COMPONENT = "ui.ondevice.component.ondevice"
IFRAME = f"iframe[title='{COMPONENT}']"
DEVICE_QUERY = "run=This+device&model=Lite&mirror=false"


def device_frame(page, timeout: float = 30):
    handle = page.locator(IFRAME).element_handle(timeout=timeout * 1000)
    frame = handle.content_frame()
    frame.wait_for_load_state()
    return frame


def readout(frame) -> dict[str, str]:
    return frame.evaluate("() => ({...document.getElementById('readout').dataset})")


def start(page, app_server, query: str = DEVICE_QUERY, frames: int = 10):
    """Open the page on this device, press Start, wait for ``frames`` detected frames."""
    harness.open_page(page, app_server, f"webcam?{query}")
    frame = device_frame(page)
    frame.get_by_role("button", name="Start").click()
    harness.wait_until(
        lambda: int(readout(frame)["frames"]) >= frames,
        120,
        what=f"{frames} frames detected on the device",
        state=lambda: readout(frame),
    )
    return frame


def overlay_rgb(frame) -> np.ndarray:
    """The overlay canvas (skeleton only, transparent elsewhere) over black, as RGB."""
    url = frame.evaluate("() => document.getElementById('overlay').toDataURL('image/png')")
    png = base64.b64decode(url.split(",", 1)[1])
    rgba = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    rgb = cv2.cvtColor(rgba, cv2.COLOR_BGRA2RGB).astype(np.float32)
    alpha = rgba[..., 3:4].astype(np.float32) / 255
    return (rgb * alpha).astype(np.uint8)


def wait_for_skeleton(frame, timeout: float = 20) -> dict[str, int]:
    return harness.wait_until(
        lambda: (
            (c := harness.skeleton_pixels_by_region(overlay_rgb(frame)))["total"]
            >= harness.SKELETON_PIXELS
            and c
        ),
        timeout,
        what="the skeleton on the overlay",
        state=lambda: readout(frame),
    )


def test_assets_are_served_by_the_app_with_their_types(page, app_server):
    # Components are registered when the page that draws them first runs.
    harness.open_page(page, app_server, f"webcam?{DEVICE_QUERY}")
    device_frame(page)
    base = f"{app_server.url}/component/{COMPONENT}/vendor/tasks-vision"
    for name in vendor_tasks_vision.FILES:
        with urllib.request.urlopen(f"{base}/{name}", timeout=30) as response:
            body = response.read()
            kind = response.headers["Content-Type"]
        assert (
            len(body)
            == json.loads((vendor_tasks_vision.OUT / "manifest.json").read_text())["files"][name][
                "bytes"
            ]
        )
        if name.endswith(".wasm"):
            assert kind == "application/wasm"  # streaming compilation needs it
        elif name.endswith((".js", ".mjs")):
            assert kind.split(";")[0] in ("text/javascript", "application/javascript")
    # The models come from pose_core/models itself, byte for byte.
    models = f"{app_server.url}/component/ui.ondevice.component.ondevice_models"
    with urllib.request.urlopen(f"{models}/pose_landmarker_lite.task", timeout=30) as response:
        assert response.read() == Path(MODELS_DIR / "pose_landmarker_lite.task").read_bytes()


def test_on_device_draws_the_skeleton_on_the_cpu_and_sends_nothing_elsewhere(page, app_server):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    frame = start(page, app_server, DEVICE_QUERY + "&poses=2")
    counts = wait_for_skeleton(frame)
    print(f"\noverlay skeleton pixels: {counts}; readout {readout(frame)}")
    # On the people, not on the wall between them.
    assert counts["person1"] + counts["person2"] >= 0.95 * counts["total"], counts
    assert counts["person1"] >= 300, counts
    shown = readout(frame)
    assert shown["delegate"] == "CPU" and shown["fallback"] == "software WebGL", shown
    assert shown["simd"] == "true" and shown["model"] == "lite", shown
    assert float(shown["fps"]) > 0, shown
    text = frame.locator("#readout").inner_text()
    assert "CPU (software WebGL)" in text and "SIMD" in text and "Lite" in text, text
    # The landmarks reach the server: its readout counts frames and people.
    harness.wait_until(lambda: harness.frames_shown(page) >= 5, 15, what="frames on the server")
    harness.wait_until(
        lambda: int(harness.live_readout(page)["People"]) >= 1, 10, what="people on the server"
    )
    page.get_by_text("on this device · CPU (software WebGL) · SIMD").wait_for()
    # Everything came from the app: no CDN, no metrics endpoint.
    foreign = [url for url in requests if not url.startswith(app_server.url)]
    assert not foreign, foreign
    harness.assert_no_traceback(page, app_server)


def test_sidebar_changes_reach_the_device_without_a_camera_restart(page, app_server):
    frame = start(page, app_server)
    wait_for_skeleton(frame)
    frame.evaluate("() => { window.__stream = document.getElementById('video').srcObject; }")
    frames_before = int(readout(frame)["frames"])
    changed = time.monotonic()
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_role("radio", name="Full").click()
    harness.wait_until(
        lambda: readout(frame)["model"] == "full", 60, what="the Full model on the device"
    )
    print(f"\nFull model running {time.monotonic() - changed:.1f} s after the click")
    wait_for_skeleton(frame)
    # Confidence 1.0 everywhere: nobody qualifies any more (setOptions, same landmarker).
    for label in harness.CONFIDENCE_SLIDERS[1:]:
        harness.set_slider(page, label, "End")
    sidebar.get_by_role("radio", name="MediaPipe").click()
    harness.set_slider(page, "Min. pose detection confidence", "End")
    harness.wait_until(
        lambda: (
            harness.skeleton_pixels_by_region(overlay_rgb(frame))["total"]
            <= harness.NO_SKELETON_PIXELS
        ),
        15,
        what="no skeleton at confidence 1.0",
    )
    same = frame.evaluate(
        "() => document.getElementById('video').srcObject === window.__stream &&"
        " window.__stream.getVideoTracks()[0].readyState === 'live'"
    )
    assert same, "the camera stream was restarted"
    assert int(readout(frame)["frames"]) > frames_before
    harness.assert_no_traceback(page, app_server)


def start_recording(page, app_server):
    """Start on this device, wait until the server sees people, turn Record on; returns
    the Record toggle."""
    frame = start(page, app_server)
    wait_for_skeleton(frame)
    harness.wait_until(
        lambda: int(harness.live_readout(page)["People"]) >= 1, 15, what="people on the server"
    )
    record = page.locator(".st-key-webcam_record").get_by_text("Record landmarks")
    record.click()
    return record


def test_snapshot_reaches_the_3d_view_and_a_recording_opens(page, app_server):
    record = start_recording(page, app_server)
    main = harness.main_area(page)
    harness.wait_until(
        lambda: page.get_by_text("Recording ·").count() > 0, 10, what="the recording caption"
    )
    page.get_by_role("button", name="Snapshot").click()
    main.get_by_role("heading", name="Webcam snapshot 1").wait_for()
    time.sleep(2.0)
    record.click()
    main.get_by_role("heading", name="Webcam recording").wait_for()
    caption = main.get_by_text("frames over").inner_text()
    recorded = int(caption.split()[0])
    print(f"\nrecording: {caption}")
    assert recorded >= 5, caption
    harness.go(page, "3D view", "3D view")
    figure = main.locator(".js-plotly-plot:visible").first
    figure.wait_for()
    source = main.get_by_role("combobox", name="Pose from").input_value()
    assert source.startswith("Webcam snapshot 1 · snapshot") and "0 people" not in source, source
    harness.assert_no_traceback(page, app_server)


def test_a_forged_message_is_refused_and_the_stream_carries_on(page, app_server):
    frame = start(page, app_server)
    harness.wait_until(lambda: harness.frames_shown(page) >= 3, 15, what="frames on the server")
    post = """(value) => window.parent.postMessage({isStreamlitMessage: true,
        type: 'streamlit:setComponentValue', value, dataType: 'json'}, '*')"""
    readout = page.locator(".st-key-webcam_readout")

    def refused(value: str, reason: str) -> None:
        # The component's own message, sent every 250 ms, can replace a posted value
        # before the server runs it (the latest value of a component wins): post until
        # the readout names the refusal.
        def named() -> bool:
            frame.evaluate(post, value)
            return readout.get_by_text(reason).count() > 0

        harness.wait_until(named, 30, interval=1.0, what=f"a refusal ({reason})")

    forged = {"v": 1, "token": "not-the-session-token", "status": {}, "frames": []}
    refused(json.dumps(forged), "wrong session token")
    refused("x" * 600_000, "too large")  # past the size cap, not even JSON
    # The real component's messages still arrive.
    before = harness.frames_shown(page)
    harness.wait_until(
        lambda: harness.frames_shown(page) > before + 5, 15, what="frames after the forgery"
    )
    assert page.get_by_text("wrong session token").count() == 1
    harness.assert_no_traceback(page, app_server)


def test_without_webgl_the_cpu_runs_and_says_so(browser, app_server, fake_camera_clip):
    launched = browser.browser_type.launch(
        executable_path=harness.CHROMIUM,
        headless=True,
        args=[*harness.chromium_args(fake_camera_clip), "--disable-webgl", "--disable-3d-apis"],
    )
    try:
        with harness.page_in(harness.new_context(launched)) as page:
            frame = start(page, app_server, frames=3)
            shown = readout(frame)
            assert shown["delegate"] == "CPU" and shown["fallback"] == "no WebGL", shown
            assert "CPU (no WebGL)" in frame.locator("#readout").inner_text()
            wait_for_skeleton(frame)
    finally:
        launched.close()


# ---- the rep counter and a recording on this device ---------------------------------------

# The motion test's counter, on this device.
REPS_QUERY = urlencode({"run": "This device", **KICK_CATCH_REPS}, quote_via=quote)
MIN_REPS = 2
_REPS_LINE = re.compile(r"^reps (\d+)", re.M)

# In the component's frame: each new text of the motion lines the server sends back with
# every acknowledgement (drawn under the video), with the time it appeared.
_WATCH_LINES = """() => {
    const box = document.getElementById('lines');
    window.__linesLog = [];
    let last = null;
    const note = () => {
        if (box.textContent !== last) {
            last = box.textContent;
            window.__linesLog.push([Date.now(), last]);
        }
    };
    new MutationObserver(note).observe(box,
        {subtree: true, childList: true, characterData: true});
    note();
}"""

# In the page: each new (Reps, Frames) pair of the Live readout (its fragment redraws it
# once a second; Frames grows while landmarks arrive, so every redraw is seen).
_WATCH_READOUT = """() => {
    const read = (label) => {
        const metric = [...document.querySelectorAll("[data-testid='stMetric']")].find(
            m => m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim() === label);
        return metric?.querySelector("[data-testid='stMetricValue']")?.innerText.trim() ?? null;
    };
    window.__readoutLog = [];
    let last = null;
    new MutationObserver(() => {
        const reps = parseInt(read('Reps') ?? '', 10);
        const frames = parseInt((read('Frames') ?? '').replace(/,/g, ''), 10);
        const key = `${reps}|${frames}`;
        if (Number.isFinite(reps) && Number.isFinite(frames) && key !== last) {
            last = key;
            window.__readoutLog.push([Date.now(), reps, frames]);
        }
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def motion_browser(browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A second Chromium whose fake camera plays the kick-catch clip (two real photos of
    different poses, a second each), launched by the session's Playwright."""
    clip = tmp_path_factory.mktemp("ondevice_motion") / "kick_catch.y4m"
    write_y4m(clip, alternating_pose_frames())
    launched = browser.browser_type.launch(
        executable_path=harness.CHROMIUM, headless=True, args=harness.chromium_args(clip)
    )
    try:
        yield launched
    finally:
        launched.close()


def _device_counts(log: list[list]) -> list[tuple[int, int]]:
    """(time ms, count) for each motion text the component showed that names a count."""
    return [(at, int(m.group(1))) for at, text in log if (m := _REPS_LINE.search(text))]


def test_the_rep_counter_counts_on_this_device_and_the_page_follows(motion_browser, app_server):
    with harness.page_in(harness.new_context(motion_browser)) as page:
        harness.open_page(page, app_server, f"webcam?{REPS_QUERY}")
        frame = device_frame(page)
        frame.evaluate(_WATCH_LINES)
        page.evaluate(_WATCH_READOUT)
        frame.get_by_role("button", name="Start").click()

        def counts() -> tuple[int, int]:
            shown = _device_counts(frame.evaluate("() => window.__linesLog"))
            on_page = page.evaluate("() => window.__readoutLog")
            return (shown[-1][1] if shown else -1, on_page[-1][1] if on_page else -1)

        harness.wait_until(
            lambda: min(counts()) >= MIN_REPS,
            120,
            interval=0.5,
            what=f"{MIN_REPS} reps on the device's readout and on the page",
            state=lambda: (counts(), readout(frame)),
        )
        # Two more redraws of the page's readout after the device's latest count.
        last_new = _device_counts(frame.evaluate("() => window.__linesLog"))[-1][0]
        harness.wait_until(
            lambda: (
                sum(at > last_new for at, *_ in page.evaluate("() => window.__readoutLog")) >= 2
            ),
            15,
            what="two redraws of the page's readout",
        )
        device = _device_counts(frame.evaluate("() => window.__linesLog"))
        on_page = page.evaluate("() => window.__readoutLog")
        summary = f"device {device}\npage {on_page}"
        print(f"\n{summary}")

        # Both counts only go up, and reach MIN_REPS.
        assert all(b[1] >= a[1] for a, b in itertools.pairwise(device)), summary
        assert all(b[1] >= a[1] for a, b in itertools.pairwise(on_page)), summary
        assert device[-1][1] >= MIN_REPS and on_page[-1][1] >= MIN_REPS, summary
        # The page follows the device: each count the device showed is on the page by the
        # second redraw of its readout after it (the first may have been drawn from the
        # server's state before that count).
        for at, count in device:
            later = [reps for when, reps, _frames in on_page if when > at]
            if len(later) >= 2:
                assert later[1] >= count, (at, count, summary)
        # And the device is never behind by more than that: a count the page showed, the
        # device had shown already or shows by its second new text after (the first may
        # be the text drawn before the frames that made the count).
        for when, reps, _frames in on_page:
            before = [count for at, count in device if at <= when]
            after = [count for at, count in device if at > when][:2]
            if (before and max(before) >= reps) or len(after) < 2:
                continue
            assert max(after) >= reps, (when, reps, summary)
        harness.assert_no_traceback(page, app_server)


def test_a_recording_on_this_device_opens_in_the_video_views_and_exports_bvh(page, app_server):
    record = start_recording(page, app_server)
    main = harness.main_area(page)
    kept = re.compile(r"Recording · (\d+) frames kept")

    def recorded() -> int:
        found = kept.search(harness.main_area(page).inner_text())
        return int(found.group(1)) if found else 0

    harness.wait_until(lambda: recorded() >= 10, 60, what="10 recorded frames")
    record.click()
    main.get_by_role("heading", name="Webcam recording").wait_for()
    frames = int(main.get_by_text("frames over").inner_text().split()[0])
    assert frames >= 10
    # The Video page's views: its tabs, a chart on the time series, the 3D playback.
    for name in ("Time series", "Reps & poses", "3D playback", "Data & downloads"):
        main.get_by_role("tab", name=name).wait_for()
    main.locator(".js-plotly-plot:visible").first.wait_for()
    main.get_by_role("tab", name="3D playback").click()
    main.locator(".js-plotly-plot:visible").first.wait_for()
    main.get_by_role("tab", name="Data & downloads").click()
    button = main.get_by_role("button", name="Motion BVH (Blender, Unity)")
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith("_person1.bvh")
    data = read_bvh(Path(download.value.path()).read_text())
    print(f"\nrecording: {frames} frames; BVH {data.frames} frames of {data.frame_time:.3f} s")
    assert [n for n in data.names if not n.endswith("_end")] == list(JOINT_NAMES)
    assert data.frames >= 2 and np.isfinite(data.values).all()
    harness.assert_no_traceback(page, app_server)
