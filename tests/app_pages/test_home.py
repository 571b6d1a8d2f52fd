"""AppTest of the entrypoint, the shared settings panel and the Home page."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlsplit

import cv2
import numpy as np
import pytest
from PIL import Image

from pose_core import DetectorSettings, recommended
from testkit.apptest import (
    angle_tables,
    assert_no_exception,
    downloaded,
    landmark_tables,
    metric_values,
    new_app,
    open_page,
    recorded_media,
)
from ui.views import join
from ui.widgets import samples, settings_panel

LINK = {
    "model": "Heavy",
    "poses": "3",
    "detection": "0.7",
    "presence": "0.6",
    "tracking": "0.4",
    "persons": "NanoDet",
    "person_confidence": "0.25",
    "visibility": "0.3",
    "segmentation": "true",
}


def test_home_explains_the_app_and_offers_samples():
    at = new_app().run()
    assert_no_exception(at)
    assert at.title[0].value == "PoseScope"
    assert "33 body landmarks" in at.markdown[0].value
    gallery = [b for b in at.button if b.key.startswith("sample_")]
    assert [b.key for b in gallery] == [f"sample_{s.slug}" for s in samples.SAMPLES]
    assert len(at.image) == len(samples.SAMPLES)
    assert "Pick a sample" in at.info[0].value
    assert not at.dataframe


@pytest.mark.slow
def test_a_sample_runs_with_one_click():
    at = new_app().run()
    at.button(key="sample_two_players").click().run()
    assert_no_exception(at)
    assert at.button(key="sample_two_players").label == "Showing"
    assert metric_values(at, "People found") == ["2"]
    tables = landmark_tables(at)
    assert [len(t) for t in tables] == [33, 33]
    assert [len(t) for t in angle_tables(at)] == [13, 13]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(t.get("text") == ["Person 2"] for t in spec["data"])
    assert [b.label for b in at.get("download_button")] == [
        "Annotated PNG", "Landmarks JSON", "Landmarks CSV",
    ]  # fmt: skip
    assert any("Apache-2.0" in caption.value for caption in at.main.caption)

    # The pick survives reruns and is re-run with new settings.
    at.slider(key="poses").set_value(1).run()
    assert metric_values(at, "People found") == ["1"]


def test_default_settings_and_sidebar_widgets():
    at = new_app({}).run()
    assert_no_exception(at)
    settings = at.session_state["_app_settings"]
    assert settings == settings_panel.DEFAULTS
    # Read back from the drawn widgets: the library's and the CLI's defaults.
    assert settings.detector == recommended().detector == DetectorSettings()
    assert settings.visibility_threshold == recommended().visibility_threshold
    assert at.sidebar.segmented_control(key="model").value == "full"
    assert at.sidebar.segmented_control(key="persons").value == "movenet"
    assert {s.key for s in at.sidebar.slider} == {
        "poses", "detection", "presence", "tracking", "person_confidence", "visibility",
    }  # fmt: skip
    # MediaPipe's detection threshold does not apply to MoveNet: disabled.
    assert not at.sidebar.slider(key="person_confidence").disabled
    assert at.sidebar.slider(key="detection").disabled
    # And the other way round once MediaPipe's detector is picked.
    at.sidebar.segmented_control(key="persons").set_value("mediapipe").run()
    assert at.sidebar.slider(key="person_confidence").disabled
    assert not at.sidebar.slider(key="detection").disabled
    assert at.sidebar.toggle(key="segmentation").value is False


def test_a_shared_link_restores_every_setting():
    at = new_app(LINK).run()
    assert_no_exception(at)
    settings = at.session_state["_app_settings"]
    assert settings.detector == DetectorSettings(
        model_variant="heavy",
        num_poses=3,
        min_pose_detection_confidence=0.7,
        min_pose_presence_confidence=0.6,
        min_tracking_confidence=0.4,
        output_segmentation_masks=True,
        person_detector="nanodet",
        min_person_confidence=0.25,
    )
    assert settings.visibility_threshold == pytest.approx(0.3)
    assert settings.segmentation is True
    # The link offered under "Share" carries all of them.
    link = at.sidebar.code[0].value
    assert {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()} == LINK


def test_every_setting_is_bound_to_the_url():
    at = new_app().run()
    widgets = [at.segmented_control(key=k) for k in ("model", "persons")]
    widgets += [at.toggle(key="segmentation")]
    keys = ("poses", "detection", "presence", "tracking", "person_confidence")
    widgets += [at.slider(key=k) for k in keys]
    widgets += [at.slider(key="visibility")]
    # The browser keeps these query parameters in step with the widgets.
    assert {w.proto.query_param_key for w in widgets} == set(LINK)


def test_a_changed_setting_survives_page_switches():
    at = new_app().run()
    at.slider(key="presence").set_value(0.8).run()
    for page in ("image.py", "view_3d.py", "home.py"):
        open_page(at, page)
        assert_no_exception(at)
        assert at.slider(key="presence").value == pytest.approx(0.8)
        assert at.session_state["_app_settings"].detector.min_pose_presence_confidence == 0.8


def test_reset_restores_the_defaults():
    at = new_app(LINK).run()
    at.button(key="settings_reset").click().run()
    assert_no_exception(at)
    assert at.session_state["_app_settings"] == settings_panel.DEFAULTS
    assert at.slider(key="detection").value == pytest.approx(0.5)


@pytest.mark.slow
def test_segmentation_overlay_tints_the_person():
    def annotated(segmentation: str) -> np.ndarray:
        with recorded_media() as files:
            at = new_app({"model": "Lite", "segmentation": segmentation}).run()
            at.button(key="sample_footballer").click().run()
        assert_no_exception(at)
        analysis = at.session_state["_analyses"].recent[0]
        assert analysis.settings.output_segmentation_masks is (segmentation == "true")
        png = downloaded(files, at.get("download_button")[0]).content
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")), analysis

    plain, _ = annotated("false")
    tinted, analysis = annotated("true")
    mask = analysis.result.poses[0].segmentation_mask > 0.5
    assert mask.any()
    changed = np.abs(tinted.astype(int) - plain.astype(int)).sum(axis=2) > 0
    assert changed[mask].mean() > 0.75  # the person is tinted (skeleton aside)
    assert changed[~mask].mean() < 0.1  # the background is not


def test_choosing_a_person_detector_starts_from_its_own_confidence():
    at = new_app().run()
    at.segmented_control(key="persons").set_value("movenet").run()
    assert at.slider(key="person_confidence").value == pytest.approx(0.05)  # MoveNet's
    assert at.slider(key="detection").disabled
    at.segmented_control(key="persons").set_value("nanodet").run()
    assert_no_exception(at)
    assert at.slider(key="person_confidence").value == pytest.approx(0.3)
    detector = at.session_state["_app_settings"].detector
    assert (detector.person_detector, detector.min_person_confidence) == ("nanodet", 0.3)
    at.segmented_control(key="persons").set_value("mediapipe").run()
    assert at.slider(key="person_confidence").disabled
    assert not at.slider(key="detection").disabled


def test_lan_mode_shows_the_address_and_its_qr_code(monkeypatch):
    import zxingcpp

    at = new_app().run()
    assert not [c for c in at.main.code if c.value.startswith("https://")]  # not in LAN mode
    monkeypatch.setenv("POSESCOPE_LAN_URLS", "https://192.0.2.7:8501 https://198.51.100.4:8501")
    monkeypatch.setenv("POSESCOPE_LAN_SELF_SIGNED", "1")
    at = new_app().run()
    assert_no_exception(at)
    assert at.main.code[0].value == "https://192.0.2.7:8501"
    assert any("Proceed" in c.value for c in at.main.caption)
    png = join.qr_png("https://192.0.2.7:8501")
    pixels = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert [b.text for b in zxingcpp.read_barcodes(pixels)] == ["https://192.0.2.7:8501"]
