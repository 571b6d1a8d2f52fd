"""Tuning lab: threshold sweeps, visibility survival, the three person detectors and a
lite / full / heavy comparison on a set of images, and one click to apply the chosen
settings to the shared panel.

Layout only: the maths and charts are in ``pose_core.tuning``, the session's caches in
``ui.state.tuning_lab`` and the text and tables built from results in ``ui.views.tuning_views``.
"""

from __future__ import annotations

import streamlit as st

from pose_core import MODEL_VARIANT_LABELS, MODEL_VARIANTS, DrawingStyle, draw_poses, tuning
from pose_core.settings import PERSON_DETECTOR_LABELS, PERSON_DETECTORS
from ui.server import runtime
from ui.state import tuning_lab as lab
from ui.views import tuning_views as views
from ui.widgets import samples, settings_panel
from ui.widgets.uploads import IMAGE_TYPES, VIDEO_TYPES
from ui.words.text import plain

STALE_COMPARISON = "This comparison is from earlier settings or images; run it again to update it."

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
                f"**Could not read {plain(upload.name)}.** {plain(found)}",
                icon=":material/broken_image:",
            )
        else:
            images.append(found)
    if video is not None:
        frames = lab.video_frames(video, int(frame_count))
        if frames.error is not None:
            st.error(
                f"**Could not sample {plain(video.name)}.** {plain(frames.error)}",
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
                caption=[plain(image.label) for image in images],
                width=150,
            )
    return images


# ---- sweeps --------------------------------------------------------------------------


def _sweep_tab(sweep: tuning.Sweep, current: float | None, pick: float | None) -> None:
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
    finder = PERSON_DETECTOR_LABELS[used.person_detector]
    detection = sweeps.detection.threshold
    # The sidebar's detection value marks the charts only for the same person detector.
    same_detector = now.person_detector == used.person_detector
    # The pick sliders are drawn further down; their values from the last run mark the charts.
    picks = lab.Marks.from_widgets(used.person_detector)
    detection_tab, presence_tab, visibility_tab = st.tabs(
        [detection.label, "Presence confidence", "Visibility threshold"]
    )
    with detection_tab:
        why = (
            "The detector's score is not in MediaPipe's output and a lower threshold moves "
            "the landmarks (overlapping boxes are merged by score)"
            if used.person_detector == "mediapipe"
            else f"A lower confidence lets more of {finder}'s candidates through, whose "
            "readings can replace a person's or take one of the places"
        )
        st.caption(
            f"{model} model, {finder} finding up to {used.num_poses} people, presence held "
            f"at {used.min_pose_presence_confidence:.2f}. {why}, so the model ran at every "
            f"value: {sweeps.detection.model_runs} runs, the rest from the cache."
        )
        _sweep_tab(
            sweeps.detection,
            detection.of(now) if same_detector else None,
            picks.detection if same_detector else None,
        )
    with presence_tab:
        presence = sweeps.presence
        st.caption(
            f"{model} model, {finder} finding up to {used.num_poses} people, "
            f"{detection.short} held at {detection.of(used):.2f}. "
            + views.presence_derivation(presence)
        )
        _sweep_tab(presence, now.min_pose_presence_confidence, picks.presence)
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


# ---- person detectors ----------------------------------------------------------------


def _show_detectors(
    comparison: tuning.DetectorComparison, settings: settings_panel.AppSettings
) -> None:
    st.dataframe(
        views.detector_table(comparison),
        hide_index=True,
        column_config=views.DETECTOR_COLUMNS,
        key="tuning_detector_table",
    )
    left, right = st.columns([2, 3])
    views.chart(left, tuning.figure_detector_time(comparison.detectors), "tuning_detector_time")
    views.chart(right, tuning.figure_detector_people(comparison.found), "tuning_detector_people")
    per_image = views.detector_people_table(comparison)
    st.dataframe(
        per_image,
        hide_index=True,
        column_config=views.detector_people_columns(per_image),
        key="tuning_detector_per_image",
    )

    images = comparison.images
    if images:
        st.markdown("**Who each detector found**")
        choice = st.selectbox(
            "Image",
            range(len(images)),
            format_func=lambda i: images[i].label,
            key=lab.DETECTOR_OVERLAY_IMAGE,
        )
        style = DrawingStyle(
            visibility_threshold=settings.visibility_threshold, draw_segmentation=False
        )
        ran = [detector for detector in PERSON_DETECTORS if detector in comparison.runs]
        for column, detector in zip(st.columns(len(ran)), ran, strict=True):
            column.image(
                draw_poses(
                    images[choice].rgb_image, comparison.runs[detector].results[choice], style
                ),
                caption=views.detector_overlay_caption(comparison, detector, choice),
            )

    with st.container(border=True):
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        left.segmented_control(
            "Person detector to use",
            PERSON_DETECTORS,
            default=settings.detector.person_detector,
            required=True,
            format_func=PERSON_DETECTOR_LABELS.__getitem__,
            key=lab.PICK_PERSON_DETECTOR,
        )
        right.button(
            "Apply to the settings panel",
            key=lab.APPLY_DETECTOR,
            icon=":material/person_search:",
            on_click=lab.apply_detector,
            help="Sets the sidebar's person detector, at the confidence it was compared with.",
        )
        applied = lab.applied_detector(settings)
        if applied is not None:
            st.success(views.applied_detector_text(applied), icon=":material/check_circle:")


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
    st.subheader("5. Apply", anchor=False)
    d = settings.detector
    detection = tuning.swept_threshold("detection", d.person_detector)
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
                detection.label, detection.of(d), lab.pick_detection_key(d.person_detector)
            )
            _pick_slider(
                tuning.PRESENCE_THRESHOLD.label,
                d.min_pose_presence_confidence,
                lab.PICK_PRESENCE,
            )
            _pick_slider(
                "Visibility threshold (drawing)",
                settings.visibility_threshold,
                lab.PICK_VISIBILITY,
            )
        with right:
            pick = lab.Pick.from_widgets(d.person_detector)
            summary = views.pick_summary(lab.last_sweeps(), pick)
            if summary is not None:
                st.markdown(summary)
            st.button(
                "Apply to the settings panel",
                key=lab.APPLY,
                type="primary",
                icon=":material/tune:",
                on_click=lab.apply_pick,
                args=(d.person_detector,),
                help=f"Sets the sidebar (and so every page) to these values, for "
                f"{PERSON_DETECTOR_LABELS[d.person_detector]}, the sidebar's person "
                "detector. The number of people and the segmentation overlay are left as "
                "they are.",
            )
            applied = lab.applied(settings)
            if applied is not None:
                st.success(
                    f"{views.applied_text(applied)} The sidebar and the address bar carry "
                    "them; this link does too:",
                    icon=":material/check_circle:",
                )
                st.code(settings_panel.share_link(settings), language=None, wrap_lines=True)


# ---- the page ------------------------------------------------------------------------

settings = settings_panel.current()
base = tuning.lab_settings(settings.detector)

st.title("Tuning lab")
st.caption(
    "Pick thresholds, a person detector and a model with evidence: sweep the confidence "
    "thresholds over a set of images, see which landmarks survive each visibility "
    "threshold, and compare the person detectors and Lite, Full and Heavy on this "
    "machine. Then apply the choice to the settings panel. Images stay in this browser "
    "session's memory."
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
    detection = tuning.swept_threshold("detection", base.person_detector)
    step = controls[1].segmented_control(
        f"{detection.label} grid",
        list(lab.STEPS),
        default=lab.DEFAULT_STEP,
        required=True,
        format_func=lambda value: lab.step_label(value, detection),
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
    views.computed_section(
        lambda: lab.shown_sweeps(sweep_key),
        lambda sweeps: _show_sweeps(sweeps, settings),
        not_run=f"**Run the sweeps** to chart {len(images)} images over both thresholds. The "
        f"{detection.in_text} sweep runs the model once per image and grid value; the "
        "presence sweep is derived from a few runs per image.",
        not_run_icon=":material/insights:",
        stale="These results are from earlier settings or images; **Run the sweeps** to "
        "update them.",
    )

    st.subheader("3. Person detectors", anchor=False)
    detectors_key = lab.DetectorComparisonKey.of(set_key, base)
    run_detectors = views.RunButton(
        f"Compare the three person detectors on {len(images)} images",
        key=lab.RUN_DETECTORS,
        icon=":material/person_search:",
        help=f"Runs MediaPipe, MoveNet and NanoDet on every image, each at its default "
        f"confidence, with the sidebar's model ({MODEL_VARIANT_LABELS[base.model_variant]}), "
        "number of people and presence threshold; times are medians on this server.",
        action=lambda: lab.run_detector_comparison(images, detectors_key),
    )
    views.computed_section(
        lambda: lab.shown_detector_comparison(detectors_key),
        lambda comparison: _show_detectors(comparison, settings),
        not_run="**Compare the three person detectors** to see how many people each finds in "
        "these images and what it costs per image on this machine.",
        not_run_icon=":material/groups:",
        stale=STALE_COMPARISON,
        run=run_detectors,
    )

    st.subheader("4. Lite, Full and Heavy", anchor=False)
    compare_key = lab.ComparisonKey.of(set_key, base)
    run_comparison = views.RunButton(
        f"Compare the three models on {len(images)} images",
        key=lab.RUN_COMPARISON,
        icon=":material/compare:",
        help="Runs each model on every image, after one warm-up call, at the sidebar's "
        "thresholds; times are medians on this server.",
        action=lambda: lab.run_comparison(images, compare_key),
    )
    views.computed_section(
        lambda: lab.shown_comparison(compare_key),
        lambda comparison: _show_comparison(comparison, settings),
        not_run="**Compare the three models** to see their speed on this machine and how far "
        "Lite's and Full's landmarks are from Heavy's.",
        not_run_icon=":material/speed:",
        stale=STALE_COMPARISON,
        run=run_comparison,
    )

_apply_panel(settings)
