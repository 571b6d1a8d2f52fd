"""Poses: teach pose classes from a few examples, check that they can be told apart, and
set a reference pose to match. The Webcam page uses both live, the Video page along a
clip; everything stays in this browser session (save the classes as JSON to keep them)."""

import logging

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from pose_core import ImageDecodeError
from pose_core.figures.reps import figure_confusion
from pose_core.motion import ClassifierError, MatchError, PoseClassifier, ReferencePose, pose_points
from ui import state
from ui.server import runtime
from ui.state.motion import SEQUENCE, motion_session
from ui.views import motion_analysis, report
from ui.widgets import settings_panel
from ui.widgets.uploads import IMAGE_TYPES
from ui.words.text import plain

LOGGER = logging.getLogger(__name__)
CLASS_NAME = "poses_class_name"
PHOTOS = "poses_photos"
FROM_SESSION = "poses_from_session"
LOAD = "poses_load"
REFERENCE_PHOTO = "poses_reference_photo"
REFERENCE_FROM = "poses_reference_from"

settings = settings_panel.current()
photo_mb = runtime.current().limits.photo_upload_mb
st.title("Poses")
st.caption(
    "Name a pose class and give it a few examples: photos, or this session's webcam "
    "snapshots and photos. Two or more classes are recognised live on the Webcam page and "
    "along a clip. A reference pose scores how close someone is to it."
)


def _analyse(upload: UploadedFile) -> state.Analysis | None:
    """One uploaded photo analysed, or None with the reason shown."""
    try:
        return report.analyse_bytes(
            f"upload:{upload.file_id}", upload.name, "upload", upload.getvalue(), settings
        )
    except ImageDecodeError as exc:
        st.error(f"**Could not read {plain(upload.name)}.** {plain(str(exc))}")
    except Exception as exc:  # one bad file must not stop the others
        LOGGER.exception("Pose detection failed on a pose example")
        st.error(f"**Pose detection failed on {plain(upload.name)}:** "
                 f"{plain(str(exc))}")  # fmt: skip
    return None


def _teach(clf: PoseClassifier, label: str, analysis: state.Analysis) -> PoseClassifier:
    result = analysis.result
    if not result.num_poses:
        st.warning(f"Nobody found in {plain(analysis.label)}; not added.")
        return clf
    points = pose_points(result.poses[0], result.image_width, result.image_height)
    try:
        return clf.with_example(label, points, analysis.label)
    except ClassifierError as exc:
        st.warning(f"{plain(analysis.label)}: {plain(str(exc))}")
        return clf


# ---- teach -----------------------------------------------------------------------------

st.subheader("Teach a class", anchor=False, divider="orange")
clf = motion_analysis.classifier()
with st.container(border=True):
    label = st.text_input("Class name", key=CLASS_NAME, max_chars=60,
                          placeholder="for instance: up, down, tree pose")  # fmt: skip
    photos = st.file_uploader("Example photos", type=IMAGE_TYPES, accept_multiple_files=True,
                              key=PHOTOS, max_upload_size=photo_mb)  # fmt: skip
    analyses = {a.key: a for a in state.recent() if a.result.num_poses}
    chosen = st.multiselect(
        "Or snapshots and photos of this session", list(analyses), key=FROM_SESSION,
        format_func=lambda k: analyses[k].label,
    )  # fmt: skip
    if st.button("Add to class", key="poses_add", type="primary", icon=":material/add:"):
        if not label.strip():
            st.warning("Give the class a name first.")
        else:
            before = len(clf.examples)
            for upload in photos or []:
                analysis = _analyse(upload)
                if analysis is not None:
                    clf = _teach(clf, label, analysis)
            for key in chosen:
                clf = _teach(clf, label, analyses[key])
            motion_session().classifier = clf
            st.success(f"Added {len(clf.examples) - before} example(s) to "
                       f"{plain(label.strip())}.")  # fmt: skip

# ---- check -----------------------------------------------------------------------------

st.subheader("Classes", anchor=False, divider="orange")
if not clf.examples:
    st.info("No class yet. Two classes with three to five examples each are a good start.",
            icon=":material/school:")  # fmt: skip
else:
    evaluation = clf.evaluate()
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.dataframe(
            pd.DataFrame({"class": list(clf.counts()), "examples": list(clf.counts().values())}),
            hide_index=True, key="poses_counts",
        )  # fmt: skip
        if clf.ready:
            st.metric("Leave-one-out accuracy", f"{evaluation.accuracy:.0%}",
                      help="Each example classified by all the others: what to expect on "
                      "new poses like these.")  # fmt: skip
        else:
            st.caption("Add a second class to see whether the classes can be told apart.")
        examples = pd.DataFrame({
            "example": [e.source for e in clf.examples],
            "class": [e.label for e in clf.examples],
            "voted": [p or "–" for p in evaluation.predicted],
            "outlier": [i in evaluation.outliers for i in range(len(clf.examples))],
        })  # fmt: skip
        st.dataframe(examples, hide_index=True, key="poses_examples")
        if evaluation.outliers and clf.ready:
            st.caption("Outliers: the other examples vote for another class. A wrong label "
                       "or a misdetected photo? Remove it below.")  # fmt: skip
        remove = st.multiselect(
            "Remove examples", list(range(len(clf.examples))), key="poses_remove",
            format_func=lambda i: f"{i + 1}. {clf.examples[i].source} ({clf.examples[i].label})",
        )  # fmt: skip
        if remove and st.button("Remove", key="poses_remove_button"):
            for i in sorted(remove, reverse=True):
                clf = clf.without(i)
            motion_session().classifier = clf
            st.rerun()
    with right:
        if clf.ready:
            st.plotly_chart(figure_confusion(evaluation), key="poses_confusion", theme=None,
                            config={"displaylogo": False})  # fmt: skip
    st.multiselect(
        "Count reps by classes (in order)", list(clf.labels), key=SEQUENCE,
        help="For instance down, then up: one rep each time the poses pass through these "
        "classes in this order. Used instead of the angle thresholds while set.",
    )  # fmt: skip

cols = st.columns(2)
cols[0].download_button(
    "Save classes (JSON)", clf.to_json(), file_name="pose_classes.json",
    mime="application/json", key="poses_save", disabled=not clf.examples,
    icon=":material/download:", on_click="ignore",
)  # fmt: skip
loaded = cols[1].file_uploader(
    "Load classes (JSON)", type=["json"], key=LOAD, max_upload_size=photo_mb
)
if loaded is not None and motion_session().loaded_file != loaded.file_id:
    try:
        motion_session().classifier = PoseClassifier.from_json(loaded.getvalue())
        motion_session().loaded_file = loaded.file_id
        st.rerun()
    except ClassifierError as exc:
        st.error(f"**Could not load {plain(loaded.name)}.** {plain(str(exc))}")

# ---- reference -----------------------------------------------------------------------

st.subheader("Reference pose", anchor=False, divider="orange")
ref_photo = st.file_uploader(
    "Reference photo", type=IMAGE_TYPES, key=REFERENCE_PHOTO, max_upload_size=photo_mb
)
pick = st.selectbox(
    "Or a snapshot or photo of this session", [None, *analyses], key=REFERENCE_FROM,
    format_func=lambda k: "–" if k is None else analyses[k].label,
)  # fmt: skip
source = _analyse(ref_photo) if ref_photo is not None else analyses.get(pick) if pick else None
if source is not None:
    if not source.result.num_poses:
        st.warning(f"Nobody found in {plain(source.label)}.")
    else:
        r = source.result
        try:
            ref = ReferencePose.from_pose(r.poses[0], r.image_width, r.image_height, source.label)
        except MatchError as exc:
            st.warning(plain(str(exc)))
        else:
            current = motion_analysis.reference()
            if current is None or current.source != ref.source:
                motion_session().reference = ref
            st.image(source.display_image, caption=f"Reference: {source.label}", width=320)
current = motion_analysis.reference()
if current is not None:
    st.caption(f"Reference in use: **{plain(current.source)}**. Turn on **Score against "
               "the reference pose** on the Webcam page.")  # fmt: skip
