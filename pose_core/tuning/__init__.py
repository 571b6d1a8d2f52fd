"""The Tuning lab: threshold sweeps, visibility survival and a lite/full/heavy comparison.

Streamlit-free, so the app's Tuning lab page, notebooks and tests compute the same
numbers. By domain:

* :mod:`.images`: the image set (photos, samples, frames sampled from a video);
* :mod:`.runs`: running the model, every run cached by (image, settings);
* :mod:`.thresholds`: the swept thresholds and their grid;
* :mod:`.bisection` and :mod:`.sweeps`: the presence and detection sweeps;
* :mod:`.visibility`: which landmarks survive each visibility threshold;
* :mod:`.timing` and :mod:`.comparison`: lite, full and heavy on the same images;
* :mod:`.charts`, :mod:`.sweep_figures` and :mod:`.comparison_figures`: Plotly charts.

Results are small frozen records (:class:`SweepPoint`, :class:`VariantSummary`, ...)
with DataFrame views (``table``, ``summary``, ...) for charts and tables.

What MediaPipe's outputs allow us to derive
-------------------------------------------
Measured with mediapipe 1.2.2 on the seven test photographs (five with people, two
without) at every threshold from 0 to 1 in steps of 0.05; ``tests/test_tuning.py``
re-checks the key facts on every run.

* **Neither score is in the output.** ``PoseLandmarker`` returns per-landmark
  ``visibility`` and ``presence``, but not the person detector's score (compared with
  ``min_pose_detection_confidence``) nor the landmark model's pose-level presence score
  (compared with ``min_pose_presence_confidence``); mediapipe 1.2.2's C API gives no
  way to get the graph's internal streams either. The per-landmark presence is not the
  pose-level score: a coffee-cup "person" (lite, detection 0) with a mean landmark
  presence of 0.998 is dropped at presence 0.70, while a stray pose with a mean
  landmark presence of 0.08 survives up to 0.80. So no sweep can be read off one run.

* **Presence threshold: exactly nested, so derived.** With the image, the variant,
  ``num_poses`` and the detection threshold fixed, the poses found at presence
  threshold ``t`` are the poses of the ``t = 0`` run, bit-identical and in the same
  order, minus those whose hidden presence score is below ``t``: MediaPipe gates each
  pose after the landmark model, and the gate changes nothing upstream. This held on
  all seven photos for lite (``num_poses`` 2 and 5, detection 0.0, 0.2 and 0.5) and
  for full and heavy (``num_poses`` 3, detection 0.0). The lab therefore runs each
  image once at presence 0 and brackets every pose's hidden score between two grid
  values by bisection (:func:`.bisection.bracket_levels`): each extra run at a midpoint answers
  for every pose of the image at once, about ``log2(len(grid))`` runs (5 for the
  21-value slider grid) when an image's poses drop out together, more when they drop
  out at different values, none for an image with nobody at presence 0. Measured: 48
  runs instead of 126 for six test photos at detection 0 (three poses each); 45 new
  runs instead of 357 for a 17-image set at detection 0.5. The counts and mean
  visibilities at every grid value are exactly those of re-running the model. Any run
  that contradicts nesting makes that image fall back to one run per threshold.

* **Detection threshold: not derivable, so run on a coarse grid and cached.** The pose
  detector keeps candidate boxes scoring at least the threshold, then merges
  overlapping ones by score-weighted non-maximum suppression and keeps the first
  ``num_poses``. A lower threshold blends more low-score boxes into each person's box,
  so the same person's landmarks move (mean over the 33, against detection 0.5): by
  0.3-2 px on the full-body photos and by 7-57 px on the astronaut and cameraman,
  whose legs are out of frame, between detection 0.0 and 0.9. Poses found at
  one threshold are not a subset of those at a lower one, so the lab runs the model at
  each grid value (0.1 apart by default) and caches every run by (image, settings).
  Because the higher-scoring boxes lead the same merged clusters whatever the
  threshold, the number of detector boxes cannot rise with the threshold; but the
  number of people (after the presence gate, on moved boxes) can: it fell
  monotonically on every test photo, yet on the frame at 7.9 s of OpenCV's
  ``vtest.avi`` the lite model finds 0, 0, 1, 0 people at detection 0.0, 0.05, 0.1,
  0.2 (heavy: 1, 1, 0, 0).

* **The person detector is the same model in all three bundles** (the
  ``pose_detector.tflite`` inside the lite, full and heavy ``.task`` files is
  byte-identical); only the landmark model differs. So which boxes the detector keeps
  does not depend on the variant, and on an image with nobody in it every variant costs
  the same: the comparison reports the median time over images with people too.

* At presence 1.0 nothing is ever found, and at the default detection threshold (0.5)
  every pose that passed the detector on the test photos had a presence score above
  0.95: the presence threshold only matters once the detection threshold is low.

The model comparison runs one variant after the other, each with a warm-up call first
(MediaPipe's first call allocates), and takes each variant's median over at least
:data:`MIN_TIMED_CALLS` calls; see :func:`time_variants` for why not interleaved.
"""

from .bisection import (
    SAME_POSE_ATOL,
    bracket_levels,
    identify_poses,
)
from .charts import (
    VARIANT_COLOURS,
    plotly_text,
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
from .comparison_figures import (
    figure_inference_time,
    figure_landmark_deltas,
    figure_speed_accuracy,
    short_landmark_name,
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
from .sweep_figures import (
    figure_sweep_heatmap,
    figure_sweep_people,
    figure_sweep_visibility,
    figure_visibility_survival,
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
    PARAMETER_FIELDS,
    PARAMETER_LABELS,
    PARAMETERS,
    SLIDER_STEP,
    THRESHOLD_GRID,
    Parameter,
    at_threshold,
    is_non_increasing,
    threshold_grid,
)
from .timing import (
    MIN_TIMED_CALLS,
    VariantRuns,
    time_variants,
)
from .visibility import (
    BODY_PART_LABELS,
    SURVIVAL_COLUMNS,
    Survival,
    SurvivalPoint,
    survival_at,
    visibility_survival,
)

__all__ = [
    "AGREEMENT_VISIBILITY",
    "BODY_PART_LABELS",
    "COARSE_STEP",
    "FLIP_COLUMNS",
    "LAB_MAX_SIDE",
    "LANDMARK_DELTA_COLUMNS",
    "MATCH_GATE",
    "MAX_IMAGES",
    "MIN_TIMED_CALLS",
    "PARAMETERS",
    "PARAMETER_FIELDS",
    "PARAMETER_LABELS",
    "REFERENCE_VARIANT",
    "SAME_POSE_ATOL",
    "SLIDER_STEP",
    "SUMMARY_COLUMNS",
    "SURVIVAL_COLUMNS",
    "SWEEP_COLUMNS",
    "THRESHOLD_GRID",
    "VARIANT_COLOURS",
    "Comparison",
    "DetectorFactory",
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
    "TuningImage",
    "VariantRuns",
    "VariantSummary",
    "at_threshold",
    "bracket_levels",
    "compare_variants",
    "detection_sweep",
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
    "sample_video_bytes",
    "sample_video_frames",
    "short_landmark_name",
    "source_counts",
    "summarise_sweep",
    "survival_at",
    "threshold_grid",
    "time_variants",
    "unique_labels",
    "video_frame_images",
    "visibility_survival",
]
