"""The Tuning lab page's session state: what it has computed, and running more.

The maths is in :mod:`pose_core.tuning`. A session keeps every model run by (image,
settings) and the last few sweeps and comparisons by (image set, settings), so moving
back to earlier settings or switching pages costs no inference.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar

import streamlit as st

from pose_core import DetectorSettings, ImageDecodeError, decode_image, tuning
from pose_core.bounded import BoundedDict
from pose_core.settings import (
    DEFAULT_PERSON_CONFIDENCE,
    PERSON_DETECTORS,
    ModelVariant,
    PersonDetectorName,
)
from pose_core.video import VideoDecodeError
from ui.server import runtime
from ui.widgets import samples, settings_panel
from ui.words.text import plain

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

# A sweep or comparison holds a result per image and setting; a few are plenty to go
# back to.
MAX_KEPT_RESULTS = 6
# The detection grids offered: the model runs at each value, so coarse by default.
STEPS: tuple[float, ...] = (0.1, 0.05)
DEFAULT_STEP = 0.1

_STATE = "_tuning_lab"

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
RUN_DETECTORS = "tuning_run_detectors"
DETECTOR_OVERLAY_IMAGE = "tuning_detector_overlay_image"
PICK_PERSON_DETECTOR = "tuning_pick_person_detector"
APPLY_DETECTOR = "tuning_apply_detector"
PICK_MODEL = "tuning_pick_model"
PICK_PRESENCE = "tuning_pick_presence"
PICK_VISIBILITY = "tuning_pick_visibility"
APPLY = "tuning_apply"

# The sidebar widget that holds each swept detection threshold.
THRESHOLD_WIDGETS: dict[str, str] = {
    "min_pose_detection_confidence": settings_panel.DETECTION,
    "min_person_confidence": settings_panel.PERSON_CONFIDENCE,
}


def pick_detection_key(detector: PersonDetectorName) -> str:
    """The pick slider of ``detector``'s threshold: one per detector, as their scales
    differ (a pick for one means nothing for another)."""
    return f"tuning_pick_detection_{detector}"


def step_label(step: float, threshold: tuning.SweptThreshold) -> str:
    """ "Every 0.1 (11 runs per image)"; with the grid's extra fine values named."""
    grid = threshold.grid(step)
    extra = sorted(set(grid) - set(tuning.threshold_grid(step)))
    fine = f" and {', '.join(f'{v:g}' for v in extra)}" if extra else ""
    return f"Every {step:g}{fine} ({len(grid)} runs per image)"


@dataclasses.dataclass(frozen=True)
class SweepKey:
    """What a sweep depends on: the image set, the settings held and the detection grid."""

    image_set: str
    settings: DetectorSettings
    detection_step: float


@dataclasses.dataclass(frozen=True)
class ComparisonKey:
    """What a comparison depends on: the image set and the settings but the variant
    (every variant runs)."""

    image_set: str
    settings: DetectorSettings

    @classmethod
    def of(cls, image_set: str, base: DetectorSettings) -> ComparisonKey:
        return cls(image_set, base.replace(model_variant="full"))


@dataclasses.dataclass(frozen=True)
class DetectorComparisonKey:
    """What a person detector comparison depends on: the image set, the variant, the
    number of people and the presence threshold (every detector runs, each at its
    default confidence)."""

    image_set: str
    settings: DetectorSettings

    @classmethod
    def of(cls, image_set: str, base: DetectorSettings) -> DetectorComparisonKey:
        return cls(image_set, tuning.detector_settings(base, PERSON_DETECTORS[0]))


@dataclasses.dataclass(frozen=True)
class DetectorPick:
    """A person detector and the confidence it is applied with."""

    detector: PersonDetectorName
    confidence: float

    @classmethod
    def default(cls, detector: PersonDetectorName) -> DetectorPick:
        """``detector`` at its default confidence (as the comparison ran it)."""
        return cls(detector, DEFAULT_PERSON_CONFIDENCE[detector])

    @property
    def threshold(self) -> tuning.SweptThreshold:
        return tuning.swept_threshold("detection", self.detector)

    @classmethod
    def of(cls, settings: settings_panel.AppSettings) -> DetectorPick:
        d = settings.detector
        return cls(d.person_detector, tuning.swept_threshold("detection", d.person_detector).of(d))


@dataclasses.dataclass(frozen=True, eq=False)
class VideoFrames:
    """The frames sampled from the current video upload, or why there are none.

    Attributes:
        file_id: The upload's id.
        count: Frames asked for.
        images: The frames, as lab images.
        error: A message for the user if the video could not be read.
    """

    file_id: str
    count: int
    images: tuple[tuning.TuningImage, ...] = ()
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class Pick:
    """A model and three thresholds: the lab's pick, or what the sidebar holds.

    ``detection`` is the threshold of ``detector``, the sidebar's person detector
    (:func:`pose_core.tuning.swept_threshold`).
    """

    model: ModelVariant
    detector: PersonDetectorName
    detection: float
    presence: float
    visibility: float

    @property
    def threshold(self) -> tuning.SweptThreshold:
        return tuning.swept_threshold("detection", self.detector)

    @classmethod
    def from_widgets(cls, detector: PersonDetectorName) -> Pick:
        """The pick widgets' values (call once they are drawn), for ``detector``."""
        state = st.session_state
        return cls(
            state[PICK_MODEL],
            detector,
            float(state[pick_detection_key(detector)]),
            float(state[PICK_PRESENCE]),
            float(state[PICK_VISIBILITY]),
        )

    @classmethod
    def of(cls, settings: settings_panel.AppSettings) -> Pick:
        d = settings.detector
        return cls(
            d.model_variant,
            d.person_detector,
            tuning.swept_threshold("detection", d.person_detector).of(d),
            d.min_pose_presence_confidence,
            settings.visibility_threshold,
        )


@dataclasses.dataclass(frozen=True)
class Marks:
    """The pick sliders' values from the last run, which mark the charts above them (a
    moved slider's new value is in the session state when the rerun starts); None
    before they are first drawn."""

    detection: float | None
    presence: float | None
    visibility: float | None

    @classmethod
    def from_widgets(cls, detector: PersonDetectorName) -> Marks:
        """The marks for charts of a sweep where ``detector`` found the people."""
        state = st.session_state
        return cls(
            state.get(pick_detection_key(detector)),
            state.get(PICK_PRESENCE),
            state.get(PICK_VISIBILITY),
        )


@dataclasses.dataclass(frozen=True, eq=False)
class Shown(Generic[T]):
    """A result to show, and whether it is for the current images and settings."""

    result: T
    current: bool


@dataclasses.dataclass(eq=False)
class LabState:
    """What one browser session's Tuning lab has computed (never shared between
    sessions).

    Attributes:
        runs: Every model run, by (image, settings).
        decoded: Uploads by file id: the image, or why it could not be read.
        video: The current video's frames.
        sweeps: The last few sweeps.
        comparisons: The last few lite/full/heavy comparisons.
        detector_comparisons: The last few person detector comparisons.
        last_sweep: The sweep shown (perhaps for earlier settings).
        last_comparison: The model comparison shown.
        last_detector_comparison: The person detector comparison shown.
        applied: The pick last applied to the sidebar.
        applied_detector: The person detector last applied to the sidebar.
    """

    runs: tuning.RunCache = dataclasses.field(default_factory=tuning.RunCache)
    decoded: dict[str, tuning.TuningImage | str] = dataclasses.field(default_factory=dict)
    video: VideoFrames | None = None
    sweeps: BoundedDict[SweepKey, tuning.SweepSet] = dataclasses.field(
        default_factory=lambda: BoundedDict(MAX_KEPT_RESULTS)
    )
    comparisons: BoundedDict[ComparisonKey, tuning.Comparison] = dataclasses.field(
        default_factory=lambda: BoundedDict(MAX_KEPT_RESULTS)
    )
    detector_comparisons: BoundedDict[DetectorComparisonKey, tuning.DetectorComparison] = (
        dataclasses.field(default_factory=lambda: BoundedDict(MAX_KEPT_RESULTS))
    )
    last_sweep: SweepKey | None = None
    last_comparison: ComparisonKey | None = None
    last_detector_comparison: DetectorComparisonKey | None = None
    applied: Pick | None = None
    applied_detector: DetectorPick | None = None


def lab() -> LabState:
    """This session's lab state (created on first use)."""
    if _STATE not in st.session_state:
        st.session_state[_STATE] = LabState()
    state: LabState = st.session_state[_STATE]
    return state


# ---- the image set -------------------------------------------------------------------


def sample_images() -> list[tuning.TuningImage]:
    """The bundled sample photos as lab images."""
    return [
        tuning.make_image(sample.title, samples.load(sample.slug), "sample")
        for sample in samples.SAMPLES
    ]


def forget_removed_uploads(uploads: Sequence[Any]) -> None:
    """Drop the decoded images of uploads no longer in the uploader."""
    decoded = lab().decoded
    for file_id in [k for k in decoded if k not in {u.file_id for u in uploads}]:
        del decoded[file_id]


def decode_upload(upload: Any) -> tuning.TuningImage | str:
    """An uploaded photo as a lab image (decoded once per upload), or why it cannot be."""
    decoded = lab().decoded
    if upload.file_id not in decoded:
        try:
            budget = runtime.current().limits
            rgb = decode_image(
                upload.getvalue(),
                max_pixels=budget.max_image_pixels,
                max_bytes=budget.max_image_bytes,
            )
            decoded[upload.file_id] = tuning.make_image(upload.name, rgb, "upload")
        except ImageDecodeError as exc:
            decoded[upload.file_id] = str(exc)
    return decoded[upload.file_id]


def video_frames(upload: Any, count: int) -> VideoFrames:
    """``count`` frames sampled from a video upload (once per upload and count: only
    the current video's frames are kept)."""
    state = lab()
    frames = state.video
    if frames is None or frames.file_id != upload.file_id or frames.count != count:
        frames = _sample_video(upload, count)
        state.video = frames
    return frames


def forget_video() -> None:
    lab().video = None


def _sample_video(upload: Any, count: int) -> VideoFrames:
    suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ".mp4"
    try:
        with st.spinner("Sampling frames from the video…"):
            sampled = tuning.sample_video_bytes(upload.getvalue(), count, suffix=suffix)
    except VideoDecodeError as exc:
        return VideoFrames(upload.file_id, count, error=str(exc))
    except Exception as exc:  # a broken file must not take the page down
        LOGGER.exception("Sampling video frames failed")
        message = f"The video could not be read ({exc.__class__.__name__})."
        return VideoFrames(upload.file_id, count, error=message)
    images = tuning.video_frame_images(upload.name, sampled)
    return VideoFrames(upload.file_id, count, tuple(images))


# ---- running -------------------------------------------------------------------------


@contextlib.contextmanager
def progress_bar(text: str) -> Iterator[tuning.ProgressFn]:
    """A progress bar for the duration of the block, removed after it."""
    bar = st.progress(0.0, text=text)

    def update(fraction: float, message: str) -> None:
        bar.progress(float(fraction), text=f"{message}: {fraction:.0%}")

    try:
        yield update
    finally:
        bar.empty()


def run_sweeps(images: Sequence[tuning.TuningImage], key: SweepKey) -> None:
    """Sweep both thresholds over ``images`` unless already done; a failure is shown."""
    state = lab()
    if key in state.sweeps:
        return
    runner = tuning.Runner(state.runs)
    try:
        with progress_bar("Detection sweep") as update:
            threshold = tuning.swept_threshold("detection", key.settings.person_detector)
            detection_grid = threshold.grid(key.detection_step)
            detection = tuning.detection_sweep(images, key.settings, runner, detection_grid, update)
        with progress_bar("Presence sweep") as update:
            presence = tuning.presence_sweep(
                images, key.settings, runner, tuning.THRESHOLD_GRID, update
            )
        # The visibility curves use the sidebar's own thresholds.
        survival = tuning.survival_at(images, key.settings, runner)
    except Exception as exc:
        LOGGER.exception("Tuning sweep failed")
        st.error(f"The sweep failed: {plain(str(exc))}", icon=":material/error:")
        return
    state.sweeps[key] = tuning.SweepSet(key.settings, detection, presence, survival)


def run_comparison(images: Sequence[tuning.TuningImage], key: ComparisonKey) -> None:
    """Time and compare the three variants on ``images`` unless already done; a failure
    is shown."""
    state = lab()
    if key in state.comparisons:
        return
    try:
        with progress_bar("Timing") as update:
            runs = tuning.time_variants(images, key.settings, cache=state.runs, progress=update)
            state.comparisons[key] = tuning.compare_variants(images, runs)
    except Exception as exc:
        LOGGER.exception("Model comparison failed")
        st.error(f"The comparison failed: {plain(str(exc))}", icon=":material/error:")


def run_detector_comparison(
    images: Sequence[tuning.TuningImage], key: DetectorComparisonKey
) -> None:
    """Run and time the three person detectors on ``images`` unless already done; a
    failure is shown."""
    state = lab()
    if key in state.detector_comparisons:
        return
    try:
        with progress_bar("Timing") as update:
            state.detector_comparisons[key] = tuning.compare_detectors(
                images, key.settings, cache=state.runs, progress=update
            )
    except Exception as exc:
        LOGGER.exception("Person detector comparison failed")
        st.error(f"The comparison failed: {plain(str(exc))}", icon=":material/error:")


def shown_sweeps(key: SweepKey) -> Shown[tuning.SweepSet] | None:
    """The sweeps to show: those for ``key`` if done, else the last shown (None if none
    is kept)."""
    state = lab()
    if key in state.sweeps:
        state.last_sweep = key
    found = last_sweeps()
    return None if found is None else Shown(found, state.last_sweep == key)


def last_sweeps() -> tuning.SweepSet | None:
    """The sweeps shown last, if still kept."""
    state = lab()
    return None if state.last_sweep is None else state.sweeps.get(state.last_sweep)


def shown_comparison(key: ComparisonKey) -> Shown[tuning.Comparison] | None:
    """The comparison to show: the one for ``key`` if done, else the last shown."""
    state = lab()
    if key in state.comparisons:
        state.last_comparison = key
    last = state.last_comparison
    found = None if last is None else state.comparisons.get(last)
    return None if found is None else Shown(found, last == key)


def shown_detector_comparison(
    key: DetectorComparisonKey,
) -> Shown[tuning.DetectorComparison] | None:
    """The person detector comparison to show: the one for ``key`` if done, else the
    last shown."""
    state = lab()
    if key in state.detector_comparisons:
        state.last_detector_comparison = key
    last = state.last_detector_comparison
    found = None if last is None else state.detector_comparisons.get(last)
    return None if found is None else Shown(found, last == key)


# ---- apply ---------------------------------------------------------------------------


def apply_pick(detector: PersonDetectorName) -> None:
    """Set the sidebar to the lab's pick for ``detector``, the sidebar's person detector
    (a button callback).

    A callback runs before the sidebar's widgets are drawn, so their keys may be set;
    the widgets are bound to the URL, so the address bar follows.
    """
    pick = Pick.from_widgets(detector)
    state = st.session_state
    state[settings_panel.MODEL] = pick.model
    state[THRESHOLD_WIDGETS[pick.threshold.field]] = pick.detection
    state[settings_panel.PRESENCE] = pick.presence
    state[settings_panel.VISIBILITY] = pick.visibility
    lab().applied = pick


def apply_detector() -> None:
    """Set the sidebar's person detector to the one picked under the comparison, at the
    confidence it was compared with (a button callback, as :func:`apply_pick`)."""
    pick = DetectorPick.default(st.session_state[PICK_PERSON_DETECTOR])
    state = st.session_state
    state[settings_panel.PERSONS] = pick.detector
    state[THRESHOLD_WIDGETS[pick.threshold.field]] = pick.confidence
    lab().applied_detector = pick


def applied_detector(settings: settings_panel.AppSettings) -> DetectorPick | None:
    """The person detector last applied, while the sidebar still holds it."""
    pick = lab().applied_detector
    return pick if pick is not None and pick == DetectorPick.of(settings) else None


def applied(settings: settings_panel.AppSettings) -> Pick | None:
    """The pick last applied, while the sidebar still holds it."""
    pick = lab().applied
    return pick if pick is not None and pick == Pick.of(settings) else None
