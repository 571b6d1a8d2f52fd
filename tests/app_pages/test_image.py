"""AppTest of the Image page: uploads, tables, counts, figures, downloads, messages."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from pose_core import DetectorSettings, PoseResult
from testkit.apptest import (
    assert_no_exception,
    downloaded,
    fixture_bytes,
    landmark_tables,
    metric_values,
    new_app,
    open_page,
    recorded_media,
)
from testkit.corpus import image_corpus
from ui.server import detectors
from ui.views import report
from ui.words.text import plain


def _upload(at, *files: tuple[str, bytes, str]):
    at.file_uploader(key="image_uploads").set_value(list(files))
    return at.run()


@pytest.fixture
def image_page():
    return open_page(new_app(), "image.py")


def test_empty_page_invites_an_upload(image_page):
    at = image_page
    assert_no_exception(at)
    assert at.title[0].value == "Image"
    assert at.file_uploader(key="image_uploads").accept_multiple_files
    assert "Drag and drop" in at.info[0].value


def test_photos_get_tables_counts_figure_and_downloads(image_page):
    with recorded_media() as files:
        at = _upload(
            image_page,
            ("messi5.jpg", fixture_bytes("messi5.jpg"), "image/jpeg"),
            ("basketball2.png", fixture_bytes("basketball2.png"), "image/png"),
        )
    assert_no_exception(at)
    assert [h.value for h in at.main.subheader] == ["messi5\\.jpg", "basketball2\\.png"]
    # Per image, then the summary over both.
    assert metric_values(at, "People found") == ["3", "1", "2"]
    assert metric_values(at, "Images") == ["2"]
    assert all(v.endswith(" ms") and float(v[:-3]) > 0 for v in metric_values(at, "Inference time"))

    tables = landmark_tables(at)
    assert len(tables) == 3  # one per person
    threshold = 0.5
    for table in tables:
        assert len(table) == 33
        assert table["landmark"].iloc[0] == "nose"
        assert table[["x", "y", "visibility", "presence"]].notna().all().all()
        low = table["visibility"] < threshold
        assert (table.loc[low, "flag"] == report.LOW_VISIBILITY_FLAG).all()
        assert (table.loc[~low, "flag"] == "").all()
    # Pixel columns are the normalised ones times the image size.
    np.testing.assert_allclose(tables[0]["pixel_x"], tables[0]["x"] * 548, rtol=1e-4)
    np.testing.assert_allclose(tables[0]["pixel_y"], tables[0]["y"] * 342, rtol=1e-4)

    assert len([t for t in at.dataframe if "joint" in t.value.columns]) == 3
    figures = at.get("plotly_chart")
    assert len(figures) == 2  # the inline 3D view, one per image
    spec = json.loads(figures[1].proto.spec)
    assert {t.get("name", "").split(" ")[1] for t in spec["data"] if "name" in t} == {"1", "2"}

    buttons = at.get("download_button")
    assert [b.label for b in buttons] == ["Annotated PNG", "Landmarks JSON", "Landmarks CSV"] * 2
    png_file = downloaded(files, buttons[0])
    assert (png_file.filename, png_file.mimetype) == ("messi5_pose.png", "image/png")
    png = Image.open(io.BytesIO(png_file.content))
    assert png.format == "PNG" and png.size == (548, 342)
    json_file = downloaded(files, buttons[4])
    assert json_file.filename == "basketball2_pose.json"
    result = PoseResult.from_json_dict(json.loads(json_file.content))
    assert result.num_poses == 2 and (result.image_width, result.image_height) == (640, 480)
    csv_file = downloaded(files, buttons[5])
    assert csv_file.filename == "basketball2_landmarks.csv"
    frame = pd.read_csv(io.BytesIO(csv_file.content))
    assert len(frame) == 66 and sorted(frame["person"].unique()) == [0, 1]


def test_bad_files_and_empty_photos_get_messages_and_the_rest_still_runs(image_page):
    truncated = fixture_bytes("basketball1.png")[:5000]
    at = _upload(
        image_page,
        ("notes.jpg", b"this is not a picture at all", "image/jpeg"),
        ("coffee.png", fixture_bytes("coffee.png"), "image/png"),
        ("**bold** [x](y).png", truncated, "image/png"),
        ("messi5.jpg", fixture_bytes("messi5.jpg"), "image/jpeg"),
    )
    assert_no_exception(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 2
    assert errors[0].startswith("**Could not read notes\\.jpg.**")
    assert "not an image we can read\\. Supported formats" in errors[0]
    # File names are user text: Markdown in them is escaped, not rendered.
    assert "\\*\\*bold\\*\\* \\[x\\]\\(y\\)\\.png" in errors[1]
    assert "damaged or incomplete" in errors[1]
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and "No person found" in warnings[0] and "coffee" in warnings[0]
    # The good photo after the bad ones is fully processed.
    assert len(landmark_tables(at)) == 1
    assert metric_values(at, "Unreadable") == ["2"]
    assert metric_values(at, "With people") == ["1"]
    assert metric_values(at, "People found") == ["1", "0", "1"]  # summary, coffee, messi5


@pytest.mark.slow
def test_the_whole_corpus_of_bad_and_odd_photos_at_once(image_page):
    """Every file of testkit/corpus.py in one upload: each bad one gets its own message
    naming it, each odd one a report at its real size, and the page keeps working."""
    corpus = image_corpus()
    at = _upload(image_page, *[(case.name, case.data, case.mime) for case in corpus])
    assert_no_exception(at)
    assert [h.value for h in at.main.subheader] == [plain(c.name) for c in corpus]

    bad = [case for case in corpus if not case.ok]
    errors = [e.value for e in at.error]
    assert len(errors) == len(bad)
    for case, error in zip(bad, errors, strict=True):
        assert error.startswith(f"**Could not read {plain(case.name)}.**"), error
        for word in case.words:
            assert plain(word).lower() in error.lower(), (case.name, error)

    good = [case for case in corpus if case.ok]
    nobody = [case for case in good if not case.person]
    warnings = [w.value for w in at.warning]
    assert len(warnings) == len(nobody)
    for case, warning in zip(nobody, warnings, strict=True):
        assert "No person found" in warning and plain(case.name) in warning
    # "People found": the summary first, then one per report, in upload order.
    summary, *per_photo = (int(v) for v in metric_values(at, "People found"))
    assert len(per_photo) == len(good)
    for case, found in zip(good, per_photo, strict=True):
        if case.person is not None:
            assert (found > 0) is case.person, case.name
    assert summary == sum(per_photo)
    # The size of each photo a person was found in, at full size and upright.
    sizes = [f"{c.shape[1]} × {c.shape[0]}" for c in good if c.person]
    assert metric_values(at, "Image size") == sizes
    assert len(landmark_tables(at)) == sum(per_photo)
    assert metric_values(at, "Images") == [str(len(corpus))]
    assert metric_values(at, "Unreadable") == [str(len(bad))]
    assert metric_values(at, "With people") == [str(sum(1 for c in good if c.person))]

    # The page (and the shared detector) still work: a good photo next gets its report.
    at = _upload(at, ("messi5.jpg", fixture_bytes("messi5.jpg"), "image/jpeg"))
    assert_no_exception(at)
    assert not at.error
    assert len(landmark_tables(at)) == 1
    assert metric_values(at, "Image size") == ["548 × 342"]


def test_moving_a_slider_changes_the_detector_and_moving_back_reuses_it(image_page):
    at = _upload(image_page, ("messi5.jpg", fixture_bytes("messi5.jpg"), "image/jpeg"))
    first = at.session_state["_analyses"].recent[0]
    assert first.settings == DetectorSettings(
        model_variant="lite", num_poses=2, person_detector="movenet"
    )
    # The caption names the detector and the threshold that applies to it.
    captions = [c.value for c in at.main.caption]
    assert any("MoveNet finding up to 2 people · detection ≥ 0.05" in c for c in captions)

    loads = detectors.load_count()
    at.slider(key="person_confidence").set_value(0.2).run()
    assert_no_exception(at)
    moved = at.session_state["_analyses"].recent[0]
    assert moved.settings.min_person_confidence == pytest.approx(0.2)
    assert detectors.load_count() == loads + 1
    assert detectors.image_detector(moved.settings).settings == moved.settings

    at.slider(key="person_confidence").set_value(0.05).run()
    back = at.session_state["_analyses"].recent[0]
    assert back.settings == first.settings
    assert detectors.load_count() == loads + 1  # the 0.05 one was still loaded

    at.slider(key="tracking").set_value(0.9).run()  # IMAGE mode ignores tracking
    at.run()  # and a plain rerun loads nothing
    assert detectors.load_count() == loads + 1
    assert at.session_state["_analyses"].recent[0].settings == first.settings


def test_visibility_threshold_marks_rows_without_rerunning_the_model(image_page):
    at = _upload(image_page, ("astronaut.png", fixture_bytes("astronaut.png"), "image/png"))
    loads = detectors.load_count()
    at.slider(key="visibility").set_value(0.95).run()
    table = landmark_tables(at)[0]
    low = table["visibility"] < 0.95
    assert low.any()  # hips and legs are out of frame in this portrait
    assert (table["flag"] == report.LOW_VISIBILITY_FLAG).tolist() == low.tolist()
    assert any(f"; {int(low.sum())} flagged ⚠ low." in m.value for m in at.markdown)
    assert detectors.load_count() == loads
