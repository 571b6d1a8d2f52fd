"""draw_poses on real detections: colours by side and person, visibility, segmentation."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pose_core import NUM_LANDMARKS, POSE_CONNECTIONS, DetectorSettings
from pose_core.drawing import (
    LEFT_COLOUR,
    PERSON_COLOURS,
    RIGHT_COLOUR,
    DrawingStyle,
    draw_poses,
    person_colours,
)
from pose_core.landmarks import LANDMARK_INDEX, side_of
from pose_core.results import PersonPose, PoseResult
from pose_core.settings import MAX_NUM_POSES
from testkit.fixtures import load_rgb, shared_detector

LEFT_WRIST, RIGHT_WRIST = LANDMARK_INDEX["left_wrist"], LANDMARK_INDEX["right_wrist"]
# Everything visible / everything below the threshold.
SHOW_ALL = DrawingStyle(visibility_threshold=0.0)
ALL_LOW_HIDE = DrawingStyle(visibility_threshold=1.01, low_visibility="hide")
ALL_LOW_DIM = DrawingStyle(visibility_threshold=1.01, low_visibility="dim")


@pytest.fixture(scope="module")
def messi() -> np.ndarray:
    image = load_rgb("messi5.jpg")
    image.setflags(write=False)  # any in-place drawing on the input would raise
    return image


@pytest.fixture(scope="module")
def messi_result(messi: np.ndarray) -> PoseResult:
    result = shared_detector(
        DetectorSettings(model_variant="full", num_poses=1, person_detector="mediapipe")
    ).detect(messi)
    assert result.num_poses == 1
    return result


def auto_thickness(image: np.ndarray) -> int:
    return max(2, round(min(image.shape[:2]) / 220))


def near(image: np.ndarray, xy: np.ndarray, radius: int = 3) -> np.ndarray:
    """The pixels of a (2r+1)^2 square around xy, as an (n, 3) int array."""
    x, y = np.round(xy).astype(int)
    patch = image[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1]
    return patch.reshape(-1, 3).astype(np.int16)


def count_colour(pixels: np.ndarray, colour: tuple[int, int, int], tolerance: int = 12) -> int:
    return int((np.abs(pixels - np.array(colour)).max(axis=1) <= tolerance).sum())


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a != b, axis=2)


def geometry_mask(
    shape: tuple[int, ...],
    points: np.ndarray,
    bones: list[tuple[int, int]],
    joints: list[int],
    half_width: int,
) -> np.ndarray:
    """Pixels within ``half_width`` of the given bones and joints."""
    mask = np.zeros(shape[:2], np.uint8)
    pts = np.round(points).astype(int)
    for a, b in bones:
        cv2.line(mask, tuple(pts[a]), tuple(pts[b]), 1, 2 * half_width + 1)
    for i in joints:
        cv2.circle(mask, tuple(pts[i]), half_width, 1, -1)
    return mask.astype(bool)


# ---- one person ------------------------------------------------------------------------


def test_input_not_modified_and_output_is_a_new_same_size_image(
    messi: np.ndarray, messi_result: PoseResult
) -> None:
    before = messi.copy()
    out = draw_poses(messi, messi_result)
    np.testing.assert_array_equal(messi, before)
    assert out.shape == messi.shape and out.dtype == np.uint8
    assert not np.shares_memory(out, messi)
    assert changed(out, messi).sum() > 1000  # a skeleton was drawn


def test_wrists_take_their_side_colour(messi: np.ndarray, messi_result: PoseResult) -> None:
    out = draw_poses(messi, messi_result)
    pose = messi_result.poses[0]
    pixels = pose.pixel_xy(messi_result.image_width, messi_result.image_height)
    assert pose.visibility[[LEFT_WRIST, RIGHT_WRIST]].min() >= 0.5  # drawn at full strength
    left, right = near(out, pixels[LEFT_WRIST]), near(out, pixels[RIGHT_WRIST])
    assert count_colour(left, LEFT_COLOUR) >= 10
    assert count_colour(left, RIGHT_COLOUR) == 0
    assert count_colour(right, RIGHT_COLOUR) >= 10
    assert count_colour(right, LEFT_COLOUR) == 0
    # The photo itself had neither colour there.
    assert count_colour(near(messi, pixels[LEFT_WRIST]), LEFT_COLOUR) == 0
    assert count_colour(near(messi, pixels[RIGHT_WRIST]), RIGHT_COLOUR) == 0


def test_every_visible_joint_is_drawn_in_its_side_colour(
    messi: np.ndarray, messi_result: PoseResult
) -> None:
    out = draw_poses(messi, messi_result, SHOW_ALL)
    pixels = messi_result.poses[0].pixel_xy(548, 342)
    expected = {"left": LEFT_COLOUR, "right": RIGHT_COLOUR}
    for i in range(NUM_LANDMARKS):
        side = side_of(i)
        if side == "center":
            continue
        other = "right" if side == "left" else "left"
        patch = near(out, pixels[i], radius=1)
        # A later joint's dark outline can cover part of a crowded joint (hands, face).
        assert count_colour(patch, expected[side], tolerance=2) >= 1, i
        assert count_colour(patch, expected[other], tolerance=2) == 0, i


def test_pixels_far_from_every_landmark_are_unchanged(
    messi: np.ndarray, messi_result: PoseResult
) -> None:
    out = draw_poses(messi, messi_result, SHOW_ALL)
    pixels = messi_result.poses[0].pixel_xy(548, 342)
    margin = 4 * auto_thickness(messi) + 4  # bone width, joint radius and anti-aliasing
    x0, y0 = np.floor(pixels.min(axis=0)).astype(int) - margin
    x1, y1 = np.ceil(pixels.max(axis=0)).astype(int) + margin
    outside = np.ones(messi.shape[:2], bool)
    outside[max(0, y0) : y1 + 1, max(0, x0) : x1 + 1] = False
    assert outside.sum() > 0.25 * outside.size  # a real test: much of the photo is out there
    np.testing.assert_array_equal(out[outside], messi[outside])
    assert changed(out, messi)[~outside].sum() > 1000


def test_non_contiguous_input_is_drawn(messi: np.ndarray, messi_result: PoseResult) -> None:
    """Views such as np.rot90 / .T are valid images; OpenCV needs a C-ordered canvas."""
    rotated = np.rot90(messi)  # a view, not C-contiguous
    assert not rotated.flags.c_contiguous
    pose = messi_result.poses[0]
    # Landmarks of the rotated photo: (x, y) -> (y, 1 - x).
    landmarks = pose.landmarks.copy()
    landmarks[:, 0], landmarks[:, 1] = pose.landmarks[:, 1], 1 - pose.landmarks[:, 0]
    result = PoseResult((PersonPose(landmarks, pose.world_landmarks),), 342, 548)
    out = draw_poses(rotated, result)
    expected = np.rot90(draw_poses(messi, messi_result))
    assert out.shape == rotated.shape
    # The same drawing, rotated (up to a pixel of rounding at the anti-aliased edges).
    assert (changed(out, expected)).mean() < 0.01
    assert count_colour(near(out, result.poses[0].pixel_xy(342, 548)[LEFT_WRIST]), LEFT_COLOUR)


# ---- low visibility ----------------------------------------------------------------------


def test_hide_with_everything_below_threshold_draws_nothing(
    messi: np.ndarray, messi_result: PoseResult
) -> None:
    np.testing.assert_array_equal(draw_poses(messi, messi_result, ALL_LOW_HIDE), messi)


def test_dim_with_everything_below_threshold_is_a_faint_full_drawing(
    messi: np.ndarray, messi_result: PoseResult
) -> None:
    dim = draw_poses(messi, messi_result, ALL_LOW_DIM).astype(np.float64)
    full = draw_poses(messi, messi_result, SHOW_ALL).astype(np.float64)
    original = messi.astype(np.float64)
    assert changed(dim, original).sum() > 1000
    strong = np.abs(full - original).max(axis=2) > 60
    assert strong.sum() > 500
    # Dimmed: the same skeleton blended in at a fraction of full strength.
    ratio = np.abs(dim - original)[strong].sum() / np.abs(full - original)[strong].sum()
    assert 0.2 < ratio < 0.5
    assert (np.abs(dim - original) <= np.abs(full - original) + 1).all()
    # Exactly: dim = 0.35 full + 0.65 original, to rounding.
    assert np.abs(dim - (0.35 * full + 0.65 * original)).max() <= 1.0


def test_hide_and_dim_differ_only_around_low_visibility_joints(
    messi: np.ndarray, messi_result: PoseResult
) -> None:
    pose = messi_result.poses[0]
    threshold = float(np.median(pose.visibility))
    low = pose.visibility < threshold
    assert 5 <= low.sum() <= 28  # some of each
    hide = draw_poses(messi, messi_result, DrawingStyle(threshold, "hide"))
    dim = draw_poses(messi, messi_result, DrawingStyle(threshold, "dim"))
    difference = np.abs(hide.astype(np.int16) - dim).max(axis=2)
    points = pose.pixel_xy(548, 342)
    half_width = 2 * auto_thickness(messi) + 3
    low_bones = [(a, b) for a, b in POSE_CONNECTIONS if low[a] or low[b]]
    high_bones = [(a, b) for a, b in POSE_CONNECTIONS if not (low[a] or low[b])]
    low_joints = np.flatnonzero(low).tolist()
    high_joints = np.flatnonzero(~low).tolist()
    around_low = geometry_mask(messi.shape, points, low_bones, low_joints, half_width)
    around_high = geometry_mask(messi.shape, points, high_bones, high_joints, half_width)
    # Strong differences only where low-visibility joints and their bones are.
    assert not (difference > 30)[~around_low].any()
    # Nothing at all away from the skeleton (faint anti-aliased seams along visible bones).
    assert not (difference > 0)[~(around_low | around_high)].any()
    assert (difference > 30)[around_low].sum() > 100
    # Hidden low joints leave the photo as it was, dimmed ones do not.
    checked = 0
    for i in low_joints:
        x, y = np.round(points[i]).astype(int)
        if not (2 <= x < 546 and 2 <= y < 340) or around_high[y, x]:
            continue  # out of frame, or covered by a visible bone
        checked += 1
        centre = near(messi, points[i], radius=1)
        np.testing.assert_array_equal(near(hide, points[i], radius=1), centre)
        assert (near(dim, points[i], radius=1) != centre).any()
    assert checked >= 2


# ---- several people ------------------------------------------------------------------


def test_person_colours() -> None:
    alone = person_colours(0, 1)
    assert alone == {"left": LEFT_COLOUR, "right": RIGHT_COLOUR, "center": alone["center"]}
    assert alone["center"] not in (LEFT_COLOUR, RIGHT_COLOUR)
    assert person_colours(0, 0)["left"] == LEFT_COLOUR
    for n in (2, 3):
        palettes = [person_colours(p, n) for p in range(n)]
        assert len({p["left"] for p in palettes}) == n  # one hue per person
        for p, palette in enumerate(palettes):
            assert palette["left"] == PERSON_COLOURS[p]
            assert palette["left"] != palette["right"]
            # The right side is the same hue lightened: every channel moves towards 255.
            assert all(r >= c for r, c in zip(palette["right"], palette["left"], strict=True))
            for colour in palette.values():
                assert len(colour) == 3 and all(0 <= c <= 255 for c in colour)
                assert all(isinstance(c, int) for c in colour)


def test_every_person_has_distinguishable_sides() -> None:
    # "their right side is the same hue mixed with white, so sides stay distinguishable"
    for n in range(2, MAX_NUM_POSES + 1):
        for p in range(n):
            palette = person_colours(p, n)
            assert palette["left"] != palette["right"], (p, n, palette)


def test_each_person_gets_a_hue_of_their_own_up_to_max_num_poses() -> None:
    # DetectorSettings allows up to MAX_NUM_POSES people in one image.
    for n in range(2, MAX_NUM_POSES + 1):
        lefts = [person_colours(p, n)["left"] for p in range(n)]
        assert len(set(lefts)) == n, (n, lefts)


def test_two_detected_people_get_their_own_colours() -> None:
    image = load_rgb("basketball2.png")
    result = shared_detector(
        DetectorSettings(model_variant="lite", num_poses=5, person_detector="mediapipe")
    ).detect(image)
    assert result.num_poses == 2
    out = draw_poses(image, result, SHOW_ALL)
    joints = {"left": LANDMARK_INDEX["left_hip"], "right": LANDMARK_INDEX["right_hip"]}
    palettes = [person_colours(p, 2) for p in range(2)]
    for person, pose in enumerate(result.poses):
        pixels = pose.pixel_xy(640, 480)
        other = palettes[1 - person]
        for side, index in joints.items():
            patch = near(out, pixels[index], radius=2)
            assert count_colour(patch, palettes[person][side], tolerance=2) >= 3, (person, side)
            assert count_colour(patch, other["left"], tolerance=2) == 0
            assert count_colour(patch, other["right"], tolerance=2) == 0
    # The single-person orange and blue are not used.
    for colour in (LEFT_COLOUR, RIGHT_COLOUR):
        assert (out == colour).all(axis=2).sum() == (image == colour).all(axis=2).sum()


def test_synthetic_pair_of_mirrored_players(messi: np.ndarray, messi_result: PoseResult) -> None:
    pair = np.hstack([messi, messi[:, ::-1]])
    pose = messi_result.poses[0]
    first, second = pose.landmarks.copy(), pose.landmarks.copy()
    first[:, 0] = pose.landmarks[:, 0] / 2
    second[:, 0] = 0.5 + (1 - pose.landmarks[:, 0]) / 2
    result = PoseResult(
        (PersonPose(first, pose.world_landmarks), PersonPose(second, pose.world_landmarks)),
        pair.shape[1],
        pair.shape[0],
    )
    out = draw_poses(pair, result, SHOW_ALL)
    for person, pose_ in enumerate(result.poses):
        pixels = pose_.pixel_xy(*pair.shape[1::-1])
        colours = person_colours(person, 2)
        assert count_colour(near(out, pixels[LEFT_WRIST]), colours["left"], 2) >= 5
        assert count_colour(near(out, pixels[RIGHT_WRIST]), colours["right"], 2) >= 5
        wrong = person_colours(1 - person, 2)["left"]
        assert count_colour(near(out, pixels[LEFT_WRIST]), wrong, 2) == 0
    # The two halves are mirror images drawn in different colours.
    left_half, right_half = out[:, :548], out[:, 548:][:, ::-1]
    assert changed(left_half, right_half).sum() > 1000


# ---- segmentation --------------------------------------------------------------------


@pytest.fixture(scope="module")
def segmented_result(messi: np.ndarray) -> PoseResult:
    settings = DetectorSettings(
        model_variant="lite",
        output_segmentation_masks=True,
        num_poses=1,
        person_detector="mediapipe",
    )
    result = shared_detector(settings).detect(messi)
    assert result.num_poses == 1
    return result


def test_segmentation_mask_from_a_real_detection(segmented_result: PoseResult) -> None:
    mask = segmented_result.poses[0].segmentation_mask
    assert mask is not None
    assert mask.shape == (342, 548) and mask.dtype == np.float32
    assert mask.min() >= 0.0 and mask.max() <= 1.0
    assert 0.03 < (mask > 0.5).mean() < 0.5  # a person, not the whole photo
    # The mask covers the person: the hips are inside it, the photo's corner is not.
    hip = segmented_result.poses[0].pixel_xy(548, 342)[LANDMARK_INDEX["left_hip"]]
    assert mask[int(hip[1]), int(hip[0])] > 0.5
    assert mask[:20, :20].max() < 0.1


def test_segmentation_overlay_changes_pixels_inside_the_mask_only(
    messi: np.ndarray, segmented_result: PoseResult
) -> None:
    mask = segmented_result.poses[0].segmentation_mask
    out = draw_poses(messi, segmented_result, ALL_LOW_HIDE)  # overlay alone, no skeleton
    outside = mask == 0.0
    inside = mask > 0.5
    assert outside.sum() > 1000 and inside.sum() > 1000
    np.testing.assert_array_equal(out[outside], messi[outside])
    assert changed(out, messi)[inside].mean() > 0.95
    alpha = (mask * 0.45)[..., None]
    expected = messi * (1 - alpha) + np.array(LEFT_COLOUR) * alpha
    assert np.abs(out - expected).max() <= 1.0
    # Switched off, the mask is ignored.
    off = DrawingStyle(visibility_threshold=1.01, low_visibility="hide", draw_segmentation=False)
    np.testing.assert_array_equal(draw_poses(messi, segmented_result, off), messi)


def test_low_resolution_mask_is_resized_to_the_image(
    messi: np.ndarray, messi_result: PoseResult
) -> None:
    mask = np.zeros((171, 274), np.float32)  # half size, as when inference was downscaled
    mask[:, :137] = 1.0  # the left half of the photo
    pose = messi_result.poses[0]
    result = PoseResult((PersonPose(pose.landmarks, pose.world_landmarks, mask),), 548, 342)
    out = draw_poses(messi, result, ALL_LOW_HIDE)
    assert out.shape == messi.shape
    assert changed(out, messi)[:, :270].mean() > 0.95
    np.testing.assert_array_equal(out[:, 280:], messi[:, 280:])


# ---- odd coordinates -----------------------------------------------------------------


def pose_with(landmarks_xy: np.ndarray, visibility: float = 1.0) -> PersonPose:
    landmarks = np.zeros((NUM_LANDMARKS, 5), np.float32)
    landmarks[:, :2] = landmarks_xy
    landmarks[:, 3:] = visibility
    return PersonPose(landmarks, np.zeros((NUM_LANDMARKS, 3), np.float32))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1e9, -1e9, 3e38])
def test_unusable_coordinates_draw_nothing_and_do_not_crash(
    messi: np.ndarray, value: float
) -> None:
    result = PoseResult((pose_with(np.full((NUM_LANDMARKS, 2), value)),), 548, 342)
    for style in (DrawingStyle(), SHOW_ALL, ALL_LOW_DIM):
        out = draw_poses(messi, result, style)
        np.testing.assert_array_equal(out, messi)


def test_a_few_bad_joints_leave_the_rest_drawn(messi: np.ndarray, messi_result: PoseResult) -> None:
    landmarks = messi_result.poses[0].landmarks.copy()
    landmarks[LEFT_WRIST, :2] = np.nan
    landmarks[LANDMARK_INDEX["left_ankle"], :2] = 1e7  # far out of frame
    landmarks[LANDMARK_INDEX["nose"], 3] = np.nan  # unknown visibility
    pose = PersonPose(landmarks, messi_result.poses[0].world_landmarks)
    out = draw_poses(messi, PoseResult((pose,), 548, 342))
    pixels = messi_result.poses[0].pixel_xy(548, 342)
    assert count_colour(near(out, pixels[RIGHT_WRIST]), RIGHT_COLOUR) >= 10
    # The NaN wrist is not drawn: around where it was, no wrist dot.
    assert count_colour(near(out, pixels[LEFT_WRIST], radius=1), LEFT_COLOUR, 2) == 0


def test_no_person_draws_nothing(messi: np.ndarray) -> None:
    np.testing.assert_array_equal(draw_poses(messi, PoseResult.empty(548, 342)), messi)


def test_explicit_thickness_is_used(messi: np.ndarray, messi_result: PoseResult) -> None:
    thin = changed(draw_poses(messi, messi_result, DrawingStyle(thickness=2)), messi).sum()
    thick = changed(draw_poses(messi, messi_result, DrawingStyle(thickness=8)), messi).sum()
    assert thick > 2 * thin
