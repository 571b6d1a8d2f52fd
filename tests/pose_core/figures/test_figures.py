"""Plotly figures of pose results (pose_core.figures): pure functions, real detections."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pose_core import (
    LANDMARK_NAMES,
    POSE_CONNECTIONS,
    DetectorSettings,
    ImageDetector,
    PoseResult,
    decode_image,
)
from pose_core.drawing import LEFT_COLOUR, RIGHT_COLOUR, person_colours
from pose_core.figures import (
    CAMERA_PRESETS,
    DIM_OPACITY,
    css_rgb,
    figure_3d,
    figure_image_space,
)
from pose_core.landmarks import LANDMARK_INDEX, side_of
from testkit.fixtures import FIXTURES


@pytest.fixture(scope="module")
def results() -> dict[str, PoseResult]:
    with ImageDetector(
        DetectorSettings(model_variant="lite", num_poses=2, person_detector="mediapipe")
    ) as detector:
        found = {
            name: detector.detect(decode_image(FIXTURES / name))
            for name in ("messi5.jpg", "basketball2.png")
        }
    assert found["messi5.jpg"].num_poses == 1 and found["basketball2.png"].num_poses == 2
    return found


def _lines(figure):
    return [t for t in figure.data if t.mode == "lines"]


def _markers(figure):
    return [t for t in figure.data if t.mode == "markers"]


def _with_visibility(result: PoseResult, visibility: np.ndarray) -> PoseResult:
    pose = result.poses[0]
    landmarks = pose.landmarks.copy()
    landmarks[:, 3] = visibility
    return dataclasses.replace(result, poses=(dataclasses.replace(pose, landmarks=landmarks),))


def test_bones_are_lines_coloured_by_side(results):
    result = _with_visibility(results["messi5.jpg"], np.ones(33))
    figure = figure_3d(result, visibility_threshold=0.5)
    lines = _lines(figure)
    # Every bone once: segments are separated by None in one trace per side.
    assert sum(list(t.x).count(None) for t in lines) == len(POSE_CONNECTIONS)
    colours = {t.name.split(" ")[2]: t.line.color for t in lines}
    assert colours["left"] == css_rgb(LEFT_COLOUR)
    assert colours["right"] == css_rgb(RIGHT_COLOUR)
    for trace in _markers(figure):
        side = trace.name.split(" ")[2]
        assert {side_of(LANDMARK_INDEX[row[0]]) for row in trace.customdata} == {side}
        assert trace.marker.color == colours[side]


def test_world_coordinates_are_shown_with_y_up(results):
    result = _with_visibility(results["messi5.jpg"], np.ones(33))
    world = result.poses[0].world_landmarks
    figure = figure_3d(result)
    plotted = {}
    for trace in _markers(figure):
        for (name, *_), x, y, z in zip(trace.customdata, trace.x, trace.y, trace.z, strict=True):
            plotted[name] = (x, y, z)
    assert set(plotted) == set(LANDMARK_NAMES)
    nose, hip = plotted["nose"], plotted["left_hip"]
    assert nose[2] > hip[2]  # the head is above the hips: plot z is up
    i = LANDMARK_INDEX["nose"]
    # Plot (x, y, z) = (x, depth z, -y): a rotation, so left/right is not mirrored.
    np.testing.assert_allclose(nose, [world[i, 0], world[i, 2], -world[i, 1]], rtol=1e-6)
    scene = figure.layout.scene
    assert scene.zaxis.title.text.startswith("up")
    assert "m" in scene.xaxis.title.text


def test_axes_share_one_scale(results):
    figure = figure_3d(results["basketball2.png"])
    scene = figure.layout.scene
    lengths = np.array([np.diff(a.range)[0] for a in (scene.xaxis, scene.yaxis, scene.zaxis)])
    ratios = np.array([scene.aspectratio.x, scene.aspectratio.y, scene.aspectratio.z])
    np.testing.assert_allclose(ratios / ratios.max(), lengths / lengths.max(), rtol=1e-6)
    assert scene.aspectmode == "manual"


def test_hover_shows_landmark_name_and_visibility(results):
    result = results["messi5.jpg"]
    for trace in _markers(figure_3d(result)):
        assert "%{customdata[0]}" in trace.hovertemplate
        assert "visibility %{customdata[1]:.2f}" in trace.hovertemplate
        for name, visibility, *_ in trace.customdata:
            assert visibility == pytest.approx(result.poses[0].visibility[LANDMARK_INDEX[name]])
    assert all(t.hoverinfo == "skip" for t in _lines(figure_3d(result)))


def test_points_under_the_threshold_are_dimmed(results):
    visibility = np.ones(33)
    low = [LANDMARK_INDEX[n] for n in ("left_ankle", "left_heel", "right_wrist")]
    visibility[low] = 0.2
    figure = figure_3d(
        _with_visibility(results["messi5.jpg"], visibility), visibility_threshold=0.5
    )
    dim = [t for t in _markers(figure) if t.opacity == DIM_OPACITY]
    bright = [t for t in _markers(figure) if t.opacity == 1.0]
    assert {row[0] for t in dim for row in t.customdata} == {
        "left_ankle", "left_heel", "right_wrist",
    }  # fmt: skip
    assert sum(len(t.customdata) for t in bright) == 30
    # Bones touching a dimmed joint are dimmed too.
    dim_bones = sum(list(t.x).count(None) for t in _lines(figure) if t.opacity == DIM_OPACITY)
    touching = [e for e in POSE_CONNECTIONS if set(e) & set(low)]
    assert dim_bones == len(touching)


def test_several_people_side_by_side_or_one_selected(results):
    result = results["basketball2.png"]
    figure = figure_3d(result)
    spans = {}
    for trace in _markers(figure):
        person = trace.name.split(" ")[1]
        lo, hi = spans.get(person, (np.inf, -np.inf))
        spans[person] = (min(lo, min(trace.x)), max(hi, max(trace.x)))
    assert set(spans) == {"1", "2"}
    first, second = sorted(spans.values())
    assert first[1] < second[0]  # apart, not overlapping
    # Left to right as in the image: person 1 stands on the left there.
    assert spans["1"][0] < spans["2"][0]
    labels = [t.text[0] for t in figure.data if t.mode == "text"]
    assert labels == ["Person 1", "Person 2"]

    only_second = figure_3d(result, person=1)
    assert {t.name.split(" ")[1] for t in only_second.data} == {"2"}
    with pytest.raises(ValueError, match="person"):
        figure_3d(result, person=2)


@pytest.mark.parametrize("camera", ["front", "side", "top"])
def test_camera_presets(results, camera):
    figure = figure_3d(results["messi5.jpg"], camera=camera)
    eye = figure.layout.scene.camera.eye
    assert (eye.x, eye.y, eye.z) == tuple(CAMERA_PRESETS[camera]["eye"].values())
    assert figure.layout.uirevision == camera
    assert figure_image_space(results["messi5.jpg"], camera=camera).layout.scene.camera.eye == eye


def test_front_camera_looks_from_the_camera_side(results):
    # The camera is at negative depth (MediaPipe z grows away from it).
    assert CAMERA_PRESETS["front"]["eye"]["y"] < 0
    assert CAMERA_PRESETS["side"]["eye"]["x"] > 0
    with pytest.raises(ValueError, match="camera"):
        figure_3d(results["messi5.jpg"], camera="back")


def test_image_space_keeps_the_image_proportions(results):
    result = results["basketball2.png"]
    figure = figure_image_space(result)
    frame = next(t for t in figure.data if t.name == "image frame")
    assert max(frame.x) == 1.0
    assert min(frame.z) == pytest.approx(-result.image_height / result.image_width)
    nose = result.poses[0].landmarks[0]
    plotted = next(
        (x, z) for t in _markers(figure) if t.name.startswith("Person 1")
        for (name, *_), x, z in zip(t.customdata, t.x, t.z, strict=True) if name == "nose"
    )  # fmt: skip
    assert plotted == pytest.approx((nose[0], -nose[1] * 480 / 640), rel=1e-5)
    assert "normalised" in figure.layout.title.text


def test_no_person_gives_a_message_not_an_error():
    for make in (figure_3d, figure_image_space):
        figure = make(PoseResult.empty(640, 480))
        assert figure.layout.annotations[0].text == "No person detected"
        assert not figure.data


def test_css_rgb_is_the_colour_plotly_takes():
    assert css_rgb(LEFT_COLOUR) == "rgb(255,145,0)"


def test_tracked_people_have_the_colours_they_are_drawn_with(results):
    # Two people with track ids 3 and 0 (the order a tracker may list them in): each
    # person's 3D colours are those the 2D drawing gives their id, not their position.
    pose = results["messi5.jpg"].poses[0]
    people = (dataclasses.replace(pose, track_id=3), dataclasses.replace(pose, track_id=0))
    result = dataclasses.replace(results["messi5.jpg"], poses=people)
    for figure in (figure_3d(result), figure_image_space(result)):
        lines = [t for t in _lines(figure) if " left " in t.name]
        colours = {t.line.color for t in lines}
        expected = {css_rgb(person_colours(n, 2)["left"]) for n in (3, 0)}
        assert colours == expected, (colours, expected)
