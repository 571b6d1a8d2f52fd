"""AppTest of the Tuning lab page: sweeps on real photos (people and no person), the
model comparison, Apply to the shared settings panel, video frames, bad files.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from pose_core import tuning
from tests.test_app_support import APP, LITE, assert_no_exception, fixture_bytes

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


def test_sweeps_on_people_and_no_person_photos():
    at = _with_photos(_lab(), "messi5.jpg", "basketball2.png", "chelsea.png", "coffee.png")
    assert any("4 images in the set: 4 uploads" in e.label for e in at.expander)
    at.button(key="tuning_run_sweeps").click().run()
    assert_no_exception(at)

    titles = _titles(at)
    for parameter in ("detection", "presence"):
        label = tuning.PARAMETER_LABELS[parameter].lower()
        assert f"People found vs. {label}" in titles
        assert f"People per image vs. {label}" in titles
        assert f"Mean landmark visibility vs. {label}" in titles
    assert "Landmarks drawn at full strength vs. visibility threshold" in titles

    (sweep,) = at.session_state["_tuning_lab"].sweeps.values()
    assert sweep.settings.model_variant == "lite"
    for parameter in ("detection", "presence"):
        per_image = sweep.sweep(parameter).table
        assert set(per_image["label"]) == {
            "messi5.jpg", "basketball2.png", "chelsea.png", "coffee.png"
        }  # fmt: skip
        at_default = tuning.at_threshold(per_image, 0.5).set_index("label")["people"]
        assert at_default.to_dict() == {
            "messi5.jpg": 1, "basketball2.png": 2, "chelsea.png": 0, "coffee.png": 0
        }  # fmt: skip
        for _, frame in per_image.groupby("label"):
            # Presence must be monotone (derived from nested runs); detection is on
            # these photos.
            assert tuning.is_non_increasing(frame.sort_values("threshold")["people"])
    assert sweep.presence.table["derived"].all()
    assert sweep.presence.model_runs < sweep.presence.naive_runs

    # The heatmap's rows are the file names; the flips tables list the switches.
    heatmaps = [s for s in _chart_specs(at).values() if s["data"][0]["type"] == "heatmap"]
    assert all(
        list(h["data"][0]["y"]) == ["messi5.jpg", "basketball2.png", "chelsea.png", "coffee.png"]
        for h in heatmaps
    )
    flips = [t.value for t in at.dataframe if "change" in t.value.columns]
    assert len(flips) == 2
    detection_flips = flips[0].set_index("label")
    # The no-person photos only "have" someone at the lowest detection thresholds.
    assert detection_flips.loc["coffee.png", "change"] == "person → no person"
    assert detection_flips.loc["coffee.png", "to_threshold"] <= 0.5

    # A rerun shows the cached sweep without running anything.
    runs = len(at.session_state["_tuning_lab"].runs)
    at.run()
    assert len(at.session_state["_tuning_lab"].runs) == runs
    assert len(_titles(at)) == len(titles)


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


def test_apply_changes_the_shared_settings_and_the_link():
    at = _lab()
    at.button_group(key="tuning_pick_model").set_value("heavy")
    at.slider(key="tuning_pick_detection").set_value(0.7)
    at.slider(key="tuning_pick_presence").set_value(0.3)
    at.slider(key="tuning_pick_visibility").set_value(0.65)
    at.run()
    # Picking alone changes nothing shared.
    assert at.session_state["_app_settings"].detector.model_variant == "lite"
    assert at.slider(key="detection").value == 0.5

    at.button(key="tuning_apply").click().run()
    assert_no_exception(at)
    settings = at.session_state["_app_settings"]
    assert settings.detector.model_variant == "heavy"
    assert settings.detector.min_pose_detection_confidence == pytest.approx(0.7)
    assert settings.detector.min_pose_presence_confidence == pytest.approx(0.3)
    assert settings.visibility_threshold == pytest.approx(0.65)
    assert settings.detector.num_poses == 2  # left as it was
    assert at.slider(key="detection").value == pytest.approx(0.7)
    assert at.slider(key="presence").value == pytest.approx(0.3)
    assert at.slider(key="visibility").value == pytest.approx(0.65)
    # The sidebar's widgets are bound to the URL: the address bar carries the choice...
    params = dict(at.query_params)
    assert params["model"] == "Heavy"
    assert params["detection"] == "0.7" and params["presence"] == "0.3"
    assert params["visibility"] == "0.65"
    # ...and so does the link shown after applying.
    assert any("Applied: Heavy, detection 0.70" in s.value for s in at.success)
    link = next(c.value for c in at.code if "detection=" in c.value)
    assert "model=Heavy" in link and "detection=0.7" in link and "presence=0.3" in link

    # Every page sees the applied settings: the Image page now runs heavy.
    at.switch_page("app_pages/image.py").run()
    assert_no_exception(at)
    assert at.session_state["_app_settings"].detector.model_variant == "heavy"


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
