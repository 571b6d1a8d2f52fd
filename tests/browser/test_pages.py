"""Every page in a real browser, as a visitor uses it; each test saves the README's
screenshot of its page to docs/screenshots/."""

from __future__ import annotations

import contextlib
import re

import pytest

from testkit.browser import harness
from testkit.fixtures import FIXTURES

pytestmark = pytest.mark.browser


def test_home_sample_runs_with_one_click(page, app_server):
    harness.open_page(page, app_server)
    main = harness.main_area(page)
    main.get_by_text("Pick a sample above").wait_for()
    button = main.locator(".st-key-sample_footballer button")
    assert button.inner_text().endswith("Detect poses")
    button.click()

    main.get_by_role("heading", name="Result: Footballer").wait_for()
    assert harness.metric_value(page, "People found") == "1"
    assert harness.metric_value(page, "Model") == "Full"
    main.locator("[data-testid='stImageCaption']", has_text="Detected pose").wait_for()
    assert main.get_by_role("button", name="Showing").is_visible()
    harness.wait_idle(page)
    harness.assert_no_traceback(page, app_server)
    # Down to the result's downloads: gallery, picture pair, numbers.
    downloads = main.locator("[data-testid='stDownloadButton']").first
    harness.save_screenshot(page, harness.SCREENSHOTS / "home.png", bottom=downloads, margin=24)


def test_image_page_annotates_photos_and_reports_a_bad_file(page, app_server):
    harness.open_page(page, app_server, "image")
    main = harness.main_area(page)
    main.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        [
            {
                "name": "messi5.jpg",
                "mimeType": "image/jpeg",
                "buffer": (FIXTURES / "messi5.jpg").read_bytes(),
            },
            {"name": "notimage.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture\n"},
        ]
    )
    error = main.locator("[data-testid='stAlert']", has_text="Could not read notimage.jpg")
    error.wait_for()
    main.locator("[data-testid='stImageCaption']", has_text="Detected pose").wait_for()
    # The summary over both files.
    assert harness.metric_value(page, "Images") == "2"
    assert harness.metric_value(page, "People found") == "1"
    assert harness.metric_value(page, "Unreadable") == "1"
    assert main.get_by_role("heading", name="messi5.jpg").is_visible()
    table = main.locator("[data-testid='stDataFrame']").first
    table.wait_for()
    assert table.is_visible()
    assert main.get_by_text(re.compile(r"Person 1 — \d+ of 33 landmarks")).is_visible()
    harness.wait_idle(page)
    harness.assert_no_traceback(page, app_server)
    harness.save_screenshot(page, harness.SCREENSHOTS / "image.png", bottom=error)


def test_view_3d_shows_the_latest_analysis(page, app_server):
    harness.open_page(page, app_server, "3d")
    main = harness.main_area(page)
    main.get_by_text("Nothing to show yet").wait_for()

    harness.go(page, "Home", "PoseScope")
    main.locator(".st-key-sample_two_players button").click()
    main.get_by_role("heading", name="Result: Two players").wait_for()
    people = harness.metric_value(page, "People found")

    harness.go(page, "3D view", "3D view")
    # The world-landmarks figure (the image-space one waits in a hidden tab).
    figure = main.locator(".js-plotly-plot:visible").first
    figure.wait_for()
    assert figure.locator(".main-svg").first.is_visible()
    assert harness.metric_value(page, "People") == people
    source = main.get_by_role("combobox", name="Pose from")
    assert source.input_value() == f"Two players · sample · {people} people"
    harness.wait_idle(page)
    harness.assert_no_traceback(page, app_server)
    harness.save_screenshot(page, harness.SCREENSHOTS / "view_3d.png", bottom=figure, margin=32)


def test_webcam_page_live_with_skeleton(page, app_server):
    harness.open_page(page, app_server, "webcam?mirror=false")
    frame = harness.start_webcam(page)
    # Past the first seconds, while the video encoders' bitrate ramps up (blocky frames).
    harness.wait_frames(page, 90, timeout=45)
    harness.wait_until(
        lambda: harness.skeleton_pixels_by_region(harness.grab_frame(frame))["total"] >= 2000,
        10,
        interval=0.05,
        what="the skeleton",
    )
    page.get_by_text("Model Full").wait_for()
    assert int(harness.live_readout(page)["People"]) >= 1
    harness.assert_no_traceback(page, app_server)
    # For the README: a frame with both people's skeletons, if one comes soon.
    with contextlib.suppress(TimeoutError):
        harness.wait_until(
            lambda: harness.skeleton_pixels_by_region(harness.grab_frame(frame))["person2"] >= 300,
            5,
            interval=0.05,
        )
    video = page.locator(harness.WEBRTC_IFRAME)
    harness.save_screenshot(page, harness.SCREENSHOTS / "webcam.png", bottom=video, margin=70)
