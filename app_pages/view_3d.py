"""3D view: the world landmarks of the latest image or snapshot, in metres."""

import streamlit as st

from pose_core import draw_poses
from pose_core.figures import figure_3d, figure_image_space
from ui import state
from ui.views import exports, report
from ui.widgets import settings_panel
from ui.words.text import plain, safe_stem

SOURCE = "view3d_source"
SEEN_LATEST = "_view3d_seen_latest"

settings = settings_panel.current()
st.title("3D view")
items = state.recent()

if not items:
    st.info(
        "Nothing to show yet. Run a sample on **Home**, upload a photo on **Image**, "
        "or take a **Webcam** snapshot, then come back.",
        icon=":material/view_in_ar:",
    )
    cols = st.columns(3)
    cols[0].page_link("app_pages/home.py", label="Samples", icon=":material/home:")
    cols[1].page_link("app_pages/image.py", label="Upload photos", icon=":material/upload:")
    cols[2].page_link("app_pages/webcam.py", label="Webcam", icon=":material/videocam:")
else:
    by_key = {a.key: a for a in items}
    # A newer analysis (from another page) takes over the view; otherwise keep the
    # user's pick.
    if st.session_state.get(SEEN_LATEST) != items[0].key or SOURCE not in st.session_state:
        st.session_state[SOURCE] = items[0].key
        st.session_state[SEEN_LATEST] = items[0].key
    if st.session_state[SOURCE] not in by_key:
        st.session_state[SOURCE] = items[0].key

    def _label(key: str) -> str:
        a = by_key[key]
        n = a.result.num_poses
        return f"{a.label} · {a.source} · {n} {'person' if n == 1 else 'people'}"

    controls = st.columns([2, 1, 2])
    key = controls[0].selectbox("Pose from", list(by_key), format_func=_label, key=SOURCE)
    analysis = by_key[key]
    result = analysis.result
    camera = controls[1].segmented_control(
        "Camera",
        list(report.CAMERA_LABELS),
        default="front",
        required=True,
        format_func=report.CAMERA_LABELS.__getitem__,
        key="view3d_camera",
    )
    person = None
    if result.num_poses > 1:
        choice = controls[2].segmented_control(
            "People",
            ["all", *range(result.num_poses)],
            default="all",
            required=True,
            format_func=lambda o: "Side by side" if o == "all" else f"Person {o + 1}",
            key=f"view3d_person_{analysis.key}",
        )
        person = None if choice == "all" else int(choice)

    figure_col, info_col = st.columns([3, 1], gap="medium")
    with figure_col:
        world_tab, image_tab = st.tabs(
            [":material/public: World (metres)", ":material/crop_free: Image space (normalised)"]
        )
        threshold = settings.visibility_threshold
        camera = camera or "front"
        with world_tab:
            st.plotly_chart(
                figure_3d(
                    result, visibility_threshold=threshold, camera=camera, person=person, height=620
                ),
                key="view3d_world",
                theme=None,
                config={"displaylogo": False},
            )
        with image_tab:
            st.plotly_chart(
                figure_image_space(
                    result, visibility_threshold=threshold, camera=camera, person=person, height=620
                ),
                key="view3d_image_space",
                theme=None,
                config={"displaylogo": False},
            )
    with info_col:
        st.image(
            draw_poses(analysis.display_image, result, settings.drawing_style),
            caption=plain(analysis.label),
            width="stretch",
        )
        st.metric("People", result.num_poses)
        st.metric("Inference time", f"{result.inference_ms:.0f} ms")
        st.caption(report.colour_legend(result.num_poses))
        st.caption(
            "World landmarks are in metres with the origin between the hips, so every "
            "person is centred on their own hips; the image-space view keeps them where "
            "they stand in the picture."
        )
        if result.num_poses:
            exported = person if person is not None else 0
            st.markdown(f"**Export person {exported + 1}**")
            exports.photo_downloads(
                result, exported, safe_stem(analysis.label), key="view3d_export"
            )
