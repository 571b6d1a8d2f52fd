"""The Webcam page end to end: Chromium's fake camera (a clip of two people) streams
through streamlit-webrtc to the app and back; the returned video is read in the browser.

The clip is greyscale, so saturated orange/blue pixels in a returned frame were drawn by
the app: that is how these tests see the skeleton.
"""

from __future__ import annotations

import time

import pytest

from testkit.browser import harness
from testkit.browser.y4m import basketball_frames

pytestmark = pytest.mark.browser


def _start(page, app_server, query: str = "model=Lite&mirror=false"):
    """Open the Webcam page (Lite: fastest on a 2-core CI box), press START, wait for
    processed frames; returns the component's frame."""
    harness.open_page(page, app_server, f"webcam?{query}")
    frame = harness.start_webcam(page)
    harness.wait_frames(page, 5, timeout=45)
    return frame


def test_the_input_clip_has_no_skeleton_colours():
    frames = basketball_frames(seconds=0.5)
    assert max(int(harness.skeleton_mask(f).sum()) for f in frames) == 0


def test_live_stream_returns_frames_with_the_skeleton_on_the_people(
    page, app_server, record_property
):
    frame = _start(page, app_server)

    count = harness.count_frames(frame, 3.0)
    record_property("returned_fps", round(count.returned_fps, 1))
    print(f"\nreturned {count.returned_fps:.1f} fps")
    assert (count.width, count.height) == (640, 480)
    # The fake camera sends 30 fps; a loaded 2-core runner still returns well over 5.
    assert count.returned_fps >= 5, count

    counts = harness.wait_for_skeleton(frame, present=True, timeout=10)
    print(f"skeleton pixels: {counts}")
    # Where the people stand, not on the wall between them: almost all of it inside
    # the two people's boxes, and the man on the left (seen whole) always found.
    inside = counts["person1"] + counts["person2"]
    assert inside >= 0.95 * counts["total"], counts
    assert counts["person1"] >= 500, counts

    readout = harness.live_readout(page)
    assert float(readout["Processed fps"]) > 0, readout
    assert int(readout["People"]) >= 1, readout
    page.get_by_text("Model Lite").wait_for()
    harness.assert_no_traceback(page, app_server)


def test_sidebar_changes_reach_the_live_stream_without_a_restart(page, app_server):
    frame = _start(page, app_server)
    # Past the first seconds, when the encoders ramp up and the first landmarker loads.
    harness.wait_frames(page, 30, timeout=30)
    harness.wait_for_skeleton(frame, present=True, timeout=10)
    frames_before = harness.frames_shown(page)

    # Confidence 1.0 everywhere: nothing qualifies as a person any more.
    changed = time.monotonic()
    for label in harness.CONFIDENCE_SLIDERS:
        assert harness.set_slider(page, label, "End") == "1.00"
    harness.wait_for_skeleton(frame, present=False, timeout=5)
    took = time.monotonic() - changed
    print(f"\nskeleton gone {took:.2f} s after the sliders moved")
    # About 1 s on an idle 2-core machine: three reruns, a new landmarker on the worker,
    # and the video's round trip. The bound leaves room for a busy CI runner; a stream
    # that ignored the settings, or had to restart, would not get there.
    assert took < 5.0
    assert "presence=1" in page.url  # the setting is in the share link too

    # The same stream kept going: the frame counter (reset on every restart) grows.
    harness.wait_until(
        lambda: harness.frames_shown(page) > frames_before + 10, 10, what="more frames"
    )
    harness.wait_until(lambda: harness.live_readout(page)["People"] == "0", 5, what="0 people")
    # Reset: default confidences (the skeleton comes back) and the default model, Full;
    # then back to Lite. Each model change is a new landmarker on the same stream, and
    # the readout names the model that drew the last frame.
    frames_before = harness.frames_shown(page)
    changed = time.monotonic()
    page.locator("[data-testid='stSidebar']").get_by_role(
        "button", name="Reset", exact=True
    ).click()
    harness.wait_for_skeleton(frame, present=True, timeout=10)
    page.get_by_text("Model Full").wait_for(timeout=10_000)
    print(f"reset (skeleton back, model Full) shown after {time.monotonic() - changed:.2f} s")
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_role("radio", name="Lite").click()
    page.get_by_text("Model Lite").wait_for(timeout=10_000)
    assert harness.frames_shown(page) > frames_before
    harness.wait_for_skeleton(frame, present=True, timeout=10)
    harness.assert_no_traceback(page, app_server)


def test_stop_releases_the_stream(page, app_server):
    frame = _start(page, app_server)
    snapshot = page.get_by_role("button", name="Snapshot")
    assert snapshot.is_enabled()

    harness.stop_webcam(page)
    # The page reruns without the stream: detector released, counters back to zero,
    # snapshots disabled until the next start.
    page.get_by_text("Start the camera to enable snapshots.").wait_for()
    harness.wait_until(
        lambda: harness.live_readout(page) == {
            "Processed fps": "0.0", "Inference": "0 ms", "People": "0", "Frames": "0"
        },
        10,
        what="a zeroed readout",
    )  # fmt: skip
    assert snapshot.is_disabled()
    assert page.get_by_text("per frame on the server").count() == 0
    # No live returned video any more (its track ends, then the element goes).
    frame.wait_for_function(
        "() => ![...document.querySelectorAll('video')].some(v => v.srcObject &&"
        " v.srcObject.getTracks().some(t => t.readyState === 'live'))"
    )
    harness.assert_no_traceback(page, app_server)


def _drawn_hues(rgb) -> list[tuple[int, int]]:
    """Per person box: saturated (drawn) pixels, and their median hue in degrees. The
    clip is greyscale, so any colour was drawn by the app, whatever the person's colour
    in the palette."""
    import cv2
    import numpy as np

    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL)
    hue = hsv[..., 0].astype(int) * 360 // 256
    pixels = rgb.astype(int)
    drawn = (pixels.max(axis=2) - pixels.min(axis=2)) >= 60
    found = []
    for x0, y0, x1, y1 in harness.PERSON_BOXES:
        box = drawn[y0:y1, x0:x1]
        hues = hue[y0:y1, x0:x1][box]
        found.append((int(box.sum()), int(np.median(hues)) if len(hues) else -1))
    return found


def test_every_person_gets_a_skeleton_and_keeps_their_colour(page, app_server):
    # MoveNet top-down, up to two people: both people of the clip, each tracked with an
    # id of their own, each drawn in the colour of their id while they move.
    frame = _start(page, app_server, "model=Lite&persons=MoveNet&poses=2&mirror=false")
    harness.wait_frames(page, 30, timeout=45)
    first = None
    both = 0
    right_hues: list[int] = []
    grabs = 16
    for _ in range(grabs):
        harness.wait_for_skeleton(frame, present=True, timeout=10)
        (left, left_hue), (right, right_hue) = _drawn_hues(harness.grab_frame(frame))
        assert left >= 500, left  # the man seen whole, in every frame
        # The man on the right, cut by the frame's edges, in most of them.
        if right >= 300:
            both += 1
            # Two people, two colours; each kept theirs (hues within 25 degrees: video
            # compression blurs the thin lines into the grey picture).
            assert abs(left_hue - right_hue) > 10, (left_hue, right_hue)
            first = first or (left_hue, right_hue)
            assert abs(left_hue - first[0]) < 25, (left_hue, first)  # the man seen whole
            right_hues.append(right_hue)
        time.sleep(0.25)
    # Frames showing the right man in his usual colour (the one he has most often).
    kept_colours = max(sum(abs(h - g) < 25 for h in right_hues) for g in right_hues)
    print(f"\nboth people drawn in {both} of {grabs} frames, colours kept in {kept_colours}")
    assert both >= grabs * 3 // 4, both
    # The man cut by the frame's edges can lose his track for a moment and come back with
    # a new id, so a new colour: under the full suite's load on 2 cores, 8 and 9 of 16
    # frames kept it in three runs of 2026-11-29 (16 of 16 alone). At least half keep it.
    assert kept_colours >= both // 2, (kept_colours, both)
    assert harness.live_readout(page)["People"] == "2"
    harness.assert_no_traceback(page, app_server)
