"""Start-up and model switching, as a user sees them in the browser.

    .venv/bin/python -m bench.bench_start [--rounds 3]

Per round, a fresh app server (``streamlit run streamlit_app.py``, as the README starts
it) and a fresh browser session:

- server ready: from starting the process to its health endpoint answering;
- first page: from then to the Home page drawn in Chromium (title and sample photos);
- start total: the two together. Target: within 5 s.

Then, on the Home page with a sample photo picked, the model variant is switched in the
sidebar: full (the default) -> lite -> heavy -> full -> lite -> heavy -> full, timing each from
the click to the result showing the new model; the next click waits until the browser
has drawn the previous result. The first switch to a variant loads it;
later ones must come from the cache. Target: within 0.5 s after a variant's first load,
and every variant loaded once (counted in the server log).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from testkit.browser import harness, y4m

START_TARGET_S = 5.0
SWITCH_TARGET_S = 0.5
SEQUENCE = ("Lite", "Heavy", "Full", "Lite", "Heavy", "Full")
LOADED = "Loaded an image landmarker"
_TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _model_shown(page: Any) -> str:
    try:
        return harness.metric_value(page, "Model")
    except Exception:  # between runs the metric may be gone for a moment
        return ""


def one_round(browser: Any, folder: Path, n: int) -> dict[str, Any]:
    log = folder / f"server-{n}.log"
    started = time.perf_counter()
    with harness.app_server(log) as server:
        ready = time.perf_counter()
        context = harness.new_context(browser)
        page = context.new_page()
        # Arrival times of the server's websocket messages: the last one before the new
        # model shows ends the server's part of a switch (the rest is the browser's).
        received: list[float] = []
        page.on(
            "websocket",
            lambda ws: ws.on("framereceived", lambda _: received.append(time.perf_counter())),
        )
        try:
            page.goto(server.page_url())
            page.get_by_role("heading", name="PoseScope").wait_for()
            page.locator("[data-testid='stImage'] img").first.wait_for()
            page.wait_for_function(
                "() => [...document.querySelectorAll(\"[data-testid='stImage'] img\")]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            )
            shown = time.perf_counter()
            # A sample with the default model (full): its first load.
            page.get_by_role("button", name="Detect poses").first.click()
            harness.wait_until(lambda: _model_shown(page) == "Full", 60, interval=0.01)
            harness.wait_idle(page)
            sidebar = page.locator("[data-testid='stSidebar']")
            switches = []
            seen: set[str] = {"Full"}
            for variant in SEQUENCE:
                received.clear()
                clicked = time.perf_counter()
                sidebar.get_by_role("radio", name=variant).click()
                harness.wait_until(lambda v=variant: _model_shown(page) == v, 60, interval=0.01)
                shown_at = time.perf_counter()
                answered = max((t for t in received if t <= shown_at), default=shown_at)
                first_load = variant not in seen
                switches.append((variant, first_load, shown_at - clicked, answered - clicked))
                seen.add(variant)
                harness.wait_idle(page)
                # The next click waits until the browser has drawn this result (the 3D
                # chart renders in software here): as a user would, and so a click is not
                # queued behind the previous switch's drawing.
                page.evaluate(_TWO_FRAMES)
            harness.assert_no_traceback(page, server)
        finally:
            context.close()
        loads = server.log_text().count(LOADED)
    return {
        "ready_s": ready - started,
        "page_s": shown - ready,
        "start_s": shown - started,
        "switches": switches,  # (variant, first load, shown s, server's part s)
        "loads": loads,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-start-"))
    clip = folder / "camera.y4m"
    y4m.write_y4m(clip, y4m.basketball_frames(seconds=0.5))
    rounds = []
    with harness.chromium(clip) as browser:
        for n in range(args.rounds):
            rounds.append(one_round(browser, folder, n))
            r = rounds[-1]
            print(
                f"round {n + 1}: server ready {r['ready_s']:.2f} s, first page "
                f"{r['page_s']:.2f} s, start {r['start_s']:.2f} s; switches "
                + ", ".join(
                    f"{v}{' (load)' if first else ''} {t:.2f} s" for v, first, t, _ in r["switches"]
                )
                + f"; landmarkers loaded {r['loads']}"
            )
    start = statistics.median(r["start_s"] for r in rounds)
    ready = statistics.median(r["ready_s"] for r in rounds)
    page = statistics.median(r["page_s"] for r in rounds)
    first = [t for r in rounds for _, load, t, _ in r["switches"] if load]
    cached = [t for r in rounds for _, load, t, _ in r["switches"] if not load]
    cached_server = [s for r in rounds for _, load, _, s in r["switches"] if not load]
    loads = max(r["loads"] for r in rounds)
    print(f"\nbench_start: {args.rounds} rounds, medians")
    print(f"  server ready            {ready:6.2f} s")
    print(f"  first page drawn        {page:6.2f} s")
    print(f"  start total             {start:6.2f} s   target <= {START_TARGET_S:g} s")
    print(f"  switch, first load      {statistics.median(first):6.2f} s   (max {max(first):.2f})")
    print(
        f"  switch, already loaded  {statistics.median(cached):6.2f} s   (max {max(cached):.2f})"
        f"   target <= {SWITCH_TARGET_S:g} s"
    )
    print(
        f"  of which the server     {statistics.median(cached_server):6.2f} s   "
        f"(max {max(cached_server):.2f}; click to its last message, the rest is drawing)"
    )
    print(f"  landmarkers loaded      {loads:6d}     target 3 (one per variant)")
    ok = start <= START_TARGET_S and max(cached) <= SWITCH_TARGET_S and loads == 3
    print("ok" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
