"""AppTest of the Tuning lab page: sweeps on real photos (people and no person), the
person detector and model comparisons, Apply to the shared settings panel, video
frames, bad files.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from pose_core import tuning
from pose_core.settings import DEFAULT_PERSON_CONFIDENCE, PERSON_DETECTOR_LABELS
from testkit.apptest import APP, LITE, assert_no_exception, fixture_bytes

PAGE = "app_pages/tuning.py"
# Sweeps run the model a few hundred times on slow CI machines.
TIMEOUT = 240


def _lab(query_params: dict[str, str] | None = None) -> AppTest:
    """The app on the Tuning lab page (lite model unless the query says otherwise)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(LITE if query_params is None else query_params)
    at.run()  # AppTest learns the pages from a first run
    return at.switch_page(PAGE).run()


def _photos(*names: str) -> list[tuple[str, bytes, str]]:
    return [
        (n, fixture_bytes(n), "image/png" if n.endswith(".png") else "image/jpeg") for n in names
    ]


def _with_photos(at: AppTest, *names: str) -> AppTest:
    """Only these uploads in the set (the samples switched off)."""
    at.toggle(key="tuning_samples").set_value(False)
    at.file_uploader(key="tuning_uploads").set_value(_photos(*names))
    return at.run()


def _chart_specs(at: AppTest) -> dict[str, dict]:
    return {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _titles(at: AppTest) -> list[str]:
    return [spec["layout"]["title"]["text"] for spec in _chart_specs(at).values()]


def test_page_opens_with_the_samples_and_invites_a_run():
    at = _lab()
    assert_no_exception(at)
    assert at.title[0].value == "Tuning lab"
    assert at.toggle(key="tuning_samples").value is True
    assert at.file_uploader(key="tuning_uploads").accept_multiple_files
    assert any("4 images in the set: 4 samples" in e.label for e in at.expander)
    assert any("Run the sweeps" in i.value for i in at.info)
    assert not at.get("plotly_chart")  # nothing runs until asked


@pytest.mark.slow
def test_sweeps_on_people_and_no_person_photos():
    # MoveNet in the sidebar: the detection sweep moves its person confidence.
    at = _with_photos(
        _lab({**LITE, "persons": "MoveNet"}),
        "messi5.jpg", "basketball2.png", "chelsea.png", "coffee.png",
    )  # fmt: skip
    assert any("4 images in the set: 4 uploads" in e.label for e in at.expander)
    movenet = tuning.DETECTION_THRESHOLDS["movenet"]
    grid = at.button_group(key="tuning_detection_step")
    assert grid.label == "Min. person confidence (MoveNet) grid"
    assert grid.options == [
        "Every 0.1 and 0.02, 0.05 (13 runs per image)",
        "Every 0.05 and 0.02 (22 runs per image)",
    ]
    at.button(key="tuning_run_sweeps").click().run()
    assert_no_exception(at)

    titles = _titles(at)
    for threshold in (movenet, tuning.PRESENCE_THRESHOLD):
        assert f"People found vs. {threshold.in_text}" in titles
        assert f"People per image vs. {threshold.in_text}" in titles
        assert f"Mean landmark visibility vs. {threshold.in_text}" in titles
    assert "Landmarks drawn at full strength vs. visibility threshold" in titles
    assert [t.label for t in at.tabs][:3] == [
        "Min. person confidence (MoveNet)", "Presence confidence", "Visibility threshold"
    ]  # fmt: skip

    (sweep,) = at.session_state["_tuning_lab"].sweeps.values()
    assert sweep.settings.model_variant == "lite"
    assert sweep.settings.person_detector == "movenet"
    assert sweep.detection.threshold is movenet
    assert sweep.detection.grid == movenet.grid(0.1)
    # Each threshold's default: MoveNet's person confidence (0.05), presence 0.5.
    defaults = {"detection": DEFAULT_PERSON_CONFIDENCE["movenet"], "presence": 0.5}
    assert sweep.settings.min_person_confidence == defaults["detection"]
    for parameter, default in defaults.items():
        per_image = sweep.sweep(parameter).table
        assert set(per_image["label"]) == {
            "messi5.jpg", "basketball2.png", "chelsea.png", "coffee.png"
        }  # fmt: skip
        assert default in set(per_image["threshold"])  # on the grid, not merely near it
        at_default = tuning.at_threshold(per_image, default).set_index("label")["people"]
        assert at_default.to_dict() == {
            "messi5.jpg": 1, "basketball2.png": 2, "chelsea.png": 0, "coffee.png": 0
        }  # fmt: skip
        for _, frame in per_image.groupby("label"):
            # Presence must be monotone (derived from nested runs); detection is on
            # these photos.
            assert tuning.is_non_increasing(frame.sort_values("threshold")["people"])
    # Top-down runs are nested in the presence threshold too: derived, not re-run.
    assert sweep.presence.table["derived"].all()
    assert sweep.presence.model_runs < sweep.presence.naive_runs
    assert any(
        "Derived, not re-run per value" in c.value and "MoveNet finding up to 2 people" in c.value
        for c in at.caption
    )

    # The heatmap's rows are the file names; the flips tables list the switches.
    heatmaps = [s for s in _chart_specs(at).values() if s["data"][0]["type"] == "heatmap"]
    assert all(
        list(h["data"][0]["y"]) == ["messi5.jpg", "basketball2.png", "chelsea.png", "coffee.png"]
        for h in heatmaps
    )
    flips = [t.value for t in at.dataframe if "change" in t.value.columns]
    assert len(flips) == 2
    detection_flips = flips[0].set_index("label")
    # The no-person photos only "have" someone below MoveNet's default confidence.
    assert detection_flips.loc["coffee.png", "change"] == "person → no person"
    assert detection_flips.loc["coffee.png", "to_threshold"] <= defaults["detection"]

    # A rerun shows the cached sweep without running anything.
    runs = len(at.session_state["_tuning_lab"].runs)
    at.run()
    assert len(at.session_state["_tuning_lab"].runs) == runs
    assert len(_titles(at)) == len(titles)


@pytest.mark.slow
def test_mediapipe_detection_sweep_when_the_sidebar_uses_it():
    # MediaPipe's own detector: the sweep moves min_pose_detection_confidence.
    at = _with_photos(_lab({**LITE, "persons": "MediaPipe"}), "messi5.jpg", "coffee.png")
    at.button(key="tuning_run_sweeps").click().run()
    assert_no_exception(at)
    (sweep,) = at.session_state["_tuning_lab"].sweeps.values()
    assert sweep.detection.threshold is tuning.DETECTION_THRESHOLDS["mediapipe"]
    assert sweep.detection.grid == tuning.threshold_grid(0.1)
    assert "People found vs. min. pose detection confidence" in _titles(at)
    at_default = tuning.at_threshold(sweep.detection.table, 0.5).set_index("label")["people"]
    assert at_default.to_dict() == {"messi5.jpg": 1, "coffee.png": 0}


@pytest.mark.slow
def test_person_detector_comparison_and_apply():
    # Up to four people: enough for the group at the bar.
    photos = ("multi/bar55.jpg", "multi/cold_water.jpg", "coffee.png")
    at = _with_photos(_lab({**LITE, "poses": "4"}), *photos)
    assert any("Compare the three person detectors" in i.value for i in at.info)
    at.button(key="tuning_run_detectors").click().run()
    assert_no_exception(at)

    table = next(t.value for t in at.dataframe if "confidence" in t.value.columns)
    assert table["detector"].tolist() == ["MediaPipe", "MoveNet", "NanoDet"]
    assert table["confidence"].tolist() == [0.5, 0.05, 0.3]  # each at its default
    assert (table["median_ms"] > 0).all()
    per_image = next(t.value for t in at.dataframe if "MoveNet ms" in t.value.columns)
    per_image = per_image.set_index("image")
    assert list(per_image.index) == list(photos)
    detectors = ["MediaPipe", "MoveNet", "NanoDet"]
    # MediaPipe's face-based detector misses most of the group; MoveNet does not.
    group = per_image.loc["multi/bar55.jpg"]
    assert group["MoveNet"] > group["MediaPipe"]
    assert (per_image.loc["coffee.png", detectors] == 0).all()  # nobody, and nobody found
    assert (per_image[[f"{d} ms" for d in detectors]] > 0).all().all()
    assert table.set_index("detector")["people"].to_dict() == per_image[detectors].sum().to_dict()

    # Same model, number of people and presence as the sidebar for all three.
    (comparison,) = at.session_state["_tuning_lab"].detector_comparisons.values()
    for detector, runs in comparison.runs.items():
        s = runs.settings
        assert (s.person_detector, s.model_variant, s.num_poses) == (detector, "lite", 4)
        assert s.min_pose_presence_confidence == 0.5

    titles = _titles(at)
    assert "Median time per image on this machine" in titles
    assert "People found per image" in titles
    captions = [i.caption for image in at.get("image") for i in image.proto.imgs if i.caption]
    assert [c.split(":")[0] for c in captions[-3:]] == detectors
    assert all(c.endswith(" ms") for c in captions[-3:])

    # Apply NanoDet: the sidebar's person detector and its confidence follow.
    assert at.button_group(key="tuning_pick_person_detector").value == "movenet"  # sidebar
    at.button_group(key="tuning_pick_person_detector").set_value("nanodet")
    at.button(key="tuning_apply_detector").click().run()
    assert_no_exception(at)
    settings = at.session_state["_app_settings"].detector
    assert settings.person_detector == "nanodet"
    assert settings.min_person_confidence == pytest.approx(0.3)
    assert settings.num_poses == 4 and settings.model_variant == "lite"  # left as they were
    assert at.button_group(key="persons").value == "nanodet"
    assert at.slider(key="person_confidence").value == pytest.approx(0.3)
    params = dict(at.query_params)
    assert params["persons"] == "NanoDet" and params["person_confidence"] == "0.3"
    assert any("Applied: NanoDet, person confidence 0.30." in s.value for s in at.success)
    # The comparison does not depend on the sidebar's detector: still current.
    assert not any("from earlier settings" in i.value for i in at.info)
    assert len(at.session_state["_tuning_lab"].detector_comparisons) == 1

    # And back to MediaPipe: its detection threshold takes the compared value.
    at.button_group(key="tuning_pick_person_detector").set_value("mediapipe")
    at.button(key="tuning_apply_detector").click().run()
    settings = at.session_state["_app_settings"].detector
    assert settings.person_detector == "mediapipe"
    assert settings.min_pose_detection_confidence == pytest.approx(0.5)
    assert any("Applied: MediaPipe, detection 0.50." in s.value for s in at.success)


@pytest.mark.slow
def test_comparison_table_charts_and_overlays():
    at = _with_photos(_lab(), "messi5.jpg", "coffee.png")
    at.button(key="tuning_run_comparison").click().run()
    assert_no_exception(at)
    table = next(t.value for t in at.dataframe if "median_ms" in t.value.columns)
    assert table["variant"].tolist() == ["Lite", "Full", "Heavy"]
    assert (table["median_ms"] > 0).all() and (table["median_ms_people"] > 0).all()
    assert table["people"].tolist() == [1, 1, 1]
    rows = table.set_index("variant")
    assert rows.loc["Heavy", "mean_px"] == 0.0
    assert (rows.loc[["Lite", "Full"], "matched"] == 1).all()
    assert (rows.loc[["Lite", "Full"], "mean_px_visible"] > 0).all()

    titles = _titles(at)
    assert "Median inference time on this machine" in titles
    assert "Speed vs. agreement with Heavy" in titles
    assert any(t.startswith("Per-landmark distance to Heavy") for t in titles)
    # The variants keep their colours from chart to chart.
    specs = _chart_specs(at).values()
    bars = next(s for s in specs if s["layout"]["title"]["text"].startswith("Median"))
    points = next(s for s in specs if s["layout"]["title"]["text"].startswith("Speed"))
    assert bars["data"][0]["marker"]["color"] == [t["marker"]["color"] for t in points["data"]]

    # Three overlays of the chosen image, one per model.
    assert at.selectbox(key="tuning_overlay_image").options == ["messi5.jpg", "coffee.png"]
    captions = [i.caption for image in at.get("image") for i in image.proto.imgs if i.caption]
    assert [c.split(":")[0] for c in captions[-3:]] == ["Lite", "Full", "Heavy"]
    assert "1 person" in captions[-1]


# Per person detector: the sidebar widget and settings field of its threshold, a value
# to pick, and how the confirmation names it.
APPLY_CASES = {
    "movenet": ("person_confidence", "min_person_confidence", 0.15, "MoveNet person confidence"),
    "mediapipe": ("detection", "min_pose_detection_confidence", 0.7, "MediaPipe detection"),
}


@pytest.mark.parametrize("detector", list(APPLY_CASES))
def test_apply_changes_the_shared_settings_and_the_link(detector):
    widget, field, value, short = APPLY_CASES[detector]
    at = _lab({**LITE, "persons": PERSON_DETECTOR_LABELS[detector]})
    # The detection pick is the threshold of the sidebar's person detector.
    pick = at.slider(key=f"tuning_pick_detection_{detector}")
    assert pick.label == tuning.DETECTION_THRESHOLDS[detector].label
    at.button_group(key="tuning_pick_model").set_value("heavy")
    pick.set_value(value)
    at.slider(key="tuning_pick_presence").set_value(0.3)
    at.slider(key="tuning_pick_visibility").set_value(0.65)
    at.run()
    # Picking alone changes nothing shared.
    assert at.session_state["_app_settings"].detector.model_variant == "lite"
    before = at.session_state["_app_settings"].detector
    assert at.slider(key=widget).value == getattr(before, field) != value

    at.button(key="tuning_apply").click().run()
    assert_no_exception(at)
    settings = at.session_state["_app_settings"]
    assert settings.detector.model_variant == "heavy"
    assert settings.detector.person_detector == detector
    assert getattr(settings.detector, field) == pytest.approx(value)
    assert settings.detector.min_pose_presence_confidence == pytest.approx(0.3)
    assert settings.visibility_threshold == pytest.approx(0.65)
    assert settings.detector.num_poses == 2  # left as it was
    # The other detector's threshold is left as it was.
    for other in ("min_pose_detection_confidence", "min_person_confidence"):
        if other != field:
            assert getattr(settings.detector, other) == getattr(before, other)
    assert at.slider(key=widget).value == pytest.approx(value)
    assert at.slider(key="presence").value == pytest.approx(0.3)
    assert at.slider(key="visibility").value == pytest.approx(0.65)
    # The sidebar's widgets are bound to the URL: the address bar carries the choice...
    params = dict(at.query_params)
    assert params["model"] == "Heavy"
    assert params[widget] == f"{value:g}" and params["presence"] == "0.3"
    assert params["visibility"] == "0.65"
    # ...and so does the link shown after applying.
    assert any(f"Applied: Heavy, {short} {value:.2f}" in s.value for s in at.success)
    link = next(c.value for c in at.code if f"{widget}=" in c.value)
    assert "model=Heavy" in link and f"{widget}={value:g}" in link and "presence=0.3" in link

    # Every page sees the applied settings: the Image page now runs heavy.
    at.switch_page("app_pages/image.py").run()
    assert_no_exception(at)
    assert at.session_state["_app_settings"].detector.model_variant == "heavy"


@pytest.mark.slow
def test_video_frames_join_the_set():
    at = _lab()
    at.toggle(key="tuning_samples").set_value(False)
    assert at.slider(key="tuning_frames").disabled  # until there is a video
    at.file_uploader(key="tuning_video").set_value(
        ("vtest.avi", fixture_bytes("vtest.avi"), "video/x-msvideo")
    )
    at.run()
    assert any("10 images in the set: 10 video frames" in e.label for e in at.expander)
    at.slider(key="tuning_frames").set_value(4).run()
    assert_no_exception(at)
    assert any("4 images in the set: 4 video frames" in e.label for e in at.expander)
    frames = at.session_state["_tuning_lab"].video.images
    assert [f.label.split(" @ ")[0] for f in frames] == ["vtest.avi"] * 4
    assert len({f.key for f in frames}) == 4


def test_bad_files_get_messages_and_the_rest_still_counts():
    at = _lab()
    at.toggle(key="tuning_samples").set_value(False)
    at.file_uploader(key="tuning_uploads").set_value(
        [
            ("notes.jpg", b"this is not a picture at all", "image/jpeg"),
            ("**bold** <b>x</b>.png", fixture_bytes("basketball1.png")[:5000], "image/png"),
            *_photos("messi5.jpg"),
        ]
    )
    at.file_uploader(key="tuning_video").set_value(
        ("clip.mp4", fixture_bytes("messi5.jpg"), "video/mp4")
    )
    at.run()
    assert_no_exception(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 3
    assert errors[0].startswith("**Could not read notes\\.jpg.**")
    # File names are user text: Markdown and HTML in them are escaped, not rendered.
    assert "\\*\\*bold\\*\\* \\<b\\>x\\</b\\>\\.png" in errors[1]
    assert errors[2].startswith("**Could not sample clip\\.mp4.**") and "still image" in errors[2]
    assert any("1 image in the set: 1 upload" in e.label for e in at.expander)
