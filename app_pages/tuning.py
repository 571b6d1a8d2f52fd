"""Tuning lab: threshold sweeps, visibility survival and a lite / full / heavy comparison
on a set of images, and one click to apply the chosen settings to the shared panel.

Layout only: the maths and charts are in ``pose_core.tuning``, the session's caches in
``ui.tuning_lab`` and the text and tables built from results in ``ui.tuning_views``.
"""

from __future__ import annotations

import streamlit as st

from pose_core import MODEL_VARIANT_LABELS, MODEL_VARIANTS, DrawingStyle, draw_poses, tuning
from ui import report, runtime, samples, settings_panel
from ui import tuning_lab as lab
from ui import tuning_views as views
from ui.uploads import IMAGE_TYPES, VIDEO_TYPES

# ---- the image set -------------------------------------------------------------------


def _image_set() -> list[tuning.TuningImage]:
    """Draw the image-set controls and return the set (bad files get a message)."""
    st.subheader("1. Images", anchor=False)
    left, right = st.columns([3, 2], gap="large")
    with left:
        use_samples = st.toggle(
            f"The {len(samples.SAMPLES)} bundled sample photos", value=True, key=lab.USE_SAMPLES
        )
        uploads = st.file_uploader(
            "Your photos (ten or more at once is fine)",
            type=IMAGE_TYPES,
            accept_multiple_files=True,
            key=lab.UPLOADS,
            max_upload_size=runtime.current().limits.photo_upload_mb,
            help="Include photos with nobody in them too: they show where false detections start.",
        )
    with right:
        video = st.file_uploader(
            f"A video to sample frames from ({', '.join(VIDEO_TYPES)})",
            type=VIDEO_TYPES,
            key=lab.VIDEO,
            max_upload_size=runtime.current().limits.video_upload_mb,
        )
        frame_count = st.slider(
            "Frames to sample from the video", 3, 30, 10, key=lab.FRAME_COUNT,
            disabled=video is None,
        )  # fmt: skip

    images = lab.sample_images() if use_samples else []
    uploads = uploads or []
    lab.forget_removed_uploads(uploads)
    for upload in uploads:
        found = lab.decode_upload(upload)
        if isinstance(found, str):
            st.error(
                f"**Could not read {report.plain(upload.name)}.** {report.plain(found)}",
                icon=":material/broken_image:",
            )
        else:
            images.append(found)
    if video is not None:
        frames = lab.video_frames(video, int(frame_count))
        if frames.error is not None:
            st.error(
                f"**Could not sample {report.plain(video.name)}.** {report.plain(frames.error)}",
                icon=":material/videocam_off:",
            )
        images += frames.images
    else:
        lab.forget_video()

    if len(images) > tuning.MAX_IMAGES:
        st.warning(
            f"The lab uses the first {tuning.MAX_IMAGES} of these {len(images)} images: "
            "sweeps run the model several times per image.",
            icon=":material/content_cut:",
        )
    images = tuning.image_set(images)
    if images:
        with st.expander(views.set_description(images), icon=":material/photo_library:"):
            st.image(
                [image.rgb_image for image in images],
                caption=[report.plain(image.label) for image in images],
                width=150,
            )
    return images


# ---- sweeps --------------------------------------------------------------------------


def _sweep_tab(sweep: tuning.Sweep, current: float, pick: float | None) -> None:
    parameter = sweep.parameter
    left, right = st.columns(2)
    views.chart(
        left,
        tuning.figure_sweep_people(sweep, current=current, pick=pick),
        f"tuning_people_{parameter}",
    )
    views.chart(
        right,
        tuning.figure_sweep_visibility(sweep, current=current, pick=pick),
        f"tuning_visibility_{parameter}",
    )
    views.chart(
        st,
        tuning.figure_sweep_heatmap(sweep, current=current, pick=pick),
        f"tuning_heatmap_{parameter}",
    )
    if sweep.flips.empty:
        st.caption("No image switches between “person” and “no person” over this range.")
    else:
        st.markdown("**Images that switch between “person” and “no person”**")
        st.dataframe(
            sweep.flips[["label", "change", "from_threshold", "to_threshold"]],
            hide_index=True,
            column_config={
                "label": st.column_config.TextColumn("image"),
                "from_threshold": st.column_config.NumberColumn("between", format="%.2f"),
                "to_threshold": st.column_config.NumberColumn("and", format="%.2f"),
            },
            key=f"tuning_flips_{parameter}",
        )


def _show_sweeps(sweeps: tuning.SweepSet, settings: settings_panel.AppSettings) -> None:
    used, now = sweeps.settings, settings.detector
    model = MODEL_VARIANT_LABELS[used.model_variant]
    # The pick sliders are drawn further down; their values from the last run mark the charts.
    picks = lab.Marks.from_widgets()
    detection_tab, presence_tab, visibility_tab = st.tabs(
        ["Detection confidence", "Presence confidence", "Visibility threshold"]
    )
    with detection_tab:
        st.caption(
            f"{model} model, up to {used.num_poses} people, presence held at "
            f"{used.min_pose_presence_confidence:.2f}. The detector's score is not in "
            f"MediaPipe's output and a lower threshold moves the landmarks (overlapping "
            f"boxes are merged by score), so the model ran at every value: "
            f"{sweeps.detection.model_runs} runs, the rest from the cache."
        )
        _sweep_tab(sweeps.detection, now.min_pose_detection_confidence, picks.detection)
    with presence_tab:
        st.caption(
            f"{model} model, up to {used.num_poses} people, detection held at "
            f"{used.min_pose_detection_confidence:.2f}. Derived, not re-run per value: "
            f"raising the presence threshold only drops poses, unchanged, so each pose's "
            f"hidden presence score was bracketed by bisection — "
            f"{sweeps.presence.model_runs} new model runs instead of "
            f"{sweeps.presence.naive_runs}, with the same counts."
        )
        _sweep_tab(sweeps.presence, now.min_pose_presence_confidence, picks.presence)
    with visibility_tab:
        st.caption(
            "Landmarks below the visibility threshold are dimmed in the drawings and "
            "flagged in the tables. The curves show how many of each body part's landmarks "
            "stay at full strength, over every person found at the sidebar's thresholds."
        )
        views.chart(
            st,
            tuning.figure_visibility_survival(
                sweeps.survival, current=settings.visibility_threshold, pick=picks.visibility
            ),
            "tuning_survival",
        )
        table = views.survival_table(sweeps.survival)
        if table is not None:
            st.dataframe(table, key="tuning_survival_table", column_config={"_index": "part"})


# ---- model comparison ----------------------------------------------------------------


def _show_comparison(comparison: tuning.Comparison, settings: settings_panel.AppSettings) -> None:
    st.dataframe(
        views.comparison_table(comparison),
        hide_index=True,
        column_config=views.COMPARISON_COLUMNS,
        key="tuning_comparison_table",
    )
    left, right = st.columns(2)
    views.chart(left, tuning.figure_inference_time(comparison.variants), "tuning_inference_time")
    views.chart(right, tuning.figure_speed_accuracy(comparison.variants), "tuning_speed_accuracy")
    visible_only = st.toggle(
        "Only landmarks Heavy sees",
        value=True,
        key=lab.VISIBLE_ONLY,
        help="Hidden landmarks (visibility below "
        f"{tuning.AGREEMENT_VISIBILITY:.1f}) are guesses; their spread can drown the rest.",
    )
    views.chart(
        st,
        tuning.figure_landmark_deltas(comparison.landmarks, visible_only=visible_only),
        "tuning_landmark_deltas",
    )

    images = comparison.images
    if not images:
        return
    st.markdown("**The three overlays side by side**")
    # Options are indices: two images may share a label, never an index. Selectbox
    # options are plain text, so the labels need no escaping here.
    choice = st.selectbox(
        "Image", range(len(images)), format_func=lambda i: images[i].label, key=lab.OVERLAY_IMAGE
    )
    style = DrawingStyle(
        visibility_threshold=settings.visibility_threshold, draw_segmentation=False
    )
    columns = st.columns(len(comparison.runs))
    for column, variant in zip(columns, MODEL_VARIANTS, strict=False):
        if variant in comparison.runs:
            column.image(
                draw_poses(
                    images[choice].rgb_image, comparison.runs[variant].results[choice], style
                ),
                caption=views.overlay_caption(comparison, variant, choice),
            )


# ---- apply ---------------------------------------------------------------------------


def _pick_slider(label: str, value: float, key: str) -> None:
    st.slider(label, min_value=0.0, max_value=1.0, value=value, step=0.05, format="%.2f", key=key)


def _apply_panel(settings: settings_panel.AppSettings) -> None:
    st.subheader("4. Apply", anchor=False)
    d = settings.detector
    with st.container(border=True):
        left, right = st.columns([3, 2], gap="large")
        with left:
            st.segmented_control(
                "Model",
                MODEL_VARIANTS,
                default=d.model_variant,
                required=True,
                format_func=MODEL_VARIANT_LABELS.__getitem__,
                key=lab.PICK_MODEL,
            )
            _pick_slider(
                tuning.PARAMETER_LABELS["detection"],
                d.min_pose_detection_confidence,
                lab.PICK_DETECTION,
            )
            _pick_slider(
                tuning.PARAMETER_LABELS["presence"],
                d.min_pose_presence_confidence,
                lab.PICK_PRESENCE,
            )
            _pick_slider(
                "Visibility threshold (drawing)",
                settings.visibility_threshold,
                lab.PICK_VISIBILITY,
            )
        with right:
            summary = views.pick_summary(lab.last_sweeps(), lab.Pick.from_widgets())
            if summary is not None:
                st.markdown(summary)
            st.button(
                "Apply to the settings panel",
                key=lab.APPLY,
                type="primary",
                icon=":material/tune:",
                on_click=lab.apply_pick,
                help="Sets the sidebar (and so every page) to these values. The number "
                "of people and the segmentation overlay are left as they are.",
            )
            applied = lab.applied(settings)
            if applied is not None:
                st.success(
                    f"Applied: {MODEL_VARIANT_LABELS[applied.model]}, detection "
                    f"{applied.detection:.2f}, presence {applied.presence:.2f}, visibility "
                    f"{applied.visibility:.2f}. The sidebar and the address bar carry them; "
                    "this link does too:",
                    icon=":material/check_circle:",
                )
                st.code(settings_panel.share_link(settings), language=None, wrap_lines=True)


# ---- the page ------------------------------------------------------------------------

settings = settings_panel.current()
base = tuning.lab_settings(settings.detector)

st.title("Tuning lab")
st.caption(
    "Pick thresholds and a model with evidence: sweep the confidence thresholds over a "
    "set of images, see which landmarks survive each visibility threshold, and compare "
    "Lite, Full and Heavy on this machine. Then apply the choice to the settings panel. "
    "Images stay in this browser session's memory."
)

images = _image_set()
set_key = tuning.image_set_key(images)

st.subheader("2. Threshold sweeps", anchor=False)
if not images:
    st.info("Turn on the sample photos or add some of your own to start.", icon=":material/upload:")
else:
    controls = st.columns([2, 3, 2], vertical_alignment="bottom")
    sweep_model = controls[0].segmented_control(
        "Model for the sweeps",
        MODEL_VARIANTS,
        default=settings.detector.model_variant,
        required=True,
        format_func=MODEL_VARIANT_LABELS.__getitem__,
        key=lab.SWEEP_MODEL,
    )
    step = controls[1].segmented_control(
        "Detection grid",
        list(lab.STEP_LABELS),
        default=lab.DEFAULT_STEP,
        required=True,
        format_func=lab.STEP_LABELS.__getitem__,
        key=lab.DETECTION_STEP,
        help="The presence sweep always covers every 0.05: it is derived, not re-run.",
    )
    run_sweeps = controls[2].button(
        "Run the sweeps", key=lab.RUN_SWEEPS, type="primary", icon=":material/play_arrow:"
    )
    sweep_key = lab.SweepKey(
        set_key,
        base.replace(model_variant=sweep_model or base.model_variant),
        float(step or lab.DEFAULT_STEP),
    )
    if run_sweeps:
        lab.run_sweeps(images, sweep_key)
    shown = lab.shown_sweeps(sweep_key)
    if shown is None:
        st.info(
            f"**Run the sweeps** to chart {len(images)} images over both thresholds. The "
            "detection sweep runs the model once per image and grid value; the presence "
            "sweep is derived from a few runs per image.",
            icon=":material/insights:",
        )
    else:
        if not shown.current:
            st.info(
                "These results are from earlier settings or images; **Run the sweeps** to "
                "update them.",
                icon=":material/history:",
            )
        _show_sweeps(shown.result, settings)

    st.subheader("3. Lite, Full and Heavy", anchor=False)
    compare_key = lab.ComparisonKey.of(set_key, base)
    run_comparison = st.button(
        f"Compare the three models on {len(images)} images",
        key=lab.RUN_COMPARISON,
        icon=":material/compare:",
        help="Runs each model on every image, after one warm-up call, at the sidebar's "
        "thresholds; times are medians on this server.",
    )
    if run_comparison:
        lab.run_comparison(images, compare_key)
    shown_comparison = lab.shown_comparison(compare_key)
    if shown_comparison is None:
        st.info(
            "**Compare the three models** to see their speed on this machine and how far "
            "Lite's and Full's landmarks are from Heavy's.",
            icon=":material/speed:",
        )
    else:
        if not shown_comparison.current:
            st.info(
                "This comparison is from earlier settings or images; run it again to update it.",
                icon=":material/history:",
            )
        _show_comparison(shown_comparison.result, settings)

_apply_panel(settings)
