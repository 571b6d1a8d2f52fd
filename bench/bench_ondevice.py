"""The Webcam page's "Run on: This device": what the viewer's browser does and what an
on-device viewer costs the server, against the server path.

    .venv/bin/python -m bench.bench_ondevice [--models lite full heavy] [--viewers 1 4 8]
        [--seconds 60] [--speed-seconds 20] [--warmup 5] [--only speed cpu server agreement]
        [--json results.json]

It starts the app as users do (``streamlit run streamlit_app.py``, loopback only) and
Debian's headless Chromium (no GPU: the component picks the CPU delegate, "software
WebGL"), whose fake camera plays the browser tests' clip of two real people with each
frame's number drawn in small squares on the floor (as ``bench_webcam``). Four parts:

- speed (``--models``): one browser session on This device per model, over
  ``--speed-seconds``: frames/s the component detected (its own frame counter over the
  window, timed in the page), its median inference time (its readout), and the
  camera-to-drawn latency, through the component's read-only ``window.__ondeviceProbe``
  hook: from the frame's capture (``captureTime`` in its requestVideoFrameCallback
  metadata, which Chromium fills in for camera frames) to the moment the component had
  drawn that frame's skeleton on its overlay. A cross-check ("arrival"): from when
  camera frame k reached the page (a second capture of the same fake camera read with
  MediaStreamTrackProcessor, as ``bench_webcam``'s round trip) to the drawing of frame
  k (its number read from the video just before detection). That reader runs on the
  page's main thread, which the detection keeps busy, so it notes many arrivals late and
  misses the frames it noted after their drawing: it reads low and covers few frames;
  the capture figure is the one to quote.
- cpu (``--viewers``, ``--seconds``): N browser contexts (each its own Streamlit session)
  on This device with the Lite model, all streaming at once; the Streamlit server
  process's CPU time over the window, as % of one core in all and per viewer, with the
  frames the server received (each page's Live readout "Frames") and the landmark
  messages the component sent (counted in each page), so that the cost per received
  frame and per message can be read. Two scenarios: "none" (no analysis) and
  "record+reps" (Record on and the Squat preset's rep counter, from the sidebar's
  Exercise, set through the address).
- server: one session through the server path (WebRTC, detection on the server), as
  ``bench_webcam`` measures it (its own code): processed frames/s, server CPU per
  processed frame and in all, and the round trip camera -> processed frame decoded.
- agreement (``--models``): a second Chromium whose fake camera plays one still frame of
  two real people (tests/fixtures/basketball1.png) over and over; the landmarks the
  device sent for its last frames against the server's ``StreamDetector`` (VIDEO mode,
  the same model, MediaPipe's own person detector, the only one the browser runtime has)
  on the same frame after the same 4:2:0 conversion the camera clip went through: the
  number of people each found and, for each matched pair, the median distance between
  the 33 image landmarks as a fraction of the person's size (the diagonal of the box
  around the server's landmarks).

CPU figures on a shared 2-core machine move with everything else running: each part
prints the machine's load, and the ratios between figures measured in one run are what
compare.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import cv2
import numpy as np

from bench import bench_webcam
from bench.bench_webcam import CpuMeter
from pose_core import MODEL_VARIANT_LABELS, DetectorSettings, ModelVariant, StreamDetector
from pose_core.settings import DEFAULT_PERSON_CONFIDENCE, PERSON_DETECTOR_LABELS
from testkit.browser import harness, y4m
from testkit.fixtures import load_rgb

COMPONENT = "ui.ondevice.component.ondevice"
IFRAME = f"iframe[title='{COMPONENT}']"
PARTS = ("speed", "cpu", "server", "agreement")
SCENARIOS = ("none", "record+reps")
STILL_PHOTO = "basketball1.png"
# Device frames averaged over for the agreement (the last ones the component sent).
AGREEMENT_FRAMES = 10

# In the page: counts the component's landmark messages (they are posted to this window).
_COUNT_MESSAGES = """() => {
    if (window.__messages !== undefined) return;
    window.__messages = 0;
    window.addEventListener('message', e => {
        if (e.data?.type === 'streamlit:setComponentValue') window.__messages += 1;
    });
}"""

# In the page: keeps the last frames the component sent (each once: unacknowledged
# frames are sent again).
_KEEP_FRAMES = """(limit) => {
    window.__deviceFrames = [];
    window.addEventListener('message', e => {
        const d = e.data;
        if (d?.type !== 'streamlit:setComponentValue' || typeof d.value !== 'string') return;
        let message;
        try { message = JSON.parse(d.value); } catch (err) { return; }
        const kept = window.__deviceFrames;
        for (const f of message.frames || []) {
            if (!kept.length || f.t > kept[kept.length - 1].t) kept.push(f);
        }
        if (kept.length > limit) kept.splice(0, kept.length - limit);
    });
}"""

# In the component's frame: the camera-to-drawn probe. A second capture of the fake
# camera gives when each frame number reached the page; the component's hook reads the
# number of the frame it is about to detect from the video and notes when its skeleton
# was drawn. Results land in window.__drawnLatency when the window ends.
_LATENCY = """([seconds, layout]) => {
    const [X, Y, B, SQUARES, FRAMES] = layout;
    const decode = (luma) => {
        let value = 0, ones = 0;
        luma.forEach((v, n) => {
            if (v > 128) { ones += 1; if (n < SQUARES - 1) value |= 1 << n; }
        });
        return ones % 2 === 0 && value < FRAMES ? value : -1;
    };
    const canvas = new OffscreenCanvas(B * SQUARES, B);
    const cx = canvas.getContext('2d', {willReadFrequently: true});
    const codeOfVideo = (video) => {
        cx.drawImage(video, X, Y, B * SQUARES, B, 0, 0, B * SQUARES, B);
        const row = cx.getImageData(0, Math.floor(B / 2), B * SQUARES, 1).data;
        const luma = [];
        for (let n = 0; n < SQUARES; n++) {
            const c = 4 * Math.floor((n + 0.5) * B);
            luma.push((row[c] + row[c + 1] + row[c + 2]) / 3);
        }
        return decode(luma);
    };
    const codeOfFrame = async (frame, buffer) => {
        const rect = {x: X, y: Y, width: B * SQUARES, height: B};
        const planes = await frame.copyTo(buffer, {rect});
        const {offset, stride} = planes[0];
        const row = offset + Math.floor(B / 2) * stride;
        const luma = [];
        for (let n = 0; n < SQUARES; n++) {
            const c = Math.floor((n + 0.5) * B);
            luma.push((buffer[row + c - 1] + buffer[row + c] + buffer[row + c + 1]) / 3);
        }
        return decode(luma);
    };
    window.__drawnLatency = null;
    const run = async () => {
        const captured = new Map();
        const latencies = [], captureLatencies = [];
        let detections = 0, unread = 0, pendingCode = -1, stopped = false;
        const track = (await navigator.mediaDevices.getUserMedia(
            {video: {width: 640, height: 480, frameRate: 30}, audio: false}
        )).getVideoTracks()[0];
        const reader = new MediaStreamTrackProcessor({track}).readable.getReader();
        const buffer = new Uint8Array(640 * 480 * 4);
        const cameraDone = (async () => {
            while (!stopped) {
                const {value: frame, done} = await reader.read();
                if (done) break;
                const now = performance.now();
                try {
                    const k = await codeOfFrame(frame, buffer);
                    if (k >= 0) captured.set(k, now);
                } finally { frame.close(); }
            }
            await reader.cancel();
            track.stop();
        })();
        window.__ondeviceProbe = {
            before: (video) => { pendingCode = codeOfVideo(video); },
            drawn: (meta, drawnAt) => {
                detections += 1;
                if (meta && typeof meta.captureTime === 'number') {
                    captureLatencies.push(drawnAt - meta.captureTime);
                }
                const at = captured.get(pendingCode);
                if (pendingCode < 0) unread += 1;
                else if (at !== undefined && drawnAt >= at && drawnAt - at < 3000) {
                    latencies.push(drawnAt - at);
                }
            },
        };
        await new Promise(resolve => setTimeout(resolve, seconds * 1000));
        window.__ondeviceProbe = undefined;
        stopped = true;
        await cameraDone;
        window.__drawnLatency = {detections, unread, latencies, captureLatencies};
    };
    run().catch(e => { window.__drawnLatency = {error: String(e)}; });
}"""


# ---- driving the page --------------------------------------------------------------------


def device_query(model: ModelVariant, poses: int, **extra: str) -> str:
    """The Webcam page's address on This device (the mirror off: the frame codes are read
    where the camera drew them)."""
    return urlencode(
        {
            "run": "This device",
            "model": MODEL_VARIANT_LABELS[model],
            "poses": poses,
            "persons": PERSON_DETECTOR_LABELS["mediapipe"],
            "person_confidence": f"{DEFAULT_PERSON_CONFIDENCE['mediapipe']:g}",
            "mirror": "false",
            **extra,
        }
    )


def device_frame(page: Any, timeout: float = 60) -> Any:
    """The on-device component's frame, once loaded."""
    handle = page.locator(IFRAME).element_handle(timeout=timeout * 1000)
    frame = handle.content_frame()
    frame.wait_for_load_state()
    return frame


def readout(frame: Any) -> dict[str, str]:
    """The component's readout (its data attributes: fps, inference, frames, model...)."""
    values: dict[str, str] = frame.evaluate(
        "() => ({...document.getElementById('readout').dataset})"
    )
    return values


def device_frames(frame: Any) -> tuple[int, float]:
    """The component's detected-frame counter and the page's clock (ms) when read."""
    got = frame.evaluate(
        "() => [parseInt(document.getElementById('readout').dataset.frames || '0', 10),"
        " performance.now()]"
    )
    return int(got[0]), float(got[1])


def open_device(page: Any, server: harness.AppServer, query: str) -> Any:
    """Open the Webcam page on This device and press Start; returns the component's frame."""
    harness.open_page(page, server, f"webcam?{query}", timeout=120)
    frame = device_frame(page)
    frame.get_by_role("button", name="Start").click()
    return frame


def wait_detecting(frame: Any, model: ModelVariant, frames: int = 5, timeout: float = 300) -> None:
    """Wait until the component runs ``model`` and has detected ``frames`` frames with it."""
    harness.wait_until(
        lambda: readout(frame).get("model") == model and device_frames(frame)[0] >= frames,
        timeout,
        interval=0.5,
        what=f"the {model} model detecting on the device",
        state=lambda: readout(frame),
    )


def start_device(
    page: Any, server: harness.AppServer, query: str, model: ModelVariant, timeout: float = 300
) -> Any:
    """Open the Webcam page on This device, press Start, wait until ``model`` detects."""
    frame = open_device(page, server, query)
    wait_detecting(frame, model, timeout=timeout)
    return frame


# ---- part 1: the browser's speed and latency ----------------------------------------------


@dataclasses.dataclass
class SpeedResult:
    model: str
    fps: float
    inference_ms: float
    delegate: str
    simd: str
    people: list[int]
    latencies_ms: list[float]
    capture_latencies_ms: list[float]
    detections: int
    unread_codes: int
    load_s: float


def run_speed(
    browser: Any, server: harness.AppServer, model: ModelVariant, args: argparse.Namespace
) -> SpeedResult:
    context = harness.new_context(browser)
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        began = time.monotonic()
        frame = start_device(page, server, device_query(model, args.poses), model)
        load_s = time.monotonic() - began
        time.sleep(args.warmup)
        layout = [y4m.CODE_X, y4m.CODE_Y, y4m.CODE_BLOCK, y4m.CODE_SQUARES, y4m.CLIP_FRAMES]
        frame.evaluate(_LATENCY, [args.speed_seconds, layout])
        frames0, t0 = device_frames(frame)
        inference: list[float] = []
        people: list[int] = []
        end = time.monotonic() + args.speed_seconds
        while time.monotonic() < end:
            shown = readout(frame)
            if shown.get("inference"):
                inference.append(float(shown["inference"]))
            people.append(int(shown.get("people") or "0"))
            time.sleep(1.0)
        frames1, t1 = device_frames(frame)
        frame.wait_for_function(
            "() => window.__drawnLatency !== null", timeout=(args.speed_seconds + 60) * 1000
        )
        probe = frame.evaluate("() => window.__drawnLatency")
        if "error" in probe:
            raise RuntimeError(f"latency probe failed: {probe['error']}")
        shown = readout(frame)
        return SpeedResult(
            model=model,
            fps=(frames1 - frames0) / ((t1 - t0) / 1000.0) if t1 > t0 else 0.0,
            inference_ms=_median(inference),
            delegate=shown.get("delegate", "")
            + (f" ({shown['fallback']})" if shown.get("fallback") else ""),
            simd=shown.get("simd", ""),
            people=people,
            latencies_ms=probe["latencies"],
            capture_latencies_ms=probe["captureLatencies"],
            detections=probe["detections"],
            unread_codes=probe["unread"],
            load_s=load_s,
        )
    finally:
        context.close()


# ---- part 2: server CPU per on-device viewer ----------------------------------------------


@dataclasses.dataclass
class ViewersResult:
    scenario: str
    viewers: int
    device_fps: list[float]
    server_frames_per_s: float
    messages_per_s: float
    cpu: dict[str, float]
    reps_shown: list[str]

    @property
    def server_percent(self) -> float:
        return self.cpu["server"]

    @property
    def percent_per_viewer(self) -> float:
        return self.cpu["server"] / self.viewers

    @property
    def ms_per_frame(self) -> float:
        frames = self.server_frames_per_s
        return self.cpu["server"] * 10.0 / frames if frames else math.nan

    @property
    def ms_per_message(self) -> float:
        messages = self.messages_per_s
        return self.cpu["server"] * 10.0 / messages if messages else math.nan


def run_viewers(
    browser: Any,
    server: harness.AppServer,
    viewers: int,
    scenario: str,
    args: argparse.Namespace,
) -> ViewersResult:
    extra = {"reps": "Squat"} if scenario == "record+reps" else {}
    contexts = [harness.new_context(browser) for _ in range(viewers)]
    try:
        pages = [context.new_page() for context in contexts]
        frames = []
        # All start together: the models load side by side.
        for page in pages:
            page.set_default_timeout(120_000)
            frames.append(open_device(page, server, device_query("lite", args.poses, **extra)))
            page.evaluate(_COUNT_MESSAGES)
        for frame in frames:
            wait_detecting(frame, "lite", timeout=120 + 60 * viewers)
        for page in pages:
            harness.wait_frames(page, 3, timeout=120 + 30 * viewers)
        if scenario == "record+reps":
            for page in pages:
                page.locator(".st-key-webcam_record").get_by_text("Record landmarks").click()
                harness.wait_until(
                    lambda page=page: page.get_by_text("Recording ·").count() > 0,
                    120,
                    what="the recording caption",
                )
        time.sleep(args.warmup)
        meter = CpuMeter(server.proc.pid)
        before = meter.sample()
        served0 = [harness.frames_shown(page) for page in pages]
        messages0 = [int(page.evaluate("() => window.__messages")) for page in pages]
        detected0 = [device_frames(frame) for frame in frames]
        started = time.monotonic()
        time.sleep(args.seconds)
        cpu = CpuMeter.percent(before, meter.sample())
        wall = time.monotonic() - started
        detected1 = [device_frames(frame) for frame in frames]
        served1 = [harness.frames_shown(page) for page in pages]
        messages1 = [int(page.evaluate("() => window.__messages")) for page in pages]
        reps = [harness.live_readout(page).get("Reps", "-") for page in pages]
        device_fps = [
            (b[0] - a[0]) / ((b[1] - a[1]) / 1000.0) if b[1] > a[1] else 0.0
            for a, b in zip(detected0, detected1, strict=True)
        ]
        return ViewersResult(
            scenario=scenario,
            viewers=viewers,
            device_fps=device_fps,
            server_frames_per_s=(sum(served1) - sum(served0)) / wall,
            messages_per_s=(sum(messages1) - sum(messages0)) / wall,
            cpu=cpu,
            reps_shown=reps,
        )
    finally:
        for context in contexts:
            context.close()


# ---- part 3: the server path, as bench_webcam measures it ---------------------------------


@dataclasses.dataclass
class ServerPathResult:
    processed_fps: float
    server_fps: float
    cpu: dict[str, float]
    round_trip_ms: list[float]

    @property
    def ms_per_frame(self) -> float:
        return self.cpu["server"] * 10.0 / self.server_fps if self.server_fps else math.nan


def run_server_path(
    browser: Any, server: harness.AppServer, args: argparse.Namespace
) -> ServerPathResult:
    options = argparse.Namespace(
        sessions=1,
        poses=args.poses,
        detector="mediapipe",
        seconds=args.seconds,
        warmup=args.warmup,
    )
    run = bench_webcam.run_model(browser, server, "lite", options)
    session = run.sessions[0]
    return ServerPathResult(
        processed_fps=session.processed_fps,
        server_fps=session.server_fps,
        cpu=run.cpu,
        round_trip_ms=session.round_trip_ms,
    )


# ---- part 4: agreement with the server's detection ------------------------------------------


def still_frame() -> np.ndarray:
    """The still photo of two people as the fake camera shows it: through 4:2:0."""
    rgb = load_rgb(STILL_PHOTO)
    height, width = rgb.shape[:2]
    rgb = np.ascontiguousarray(rgb[: height - height % 2, : width - width % 2])
    yuv = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
    return np.asarray(cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420))


def server_people(model: ModelVariant, rgb: np.ndarray, poses: int) -> list[np.ndarray]:
    """The server's image landmarks (people x 33 x 2, pixels) on ``rgb`` seen as a stream
    of the same frame (VIDEO mode, tracking as the device's runtime does)."""
    settings = DetectorSettings(
        model_variant=model,
        num_poses=poses,
        person_detector="mediapipe",
        min_person_confidence=DEFAULT_PERSON_CONFIDENCE["mediapipe"],
    )
    height, width = rgb.shape[:2]
    with StreamDetector(settings) as detector:
        result = None
        for n in range(15):
            result = detector.detect(rgb, timestamp_ms=n * 33)
    assert result is not None
    return [pose.landmarks[:, :2] * (width, height) for pose in result.poses]


def device_people(sent: dict[str, Any]) -> list[np.ndarray]:
    """One frame the component sent: its image landmarks (people x 33 x 2, pixels)."""
    width, height = float(sent["w"]), float(sent["h"])
    return [
        np.asarray(pose["l"], dtype=np.float64).reshape(33, 5)[:, :2] * (width, height)
        for pose in sent["poses"]
    ]


def match(device: list[np.ndarray], server: list[np.ndarray]) -> dict[int, float]:
    """Greedy pairing by mean landmark distance; per server person paired, the median
    landmark distance as a fraction of that person's box diagonal."""
    pairs = sorted(
        (float(np.linalg.norm(d - s, axis=1).mean()), i, j)
        for i, d in enumerate(device)
        for j, s in enumerate(server)
    )
    used_d: set[int] = set()
    used_s: set[int] = set()
    fractions: dict[int, float] = {}
    for _cost, i, j in pairs:
        if i in used_d or j in used_s:
            continue
        used_d.add(i)
        used_s.add(j)
        s = server[j]
        diagonal = float(np.linalg.norm(s.max(axis=0) - s.min(axis=0)))
        fractions[j] = float(np.median(np.linalg.norm(device[i] - s, axis=1))) / diagonal
    return fractions


@dataclasses.dataclass
class AgreementResult:
    model: str
    device_people: int
    server_people: int
    per_person: list[float]  # per server person paired in every compared frame: the median

    @property
    def median(self) -> float:
        return statistics.median(self.per_person) if self.per_person else math.nan


def run_agreement(
    still_browser: Any, server: harness.AppServer, model: ModelVariant, args: argparse.Namespace
) -> AgreementResult:
    rgb = still_frame()
    reference = server_people(model, rgb, args.poses)
    context = harness.new_context(still_browser)
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        harness.open_page(page, server, f"webcam?{device_query(model, args.poses)}", timeout=120)
        page.evaluate(_KEEP_FRAMES, 4 * AGREEMENT_FRAMES)
        frame = device_frame(page)
        frame.get_by_role("button", name="Start").click()
        wait_detecting(frame, model, frames=10)
        time.sleep(max(2.0, args.warmup))
        sent = page.evaluate("() => window.__deviceFrames")[-AGREEMENT_FRAMES:]
    finally:
        context.close()
    counts = Counter(len(f["poses"]) for f in sent)
    people = counts.most_common(1)[0][0] if counts else 0
    by_frame = [match(device_people(f), reference) for f in sent if len(f["poses"]) == people]
    per_person = [
        statistics.median(m[j] for m in by_frame)
        for j in range(len(reference))
        if by_frame and all(j in m for m in by_frame)
    ]
    return AgreementResult(model, people, len(reference), per_person)


# ---- report ---------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def _p90(values: list[float]) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def report_speed(results: list[SpeedResult]) -> None:
    print("\n== In the browser: headless Chromium, two-person clip, one session per model")
    print(
        f"{'model':>6} {'fps':>5} {'infer ms':>8} {'delegate':>22} {'simd':>5} {'people':>6} "
        f"{'capture->drawn ms p50/p90 (n)':>29} {'arrival->drawn p50 (n)':>22} {'started s':>9}"
    )
    for r in results:
        people = Counter(r.people).most_common(1)[0][0] if r.people else 0
        captured = r.capture_latencies_ms
        capture = (
            f"{_median(captured):.0f} / {_p90(captured):.0f} ({len(captured)})"
            if captured
            else "n/a"
        )
        arrival = f"{_median(r.latencies_ms):.0f} ({len(r.latencies_ms)})"
        print(
            f"{r.model:>6} {r.fps:5.1f} {r.inference_ms:8.0f} {r.delegate:>22} {r.simd:>5} "
            f"{people:>6} {capture:>29} {arrival:>22} {r.load_s:9.1f}"
        )
        if r.unread_codes:
            print(f"       ({r.unread_codes} of {r.detections} detected frames' codes unread)")


def report_viewers(results: list[ViewersResult]) -> None:
    print("\n== Server CPU per on-device viewer (Lite on each device)")
    print(
        f"{'scenario':>12} {'viewers':>7} {'device fps each':>16} {'frames/s in':>11} "
        f"{'msgs/s in':>9} {'server %core':>12} {'per viewer':>10} {'ms/frame':>8} "
        f"{'ms/msg':>6} {'other %':>7}"
    )
    for r in results:
        fps = f"{min(r.device_fps):.1f}-{max(r.device_fps):.1f}" if r.device_fps else "-"
        print(
            f"{r.scenario:>12} {r.viewers:>7} {fps:>16} {r.server_frames_per_s:11.1f} "
            f"{r.messages_per_s:9.1f} {r.server_percent:12.1f} {r.percent_per_viewer:10.1f} "
            f"{r.ms_per_frame:8.2f} {r.ms_per_message:6.2f} {r.cpu['other']:7.0f}"
        )
        if r.scenario == "record+reps":
            print(f"{'':>12} reps shown on the pages: {r.reps_shown}")


def report_server(result: ServerPathResult) -> None:
    print("\n== The server path, 1 session, Lite (bench_webcam's measure)")
    print(
        f"processed {result.processed_fps:.1f} fps (server counted {result.server_fps:.1f}); "
        f"server CPU {result.cpu['server']:.0f} % of a core, "
        f"{result.ms_per_frame:.1f} ms per processed frame; round trip camera -> processed "
        f"frame decoded p50 {_median(result.round_trip_ms):.0f} / p90 "
        f"{_p90(result.round_trip_ms):.0f} ms"
    )


def report_agreement(results: list[AgreementResult]) -> None:
    print("\n== Agreement on a still frame of two people: device vs server, same model")
    print(f"{'model':>6} {'people device/server':>21} {'median landmark distance / size':>32}")
    for r in results:
        each = ", ".join(f"{f:.2%}" for f in r.per_person) or "-"
        print(f"{r.model:>6} {r.device_people:>10} / {r.server_people:<8} {each:>32}")


def report_ratios(
    speed: list[SpeedResult], viewers: list[ViewersResult], server: ServerPathResult | None
) -> dict[str, float]:
    ratios: dict[str, float] = {}
    if server is not None:
        one = [r for r in viewers if r.viewers == 1 and r.scenario == "none"]
        if one and one[0].percent_per_viewer > 0:
            ratios["server_path_cpu_over_ondevice_cpu"] = (
                server.cpu["server"] / one[0].percent_per_viewer
            )
        lite = [r for r in speed if r.model == "lite" and r.capture_latencies_ms]
        if lite and server.round_trip_ms:
            ratios["lite: device capture->drawn / server path round trip (p50)"] = _median(
                lite[0].capture_latencies_ms
            ) / _median(server.round_trip_ms)
    for scenario in SCENARIOS:
        rows = sorted((r for r in viewers if r.scenario == scenario), key=lambda r: r.viewers)
        if len(rows) >= 2 and rows[0].percent_per_viewer > 0:
            ratios[f"{scenario}: per viewer {rows[-1].viewers} / {rows[0].viewers} viewers"] = (
                rows[-1].percent_per_viewer / rows[0].percent_per_viewer
            )
    by = {(r.scenario, r.viewers): r for r in viewers}
    for (scenario, n), r in by.items():
        if scenario == "record+reps" and ("none", n) in by and by[("none", n)].ms_per_frame > 0:
            ratios[f"record+reps / none, ms per frame, {n} viewers"] = (
                r.ms_per_frame / by[("none", n)].ms_per_frame
            )
    if ratios:
        print("\n== Ratios")
        for name, value in ratios.items():
            print(f"{name}: {value:.2f}")
    return ratios


# ---- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--models", nargs="+", default=list(MODEL_VARIANT_LABELS),
        choices=list(MODEL_VARIANT_LABELS),
        help="models for the browser's speed and the agreement",
    )  # fmt: skip
    parser.add_argument(
        "--viewers", nargs="+", type=int, default=[1, 4, 8],
        help="numbers of on-device viewers at once for the server's CPU",
    )  # fmt: skip
    parser.add_argument(
        "--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS,
        help="none: no analysis; record+reps: Record on and the Squat rep counter",
    )  # fmt: skip
    parser.add_argument(
        "--seconds", type=float, default=60.0,
        help="measured window for the server's CPU (and the server path)",
    )  # fmt: skip
    parser.add_argument(
        "--speed-seconds", type=float, default=20.0, help="measured window per model in the browser"
    )
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--poses", type=int, default=2, help="number of people (app default 2)")
    parser.add_argument(
        "--only", nargs="+", default=list(PARTS), choices=PARTS, help="parts to run"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    print(
        "PoseScope on-device benchmark: headless Chromium, fake camera 640x480@30 (two "
        f"people); parts {', '.join(args.only)}; {args.seconds:g} s CPU windows, "
        f"{args.speed_seconds:g} s speed windows, {args.warmup:g} s warm-up"
    )
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start")
    speed: list[SpeedResult] = []
    viewers: list[ViewersResult] = []
    server_path: ServerPathResult | None = None
    agreement: list[AgreementResult] = []
    with tempfile.TemporaryDirectory(prefix="bench_ondevice_") as tmp:
        clip = Path(tmp) / "camera.y4m"
        y4m.write_y4m(clip, y4m.basketball_frames(frame_code=True))
        still = Path(tmp) / "still.y4m"
        y4m.write_y4m(still, [load_rgb(STILL_PHOTO)] * y4m.CLIP_FPS)
        with harness.app_server(Path(tmp) / "streamlit.log") as server:
            with harness.chromium(clip) as browser:
                if "speed" in args.only:
                    for model in args.models:
                        speed.append(run_speed(browser, server, model, args))
                    report_speed(speed)
                if "cpu" in args.only:
                    for scenario in args.scenarios:
                        for n in args.viewers:
                            viewers.append(run_viewers(browser, server, n, scenario, args))
                            report_viewers(viewers[-1:])  # as it comes: a later run may fail
                            print(
                                f"  {scenario}, {n} viewer(s) done; load average "
                                f"{os.getloadavg()[0]:.2f}",
                                flush=True,
                            )
                    report_viewers(viewers)
                if "server" in args.only:
                    server_path = run_server_path(browser, server, args)
                    report_server(server_path)
                if "agreement" in args.only:
                    launched = browser.browser_type.launch(
                        executable_path=harness.CHROMIUM,
                        headless=True,
                        args=harness.chromium_args(still),
                    )
                    try:
                        for model in args.models:
                            agreement.append(run_agreement(launched, server, model, args))
                    finally:
                        launched.close()
                    report_agreement(agreement)
            log = server.log_text()
    ratios = report_ratios(speed, viewers, server_path)
    if "Traceback" in log:
        print("\nThe server logged a traceback:\n" + log[-3000:], file=sys.stderr)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        summary = {
            "speed": [dataclasses.asdict(r) for r in speed],
            "viewers": [
                {
                    **dataclasses.asdict(r),
                    "percent_per_viewer": r.percent_per_viewer,
                    "ms_per_frame": r.ms_per_frame,
                    "ms_per_message": r.ms_per_message,
                }
                for r in viewers
            ],
            "server_path": None
            if server_path is None
            else {**dataclasses.asdict(server_path), "ms_per_frame": server_path.ms_per_frame},
            "agreement": [{**dataclasses.asdict(r), "median": r.median} for r in agreement],
            "ratios": ratios,
        }
        args.json.write_text(json.dumps(summary, indent=2))
    return 1 if "Traceback" in log else 0


if __name__ == "__main__":
    sys.exit(main())
