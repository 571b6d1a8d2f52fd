"""Long runs of the Webcam page: the app server's resident memory and thread count over
many stop/start cycles, and optionally over one long continuous stream.

    .venv/bin/python -m bench.bench_soak [--cycles 50] [--model lite] [--frames 30]
        [--stream-minutes M] [--sample-seconds 15] [--warmup-minutes 1] [--json out.json]

It starts the app as users do (``streamlit run streamlit_app.py``, loopback only) and
Debian's headless Chromium with the browser tests' fake camera (two real people), opens
the Webcam page in one browser session and:

- cycles: presses START, waits for ``--frames`` processed frames and the skeleton on a
  returned frame, presses STOP, waits for the page to say "Live streams on this server:
  0 of N", then (after ``--settle`` seconds) reads the server's ``Threads:`` and
  ``VmRSS:`` from /proc. One row per cycle, then first/last/max and the growth: of the
  last cycle over the first, and over the cycle after the warm-up cycles (memory
  allocators and caches fill up during the first few).
- ``--stream-minutes M``: one stream left running M minutes, RSS and threads sampled
  every ``--sample-seconds``; the growth is reported against the first sample after
  ``--warmup-minutes`` (the target: no growth beyond 5 % after warm-up), then the stream
  is stopped and the server must be back to no live stream and its idle thread count.

Each session's detector is released when its stream stops: that is what "0 of N" after
each STOP shows (the count is of slots, and a slot goes with the detector). The app then
hands the memory the stream freed back to the OS (``pose_core.memory.MemoryTrimmer``);
without that, glibc keeps it in its per-thread arenas and the resident memory after a
STOP wanders over ~200 MB from cycle to cycle, hiding any trend. Thread counts may rise
by a few over the first cycles: the asyncio loop's default executor grows on demand.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pose_core import MODEL_VARIANT_LABELS
from testkit.browser import harness
from testkit.browser.y4m import basketball_frames, write_y4m

TARGET_GROWTH = 0.05  # the 10-minute soak's target: RSS within 5 % after warm-up


def _sample(server: harness.AppServer) -> dict[str, float]:
    return {"threads": harness.server_threads(server), "rss_mb": harness.server_rss_mb(server)}


def _start(page: Any, frames: int) -> dict[str, float]:
    """START, then wait for ``frames`` processed frames and a frame with the skeleton."""
    started = time.monotonic()
    frame = harness.start_webcam(page)
    harness.wait_frames(page, frames, timeout=60)
    skeleton = harness.wait_for_skeleton(frame, present=True, timeout=15)["total"]
    return {"start_s": time.monotonic() - started, "skeleton_px": skeleton}


def _growth(first: float, last: float) -> float:
    return (last - first) / first if first else 0.0


def _slope(values: list[float]) -> float:
    """Least-squares slope of ``values`` against their position (units per step)."""
    if len(values) < 2:
        return 0.0
    xs = range(len(values))
    x_mean, y_mean = statistics.fmean(xs), statistics.fmean(values)
    num = sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, values, strict=True))
    return num / sum((x - x_mean) ** 2 for x in xs)


def run_cycles(page: Any, server: harness.AppServer, args: argparse.Namespace) -> dict[str, Any]:
    print(f"\n== {args.cycles} stop/start cycles ({args.frames} processed frames each)")
    print(f"{'cycle':>5} {'start s':>7} {'frames':>6} {'skeleton px':>11} {'threads':>7} "
          f"{'RSS MB':>7} {'streams':>7}")  # fmt: skip
    rows = []
    for cycle in range(1, args.cycles + 1):
        started = _start(page, args.frames)
        frames = harness.frames_shown(page)
        harness.stop_webcam(page)
        streams = harness.wait_streams(page, 0)
        time.sleep(args.settle)
        row = {"cycle": cycle, **started, "frames": frames, **_sample(server)}
        rows.append(row)
        print(
            f"{cycle:>5} {row['start_s']:7.1f} {frames:>6} {row['skeleton_px']:>11} "
            f"{row['threads']:>7} {row['rss_mb']:7.1f} {streams[0]:>3} of {streams[1]}",
            flush=True,
        )
    threads = [r["threads"] for r in rows]
    rss = [r["rss_mb"] for r in rows]
    warm = min(args.warmup_cycles, len(rows) - 1)
    # Robust to the allocator's ups and downs: medians of the first and last tenth of the
    # cycles after the warm-up (at least 3 each), and the trend over all of them.
    settled = rss[warm:]
    window = max(3, len(settled) // 10)
    summary = {
        "threads_first": threads[0],
        "threads_last": threads[-1],
        "threads_max": max(threads),
        "rss_first_mb": rss[0],
        "rss_last_mb": rss[-1],
        "rss_max_mb": max(rss),
        "rss_median_mb": statistics.median(rss),
        "warmup_cycles": warm,
        "rss_after_warmup_mb": rss[warm],
        "rss_growth": _growth(rss[0], rss[-1]),
        "rss_growth_after_warmup": _growth(rss[warm], rss[-1]),
        "rss_max_growth_after_warmup": _growth(rss[warm], max(rss[warm:])),
        "rss_median_early_mb": statistics.median(settled[:window]),
        "rss_median_late_mb": statistics.median(settled[-window:]),
        "rss_slope_mb_per_cycle": _slope(settled),
        "start_s_median": statistics.median(r["start_s"] for r in rows),
    }
    print(
        f"threads after STOP: first {threads[0]}, last {threads[-1]}, max {max(threads)}\n"
        f"RSS after STOP: first {rss[0]:.1f} MB, last {rss[-1]:.1f} MB, max {max(rss):.1f} MB,"
        f" median {summary['rss_median_mb']:.1f} MB\n"
        f"RSS growth: {summary['rss_growth']:+.1%} last over first; after {warm} warm-up "
        f"cycle(s) {summary['rss_growth_after_warmup']:+.1%} last, "
        f"{summary['rss_max_growth_after_warmup']:+.1%} at most "
        f"(over cycle {warm + 1}: {rss[warm]:.1f} MB)\n"
        f"RSS trend after warm-up: median of the first {window} cycles "
        f"{summary['rss_median_early_mb']:.1f} MB, of the last {window} "
        f"{summary['rss_median_late_mb']:.1f} MB; slope "
        f"{summary['rss_slope_mb_per_cycle']:+.2f} MB per cycle\n"
        f"START to processed frames and skeleton: median {summary['start_s_median']:.1f} s"
    )
    return {"rows": rows, "summary": summary}


def run_stream(page: Any, server: harness.AppServer, args: argparse.Namespace) -> dict[str, Any]:
    minutes, every = args.stream_minutes, args.sample_seconds
    print(f"\n== one stream for {minutes:g} min, sampled every {every:g} s")
    idle = _sample(server)
    _start(page, args.frames)
    print(f"{'time s':>6} {'frames':>7} {'fps':>5} {'threads':>7} {'RSS MB':>7}")
    samples = []
    begin = time.monotonic()
    end = begin + minutes * 60
    next_at = begin
    while True:
        now = time.monotonic()
        if now < next_at:
            time.sleep(min(next_at - now, 1.0))
            continue
        readout = harness.live_readout(page)
        sample = {
            "t_s": now - begin,
            "frames": int(readout["Frames"].replace(",", "")),
            "fps": float(readout["Processed fps"]),
            **_sample(server),
        }
        samples.append(sample)
        print(
            f"{sample['t_s']:6.0f} {sample['frames']:>7} {sample['fps']:5.1f} "
            f"{sample['threads']:>7} {sample['rss_mb']:7.1f}",
            flush=True,
        )
        if now >= end:
            break
        next_at += every
    harness.stop_webcam(page)
    harness.wait_streams(page, 0)
    time.sleep(args.settle)
    after = _sample(server)

    warm = [s for s in samples if s["t_s"] >= args.warmup_minutes * 60] or samples[-1:]
    base = warm[0]["rss_mb"]
    rss = [s["rss_mb"] for s in warm]
    growth_last = _growth(base, rss[-1])
    growth_max = _growth(base, max(rss))
    frames = samples[-1]["frames"] - samples[0]["frames"]
    span = samples[-1]["t_s"] - samples[0]["t_s"]
    summary = {
        "minutes": minutes,
        "warmup_minutes": args.warmup_minutes,
        "rss_warm_mb": base,
        "rss_last_mb": rss[-1],
        "rss_max_mb": max(rss),
        "rss_growth_after_warmup": growth_last,
        "rss_max_growth_after_warmup": growth_max,
        "threads_min": min(s["threads"] for s in samples),
        "threads_max": max(s["threads"] for s in samples),
        "processed_fps_mean": frames / span if span else 0.0,
        "idle_before": idle,
        "idle_after": after,
        "within_target": growth_last <= TARGET_GROWTH and growth_max <= TARGET_GROWTH,
    }
    verdict = "PASS" if summary["within_target"] else "FAIL"
    print(
        f"RSS after the {args.warmup_minutes:g}-min warm-up: {base:.1f} MB; last "
        f"{rss[-1]:.1f} MB ({growth_last:+.1%}), max {max(rss):.1f} MB ({growth_max:+.1%}); "
        f"target <= {TARGET_GROWTH:.0%}: {verdict}\n"
        f"threads while streaming: {summary['threads_min']}-{summary['threads_max']}; "
        f"processed {summary['processed_fps_mean']:.1f} fps on average\n"
        f"idle server before the stream: {idle['threads']} threads, {idle['rss_mb']:.1f} MB; "
        f"after STOP: {after['threads']} threads, {after['rss_mb']:.1f} MB"
    )
    return {"samples": samples, "summary": summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=50, help="stop/start cycles (0: none)")
    parser.add_argument("--model", default="lite", choices=list(MODEL_VARIANT_LABELS), help="model")
    parser.add_argument("--frames", type=int, default=30, help="processed frames per start")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds after STOP to sample")
    parser.add_argument("--warmup-cycles", type=int, default=5, help="cycles before the baseline")
    parser.add_argument(
        "--stream-minutes", type=float, default=0.0, help="then one stream this long (0: none)"
    )
    parser.add_argument("--sample-seconds", type=float, default=15.0, help="stream sampling")
    parser.add_argument("--warmup-minutes", type=float, default=1.0, help="stream warm-up")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    print(
        f"PoseScope soak: Webcam page, model {args.model}, fake camera 640x480@30; "
        f"{args.cycles} stop/start cycle(s)"
        + (f", then a {args.stream_minutes:g}-min stream" if args.stream_minutes else "")
    )
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench_soak_") as tmp:
        clip = Path(tmp) / "camera.y4m"
        write_y4m(clip, basketball_frames())
        with harness.app_server(Path(tmp) / "streamlit.log") as server:
            with harness.chromium(clip) as browser:
                context = harness.new_context(browser)
                try:
                    page = context.new_page()
                    page.set_default_timeout(60_000)
                    harness.open_page(
                        page,
                        server,
                        f"webcam?model={MODEL_VARIANT_LABELS[args.model]}&mirror=false",
                    )
                    harness.wait_streams(page, 0)
                    results["idle"] = _sample(server)
                    print(
                        f"idle server with the page open: {results['idle']['threads']} "
                        f"threads, {results['idle']['rss_mb']:.1f} MB"
                    )
                    if args.cycles:
                        results["cycles"] = run_cycles(page, server, args)
                    if args.stream_minutes:
                        results["stream"] = run_stream(page, server, args)
                finally:
                    context.close()
            log = server.log_text()
    if "Traceback" in log:
        print("\nThe server logged a traceback:\n" + log[-3000:], file=sys.stderr)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    failed = "Traceback" in log or not results.get("stream", {}).get("summary", {}).get(
        "within_target", True
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
