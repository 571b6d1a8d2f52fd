"""The webcam end to end: Chromium's fake camera (640x480 at 30 fps) -> streamlit-webrtc ->
the app's pose processor -> back to the browser, against the bare detector loop.

    .venv/bin/python -m bench.bench_webcam [--model lite [full ...]] [--seconds 20]
        [--sessions 1] [--warmup 5] [--poses 2] [--json results.json]
        [--pauses] [--no-freeze]

It starts the app as users do (``streamlit run streamlit_app.py``, loopback only) and
Debian's headless Chromium, whose fake camera plays a clip of two real people (the
browser tests' clip) with each frame's number drawn in small squares on the floor. Each
of ``--sessions`` browser contexts opens the Webcam page (its own Streamlit session, so
its own detector), presses START and, after a warm-up, is measured over the same window:

- camera fps: frames the fake camera captured (read from a second capture of the same
  fake camera, which Chromium shares with the stream).
- returned fps: every frame of the returned video the browser decoded. With
  ``async_processing`` streamlit-webrtc sends one frame back for each frame received,
  re-sending the last processed one while the next is still being processed, so this
  stays near the camera rate whatever the model costs: it is not the processed rate.
  ("shown" is the same for the frames the ``<video>`` presented.)
- processed fps: returned frames whose frame number differs from the previous frame's,
  i.e. processed frames that came back (a re-sent frame repeats the number). Every
  decoded frame is read (MediaStreamTrackProcessor), so this is exact. The headline
  figure, and the one the targets apply to.
- server fps: the app's own count, from the page's Live readout "Frames", timed where
  the page shows each new value (once a second): a cross-check; it can exceed the
  processed fps if a processed frame is dropped on the way back.
- round trip: per processed frame, from the capture of camera frame k to the decoding
  of its processed version in the page: encode, send, decode, queue, detect, draw,
  encode, send back, decode (the screen adds the usual display delay on top).
- server ms/frame: the app's own timer in the frame callback (convert, detect, draw;
  model loads and the conversion back to a video frame excluded), shown on the page.
  The processed frame leaves with the next incoming frame, so the server's
  receive-to-send time is that rounded up to whole camera frame intervals ("send ms").

The bare loop is ``StreamDetector.detect`` on the same 640x480 frames for the same model
and number of people, alone in this process, before the browser starts. The camera
caps the end-to-end rate at 30 fps, so the ratio that can reach 100 % is processed fps
over min(bare fps, camera fps); the plain ratio to the bare loop is printed too.
Targets: lite >= 25 fps and >= 90 % of that capped bare rate; full >= 20 fps.

With ``--pauses`` the server also runs ``bench/probe/sitecustomize.py``, which notes
every moment it ran no Python code for 10 ms or more and each full garbage collection:
such pauses bunch the incoming frames, and the worker then drops all but the last.
``--no-freeze`` (implies ``--pauses``) runs the server without ``ui/server/gc_tuning``'s freeze,
for comparison.

CPU use over the window is split into the app server, the browser (Chromium and the
Playwright driver), this script and everything else: on a shared machine, "everything
else" explains a low figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

from pose_core import MODEL_VARIANT_LABELS, DetectorSettings, ModelVariant, StreamDetector
from pose_core.settings import (
    DEFAULT_PERSON_CONFIDENCE,
    PERSON_DETECTOR_LABELS,
    PERSON_DETECTORS,
)
from testkit.browser import harness
from testkit.browser.y4m import CLIP_FPS, basketball_frames, write_y4m

PROBE_DIR = Path(__file__).resolve().parent / "probe"
TARGET_FPS = {"lite": 25.0, "full": 20.0}
TARGET_RATIO = {"lite": 0.90}
START_FRAMES = 30  # processed frames before the warm-up counts as started

_CAPTION = re.compile(r"Model (\w+) · (\d+) ms per frame on the server")

# Records, in the page, each new value of the Live readout's "Frames" counter and when
# it appeared (the fragment redraws it once a second).
_WATCH_FRAMES = """() => {
    const read = () => {
        const metric = [...document.querySelectorAll("[data-testid='stMetric']")].find(
            m => m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim()
                 === 'Frames');
        const value = metric?.querySelector("[data-testid='stMetricValue']")?.innerText;
        return value === undefined ? null : parseInt(value.replace(/,/g, ''), 10);
    };
    window.__framesLog = [];
    let last = read();
    window.__framesWatch = new MutationObserver(() => {
        const value = read();
        if (value !== null && value !== last) {
            last = value;
            window.__framesLog.push([performance.now(), value]);
        }
    });
    window.__framesWatch.observe(document.body,
                                 {subtree: true, childList: true, characterData: true});
}"""
_STOP_WATCH = "() => { window.__framesWatch.disconnect(); return window.__framesLog; }"


# ---- bare loop ------------------------------------------------------------------------


def _settings(model: ModelVariant, args: argparse.Namespace) -> DetectorSettings:
    return DetectorSettings(
        model_variant=model,
        num_poses=args.poses,
        person_detector=args.detector,
        min_person_confidence=DEFAULT_PERSON_CONFIDENCE[args.detector],
    )


def bare_loop(
    settings: DetectorSettings, frames: list[np.ndarray], seconds: float
) -> dict[str, float]:
    """StreamDetector.detect on ``frames`` in a loop: frames per second and ms per frame."""
    with StreamDetector(settings) as detector:
        for frame in frames[:15]:  # warm-up: first calls allocate
            detector.detect(frame)
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            detector.detect(frames[count % len(frames)])
            count += 1
    return {"fps": count / elapsed, "ms": elapsed / count * 1000.0}


# ---- CPU accounting --------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree(root: int, tree: dict[int, list[int]]) -> set[int]:
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo.extend(tree.get(pid, []))
    return found


def _cpu_seconds(pids: set[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds used by the server, the browser, this script and the rest."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def sample(self) -> dict[str, float]:
        tree = _children()
        me = os.getpid()
        server = _tree(self.server_pid, tree)
        mine = _tree(me, tree) - server
        browser = mine - {me}
        return {
            "time": time.monotonic(),
            "server": _cpu_seconds(server),
            "browser": _cpu_seconds(browser),
            "bench": _cpu_seconds({me}),
            "machine": _machine_busy_seconds(),
        }

    @staticmethod
    def percent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        wall = after["time"] - before["time"]
        used = {k: (after[k] - before[k]) / wall * 100 for k in ("server", "browser", "bench")}
        machine = (after["machine"] - before["machine"]) / wall * 100
        used["other"] = max(0.0, machine - sum(used.values()))
        used["capacity"] = (os.cpu_count() or 1) * 100.0
        return used


# ---- one model, end to end --------------------------------------------------------------


@dataclasses.dataclass
class SessionResult:
    camera_fps: float
    returned_fps: float
    shown_fps: float
    processed_fps: float
    server_fps: float
    bad_codes: int
    round_trip_ms: list[float]
    inference_ms: float
    server_ms: float
    restarted: bool


@dataclasses.dataclass
class ModelRun:
    """One model's sessions, measured together over one window of wall-clock time.

    Attributes:
        sessions: One result per browser session.
        cpu: CPU use over the window by process group (CpuMeter.percent).
        window: Start and end of the measured window, as time.time() gives them.
    """

    sessions: list[SessionResult]
    cpu: dict[str, float]
    window: tuple[float, float]


def _processed_fps(log: list[list[float]]) -> tuple[float, bool]:
    """Frames/s from the (time ms, Frames) log; whether the counter ever went down."""
    restarted = any(b[1] < a[1] for a, b in itertools.pairwise(log))
    if len(log) < 2 or log[-1][0] <= log[0][0]:
        return 0.0, restarted
    return (log[-1][1] - log[0][1]) / ((log[-1][0] - log[0][0]) / 1000.0), restarted


def run_model(
    browser: Any, server: harness.AppServer, model: ModelVariant, args: argparse.Namespace
) -> ModelRun:
    contexts = [harness.new_context(browser) for _ in range(args.sessions)]
    try:
        pages = [context.new_page() for context in contexts]
        frames = []
        for page in pages:
            page.set_default_timeout(60_000)
            query = urlencode(
                {
                    "model": MODEL_VARIANT_LABELS[model],
                    "poses": args.poses,
                    "persons": PERSON_DETECTOR_LABELS[args.detector],
                    "person_confidence": f"{DEFAULT_PERSON_CONFIDENCE[args.detector]:g}",
                    # The frame codes are read where the camera drew them: no mirror.
                    "mirror": "false",
                }
            )
            harness.open_page(page, server, f"webcam?{query}")
            frames.append(harness.start_webcam(page))
        for page in pages:
            harness.wait_frames(page, START_FRAMES, timeout=120)
        time.sleep(args.warmup)  # let the encoders' bitrate and the tracker settle

        meter = CpuMeter(server.proc.pid)
        cpu_before = meter.sample()
        window_start = time.time()
        for page in pages:
            page.evaluate(_WATCH_FRAMES)
        for frame in frames:
            harness.start_round_trip(frame, args.seconds)
        readouts: list[list[tuple[float, float]]] = [[] for _ in pages]
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            for n, page in enumerate(pages):
                inference = harness.live_readout(page).get("Inference", "0 ms").split()[0]
                caption = _CAPTION.search(page.locator("[data-testid='stMain']").inner_text())
                if caption:
                    readouts[n].append((float(inference), float(caption.group(2))))
            time.sleep(1.0)
        trips = [harness.round_trip_result(frame, timeout=args.seconds + 30) for frame in frames]
        cpu = CpuMeter.percent(cpu_before, meter.sample())
        window = (window_start, time.time())
        results = []
        for page, trip, samples in zip(pages, trips, readouts, strict=True):
            server_fps, restarted = _processed_fps(page.evaluate(_STOP_WATCH))
            results.append(
                SessionResult(
                    camera_fps=trip.camera_fps,
                    returned_fps=trip.returned_fps,
                    shown_fps=trip.presented_fps,
                    processed_fps=trip.processed_fps,
                    server_fps=server_fps,
                    bad_codes=trip.bad + trip.camera_bad,
                    round_trip_ms=trip.latencies,
                    inference_ms=statistics.fmean(s[0] for s in samples) if samples else 0.0,
                    server_ms=statistics.fmean(s[1] for s in samples) if samples else 0.0,
                    restarted=restarted,
                )
            )
        for page in pages:
            harness.stop_webcam(page)
        return ModelRun(results, cpu, window)
    finally:
        for context in contexts:
            context.close()


# ---- report ---------------------------------------------------------------------------


def report_pauses(probe_file: Path, window: tuple[float, float]) -> dict[str, float]:
    """Print the server's pauses over ``window`` as the probe (bench/probe) recorded them."""
    time.sleep(1.5)  # the probe rewrites its file once a second
    data = json.loads(probe_file.read_text())
    start, end = window
    seconds = end - start
    pauses = [ms for at, ms in data["pauses"] if start <= at <= end]
    collections = [ms for at, ms in data["full_gc"] if start <= at <= end]
    figures = {
        "pauses_per_s": len(pauses) / seconds,
        "paused_ms_per_s": sum(pauses) / seconds,
        "longest_pause_ms": max(pauses, default=0.0),
        "full_gc_per_s": len(collections) / seconds,
        "full_gc_median_ms": statistics.median(collections) if collections else 0.0,
        "full_gc_max_ms": max(collections, default=0.0),
    }
    print(
        f"server pauses >= 10 ms: {figures['pauses_per_s']:.1f}/s, "
        f"{figures['paused_ms_per_s']:.0f} ms/s in all, longest "
        f"{figures['longest_pause_ms']:.0f} ms; full garbage collections "
        f"{figures['full_gc_per_s']:.1f}/s (median {figures['full_gc_median_ms']:.1f} ms, "
        f"max {figures['full_gc_max_ms']:.1f} ms)"
    )
    return figures


def _pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(
    model: str,
    bare: dict[str, float],
    results: list[SessionResult],
    cpu: dict[str, float],
) -> dict[str, Any]:
    print(f"\n== {model}: bare loop {bare['fps']:.1f} fps ({bare['ms']:.1f} ms/frame)")
    header = (
        f"{'session':>7} {'camera':>7} {'returned':>8} {'shown':>6} {'processed':>9} "
        f"{'server':>6} {'infer ms':>8} {'server ms':>9} {'send ms':>7} "
        f"{'round trip ms p50/p90':>22}"
    )
    print(header)
    interval_ms = 1000.0 / CLIP_FPS
    rows = []
    for n, r in enumerate(results, 1):
        send_ms = math.ceil(r.server_ms / interval_ms) * interval_ms if r.server_ms else 0.0
        trip = f"{_pct(r.round_trip_ms, 0.5):.0f} / {_pct(r.round_trip_ms, 0.9):.0f}"
        notes = (" (stream restarted!)" if r.restarted else "") + (
            f" ({r.bad_codes} unreadable frame codes)" if r.bad_codes else ""
        )
        print(
            f"{n:>7} {r.camera_fps:7.1f} {r.returned_fps:8.1f} {r.shown_fps:6.1f} "
            f"{r.processed_fps:9.1f} {r.server_fps:6.1f} {r.inference_ms:8.1f} "
            f"{r.server_ms:9.1f} {send_ms:7.0f} {trip:>22}{notes}"
        )
        rows.append({**dataclasses.asdict(r), "server_send_ms": send_ms})
    total = sum(r.processed_fps for r in results)
    per_session = total / len(results)
    camera = statistics.fmean(r.camera_fps for r in results)
    capped = min(bare["fps"], camera)
    print(
        f"processed fps: {per_session:.1f} per session, {total:.1f} in total; "
        f"ratio to bare {per_session / bare['fps']:.0%}, to min(bare, camera) "
        f"{per_session / capped:.0%}"
    )
    print(
        "CPU over the window (% of one core, "
        f"{cpu['capacity']:.0f} available): server {cpu['server']:.0f}, browser "
        f"{cpu['browser']:.0f}, this script {cpu['bench']:.0f}, other processes "
        f"{cpu['other']:.0f}"
    )
    # What one processed frame costs the server in CPU time: if it stays the same as
    # sessions are added, throughput is bounded by the cores, not by a lock.
    served = sum(r.server_fps for r in results)
    cpu_ms_per_frame = cpu["server"] * 10.0 / served if served else float("nan")
    in_use = (cpu["server"] + cpu["browser"] + cpu["bench"] + cpu["other"]) / cpu["capacity"]
    print(
        f"server CPU per frame it processed: {cpu_ms_per_frame:.1f} ms "
        f"({served:.1f} frames/s); the machine's cores {in_use:.0%} busy"
    )
    verdicts = []
    if model in TARGET_FPS:
        ok = per_session >= TARGET_FPS[model]
        verdicts.append(f">= {TARGET_FPS[model]:.0f} fps: {'PASS' if ok else 'FAIL'}")
    if model in TARGET_RATIO:
        ok = per_session >= TARGET_RATIO[model] * capped
        verdicts.append(
            f">= {TARGET_RATIO[model]:.0%} of min(bare, camera): {'PASS' if ok else 'FAIL'}"
        )
    if verdicts:
        print("targets (per session): " + "; ".join(verdicts))
    return {
        "model": model,
        "bare": bare,
        "sessions": rows,
        "processed_fps_per_session": per_session,
        "processed_fps_total": total,
        "ratio_to_bare": per_session / bare["fps"],
        "server_cpu_ms_per_frame": cpu_ms_per_frame,
        "ratio_to_capped_bare": per_session / capped,
        "cpu_percent": cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", nargs="+", default=["lite"], choices=list(MODEL_VARIANT_LABELS), help="models"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window")
    parser.add_argument("--sessions", type=int, default=1, help="browser sessions at once")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--poses", type=int, default=2, help="number of people (app default 2)")
    parser.add_argument(
        "--detector", default="mediapipe", choices=PERSON_DETECTORS, help="person detector"
    )
    parser.add_argument(
        "--people", type=int, default=2, choices=(2, 4),
        help="people in the fake camera's clip (4: two half-size copies side by side)",
    )  # fmt: skip
    parser.add_argument("--bare-seconds", type=float, default=10.0, help="bare loop length")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--pauses",
        action="store_true",
        help="also record the server's pauses and full garbage collections (bench/probe)",
    )
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="the server skips ui/server/gc_tuning's freeze (as before it); implies --pauses",
    )
    args = parser.parse_args(argv)
    args.pauses = args.pauses or args.no_freeze

    print(
        "PoseScope webcam benchmark: fake camera 640x480@30 -> streamlit-webrtc -> app -> "
        f"browser; {args.sessions} session(s), {args.seconds:g} s window after "
        f"{args.warmup:g} s warm-up, up to {args.poses} people of {args.people} in view, "
        f"person detector {args.detector}"
    )
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start")
    frames = basketball_frames(frame_code=True, copies=args.people // 2)
    bare = {
        model: bare_loop(_settings(model, args), frames, args.bare_seconds) for model in args.model
    }
    summary = []
    with tempfile.TemporaryDirectory(prefix="bench_webcam_") as tmp:
        clip = Path(tmp) / "camera.y4m"
        write_y4m(clip, frames)
        # Every session streams: the server's live-stream limit (2 by default) must not
        # turn some of them away as "busy".
        env = {"POSESCOPE_MAX_LIVE_STREAMS": str(args.sessions)}
        probe_file = Path(tmp) / "pauses.json"
        if args.pauses:
            env |= {"PYTHONPATH": str(PROBE_DIR), "POSESCOPE_PAUSE_PROBE": str(probe_file)}
            if args.no_freeze:
                env["POSESCOPE_PROBE_NO_FREEZE"] = "1"
        with harness.app_server(Path(tmp) / "streamlit.log", env) as server:
            with harness.chromium(clip) as browser:
                for model in args.model:
                    run = run_model(browser, server, model, args)
                    summary.append(report(model, bare[model], run.sessions, run.cpu))
                    if args.pauses:
                        summary[-1]["pauses"] = report_pauses(probe_file, run.window)
            log = server.log_text()
    if "Traceback" in log:
        print("\nThe server logged a traceback:\n" + log[-3000:], file=sys.stderr)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 1 if "Traceback" in log else 0


if __name__ == "__main__":
    sys.exit(main())
