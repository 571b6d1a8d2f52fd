"""Live webcam sessions through HAProxy on 1 or 2 replicas: processed frames/s, CPU and
memory per replica.

    .venv/bin/python -m bench.bench_cluster [--sessions 1 2 4] [--replicas 1 2]
        [--model lite] [--seconds 15] [--warmup 5]

For each number of replicas, ``deploy.cluster`` starts them behind HAProxy (as
``scripts/run_cluster.sh`` does, TURN off: media go direct), with the per-replica stream
limit raised to the largest session count so that no session is turned away. For each
number of sessions, that many browser contexts (Debian's Chromium, the browser tests'
fake camera with two people) open the Webcam page through HAProxy, start the camera and,
after the warm-up, are measured over the same window:

- processed fps per session: the server's frame counter on each page (its Live
  readout), over the window;
- per replica: sessions it holds, CPU (% of one core) and resident memory at the end;
- server CPU per processed frame, over all replicas: the cost that sizes a deployment.

The browser runs on the same machine and shares its cores with the replicas: on 2
cores more replicas cannot add capacity, and the figures say how the cores are shared.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_webcam import _cpu_seconds
from deploy import cluster as deploy
from testkit.browser import harness
from testkit.browser.y4m import basketball_frames, write_y4m


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _replica_of(page: Any) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    replica: str = cookies.get("POSESCOPE_REPLICA", "?")
    return replica


@dataclasses.dataclass(frozen=True)
class Figures:
    fps: list[float]  # per session
    cpu: dict[str, float]  # per replica, % of one core
    rss: dict[str, float]  # per replica, MB
    held: dict[str, int]  # sessions per replica


def measure(
    browser: Any, running: deploy.Cluster, sessions: int, args: argparse.Namespace
) -> Figures:
    # The cluster's balancer stands in for the app: no process of our own to give, and
    # the pages only need its URL.
    server = harness.AppServer(running.url, None, Path(os.devnull))  # type: ignore[arg-type]
    contexts = [harness.new_context(browser) for _ in range(sessions)]
    try:
        pages = [context.new_page() for context in contexts]
        for page in pages:
            page.set_default_timeout(60_000)
            harness.open_page(page, server, f"webcam?model={args.model.title()}&mirror=false")
            harness.start_webcam(page)
        for page in pages:
            harness.wait_frames(page, 20, timeout=120)
        time.sleep(args.warmup)
        pids = running.replica_pids()
        cpu_before = {name: _cpu_seconds({pid}) for name, pid in pids.items()}
        frames_before = [harness.frames_shown(page) for page in pages]
        start = time.monotonic()
        time.sleep(args.seconds)
        frames_after = [harness.frames_shown(page) for page in pages]
        wall = time.monotonic() - start
        cpu = {
            name: (_cpu_seconds({pid}) - cpu_before[name]) / wall * 100
            for name, pid in pids.items()
        }
        rss = {name: _rss_mb(pid) for name, pid in pids.items()}
        fps = [(b - a) / wall for a, b in zip(frames_before, frames_after, strict=True)]
        held = {name: sum(_replica_of(p) == name for p in pages) for name in pids}
        for page in pages:
            harness.stop_webcam(page)
        return Figures(fps, cpu, rss, held)
    finally:
        for context in contexts:
            context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", default="lite", choices=["lite", "full", "heavy"])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    args = parser.parse_args()
    print(
        f"bench_cluster: {args.model} model, {args.seconds:g} s window after "
        f"{args.warmup:g} s warm-up; {os.cpu_count()} CPUs; load average "
        f"{os.getloadavg()[0]:.2f} at start"
    )
    print(
        f"{'replicas':>8} {'sessions':>8} {'fps/session':>11} {'fps total':>9} "
        f"{'CPU ms/frame':>12}   per replica: sessions, CPU %, RSS MB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "camera.y4m"
        write_y4m(clip, basketball_frames())
        with harness.chromium(clip) as browser:
            for replicas in args.replicas:
                options = deploy.ClusterOptions(
                    replicas=replicas,
                    port=deploy.free_port(),
                    turn=False,
                    replica_env={"POSESCOPE_MAX_LIVE_STREAMS": str(max(args.sessions))},
                )
                with deploy.running(options) as running:
                    for sessions in args.sessions:
                        f = measure(browser, running, sessions, args)
                        total = sum(f.fps)
                        cpu_ms = sum(f.cpu.values()) * 10.0 / total if total else float("nan")
                        per = ", ".join(
                            f"{n}: {f.held[n]}, {f.cpu[n]:.0f} %, {f.rss[n]:.0f}"
                            for n in sorted(f.cpu)
                        )
                        print(
                            f"{replicas:>8} {sessions:>8} {statistics.fmean(f.fps):>11.1f} "
                            f"{total:>9.1f} {cpu_ms:>12.1f}   {per}",
                            flush=True,
                        )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
