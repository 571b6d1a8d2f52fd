"""Pins on the private APIs that PoseScope's workarounds rely on, checked against the
installed packages (nothing here stands in for the private attribute itself).

* ``threading._register_atexit`` (CPython, used through ``pose_core.exit_hooks``):
  ``pose_core.detector`` closes the detectors left open at exit from a threading exit
  hook, the only hook that runs while concurrent.futures and MediaPipe still accept the
  close call (atexit is too late); ``VideoJobRunner`` cancels the clips under way, or
  the exit would wait for them.
* ``WebRtcStreamerContext._last_rendered_run_count`` (streamlit-webrtc 0.79):
  ``ui.webrtc.webcam._skip_orphan_check`` clears it so that a stream drawn on every run is not
  stopped as an orphan.

When one of these fails after an upgrade (Python, streamlit-webrtc):

1. Read the new source: is there now a public way to do the same (a hook that runs
   before threading's shutdown; an option or API in streamlit-webrtc to keep a live
   context, or an orphan check that no longer misfires)? If so, switch to it and delete
   the workaround and its pin here.
2. Otherwise follow the rename in ``pose_core/exit_hooks.py`` or ``ui/webcam.py`` and
   here. Do not loosen a pin to make it pass: a workaround that silently stops working
   brings back the hang at exit or the stream stopped just after START (about one in
   30 in the browser suite).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from streamlit.runtime.session_manager import ActiveSessionInfo
from streamlit.testing.v1 import AppTest
from streamlit_webrtc import component

from testkit.fixtures import FIXTURES, ROOT

# ---- threading._register_atexit --------------------------------------------------------


def test_threading_still_has_register_atexit() -> None:
    assert callable(getattr(threading, "_register_atexit", None)), (
        "threading._register_atexit is gone: see this module's docstring"
    )


_LEFT_OPEN = """
import atexit, json, re
from pathlib import Path


def native_threads():
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^Threads:\\s+(\\d+)", status, re.M).group(1))


counts = {}
# Registered before anything else, so it runs last: after threading's exit hooks and
# every other atexit handler (MediaPipe's included).
atexit.register(lambda: print(json.dumps({**counts, "at_exit": native_threads()})))

import pose_core

rgb = pose_core.decode_image(PHOTO)
settings = pose_core.DetectorSettings("lite", num_poses=1, person_detector="mediapipe")
with pose_core.ImageDetector(settings) as closed:  # starts MediaPipe's shared workers
    closed.detect(rgb)
counts["none_open"] = native_threads()
image = pose_core.ImageDetector(settings)
image.detect(rgb)
stream = pose_core.StreamDetector(settings)
stream.detect(rgb, 0)
counts["two_open"] = native_threads()
# The script ends with both detectors open.
"""


@pytest.mark.slow
def test_detectors_left_open_are_closed_before_the_interpreter_shuts_down() -> None:
    # A landmarker runs its graph on threads of its own; closing it for real (the C call
    # going through, not skipped as MediaPipe does once its own atexit handler has run)
    # ends them. So the threads still alive after every exit handler say whether the
    # detectors left open were closed while MediaPipe still accepted the call.
    script = _LEFT_OPEN.replace("PHOTO", repr(str(FIXTURES / "messi5.jpg")))
    try:
        run = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("the interpreter hung at exit with two detectors left open")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert "Exception ignored" not in run.stderr, run.stderr[-2000:]
    assert "_register_atexit is missing" not in run.stderr
    counts = json.loads(run.stdout.strip().splitlines()[-1])
    # Each open landmarker holds threads (else the last check proves nothing)...
    assert counts["two_open"] >= counts["none_open"] + 2, counts
    # ...and they are gone by the end: as few as with none left open.
    assert counts["at_exit"] <= counts["none_open"] + 1, counts


_JOB_AT_EXIT = """
import atexit, json, time

states = {}
# Registered first, so it runs last, after threading's exit hooks.
atexit.register(lambda: print(json.dumps(states)))

from pose_core.settings import DetectorSettings
from pose_core.video import VideoJobRunner, VideoOptions

settings = DetectorSettings("lite", num_poses=1, person_detector="mediapipe")
runner = VideoJobRunner(max_jobs=1)
job = runner.submit(CLIP, VideoOptions(settings))
while job.status().done < 2:
    time.sleep(0.01)
states["before_exit"] = job.status().state
atexit.register(lambda: states.update(at_exit=job.status().state, done=job.status().done))
# The script ends with the clip still being analysed.
"""


@pytest.mark.slow
def test_a_clip_being_analysed_does_not_hold_the_interpreter_at_exit() -> None:
    # The job pool's threads are joined at exit; without the runner's exit hook the
    # process would wait for all of vtest.avi (795 frames) to be analysed.
    script = _JOB_AT_EXIT.replace("CLIP", repr(str(FIXTURES / "vtest.avi")))
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    states = json.loads(run.stdout.strip().splitlines()[-1])
    assert states["before_exit"] == "running"
    assert states["at_exit"] == "cancelled" and states["done"] < 400, states


# ---- streamlit-webrtc's WebRtcStreamerContext._last_rendered_run_count -----------------


def test_webrtc_context_still_has_last_rendered_run_count() -> None:
    context = component.WebRtcStreamerContext(
        worker=None, state=component.WebRtcStreamerState(playing=False, signalling=False)
    )
    assert context._last_rendered_run_count is None  # AttributeError once renamed


def _draw_the_component() -> None:
    """What the Webcam page does around ``webrtc_streamer`` (an AppTest script)."""
    import streamlit as st
    from streamlit_webrtc import component

    from ui.webrtc import webcam

    if st.session_state.get("drawn_last_run"):
        webcam._skip_orphan_check("webcam")
    component._get_or_create_context("webcam")


def test_skipping_the_orphan_check_keeps_a_live_stream(monkeypatch) -> None:
    # The real _get_or_create_context and _skip_orphan_check, on a real context in a
    # real session state. Only the script-run count comes from here: AppTest has no
    # Streamlit Runtime for streamlit-webrtc to read it from.
    session = ActiveSessionInfo(client=None, session=None, script_run_count=0)
    monkeypatch.setattr(component, "get_this_session_info", lambda: session)
    at = AppTest.from_function(_draw_the_component)

    def run(count: int, *, drawn_last_run: bool) -> bool:
        """Run the script as run number ``count``; whether the stream still plays."""
        context = at.session_state.get("webcam")
        if context is not None:
            context._set_state(component.WebRtcStreamerState(playing=True, signalling=False))
        session.script_run_count = count
        at.session_state["drawn_last_run"] = drawn_last_run
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        return at.session_state["webcam"].state.playing

    run(1, drawn_last_run=False)  # first draw: the context is made
    # A gap of two runs (the user was on another page): streamlit-webrtc stops the
    # stream. If it no longer does, the workaround may have become unnecessary.
    assert run(3, drawn_last_run=False) is False
    # The same gap while the page knows it drew the stream last run (a stale count):
    # the stream plays on. If the attribute was renamed, _skip_orphan_check does
    # nothing and the stream is stopped here.
    assert run(5, drawn_last_run=True) is True
    # The count is recorded again, so a later return from another page still resets.
    assert run(6, drawn_last_run=True) is True
    assert run(8, drawn_last_run=False) is False
