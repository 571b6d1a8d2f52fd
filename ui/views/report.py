"""The analysis report every page shows for one image: pictures, numbers, tables, 3D.

The table builders and encoders here are plain functions (no Streamlit calls) so tests
can check them directly; :func:`render_report` lays them out.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from pose_core import (
    DetectorSettings,
    PoseResult,
    decode_image_reduced,
    draw_poses,
    joint_angles,
)
from pose_core.figures import CAMERA_PRESETS, CameraPreset, figure_3d
from pose_core.imageio import jpeg_bytes
from pose_core.settings import PERSON_DETECTOR_LABELS
from ui import state
from ui.server import detectors, runtime
from ui.widgets.settings_panel import AppSettings
from ui.words.text import plain, safe_stem

# Row tint for landmarks under the visibility threshold (the overlay dims them too).
LOW_VISIBILITY_STYLE = "color: #8a8f98; background-color: rgba(255, 145, 0, 0.10)"
LOW_VISIBILITY_FLAG = "⚠ low"
FLAG_HELP = "⚠ low: visibility is below the threshold set in the sidebar."
# The camera picker's options: every preset of pose_core.figures.CAMERA_PRESETS, in order.
CAMERA_LABELS: dict[CameraPreset, str] = {name: name.capitalize() for name in CAMERA_PRESETS}

# Photos are analysed with at least this many pixels: a larger JPEG is decoded at a
# reduced scale (1/2 for a 12-megapixel phone photo, about three times faster; 1/4 above
# 40 megapixels) and finds the same poses (the models look at 224-256 pixel crops).
ANALYSIS_PIXELS = 2_500_000

# ---- analysis -----------------------------------------------------------------------


def analyse(
    key: str,
    label: str,
    source: state.Source,
    rgb_image: np.ndarray,
    settings: AppSettings,
    full_size: tuple[int, int] | None = None,
) -> state.Analysis:
    """Detect poses in ``rgb_image`` with the shared detector, reusing this session's
    earlier result for the same input and settings (so a rerun costs no inference).

    ``full_size`` is the photo's (width, height) when ``rgb_image`` is a reduced decode
    of it: the result's pixel coordinates then refer to the full photo.
    """
    requested = settings.detector
    found = state.cached(key, requested)
    if found is not None:
        state.remember(found)  # what the page shows now is what the 3D view opens on
        return found
    result, used = detectors.detect(rgb_image, requested)
    if full_size is not None:
        result = result.with_image_size(*full_size)
    analysis = state.Analysis(key, label, source, rgb_image, result, used, full_size)
    state.store(analysis, requested)
    state.remember(analysis)
    return analysis


def analyse_bytes(
    key: str, label: str, source: state.Source, data: bytes, settings: AppSettings
) -> state.Analysis:
    """Decode ``data`` and analyse it.

    Raises:
        ImageDecodeError: the bytes are not a readable image; ``str(error)`` is for users.
    """
    found = state.cached(key, settings.detector)
    if found is not None:
        state.remember(found)
        return found
    decoded = state.cached_decode(key)
    if decoded is None:
        budget = runtime.current().limits
        rgb_image, size = decode_image_reduced(
            data,
            reduce_to_pixels=ANALYSIS_PIXELS,
            max_pixels=budget.max_image_pixels,
            max_bytes=budget.max_image_bytes,
        )
        reduced = size != (rgb_image.shape[1], rgb_image.shape[0])
        decoded = rgb_image, size if reduced else None
    rgb_image, full_size = decoded
    return analyse(key, label, source, rgb_image, settings, full_size)


# ---- tables and files ---------------------------------------------------------------


def landmark_table(result: PoseResult, person: int, visibility_threshold: float) -> pd.DataFrame:
    """The 33 landmarks of one person, rows under the threshold flagged.

    Columns: landmark, x, y, z, visibility, presence, pixel_x, pixel_y, flag.
    """
    frame = result.to_dataframe()
    frame = frame[frame["person"] == person].reset_index(drop=True)
    table = frame[["name", "x", "y", "z", "visibility", "presence", "pixel_x", "pixel_y"]]
    table = table.rename(columns={"name": "landmark"})
    low = table["visibility"] < visibility_threshold
    return table.assign(flag=np.where(low, LOW_VISIBILITY_FLAG, ""))


def angle_table(result: PoseResult, person: int, visibility_threshold: float) -> pd.DataFrame:
    """Joint angles of one person (degrees), angles resting on hidden joints flagged."""
    pose = result.poses[person]
    rows = [
        {
            "joint": a.name.replace("_", " ").capitalize(),
            "angle": None if np.isnan(a.degrees) else round(a.degrees, 1),
            "visibility": a.visibility,
            "flag": LOW_VISIBILITY_FLAG if a.visibility < visibility_threshold else "",
        }
        for a in joint_angles(pose.world_landmarks, pose.visibility)
    ]
    return pd.DataFrame(rows, columns=["joint", "angle", "visibility", "flag"])


def png_bytes(rgb_image: np.ndarray) -> bytes:
    """Encode an RGB image as PNG, in memory."""
    buffer = io.BytesIO()
    Image.fromarray(rgb_image, mode="RGB").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _dim_low_rows(row: pd.Series) -> list[str]:
    style = LOW_VISIBILITY_STYLE if row["flag"] else ""
    return [style] * len(row)


# ---- layout -------------------------------------------------------------------------


def settings_caption(settings: DetectorSettings) -> str:
    """One line naming the model and thresholds a result was computed with."""
    # The threshold that applies is the chosen detector's own (their scales differ).
    if settings.person_detector == "mediapipe":
        detection = settings.min_pose_detection_confidence
    else:
        detection = settings.min_person_confidence
    return (
        f"Model **{settings.model_variant}** · "
        f"{PERSON_DETECTOR_LABELS[settings.person_detector]} finding up to "
        f"{settings.num_poses} {'person' if settings.num_poses == 1 else 'people'} · "
        f"detection ≥ {detection:.2f} · presence ≥ {settings.min_pose_presence_confidence:.2f}"
    )


def render_metrics(analysis: state.Analysis) -> None:
    """People found, inference time, image size and model as metric tiles."""
    result = analysis.result
    cols = st.columns(4)
    cols[0].metric("People found", result.num_poses)
    cols[1].metric("Inference time", f"{result.inference_ms:.0f} ms")
    cols[2].metric("Image size", f"{result.image_width} × {result.image_height}")
    cols[3].metric("Model", analysis.settings.model_variant.capitalize())


def reduced_note(analysis: state.Analysis) -> str:
    """A caption suffix saying a large photo was analysed at a reduced size, or ""."""
    if analysis.full_size is None:
        return ""
    height, width = analysis.rgb_image.shape[:2]
    return (
        f" · Analysed at {width} × {height} (the {analysis.full_size[0]} × "
        f"{analysis.full_size[1]} photo, decoded at reduced size; pixel coordinates refer "
        "to the full photo)"
    )


def render_report(analysis: state.Analysis, settings: AppSettings, *, key: str) -> None:
    """The full report for one analysis.

    Args:
        analysis: The image and its poses.
        settings: Current settings (drawing style, visibility threshold).
        key: Prefix that keeps this report's widget keys unique on the page.
    """
    result = analysis.result
    threshold = settings.visibility_threshold
    if not result.poses:
        left, right = st.columns(2)
        left.image(analysis.display_jpeg, caption="Original", width="stretch")
        with right:
            st.warning(
                f"**No person found** in {plain(analysis.label)}. Try a photo where a "
                "person's head and shoulders are visible, or lower the minimum detection "
                "and presence confidence in the sidebar.",
                icon=":material/person_off:",
            )
            cols = st.columns(2)
            cols[0].metric("People found", 0)
            cols[1].metric("Inference time", f"{result.inference_ms:.0f} ms")
            st.caption(settings_caption(analysis.settings))
        return

    style = settings.drawing_style
    # Drawn at the size shown; the download draws on the analysed image when clicked.
    annotated = draw_poses(analysis.display_image, result, style)
    left, right = st.columns(2)
    left.image(analysis.display_jpeg, caption="Original", width="stretch")
    right.image(jpeg_bytes(annotated), caption="Detected pose", width="stretch")
    render_metrics(analysis)
    st.caption(settings_caption(analysis.settings) + reduced_note(analysis))

    stem = safe_stem(analysis.label)
    downloads = st.columns(3)
    downloads[0].download_button(
        "Annotated PNG", lambda: png_bytes(draw_poses(analysis.rgb_image, result, style)),
        file_name=f"{stem}_pose.png",
        mime="image/png", key=f"{key}_png", icon=":material/image:", width="stretch",
        on_click="ignore",
    )  # fmt: skip
    downloads[1].download_button(
        "Landmarks JSON", result.to_json(indent=2), file_name=f"{stem}_pose.json",
        mime="application/json", key=f"{key}_json", icon=":material/data_object:",
        width="stretch", on_click="ignore",
    )  # fmt: skip
    downloads[2].download_button(
        "Landmarks CSV", result.to_csv(), file_name=f"{stem}_landmarks.csv",
        mime="text/csv", key=f"{key}_csv", icon=":material/table:", width="stretch",
        on_click="ignore",
    )  # fmt: skip

    tab_landmarks, tab_angles, tab_3d = st.tabs(
        [":material/table_rows: Landmarks", ":material/straighten: Joint angles",
         ":material/view_in_ar: 3D pose"]
    )  # fmt: skip
    with tab_landmarks:
        for person in range(result.num_poses):
            table = landmark_table(result, person, threshold)
            low = int((table["flag"] != "").sum())
            st.markdown(
                f"**Person {person + 1}** — {33 - low} of 33 landmarks at or above the "
                f"visibility threshold ({threshold:.2f})"
                + (f"; {low} flagged ⚠ low." if low else ".")
            )
            st.dataframe(
                table.style.apply(_dim_low_rows, axis=1),
                hide_index=True,
                width="stretch",
                key=f"{key}_landmarks_{person}",
                column_config={
                    "landmark": st.column_config.TextColumn("Landmark"),
                    "x": st.column_config.NumberColumn("x", format="%.3f", help="0..1 across"),
                    "y": st.column_config.NumberColumn("y", format="%.3f", help="0..1 down"),
                    "z": st.column_config.NumberColumn(
                        "z", format="%.3f", help="Depth, relative to the hips (smaller = nearer)"
                    ),
                    "visibility": st.column_config.NumberColumn("Visibility", format="%.2f"),
                    "presence": st.column_config.NumberColumn("Presence", format="%.2f"),
                    "pixel_x": st.column_config.NumberColumn("Pixel x", format="%.1f"),
                    "pixel_y": st.column_config.NumberColumn("Pixel y", format="%.1f"),
                    "flag": st.column_config.TextColumn("Flag", help=FLAG_HELP),
                },
            )
    with tab_angles:
        st.caption(
            "Angles in 3D from the world landmarks, so they do not depend on the camera "
            "angle. 180° is a straight limb; trunk lean is 0° upright."
        )
        person_cols = st.columns(min(result.num_poses, 2))
        for person in range(result.num_poses):
            with person_cols[person % len(person_cols)]:
                st.markdown(f"**Person {person + 1}**")
                st.dataframe(
                    angle_table(result, person, threshold).style.apply(_dim_low_rows, axis=1),
                    hide_index=True,
                    width="stretch",
                    height="content",  # all 13 angles, no scrolling
                    key=f"{key}_angles_{person}",
                    column_config={
                        "joint": st.column_config.TextColumn("Joint"),
                        "angle": st.column_config.ProgressColumn(
                            "Angle", min_value=0, max_value=180, format="%.0f°"
                        ),
                        "visibility": st.column_config.NumberColumn("Visibility", format="%.2f"),
                        "flag": st.column_config.TextColumn("Flag", help=FLAG_HELP),
                    },
                )
    with tab_3d:
        render_3d(analysis, settings, key=key, height=480)


def render_3d(
    analysis: state.Analysis, settings: AppSettings, *, key: str, height: int = 560
) -> None:
    """The world-landmark 3D figure with camera presets and (for groups) a person picker."""
    result = analysis.result
    controls = st.columns([1, 2])
    camera = controls[0].segmented_control(
        "Camera", list(CAMERA_LABELS), default="front", required=True,
        format_func=CAMERA_LABELS.__getitem__, key=f"{key}_camera",
    )  # fmt: skip
    person = None
    if result.num_poses > 1:
        options = ["all", *range(result.num_poses)]
        choice = controls[1].segmented_control(
            "People", options, default="all", required=True, key=f"{key}_person",
            format_func=lambda o: "Side by side" if o == "all" else f"Person {o + 1}",
        )  # fmt: skip
        person = None if choice == "all" else int(choice)
    figure = figure_3d(
        result, visibility_threshold=settings.visibility_threshold,
        camera=camera or "front", person=person, height=height,
    )  # fmt: skip
    st.plotly_chart(figure, key=f"{key}_figure3d", theme=None, config={"displaylogo": False})
    st.caption(colour_legend(result.num_poses))


def colour_legend(num_people: int) -> str:
    """How to read the skeleton colours, as a caption."""
    sides = (
        "Orange is the person's left side, blue their right"
        if num_people <= 1
        else "Each person has a colour; their right side is the lighter shade"
    )
    return (
        f"Drag to rotate, scroll to zoom. {sides}; faint joints are below the visibility threshold."
    )
