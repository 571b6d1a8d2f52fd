"""The Tuning lab: threshold sweeps, visibility survival, and comparisons of the person
detectors and of lite/full/heavy.

Streamlit-free, so the app's Tuning lab page, notebooks and tests compute the same
numbers. By domain:

* :mod:`.images`: the image set (photos, samples, frames sampled from a video);
* :mod:`.runs`: running the model, every run cached by (image, settings);
* :mod:`.thresholds`: the swept thresholds (per person detector) and their grids;
* :mod:`.bisection` and :mod:`.sweeps`: the presence and detection sweeps;
* :mod:`.visibility`: which landmarks survive each visibility threshold;
* :mod:`.detectors`: MediaPipe, MoveNet and NanoDet on the same images;
* :mod:`.timing` and :mod:`.comparison`: lite, full and heavy on the same images;
* :mod:`.charts`, :mod:`.sweep_figures`, :mod:`.detector_figures` and
  :mod:`.comparison_figures`: Plotly charts.

Results are small frozen records (:class:`SweepPoint`, :class:`VariantSummary`, ...)
with DataFrame views (``table``, ``summary``, ...) for charts and tables.

What MediaPipe's outputs allow the lab to derive (why the presence sweep is derived by
bisection and the detection sweep is run per value), with the measurements behind it:
``docs/tuning.md``.
"""

import importlib
from typing import TYPE_CHECKING, Any

from .bisection import (
    SAME_POSE_ATOL,
    bracket_levels,
    identify_poses,
)
from .comparison import (
    AGREEMENT_VISIBILITY,
    LANDMARK_DELTA_COLUMNS,
    MATCH_GATE,
    REFERENCE_VARIANT,
    Comparison,
    ImageAgreement,
    LandmarkDelta,
    PersonMatch,
    VariantSummary,
    compare_variants,
    landmark_distances,
    match_people,
)
from .detectors import (
    DETECTOR_IMAGE_COLUMNS,
    DetectorComparison,
    DetectorImage,
    DetectorSummary,
    compare_detectors,
    detector_settings,
)
from .images import (
    LAB_MAX_SIDE,
    MAX_IMAGES,
    ImageSource,
    SampledFrame,
    TuningImage,
    image_key,
    image_set,
    image_set_key,
    make_image,
    sample_video_bytes,
    sample_video_frames,
    source_counts,
    unique_labels,
    video_frame_images,
)
from .runs import (
    DetectorFactory,
    ProgressFn,
    RunCache,
    Runner,
    lab_settings,
    mean_visibility,
)
from .sweeps import (
    FLIP_COLUMNS,
    SUMMARY_COLUMNS,
    SWEEP_COLUMNS,
    Flip,
    Sweep,
    SweepCount,
    SweepPoint,
    SweepSet,
    detection_sweep,
    find_flips,
    presence_sweep,
    summarise_sweep,
)
from .thresholds import (
    COARSE_STEP,
    DETECTION_THRESHOLDS,
    PARAMETERS,
    PRESENCE_THRESHOLD,
    SLIDER_STEP,
    THRESHOLD_GRID,
    Parameter,
    SweptThreshold,
    at_threshold,
    is_non_increasing,
    swept_threshold,
    threshold_grid,
)
from .timing import (
    MIN_TIMED_CALLS,
    TimedRuns,
    VariantRuns,
    run_timed,
    time_variants,
    timing_passes,
)
from .visibility import (
    BODY_PART_LABELS,
    SURVIVAL_COLUMNS,
    Survival,
    SurvivalPoint,
    survival_at,
    visibility_survival,
)

if TYPE_CHECKING:  # for mypy and editors; at run time __getattr__ imports them on first use
    from .charts import (
        DETECTOR_COLOURS,
        VARIANT_COLOURS,
        plotly_text,
    )
    from .comparison_figures import (
        figure_inference_time,
        figure_landmark_deltas,
        figure_speed_accuracy,
        short_landmark_name,
    )
    from .detector_figures import (
        figure_detector_people,
        figure_detector_time,
    )
    from .sweep_figures import (
        figure_sweep_heatmap,
        figure_sweep_people,
        figure_sweep_visibility,
        figure_visibility_survival,
    )

# The charts need Plotly, about a second to import: loaded when a chart is first asked
# for, so the sweeps and comparisons (and the CLI, notebooks, benchmarks) run without it.
_PLOTLY_PARTS = {
    "DETECTOR_COLOURS": "charts",
    "VARIANT_COLOURS": "charts",
    "plotly_text": "charts",
    "figure_inference_time": "comparison_figures",
    "figure_landmark_deltas": "comparison_figures",
    "figure_speed_accuracy": "comparison_figures",
    "short_landmark_name": "comparison_figures",
    "figure_detector_people": "detector_figures",
    "figure_detector_time": "detector_figures",
    "figure_sweep_heatmap": "sweep_figures",
    "figure_sweep_people": "sweep_figures",
    "figure_sweep_visibility": "sweep_figures",
    "figure_visibility_survival": "sweep_figures",
}


def __getattr__(name: str) -> Any:
    module = _PLOTLY_PARTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


__all__ = [
    "AGREEMENT_VISIBILITY",
    "BODY_PART_LABELS",
    "COARSE_STEP",
    "DETECTION_THRESHOLDS",
    "DETECTOR_COLOURS",
    "DETECTOR_IMAGE_COLUMNS",
    "FLIP_COLUMNS",
    "LAB_MAX_SIDE",
    "LANDMARK_DELTA_COLUMNS",
    "MATCH_GATE",
    "MAX_IMAGES",
    "MIN_TIMED_CALLS",
    "PARAMETERS",
    "PRESENCE_THRESHOLD",
    "REFERENCE_VARIANT",
    "SAME_POSE_ATOL",
    "SLIDER_STEP",
    "SUMMARY_COLUMNS",
    "SURVIVAL_COLUMNS",
    "SWEEP_COLUMNS",
    "THRESHOLD_GRID",
    "VARIANT_COLOURS",
    "Comparison",
    "DetectorComparison",
    "DetectorFactory",
    "DetectorImage",
    "DetectorSummary",
    "Flip",
    "ImageAgreement",
    "ImageSource",
    "LandmarkDelta",
    "Parameter",
    "PersonMatch",
    "ProgressFn",
    "RunCache",
    "Runner",
    "SampledFrame",
    "Survival",
    "SurvivalPoint",
    "Sweep",
    "SweepCount",
    "SweepPoint",
    "SweepSet",
    "SweptThreshold",
    "TimedRuns",
    "TuningImage",
    "VariantRuns",
    "VariantSummary",
    "at_threshold",
    "bracket_levels",
    "compare_detectors",
    "compare_variants",
    "detection_sweep",
    "detector_settings",
    "figure_detector_people",
    "figure_detector_time",
    "figure_inference_time",
    "figure_landmark_deltas",
    "figure_speed_accuracy",
    "figure_sweep_heatmap",
    "figure_sweep_people",
    "figure_sweep_visibility",
    "figure_visibility_survival",
    "find_flips",
    "identify_poses",
    "image_key",
    "image_set",
    "image_set_key",
    "is_non_increasing",
    "lab_settings",
    "landmark_distances",
    "make_image",
    "match_people",
    "mean_visibility",
    "plotly_text",
    "presence_sweep",
    "run_timed",
    "sample_video_bytes",
    "sample_video_frames",
    "short_landmark_name",
    "source_counts",
    "summarise_sweep",
    "survival_at",
    "swept_threshold",
    "threshold_grid",
    "time_variants",
    "timing_passes",
    "unique_labels",
    "video_frame_images",
    "visibility_survival",
]
