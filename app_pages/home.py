"""Home: what PoseScope does, and sample photos that run with one click."""

import streamlit as st

from ui.server import limits, runtime
from ui.views import join, report
from ui.widgets import samples, settings_panel

SELECTED = "home_sample"


def _select(slug: str) -> None:
    st.session_state[SELECTED] = slug


settings = settings_panel.current()

st.title("PoseScope")
st.markdown(
    "Finds people in photos and live video and marks **33 body landmarks** on each, "
    "with joint angles and a 3D skeleton you can turn around.  \n"
    "Everything runs on this server, offline: tune the detection in the sidebar and "
    "every page follows."
)
join.show_join_panel()
# A row that wraps on narrow screens rather than cutting the labels short.
with st.container(horizontal=True, gap="medium"):
    st.page_link("app_pages/image.py", label="Analyse your photos", icon=":material/upload:")
    st.page_link("app_pages/webcam.py", label="Go live with a webcam", icon=":material/videocam:")
    st.page_link(
        "app_pages/stream.py", label="Watch an IP camera", icon=":material/settings_input_antenna:"
    )
    st.page_link("app_pages/video.py", label="Analyse a video", icon=":material/movie:")
    st.page_link("app_pages/view_3d.py", label="Explore in 3D", icon=":material/view_in_ar:")
    st.page_link("app_pages/tuning.py", label="Tune the thresholds", icon=":material/tune:")

st.subheader("Try a sample photo", divider="orange")
selected = st.session_state.get(SELECTED)
for column, sample in zip(st.columns(len(samples.SAMPLES)), samples.SAMPLES, strict=True):
    with column, st.container(border=True):
        st.image(samples.thumbnail(sample.slug), width="stretch")
        st.markdown(f"**{sample.title}**  \n{sample.blurb}")
        st.button(
            "Showing" if sample.slug == selected else "Detect poses",
            key=f"sample_{sample.slug}",
            on_click=_select,
            args=(sample.slug,),
            type="primary" if sample.slug == selected else "secondary",
            icon=":material/check:" if sample.slug == selected else ":material/play_arrow:",
            width="stretch",
        )

shown = samples.SAMPLES_BY_SLUG.get(selected) if selected else None
if shown is None:
    st.info(
        "Pick a sample above to see the detected pose, landmark table, joint angles "
        "and 3D view. No camera or file needed.",
        icon=":material/touch_app:",
    )
else:
    st.subheader(f"Result: {shown.title}", divider="gray")
    analysis = report.analyse(
        f"sample:{shown.slug}", shown.title, "sample", samples.load(shown.slug), settings
    )
    report.render_report(analysis, settings, key=f"home_{shown.slug}")
    st.caption(samples.credit(shown.slug))

with st.expander("Limits on this server", icon=":material/shield:"):
    st.caption(
        "What one user may send. Larger files get a message saying which limit they hit; "
        "the server's operator sets these with the environment variables shown. Behind a "
        "load balancer, each replica has its own live-stream slots and video queue."
    )
    server = runtime.current()
    limits.show_table(server.limits, server.replica, server.stream_policy)
