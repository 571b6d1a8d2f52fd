"""The one settings panel (sidebar) every page shares, synced with the URL.

Each widget is keyed and bound to a URL query parameter of the same name
(``bind="query-params"``), so the address bar always reproduces the current tuning and
a copied link reopens a demo exactly as it was. The widgets are rendered by the
entrypoint on every run, so their values also survive page switches.
"""

from __future__ import annotations

import dataclasses
from typing import cast
from urllib.parse import urlencode

import streamlit as st

from pose_core import (
    MODEL_VARIANT_LABELS,
    MODEL_VARIANTS,
    DetectorSettings,
    DrawingStyle,
    recommended,
)
from pose_core.motion import CUSTOM, JOINTS, PRESETS, SIDE_LABELS, SIDES, RepConfig, RepConfigError
from pose_core.motion.reps import SIDED_JOINTS, Active
from pose_core.settings import (
    DEFAULT_PERSON_CONFIDENCE,
    MAX_NUM_POSES,
    PERSON_DETECTOR_LABELS,
    PERSON_DETECTORS,
)

# Widget keys, which are also the URL query parameter names.
MODEL = "model"
POSES = "poses"
DETECTION = "detection"
PRESENCE = "presence"
TRACKING = "tracking"
VISIBILITY = "visibility"
SEGMENTATION = "segmentation"
PERSONS = "persons"
PERSON_CONFIDENCE = "person_confidence"
# The rep counter (Webcam live, Video page and recordings).
REPS = "reps"
REP_ANGLE = "rep_angle"
REP_SIDE = "rep_side"
REP_DIRECTION = "rep_direction"
REP_LOW = "rep_low"
REP_HIGH = "rep_high"
REPS_OFF = "off"
REP_CHOICES = (REPS_OFF, *PRESETS, CUSTOM)
REP_LABELS = {REPS_OFF: "Off", CUSTOM: "Custom", **{k: p.label for k, p in PRESETS.items()}}
DIRECTION_LABELS = {"below": "Bend below the lower", "above": "Raise above the upper"}
# Page widgets bound to the URL that the share link carries too (the Webcam page's
# camera choice and mirror), so a link opens the demo with the same camera set-up.
CAMERA = "camera"
MIRROR = "mirror"
# The Webcam page's "Run on" choice: this server or this device.
RUN_ON = "run"
PAGE_PARAMS = (CAMERA, MIRROR, RUN_ON)

_STATE_KEY = "_app_settings"

PERSONS_HELP = (
    "Who finds the people before the pose model reads each one. **MediaPipe** is the "
    "built-in detector: it needs a visible face and suits one person close to the "
    "camera. **MoveNet** and **NanoDet** find whole bodies, faces or not, so groups, "
    "people seen from behind and small people are found too."
)
MODEL_HELP = (
    "**Lite** is the fastest (best for the webcam on a laptop), **Full** balances speed "
    "and accuracy, **Heavy** is the most accurate and the slowest."
)


@dataclasses.dataclass(frozen=True)
class AppSettings:
    """Everything the sidebar controls.

    Attributes:
        detector: The MediaPipe landmarker settings.
        visibility_threshold: Landmarks below this visibility are dimmed in drawings
            and flagged in tables.
        segmentation: Tint each person's segmentation mask on the images.
    """

    detector: DetectorSettings
    visibility_threshold: float
    segmentation: bool
    reps: RepConfig | None = None
    rep_preset: str = REPS_OFF
    reps_problem: str | None = None

    @property
    def drawing_style(self) -> DrawingStyle:
        """The 2D overlay style these settings ask for."""
        return DrawingStyle(
            visibility_threshold=self.visibility_threshold,
            low_visibility="dim",
            draw_segmentation=self.segmentation,
        )

    def query_params(self) -> dict[str, str]:
        """Every setting as URL query parameters (defaults included, for a stable link)."""
        d = self.detector
        return {
            # A bound segmented control matches URL values against its labels.
            MODEL: MODEL_VARIANT_LABELS[d.model_variant],
            POSES: str(d.num_poses),
            DETECTION: _number(d.min_pose_detection_confidence),
            PRESENCE: _number(d.min_pose_presence_confidence),
            TRACKING: _number(d.min_tracking_confidence),
            PERSONS: PERSON_DETECTOR_LABELS[d.person_detector],
            PERSON_CONFIDENCE: _number(d.min_person_confidence),
            VISIBILITY: _number(self.visibility_threshold),
            SEGMENTATION: "true" if self.segmentation else "false",
            **self._rep_params(),
        }

    def _rep_params(self) -> dict[str, str]:
        if self.reps is None:
            return {}
        r = self.reps
        # Bound select boxes match URL values against their labels, as segmented controls do.
        return {
            REPS: REP_LABELS[self.rep_preset],
            REP_ANGLE: _angle_label(r.joint),
            REP_SIDE: SIDE_LABELS[r.side],
            REP_DIRECTION: _direction_label(r.active),
            REP_LOW: _number(r.low),
            REP_HIGH: _number(r.high),
        }


# The library's and the CLI's defaults too (pose_core.defaults says why these).
DEFAULTS = AppSettings(
    detector=recommended().detector,
    visibility_threshold=recommended().visibility_threshold,
    segmentation=False,
)


def _angle_label(joint: str) -> str:
    return joint.replace("_", " ")


def _direction_label(direction: str) -> str:
    return DIRECTION_LABELS[direction] + " threshold and back"


def _number(value: float) -> str:
    return f"{value:g}"


def _default_widget_values() -> dict[str, object]:
    d = DEFAULTS.detector
    return {
        MODEL: d.model_variant,
        POSES: d.num_poses,
        DETECTION: d.min_pose_detection_confidence,
        PRESENCE: d.min_pose_presence_confidence,
        TRACKING: d.min_tracking_confidence,
        PERSONS: d.person_detector,
        PERSON_CONFIDENCE: d.min_person_confidence,
        VISIBILITY: DEFAULTS.visibility_threshold,
        SEGMENTATION: DEFAULTS.segmentation,
        REPS: REPS_OFF,
    }


def _preset_changed() -> None:
    # A preset fills in its angle, side and thresholds; the user can tune them after.
    preset = PRESETS.get(st.session_state.get(REPS, ""))
    if preset is not None:
        c = preset.config
        st.session_state[REP_ANGLE] = c.joint
        st.session_state[REP_SIDE] = c.side
        st.session_state[REP_DIRECTION] = c.active
        st.session_state[REP_LOW] = float(c.low)
        st.session_state[REP_HIGH] = float(c.high)


def _rep_counter() -> tuple[str, RepConfig | None, str | None]:
    """The sidebar's rep counter: (preset, config or None, problem or None)."""
    preset = st.selectbox(
        "Exercise", REP_CHOICES, key=REPS, format_func=REP_LABELS.__getitem__,
        on_change=_preset_changed, bind="query-params",
        help="Counts repetitions on the Webcam page (live) and on the Video page's curves. "
        "A preset picks the joint angle and two thresholds; tune them here.",
    )  # fmt: skip
    if preset in (None, REPS_OFF):
        return REPS_OFF, None, None
    if preset in PRESETS:
        st.caption(PRESETS[preset].note)
    # A link naming only the exercise: the rest from its preset (or the squat's).
    seed = (PRESETS[preset] if preset in PRESETS else PRESETS["squat"]).config
    for key, value in ((REP_ANGLE, seed.joint), (REP_SIDE, seed.side),
                       (REP_DIRECTION, seed.active), (REP_LOW, float(seed.low)),
                       (REP_HIGH, float(seed.high))):  # fmt: skip
        if key not in st.session_state and key not in st.query_params:
            st.session_state[key] = value
    angle = st.selectbox(
        "Angle", JOINTS, key=REP_ANGLE,
        format_func=_angle_label, bind="query-params",
    )  # fmt: skip
    side = st.selectbox(
        "Side", SIDES, key=REP_SIDE, format_func=SIDE_LABELS.__getitem__,
        bind="query-params", disabled=angle not in SIDED_JOINTS,
    )  # fmt: skip
    direction = st.selectbox(
        "A rep goes", ("below", "above"), key=REP_DIRECTION,
        format_func=_direction_label, bind="query-params",
    )  # fmt: skip
    low = st.slider(
        "Lower threshold (°)", min_value=0.0, max_value=180.0, step=1.0, key=REP_LOW,
        bind="query-params",
    )  # fmt: skip
    high = st.slider(
        "Upper threshold (°)", min_value=0.0, max_value=180.0, step=1.0, key=REP_HIGH,
        bind="query-params", help="Between the two thresholds nothing changes: that is "
        "what keeps noise from counting.",
    )  # fmt: skip
    base = seed
    try:
        config = dataclasses.replace(
            base, joint=angle or base.joint, side=side or base.side,
            active=cast(Active, direction or base.active), low=float(low), high=float(high),
        )  # fmt: skip
    except RepConfigError as exc:
        return preset, None, str(exc)
    return preset, config, None


def _person_detector_changed() -> None:
    # Each detector's scores are on a scale of their own: start from its own default.
    detector = st.session_state.get(PERSONS)
    if detector in DEFAULT_PERSON_CONFIDENCE and detector != "mediapipe":
        st.session_state[PERSON_CONFIDENCE] = DEFAULT_PERSON_CONFIDENCE[detector]


def _reset() -> None:
    # A callback runs before the widgets are drawn, so writing their keys is allowed.
    for key, value in _default_widget_values().items():
        st.session_state[key] = value


def _confidence_slider(
    label: str, key: str, default: float, help_text: str, *, disabled: bool = False
) -> float:
    return st.slider(
        label, min_value=0.0, max_value=1.0, value=default, step=0.05, format="%.2f",
        key=key, help=help_text, bind="query-params", disabled=disabled,
    )  # fmt: skip


def render_sidebar() -> AppSettings:
    """Draw the settings panel in the sidebar and return the current settings.

    Call once per run, from the entrypoint, before the page runs; pages then read the
    settings with :func:`current`.
    """
    d = DEFAULTS.detector
    with st.sidebar:
        st.header("Detection settings", divider="orange")
        model = st.segmented_control(
            "Model",
            MODEL_VARIANTS,
            default=d.model_variant,
            required=True,
            format_func=MODEL_VARIANT_LABELS.__getitem__,
            key=MODEL,
            help=MODEL_HELP,
            bind="query-params",
            width="stretch",
        )
        persons = st.segmented_control(
            "Person detector",
            PERSON_DETECTORS,
            default=d.person_detector,
            required=True,
            format_func=PERSON_DETECTOR_LABELS.__getitem__,
            key=PERSONS,
            help=PERSONS_HELP,
            on_change=_person_detector_changed,
            bind="query-params",
            width="stretch",
        )
        built_in = (persons or d.person_detector) == "mediapipe"
        num_poses = st.slider(
            "Number of people",
            min_value=1,
            max_value=MAX_NUM_POSES,
            value=d.num_poses,
            step=1,
            key=POSES,
            help="The most people the model looks for in one image or frame.",
            bind="query-params",
        )
        person_confidence = _confidence_slider(
            "Min. person confidence",
            PERSON_CONFIDENCE,
            d.min_person_confidence,
            "MoveNet and NanoDet: how sure the person detector must be before the pose "
            "model looks at someone. Their scores run low: about 0.1 to 0.3 finds people "
            "without false ones. Lower it for small or partly hidden people.",
            disabled=built_in,
        )
        detection = _confidence_slider(
            "Min. pose detection confidence",
            DETECTION,
            d.min_pose_detection_confidence,
            "MediaPipe's detector: how sure it must be before a pose is reported. Raise "
            "it to drop false detections, lower it to find small or partly hidden people.",
            disabled=not built_in,
        )
        presence = _confidence_slider(
            "Min. pose presence confidence",
            PRESENCE,
            d.min_pose_presence_confidence,
            "How sure the landmark model must be that a person is really there.",
        )
        tracking = _confidence_slider(
            "Min. tracking confidence",
            TRACKING,
            d.min_tracking_confidence,
            "Webcam only: below this, the person is detected afresh instead of being "
            "tracked from the previous frame.",
        )
        with st.expander("Rep counter", icon=":material/fitness_center:",
                         expanded=st.session_state.get(REPS, REPS_OFF) != REPS_OFF):  # fmt: skip
            rep_preset, reps, reps_problem = _rep_counter()
            if reps_problem:
                st.warning(reps_problem, icon=":material/warning:")
        st.subheader("Display")
        visibility = st.slider(
            "Visibility threshold",
            min_value=0.0,
            max_value=1.0,
            value=DEFAULTS.visibility_threshold,
            step=0.05,
            format="%.2f",
            key=VISIBILITY,
            help="Landmarks the model thinks are hidden or out of frame (visibility "
            "below this) are dimmed in the drawings and flagged in the tables.",
            bind="query-params",
        )
        segmentation = st.toggle(
            "Segmentation overlay",
            value=DEFAULTS.segmentation,
            key=SEGMENTATION,
            help="Tint each person's silhouette. Slower: the model also computes a mask.",
            bind="query-params",
        )
        settings = AppSettings(
            detector=DetectorSettings(
                model_variant=model or DEFAULTS.detector.model_variant,
                num_poses=int(num_poses),
                min_pose_detection_confidence=float(detection),
                min_pose_presence_confidence=float(presence),
                min_tracking_confidence=float(tracking),
                output_segmentation_masks=bool(segmentation),
                person_detector=persons or d.person_detector,
                min_person_confidence=float(person_confidence),
            ),
            visibility_threshold=float(visibility),
            segmentation=bool(segmentation),
            reps=reps,
            rep_preset=rep_preset,
            reps_problem=reps_problem,
        )
        left, right = st.columns(2)
        left.button(
            "Reset", key="settings_reset", on_click=_reset, icon=":material/restart_alt:",
            width="stretch", help="Back to the default settings.",
        )  # fmt: skip
        with right.popover("Share", icon=":material/link:", width="stretch"):
            st.markdown("**Link to this exact setup**")
            st.code(share_link(settings), language=None, wrap_lines=True)
            st.caption(
                "Opening the link restores every setting. The address bar is kept in "
                "sync too, so you can also copy it from there."
            )
    st.session_state[_STATE_KEY] = settings
    return settings


def share_link(settings: AppSettings) -> str:
    """The current page's address with every setting as query parameters, and the
    page's own bound widgets (:data:`PAGE_PARAMS`) where it has them."""
    base = st.context.url or ""
    params = settings.query_params()
    for key in PAGE_PARAMS:
        # The widget's value once drawn (the sidebar runs before the page, so this is
        # the value the user just chose), else what the address asked for.
        if key in st.session_state:
            value = st.session_state[key]
            params[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        elif key in st.query_params:
            params[key] = st.query_params[key]
    return f"{base}?{urlencode(params)}"


def current() -> AppSettings:
    """The settings drawn by :func:`render_sidebar` in this run (defaults before that)."""
    settings: AppSettings = st.session_state.get(_STATE_KEY, DEFAULTS)
    return settings
