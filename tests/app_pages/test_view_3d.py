"""AppTest of the 3D view page."""

from __future__ import annotations

import json

from pose_core.figures import CAMERA_PRESETS
from testkit.apptest import assert_no_exception, fixture_bytes, new_app, open_page


def _figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _people_plotted(spec: dict) -> set[str]:
    return {t["name"].split(" ")[1] for t in spec["data"] if t.get("name", "").startswith("Person")}


def test_nothing_to_show_yet_points_to_the_sources():
    at = open_page(new_app(), "view_3d.py")
    assert_no_exception(at)
    assert at.title[0].value == "3D view"
    assert "Nothing to show yet" in at.info[0].value
    assert not at.get("plotly_chart")


def test_world_and_image_space_views_of_the_last_sample():
    at = new_app().run()
    at.button(key="sample_two_players").click().run()
    open_page(at, "view_3d.py")
    assert_no_exception(at)
    assert at.selectbox(key="view3d_source").value == "sample:two_players"
    world, image_space = _figures(at)
    assert world["layout"]["title"]["text"].startswith("3D pose — world landmarks (metres")
    assert image_space["layout"]["title"]["text"].startswith("Image space")
    assert _people_plotted(world) == {"1", "2"}  # side by side by default
    assert world["layout"]["scene"]["camera"]["eye"] == CAMERA_PRESETS["front"]["eye"]
    assert [m.value for m in at.metric if m.label == "People"] == ["2"]

    at.segmented_control(key="view3d_camera").set_value("side").run()
    world, image_space = _figures(at)
    assert world["layout"]["scene"]["camera"]["eye"] == CAMERA_PRESETS["side"]["eye"]
    assert image_space["layout"]["scene"]["camera"]["eye"] == CAMERA_PRESETS["side"]["eye"]

    at.segmented_control(key="view3d_person_sample:two_players").set_value(1).run()
    world, image_space = _figures(at)
    assert _people_plotted(world) == _people_plotted(image_space) == {"2"}


def test_the_newest_analysis_takes_over_and_older_ones_stay_selectable():
    at = new_app().run()
    at.button(key="sample_astronaut").click().run()
    open_page(at, "image.py")
    at.file_uploader(key="image_uploads").set_value(
        ("messi5.jpg", fixture_bytes("messi5.jpg"), "image/jpeg")
    ).run()
    open_page(at, "view_3d.py")
    source = at.selectbox(key="view3d_source")
    assert source.value.startswith("upload:")
    assert len(source.options) == 2 and "Astronaut · sample · 1 person" in source.options

    source.set_value("sample:astronaut").run()
    assert_no_exception(at)
    assert at.selectbox(key="view3d_source").value == "sample:astronaut"
    at.run()  # the user's pick is kept across reruns
    assert at.selectbox(key="view3d_source").value == "sample:astronaut"


def test_threshold_from_the_sidebar_dims_points_in_the_3d_view():
    at = new_app().run()
    at.button(key="sample_astronaut").click().run()
    open_page(at, "view_3d.py")
    at.slider(key="visibility").set_value(0.95).run()
    world = _figures(at)[0]
    dim = [t for t in world["data"] if t.get("mode") == "markers" and t.get("opacity", 1) < 1]
    assert dim and all("low visibility" in t["name"] for t in dim)
