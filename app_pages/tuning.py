"""Tuning lab: threshold sweeps, visibility survival and a lite / full / heavy comparison
on a set of images, and one click to apply the chosen settings to the shared panel.

A thin page: the maths is in ``pose_core.tuning``, the charts in
``pose_core.figures_tuning``. Every model run is cached for the session by (image,
settings), and every sweep and comparison by (image set, settings), so moving back to
earlier settings or switching pages costs no inference.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from pose_core import (
    MODEL_VARIANTS,
    DrawingStyle,
    ImageDecodeError,
    decode_image,
    draw_poses,
    tuning,
)
from pose_core.tuning import sweep_figures as figs
from pose_core.video import VideoDecodeError
from ui import limits, report, samples, settings_panel
from ui.uploads import IMAGE_TYPES

LOGGER = logging.getLogger(__name__)
VIDEO_TYPES = ["mp4", "m4v", "mov", "webm", "mkv", "avi"]
# Sweeps run the model several times per image: past this many images a sweep takes
# minutes on a laptop, so the rest of a larger upload is left out (and the user told).
MAX_IMAGES = 40

# Session state: per-session caches (never shared between browser sessions).
_RUNS = "_tuning_runs"  # tuning.RunCache: every model run, by (image, settings)
_DECODED = "_tuning_decoded"  # upload file id -> TuningImage or an error message
_FRAMES = "_tuning_frames"  # (video file id, frame count) -> [TuningImage] or error
_SWEEPS = "_tuning_sweeps"  # sweep key -> results
_COMPARISONS = "_tuning_comparisons"  # comparison key -> tuning.Comparison
_LAST_SWEEP = "_tuning_last_sweep"
_LAST_COMPARISON = "_tuning_last_comparison"
_APPLIED = "_tuning_applied"
MAX_KEPT_RESULTS = 6

# Widget keys.
USE_SAMPLES = "tuning_samples"
UPLOADS = "tuning_uploads"
VIDEO = "tuning_video"
FRAME_COUNT = "tuning_frames"
SWEEP_MODEL = "tuning_sweep_model"
DETECTION_STEP = "tuning_detection_step"
RUN_SWEEPS = "tuning_run_sweeps"
RUN_COMPARISON = "tuning_run_comparison"
OVERLAY_IMAGE = "tuning_overlay_image"
VISIBLE_ONLY = "tuning_visible_only"
PICK_MODEL = "tuning_pick_model"
PICK_DETECTION = "tuning_pick_detection"
PICK_PRESENCE = "tuning_pick_presence"
PICK_VISIBILITY = "tuning_pick_visibility"
APPLY = "tuning_apply"

STEP_LABELS = {0.1: "Every 0.1 (11 runs per image)", 0.05: "Every 0.05 (21)"}


def _session(key: str, factory: Callable[[], object]):
    if key not in st.session_state:
        st.session_state[key] = factory()
    return st.session_state[key]


def _keep(store_key: str, key: tuple, value: object) -> None:
    store: dict = _session(store_key, dict)
    store[key] = value
    while len(store) > MAX_KEPT_RESULTS:
        store.pop(next(iter(store)))


def _chart(container, figure, key: str) -> None:
    # theme=None keeps the figures' own dark style (Streamlit's theme recolours text).
    container.plotly_chart(figure, key=key, theme=None, config={"displaylogo": False})


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _percent(value: float) -> str:
    return "—" if value is None or np.isnan(value) else f"{value:.0%}"


# ---- the image set -------------------------------------------------------------------


def _decode_upload(upload) -> tuning.TuningImage | str:
    decoded: dict = _session(_DECODED, dict)
    if upload.file_id not in decoded:
        try:
            budget = limits.current()
            rgb = decode_image(
                upload.getvalue(),
                max_pixels=budget.max_image_pixels,
                max_bytes=budget.max_image_bytes,
            )
            decoded[upload.file_id] = tuning.make_image(upload.name, rgb, "upload")
        except ImageDecodeError as exc:
            decoded[upload.file_id] = str(exc)
    return decoded[upload.file_id]


def _video_frames(upload, count: int) -> list[tuning.TuningImage] | str:
    frames: dict = _session(_FRAMES, dict)
    key = (upload.file_id, count)
    if key not in frames:
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ".mp4"
        try:
            with st.spinner("Sampling frames from the video…"):
                sampled = tuning.sample_video_bytes(upload.getvalue(), count, suffix=suffix)
        except VideoDecodeError as exc:
            frames[key] = str(exc)
        except Exception as exc:  # a broken file must not take the page down
            LOGGER.exception("Sampling video frames failed")
            frames[key] = f"The video could not be read ({exc.__class__.__name__})."
        else:
            frames[key] = [
                tuning.make_image(f"{upload.name} @ {time_s:.1f} s", rgb, "video")
                for time_s, rgb in sampled
            ]
        # Only the current video's frames are kept.
        for other in [k for k in frames if k != key]:
            del frames[other]
    return frames[key]


def _image_set() -> list[tuning.TuningImage]:
    """Draw the image-set controls and return the set (bad files get a message)."""
    st.subheader("1. Images", anchor=False)
    left, right = st.columns([3, 2], gap="large")
    with left:
        use_samples = st.toggle(
            f"The {len(samples.SAMPLES)} bundled sample photos", value=True, key=USE_SAMPLES
        )
        uploads = st.file_uploader(
            "Your photos (ten or more at once is fine)",
            type=IMAGE_TYPES,
            accept_multiple_files=True,
            key=UPLOADS,
            max_upload_size=limits.current().photo_upload_mb,
            help="Include photos with nobody in them too: they show where false detections start.",
        )
    with right:
        video = st.file_uploader(
            f"A video to sample frames from ({', '.join(VIDEO_TYPES)})",
            type=VIDEO_TYPES,
            key=VIDEO,
            max_upload_size=limits.current().video_upload_mb,
        )
        frame_count = st.slider(
            "Frames to sample from the video", 3, 30, 10, key=FRAME_COUNT,
            disabled=video is None,
        )  # fmt: skip

    images: list[tuning.TuningImage] = []
    if use_samples:
        images += [
            tuning.make_image(sample.title, samples.load(sample.slug), "sample")
            for sample in samples.SAMPLES
        ]
    uploads = uploads or []
    decoded: dict = _session(_DECODED, dict)
    for file_id in [k for k in decoded if k not in {u.file_id for u in uploads}]:
        del decoded[file_id]  # a removed upload
    for upload in uploads:
        found = _decode_upload(upload)
        if isinstance(found, str):
            st.error(
                f"**Could not read {report.plain(upload.name)}.** {report.plain(found)}",
                icon=":material/broken_image:",
            )
        else:
            images.append(found)
    if video is not None:
        frames = _video_frames(video, int(frame_count))
        if isinstance(frames, str):
            st.error(
                f"**Could not sample {report.plain(video.name)}.** {report.plain(frames)}",
                icon=":material/videocam_off:",
            )
        else:
            images += frames
    else:
        st.session_state.pop(_FRAMES, None)

    if len(images) > MAX_IMAGES:
        st.warning(
            f"The lab uses the first {MAX_IMAGES} of these {len(images)} images: sweeps "
            "run the model several times per image.",
            icon=":material/content_cut:",
        )
        images = images[:MAX_IMAGES]
    labels = tuning.unique_labels(image.label for image in images)
    images = [
        tuning.TuningImage(image.key, label, image.rgb_image, image.source)
        for image, label in zip(images, labels, strict=True)
    ]
    if images:
        nouns = {"sample": "sample", "upload": "upload", "video": "video frame"}
        parts = [
            _count(sum(i.source == source for i in images), noun)
            for source, noun in nouns.items()
            if any(i.source == source for i in images)
        ]
        with st.expander(
            f"{_count(len(images), 'image')} in the set: {', '.join(parts)}",
            icon=":material/photo_library:",
        ):
            st.image(
                [image.rgb_image for image in images],
                caption=[report.plain(image.label) for image in images],
                width=150,
            )
    return images


# ---- sweeps --------------------------------------------------------------------------


def _progress_bar(text: str):
    bar = st.progress(0.0, text=text)

    def update(fraction: float, message: str) -> None:
        bar.progress(float(fraction), text=f"{message}: {fraction:.0%}")

    return bar, update


def _run_sweeps(images, base, step: float) -> dict:
    runner = tuning.Runner(_session(_RUNS, tuning.RunCache))
    detection_grid = tuning.threshold_grid(step)
    bar, update = _progress_bar("Detection sweep")
    before = runner.inferences
    detection = tuning.detection_sweep(images, base, runner, detection_grid, update)
    detection_runs = runner.inferences - before
    bar.empty()
    bar, update = _progress_bar("Presence sweep")
    before = runner.inferences
    presence = tuning.presence_sweep(images, base, runner, tuning.THRESHOLD_GRID, update)
    presence_runs = runner.inferences - before
    bar.empty()
    # The visibility curves use the sidebar's own thresholds (one run per image, or
    # none: the sweeps usually ran these settings already).
    at_base = runner.run([(image, tuning.lab_settings(base)) for image in images])
    return {
        "settings": base,
        "labels": [image.label for image in images],
        "detection": detection,
        "presence": presence,
        "detection_runs": detection_runs,
        "presence_runs": presence_runs,
        "presence_naive": len(images) * len(tuning.THRESHOLD_GRID),
        "survival": tuning.visibility_survival(at_base),
    }


def _sweep_tab(sweep: dict, parameter: str, current: float, pick: float | None) -> None:
    per_image = sweep[parameter]
    summary = tuning.summarise_sweep(per_image)
    left, right = st.columns(2)
    marks = {"current": current, "pick": pick}
    _chart(
        left, figs.figure_sweep_people(summary, parameter, **marks), f"tuning_people_{parameter}"
    )
    _chart(
        right,
        figs.figure_sweep_visibility(per_image, summary, parameter, **marks),
        f"tuning_visibility_{parameter}",
    )
    _chart(
        st, figs.figure_sweep_heatmap(per_image, parameter, **marks), f"tuning_heatmap_{parameter}"
    )
    flips = tuning.find_flips(per_image)
    if flips.empty:
        st.caption("No image switches between “person” and “no person” over this range.")
    else:
        st.markdown("**Images that switch between “person” and “no person”**")
        st.dataframe(
            flips[["label", "change", "from_threshold", "to_threshold"]],
            hide_index=True,
            column_config={
                "label": st.column_config.TextColumn("image"),
                "from_threshold": st.column_config.NumberColumn("between", format="%.2f"),
                "to_threshold": st.column_config.NumberColumn("and", format="%.2f"),
            },
            key=f"tuning_flips_{parameter}",
        )


def _show_sweeps(sweep: dict, settings: settings_panel.AppSettings) -> None:
    used, now = sweep["settings"], settings.detector
    # The pick sliders are drawn further down; their values from the last run mark the
    # charts (a moved slider's new value is in the session state when the rerun starts).
    picks = st.session_state
    detection_tab, presence_tab, visibility_tab = st.tabs(
        ["Detection confidence", "Presence confidence", "Visibility threshold"]
    )
    with detection_tab:
        st.caption(
            f"{figs.VARIANT_LABELS[used.model_variant]} model, up to {used.num_poses} "
            f"people, presence held at {used.min_pose_presence_confidence:.2f}. The "
            f"detector's score is not in MediaPipe's output and a lower threshold moves "
            f"the landmarks (overlapping boxes are merged by score), so the model ran at "
            f"every value: {sweep['detection_runs']} runs, the rest from the cache."
        )
        _sweep_tab(sweep, "detection", now.min_pose_detection_confidence, picks.get(PICK_DETECTION))
    with presence_tab:
        st.caption(
            f"{figs.VARIANT_LABELS[used.model_variant]} model, up to {used.num_poses} "
            f"people, detection held at {used.min_pose_detection_confidence:.2f}. Derived, "
            f"not re-run per value: raising the presence threshold only drops poses, "
            f"unchanged, so each pose's hidden presence score was bracketed by bisection "
            f"— {sweep['presence_runs']} new model runs instead of "
            f"{sweep['presence_naive']}, with the same counts."
        )
        _sweep_tab(sweep, "presence", now.min_pose_presence_confidence, picks.get(PICK_PRESENCE))
    with visibility_tab:
        survival = sweep["survival"]
        st.caption(
            "Landmarks below the visibility threshold are dimmed in the drawings and "
            "flagged in the tables. The curves show how many of each body part's landmarks "
            "stay at full strength, over every person found at the sidebar's thresholds."
        )
        _chart(
            st,
            figs.figure_visibility_survival(
                survival, current=settings.visibility_threshold, pick=picks.get(PICK_VISIBILITY)
            ),
            "tuning_survival",
        )
        table = survival.pivot_table(
            index="body_part", columns="threshold", values="fraction", sort=False
        )
        shown = [t for t in (0.3, 0.5, 0.7, 0.9) if t in table.columns]
        if shown:
            table = table[shown].rename(index=tuning.BODY_PART_LABELS)
            table.columns = [f"≥ {t:.1f}" for t in shown]
            st.dataframe(
                table.map(_percent), key="tuning_survival_table", column_config={"_index": "part"}
            )


# ---- model comparison ----------------------------------------------------------------


def _comparison_table(comparison: tuning.Comparison) -> pd.DataFrame:
    summary = comparison.summary.copy()
    summary["variant"] = summary["variant"].map(figs.VARIANT_LABELS)
    return summary[
        [
            "variant", "median_ms_people", "median_ms", "relative_time", "people",
            "mean_visibility", "matched", "unmatched", "mean_px", "mean_px_visible",
        ]
    ]  # fmt: skip


COMPARISON_COLUMNS = {
    "variant": st.column_config.TextColumn("model"),
    "median_ms_people": st.column_config.NumberColumn(
        "median time",
        format="%.1f ms",
        help="Median inference time on this server, over images where the model found "
        "someone: only there does the landmark model (which differs between the three) run.",
    ),
    "median_ms": st.column_config.NumberColumn(
        "… all images",
        format="%.1f ms",
        help="Median over every image. With nobody in view only the person detector runs, "
        "and it is the same model in all three.",
    ),
    "relative_time": st.column_config.NumberColumn(
        "time vs Heavy", format="%.2f×", help="Median time relative to Heavy's."
    ),
    "people": st.column_config.NumberColumn("people"),
    "mean_visibility": st.column_config.NumberColumn("mean visibility", format="%.2f"),
    "matched": st.column_config.NumberColumn(
        "matched to Heavy", help="People paired with one Heavy found in the same image."
    ),
    "unmatched": st.column_config.NumberColumn(
        "unmatched", help="People found by this model or by Heavy but not both."
    ),
    "mean_px": st.column_config.NumberColumn(
        "distance to Heavy", format="%.1f px", help="Mean landmark distance, all landmarks."
    ),
    "mean_px_visible": st.column_config.NumberColumn(
        "… visible ones",
        format="%.1f px",
        help=f"Mean distance over landmarks Heavy sees (visibility ≥ "
        f"{tuning.AGREEMENT_VISIBILITY:.1f}).",
    ),
}


def _show_comparison(comparison: tuning.Comparison, settings: settings_panel.AppSettings) -> None:
    st.dataframe(
        _comparison_table(comparison),
        hide_index=True,
        column_config=COMPARISON_COLUMNS,
        key="tuning_comparison_table",
    )
    left, right = st.columns(2)
    _chart(left, figs.figure_inference_time(comparison.summary), "tuning_inference_time")
    _chart(right, figs.figure_speed_accuracy(comparison.summary), "tuning_speed_accuracy")
    visible_only = st.toggle(
        "Only landmarks Heavy sees",
        value=True,
        key=VISIBLE_ONLY,
        help="Hidden landmarks (visibility below "
        f"{tuning.AGREEMENT_VISIBILITY:.1f}) are guesses; their spread can drown the rest.",
    )
    _chart(
        st,
        figs.figure_landmark_deltas(comparison.per_landmark, visible_only=visible_only),
        "tuning_landmark_deltas",
    )

    images = comparison.images
    if not images:
        return
    st.markdown("**The three overlays side by side**")
    # Options are indices: two images may share a label, never an index. Selectbox
    # options are plain text, so the labels need no escaping here.
    choice = st.selectbox(
        "Image", range(len(images)), format_func=lambda i: images[i].label, key=OVERLAY_IMAGE
    )
    image = images[choice]
    style = DrawingStyle(
        visibility_threshold=settings.visibility_threshold, draw_segmentation=False
    )
    columns = st.columns(len(comparison.runs))
    for column, variant in zip(columns, figs.VARIANT_COLOURS, strict=False):
        runs = comparison.runs.get(variant)
        if runs is None:
            continue
        result = runs.results[choice]
        rows = comparison.per_image[
            (comparison.per_image["variant"] == variant)
            & (comparison.per_image["image"] == image.key)
        ]
        distance = rows["mean_px"].iloc[0] if len(rows) else np.nan
        agreement = (
            "" if variant == comparison.reference or np.isnan(distance)
            else f", {distance:.1f} px from Heavy"
        )  # fmt: skip
        column.image(
            draw_poses(image.rgb_image, result, style),
            caption=f"{figs.VARIANT_LABELS[variant]}: {_people(result.num_poses)}{agreement}",
        )


# ---- apply ---------------------------------------------------------------------------


def _apply() -> None:
    # A callback runs before the sidebar's widgets are drawn, so their keys may be set;
    # the widgets are bound to the URL, so the address bar follows.
    state = st.session_state
    state[settings_panel.MODEL] = state[PICK_MODEL]
    state[settings_panel.DETECTION] = float(state[PICK_DETECTION])
    state[settings_panel.PRESENCE] = float(state[PICK_PRESENCE])
    state[settings_panel.VISIBILITY] = float(state[PICK_VISIBILITY])
    state[_APPLIED] = (
        state[PICK_MODEL],
        float(state[PICK_DETECTION]),
        float(state[PICK_PRESENCE]),
        float(state[PICK_VISIBILITY]),
    )


def _pick_summary(sweep: dict | None) -> None:
    if sweep is None:
        return
    lines = []
    for parameter, key in (("detection", PICK_DETECTION), ("presence", PICK_PRESENCE)):
        rows = tuning.at_threshold(sweep[parameter], float(st.session_state[key]))
        if len(rows):
            lines.append(
                f"- At {parameter} {rows['threshold'].iloc[0]:.2f}: "
                f"**{int(rows['people'].sum())} people** in "
                f"{int((rows['people'] > 0).sum())} of {len(rows)} images"
            )
    survival = sweep["survival"]
    everything = survival[survival["body_part"] == "all"]
    if len(everything) and everything["total"].iloc[0]:
        row = tuning.at_threshold(everything, float(st.session_state[PICK_VISIBILITY]))
        lines.append(
            f"- At visibility {row['threshold'].iloc[0]:.2f}: "
            f"**{_percent(row['fraction'].iloc[0])}** of landmarks drawn at full strength"
        )
    if lines:
        used = sweep["settings"]
        st.markdown(
            f"In the last sweep ({figs.VARIANT_LABELS[used.model_variant]}, the other "
            "threshold held at its sidebar value; nearest grid value):\n" + "\n".join(lines)
        )


def _apply_panel(settings: settings_panel.AppSettings, sweep: dict | None) -> None:
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
                format_func=figs.VARIANT_LABELS.get,
                key=PICK_MODEL,
            )
            slider = dict(min_value=0.0, max_value=1.0, step=0.05, format="%.2f")
            st.slider(
                "Min. pose detection confidence",
                value=d.min_pose_detection_confidence,
                key=PICK_DETECTION,
                **slider,
            )
            st.slider(
                "Min. pose presence confidence",
                value=d.min_pose_presence_confidence,
                key=PICK_PRESENCE,
                **slider,
            )
            st.slider(
                "Visibility threshold (drawing)",
                value=settings.visibility_threshold,
                key=PICK_VISIBILITY,
                **slider,
            )
        with right:
            _pick_summary(sweep)
            st.button(
                "Apply to the settings panel",
                key=APPLY,
                type="primary",
                icon=":material/tune:",
                on_click=_apply,
                help="Sets the sidebar (and so every page) to these values. The number "
                "of people and the segmentation overlay are left as they are.",
            )
            applied = st.session_state.get(_APPLIED)
            now = (d.model_variant, d.min_pose_detection_confidence,
                   d.min_pose_presence_confidence, settings.visibility_threshold)  # fmt: skip
            # Only while the sidebar still holds what was applied.
            if applied is not None and applied == now:
                model, detection, presence, visibility = applied
                st.success(
                    f"Applied: {figs.VARIANT_LABELS[model]}, detection {detection:.2f}, "
                    f"presence {presence:.2f}, visibility {visibility:.2f}. The sidebar "
                    "and the address bar carry them; this link does too:",
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
sweeps: dict = _session(_SWEEPS, dict)

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
        format_func=figs.VARIANT_LABELS.get,
        key=SWEEP_MODEL,
    )
    step = controls[1].segmented_control(
        "Detection grid",
        list(STEP_LABELS),
        default=0.1,
        required=True,
        format_func=STEP_LABELS.get,
        key=DETECTION_STEP,
        help="The presence sweep always covers every 0.05: it is derived, not re-run.",
    )
    run_sweeps = controls[2].button(
        "Run the sweeps", key=RUN_SWEEPS, type="primary", icon=":material/play_arrow:"
    )
    sweep_base = base.replace(model_variant=sweep_model or base.model_variant)
    sweep_key = (set_key, sweep_base, float(step or 0.1))
    if run_sweeps and sweep_key not in sweeps:
        try:
            _keep(_SWEEPS, sweep_key, _run_sweeps(images, sweep_base, float(step or 0.1)))
        except Exception as exc:
            LOGGER.exception("Tuning sweep failed")
            st.error(f"The sweep failed: {report.plain(str(exc))}", icon=":material/error:")
    if sweep_key in sweeps:
        st.session_state[_LAST_SWEEP] = sweep_key
    last_sweep = sweeps.get(st.session_state.get(_LAST_SWEEP))
    if last_sweep is None:
        st.info(
            f"**Run the sweeps** to chart {len(images)} images over both thresholds. The "
            "detection sweep runs the model once per image and grid value; the presence "
            "sweep is derived from a few runs per image.",
            icon=":material/insights:",
        )
    else:
        if st.session_state.get(_LAST_SWEEP) != sweep_key:
            st.info(
                "These results are from earlier settings or images; **Run the sweeps** to "
                "update them.",
                icon=":material/history:",
            )
        _show_sweeps(last_sweep, settings)

    st.subheader("3. Lite, Full and Heavy", anchor=False)
    compare_key = (set_key, base.replace(model_variant="full"))
    comparisons: dict = _session(_COMPARISONS, dict)
    run_comparison = st.button(
        f"Compare the three models on {len(images)} images",
        key=RUN_COMPARISON,
        icon=":material/compare:",
        help="Runs each model on every image, after one warm-up call, at the sidebar's "
        "thresholds; times are medians on this server.",
    )
    if run_comparison and compare_key not in comparisons:
        bar, update = _progress_bar("Timing")
        try:
            runs = tuning.time_variants(
                images, base, cache=_session(_RUNS, tuning.RunCache), progress=update
            )
            _keep(_COMPARISONS, compare_key, tuning.compare_variants(images, runs))
        except Exception as exc:
            LOGGER.exception("Model comparison failed")
            st.error(f"The comparison failed: {report.plain(str(exc))}", icon=":material/error:")
        finally:
            bar.empty()
    if compare_key in comparisons:
        st.session_state[_LAST_COMPARISON] = compare_key
    last_comparison = comparisons.get(st.session_state.get(_LAST_COMPARISON))
    if last_comparison is None:
        st.info(
            "**Compare the three models** to see their speed on this machine and how far "
            "Lite's and Full's landmarks are from Heavy's.",
            icon=":material/speed:",
        )
    else:
        if st.session_state.get(_LAST_COMPARISON) != compare_key:
            st.info(
                "This comparison is from earlier settings or images; run it again to update it.",
                icon=":material/history:",
            )
        _show_comparison(last_comparison, settings)

_apply_panel(settings, sweeps.get(st.session_state.get(_LAST_SWEEP)))
