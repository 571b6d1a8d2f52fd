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

What MediaPipe's outputs allow us to derive
-------------------------------------------
Measured with mediapipe 1.2.2 on the seven test photographs (five with people, two
without) at every threshold from 0 to 1 in steps of 0.05; ``tests/pose_core/tuning/test_tuning.py``
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

With MoveNet or NanoDet (top-down, :mod:`pose_core.topdown`)
-------------------------------------------------------------
The "detection" sweep moves ``min_person_confidence`` instead (MediaPipe's detection
threshold is not used), on a grid per detector (:data:`.thresholds.
DETECTION_THRESHOLDS`): MoveNet's scores run low, so its grid adds 0.02 and 0.05.

* **Presence threshold: nested by construction, so still derived.** For a still image
  the engine reads every candidate region (the candidates, regions and landmark batches
  do not depend on the presence threshold), keeps the readings at or above it, then
  ``_distinct`` walks them surest first, keeping each that is not the same person as
  one kept before, until ``num_poses``. The readings kept at threshold ``t`` are those
  of threshold 0 with presence at least ``t``: a prefix of the same surest-first order,
  over which the walk makes the same decisions (each depends only on surer readings)
  and stops no later. So the poses at ``t`` are the first ones of the poses at 0,
  identical, in order: what the bisection needs. ``tests/pose_core/tuning/test_tuning.py``
  checks the derived counts against re-running MoveNet at every threshold; the fallback
  to one run per value stays for any image whose runs contradict it.

* **Person confidence: run per value.** The candidates above a higher confidence are
  the first ones of those above a lower one (each detector's non-maximum suppression
  goes best first), but the extra readings of a lower one can be surer readings of a
  person already found, replacing them, or take one of the ``num_poses`` places; so
  neither the poses nor the counts are nested. A run at a high confidence costs little
  more than the person detector (tens of milliseconds); a low one also runs the
  landmark model on every extra candidate.
"""

from .bisection import (
    SAME_POSE_ATOL,
    bracket_levels,
    identify_poses,
)
from .charts import (
    DETECTOR_COLOURS,
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
from .detector_figures import (
    figure_detector_people,
    figure_detector_time,
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
