"""AppTest of the motion analysis in the app: the sidebar's rep counter on the Video
page (recounting as the thresholds move, from the stored angles), and the Poses page
(teaching classes from real photos, leave-one-out, JSON, bad files, the reference)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from testkit.apptest import (
    analyse,
    assert_no_exception,
    metric_values,
    new_app,
    open_page,
    upload,
)
from testkit.corpus import make_walk_clip
from testkit.fixtures import fixture_path


@pytest.fixture(scope="module")
def walk_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_walk_clip(tmp_path_factory.mktemp("motion") / "walk.mp4").read_bytes()


def _reps(at: AppTest) -> int:
    return int(metric_values(at, "Reps")[0])


@pytest.mark.slow
def test_video_page_counts_and_recounts_when_a_threshold_moves(walk_bytes: bytes) -> None:
    at = open_page(new_app(), "video.py")
    at = analyse(upload(at, "walk.mp4", walk_bytes))
    assert_no_exception(at)
    at.selectbox(key="reps").set_value("custom").run()
    at.selectbox(key="rep_side").set_value("right").run()
    at.slider(key="rep_high").set_value(160.0).run()
    at.slider(key="rep_low").set_value(150.0).run()
    assert_no_exception(at)
    settings = at.session_state["_app_settings"]
    shared = settings.query_params()  # the Share link's: the widgets' labels, as URLs carry
    assert (shared["reps"], shared["rep_side"], shared["rep_low"]) == ("Custom", "Right", "150")
    # ... and the link opens with the same counter.
    opened = new_app(shared).run()
    assert_no_exception(opened)
    assert opened.session_state["_app_settings"].reps == settings.reps
    first = _reps(at)
    # The walking man's right knee swings (tests/pose_core/motion/test_reps.py counts them on the
    # full model; here the lite one and the preset's 0.4 s minimum duration).
    assert first >= 1
    # A lower threshold no knee reaches: nothing counts, and nothing is detected again.
    jobs = len(at.session_state["_video_session"].results)
    at.slider(key="rep_low").set_value(10.0).run()
    assert _reps(at) == 0
    assert len(at.session_state["_video_session"].results) == jobs
    # Lower above upper: a sentence, no count, no traceback.
    at.slider(key="rep_low").set_value(170.0).run()
    assert_no_exception(at)
    assert any("below the upper" in w.value for w in at.sidebar.warning)


def test_poses_page_teaches_checks_saves_and_refuses_bad_files() -> None:
    at = open_page(new_app(), "poses.py")
    assert_no_exception(at)
    for label, names in (("kick", ["messi5.jpg"]), ("catch", ["basketball1.png",
                                                              "basketball2.png"])):  # fmt: skip
        at.text_input(key="poses_class_name").set_value(label).run()
        files = [(n, fixture_path(n).read_bytes(), "image/png") for n in names]
        at.file_uploader(key="poses_photos").set_value(files).run()
        at.button(key="poses_add").click().run()
        assert_no_exception(at)
    clf = at.session_state["_motion"].classifier
    assert clf.counts() == {"kick": 1, "catch": 2}
    # With one kick, it has no other kick to be voted for: it counts as an outlier.
    assert metric_values(at, "Leave-one-out accuracy")
    at.file_uploader(key="poses_load").set_value(("bad.json", b"{not json", "application/json"))
    at.run()
    assert_no_exception(at)
    assert any("Could not load" in e.value for e in at.error)
    at.file_uploader(key="poses_load").set_value(
        ("classes.json", clf.to_json().encode(), "application/json")
    ).run()
    assert_no_exception(at)
    at.file_uploader(key="poses_reference_photo").set_value(
        ("messi5.jpg", fixture_path("messi5.jpg").read_bytes(), "image/jpeg")
    ).run()
    assert_no_exception(at)
    assert at.session_state["_motion"].reference.source == "messi5.jpg"
