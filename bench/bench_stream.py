"""A network camera end to end: a real RTSP server (GStreamer, on loopback) -> the app's
pull and live engine -> WebRTC -> the browser, at 640x480 and 1280x720, against the
webcam path in the same run.

    .venv/bin/python -m bench.bench_stream [--model lite] [--detector mediapipe]
        [--sizes 640x480 1280x720] [--seconds 20] [--warmup 5] [--json results.json]

The RTSP server (``testkit/rtsp/server.py``) encodes the sample clip of people walking
(H.264, 30 fps, zero-latency x264) with each pushed frame's number painted as a barcode
along its bottom edge, and logs when it pushed each number (wall clock). The browser
opens the Network stream page, types the address and presses START; after a warm-up,
every decoded frame of the returned video is read (MediaStreamTrackProcessor) over the
window:

- processed fps: returned frames carrying a new frame number, i.e. processed frames that
  reached the browser (the viewer's track sends each processed frame once).
- end-to-end latency: per processed frame, from the RTSP server pushing it to the
  browser decoding its processed version: H.264 encode, RTSP over TCP, decode, the
  one-frame mailbox, detect and draw, VP8/H.264 encode, WebRTC, decode. Same machine,
  same wall clock on both ends.
- skipped: frames the app decoded but did not process because the detector was busy
  (from the page's status line): dropped, not queued.

The webcam path is ``bench_webcam``'s one-session run with the same model, person
detector and number of people: processed fps and its round trip (camera capture ->
processed frame decoded in the page). The ratios printed are stream / webcam.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import bench_webcam
from bench.bench_webcam import CpuMeter, _cpu_seconds
from pose_core import MODEL_VARIANT_LABELS
from pose_core.settings import DEFAULT_PERSON_CONFIDENCE, PERSON_DETECTOR_LABELS, PERSON_DETECTORS
from testkit.browser import harness
from testkit.browser.y4m import basketball_frames, write_y4m
from testkit.rtsp.barcode import BITS, CELLS_PER_WIDTH, GUARD
from testkit.rtsp.fixture import RtspServer, frames_file, read_log, require_gst_rtsp

_STATUS = re.compile(r"Live · (\d+)×(\d+) \w+ · ([\d.]+) fps in · (\d+) frames skipped")

# Reads the frame number from every decoded frame of the returned video (the layout of
# testkit/rtsp/barcode.py: guard, bits, even parity, one cell high along the bottom edge).
_PROBE = """async ([seconds, cellsPerWidth, guard, bits]) => {
    const video = document.querySelector('video');
    const track = video.srcObject.getVideoTracks()[0].clone();
    const reader = new MediaStreamTrackProcessor({track}).readable.getReader();
    const cells = guard + bits + 1;
    let canvas = null, ctx = null;
    const read = (frame) => {
        const w = frame.displayWidth, h = frame.displayHeight, cell = w / cellsPerWidth;
        const top = h - Math.round(cell * 0.75);
        const rows = Math.max(Math.round(cell * 0.5), 1), width = Math.ceil(cells * cell);
        if (!canvas || canvas.width !== width || canvas.height !== rows) {
            canvas = new OffscreenCanvas(width, rows);
            ctx = canvas.getContext('2d', {willReadFrequently: true});
        }
        ctx.drawImage(frame, 0, top, width, rows, 0, 0, width, rows);
        const data = ctx.getImageData(0, 0, width, rows).data;
        const levels = [];
        for (let i = 0; i < cells; i++) {
            const left = Math.round((i + 0.25) * cell);
            const right = Math.max(Math.round((i + 0.75) * cell), left + 1);
            let sum = 0, n = 0;
            for (let y = 0; y < rows; y++) for (let x = left; x < right; x++) {
                const p = (y * width + x) * 4;
                sum += (data[p] + data[p + 1] + data[p + 2]) / 3; n++;
            }
            levels.push(sum / n);
        }
        const white = Math.min(levels[0], levels[2]), black = levels[1];
        if (white - black < 64) return null;
        const threshold = (white + black) / 2;
        let number = 0, ones = 0;
        for (let i = 0; i < bits; i++) {
            const bit = levels[guard + i] > threshold ? 1 : 0;
            number = number * 2 + bit; ones += bit;
        }
        const parity = levels[guard + bits] > threshold ? 1 : 0;
        return ones % 2 === parity ? number : null;
    };
    const seen = [];
    let decoded = 0, bad = 0, last = null;
    const start = performance.now(), end = start + seconds * 1000;
    while (performance.now() < end) {
        const {value: frame, done} = await reader.read();
        if (done) break;
        const at = performance.timeOrigin + performance.now();
        try {
            decoded += 1;
            const number = read(frame);
            if (number === null) bad += 1;
            else if (number !== last) { seen.push([number, at]); last = number; }
        } finally { frame.close(); }
    }
    await reader.cancel();
    track.stop();
    return {seen, decoded, bad, elapsed: (performance.now() - start) / 1000,
            width: video.videoWidth, height: video.videoHeight};
}"""


def _query(args: argparse.Namespace) -> str:
    return urlencode(
        {
            "model": MODEL_VARIANT_LABELS[args.model],
            "poses": args.poses,
            "persons": PERSON_DETECTOR_LABELS[args.detector],
            "person_confidence": f"{DEFAULT_PERSON_CONFIDENCE[args.detector]:g}",
        }
    )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run_stream(
    browser: Any, server: harness.AppServer, camera: RtspServer, args: argparse.Namespace
) -> dict[str, float]:
    with harness.page_in(harness.new_context(browser)) as page:
        page.set_default_timeout(60_000)
        harness.open_page(page, server, f"stream?{_query(args)}")
        field = page.get_by_role("textbox", name="Stream address")
        field.fill(camera.url)
        field.press("Enter")
        harness.wait_idle(page)
        frame = harness.start_webcam(page, timeout=90)
        harness.wait_frames(page, bench_webcam.START_FRAMES, timeout=120)
        time.sleep(args.warmup)
        status_before = _STATUS.search(harness.main_area(page).inner_text())
        meter = CpuMeter(server.proc.pid)
        cpu_before = meter.sample()
        camera_cpu = _cpu_seconds({camera.pid or 0})
        probe = frame.evaluate(_PROBE, [args.seconds, CELLS_PER_WIDTH, len(GUARD), BITS])
        cpu = CpuMeter.percent(cpu_before, meter.sample())
        camera_pct = (_cpu_seconds({camera.pid or 0}) - camera_cpu) / probe["elapsed"] * 100
        status_after = _STATUS.search(harness.main_area(page).inner_text())
        harness.stop_webcam(page)
    assert camera.log_path is not None
    pushed = read_log(camera.log_path)
    latencies = [at - pushed[n] / 1e6 for n, at in probe["seen"] if n in pushed]
    skipped = (
        int(status_after.group(4)) - int(status_before.group(4))
        if status_before and status_after
        else -1
    )
    return {
        "processed_fps": len(probe["seen"]) / probe["elapsed"],
        "returned_fps": probe["decoded"] / probe["elapsed"],
        "latency_p50_ms": _pct(latencies, 0.5),
        "latency_p90_ms": _pct(latencies, 0.9),
        "latency_mean_ms": statistics.fmean(latencies) if latencies else float("nan"),
        "unread_codes": probe["bad"],
        "skipped_per_s": skipped / probe["elapsed"] if skipped >= 0 else float("nan"),
        "input_fps": float(status_after.group(3)) if status_after else float("nan"),
        "returned_size": f"{probe['width']}x{probe['height']}",
        "server_cpu_pct": cpu["server"],
        # The browser's share includes the RTSP server (a child of this script).
        "browser_cpu_pct": cpu["browser"] - camera_pct,
        "camera_cpu_pct": camera_pct,
        "busy_pct": _busy(cpu),
    }


def _busy(cpu: dict[str, float]) -> float:
    used = sum(cpu[k] for k in ("server", "browser", "bench", "other"))
    return used / cpu["capacity"] * 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="lite", choices=list(MODEL_VARIANT_LABELS))
    parser.add_argument("--detector", default="mediapipe", choices=PERSON_DETECTORS)
    parser.add_argument("--poses", type=int, default=2, help="number of people (app default 2)")
    parser.add_argument("--sizes", nargs="+", default=["640x480", "1280x720"])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    require_gst_rtsp()
    print(
        f"PoseScope network stream benchmark: RTSP (H.264, 30 fps) -> app -> browser vs the "
        f"webcam path; model {args.model}, person detector {args.detector}, up to "
        f"{args.poses} people; {args.seconds:g} s windows after {args.warmup:g} s warm-up"
    )
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start")
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench_stream_") as tmp_name:
        tmp = Path(tmp_name)
        clip = tmp / "camera.y4m"
        write_y4m(clip, basketball_frames(frame_code=True))
        with harness.app_server(tmp / "streamlit.log") as server, harness.chromium(clip) as browser:
            webcam_args = argparse.Namespace(
                sessions=1, poses=args.poses, detector=args.detector,
                warmup=args.warmup, seconds=args.seconds,
            )  # fmt: skip
            run = bench_webcam.run_model(browser, server, args.model, webcam_args)
            webcam, cpu = run.sessions[0], run.cpu
            results["webcam 640x480"] = {
                "processed_fps": webcam.processed_fps,
                "latency_p50_ms": _pct(webcam.round_trip_ms, 0.5),
                "latency_p90_ms": _pct(webcam.round_trip_ms, 0.9),
                "server_cpu_pct": cpu["server"],
                "busy_pct": _busy(cpu),
            }
            for size in args.sizes:
                width, height = (int(v) for v in size.split("x"))
                frames = frames_file(tmp, width, height)
                log = tmp / f"pushed-{size}.log"
                with RtspServer(frames, width, height, fps=30, log_path=log) as camera:
                    results[f"rtsp {size}"] = run_stream(browser, server, camera, args)
                frames.unlink()
    base = results["webcam 640x480"]
    print()
    print(f"{'source':<16} {'processed fps':>13} {'latency p50 / p90 ms':>21} "
          f"{'fps ratio':>9} {'server CPU %':>12}")  # fmt: skip
    for name, row in results.items():
        ratio = row["processed_fps"] / base["processed_fps"] if base["processed_fps"] else 0
        print(
            f"{name:<16} {row['processed_fps']:>13.1f} "
            f"{row['latency_p50_ms']:>10.0f} / {row['latency_p90_ms']:<8.0f} "
            f"{ratio:>9.2f} {row.get('server_cpu_pct', float('nan')):>12.0f}"
        )
    for name, row in results.items():
        if name.startswith("rtsp"):
            print(
                f"{name}: input {row['input_fps']:.1f} fps, returned {row['returned_size']}, "
                f"{row['skipped_per_s']:.1f} frames/s skipped (detector busy), "
                f"{row['unread_codes']} unread codes; CPU % of a core: RTSP server "
                f"{row['camera_cpu_pct']:.0f}, browser {row['browser_cpu_pct']:.0f}; machine "
                f"busy {row['busy_pct']:.0f} %"
            )
    print(
        "latency: webcam = camera capture -> processed frame decoded in the page; rtsp = "
        "RTSP server push -> processed frame decoded in the page"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
