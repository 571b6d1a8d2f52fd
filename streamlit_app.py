"""PoseScope: the Streamlit entrypoint (``streamlit run streamlit_app.py``).

Routes to the pages in ``app_pages/`` and draws the shared settings panel, so the
sidebar (and its URL query parameters) is the same on every page.

The pages folder is not called ``pages/`` on purpose: Streamlit treats a ``pages/``
folder beside the entrypoint as an old-style multipage app and, on a direct link such
as ``/webcam``, runs that page alone, without this file (no navigation, no sidebar).
"""

import streamlit as st

from ui.server import runtime
from ui.widgets import branding, settings_panel

# Made once per server process: logging, limits, the video-job pool, live-stream slots.
server = runtime.current()

st.set_page_config(
    page_title="PoseScope",
    page_icon=branding.app_icon(),
    layout="wide",
    # Open on a desktop, folded away on a phone, where it would cover the page.
    initial_sidebar_state="auto",
)

page = st.navigation(
    [
        st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("app_pages/image.py", title="Image", icon=":material/image:", url_path="image"),
        st.Page(
            "app_pages/webcam.py", title="Webcam", icon=":material/videocam:", url_path="webcam"
        ),
        st.Page(
            "app_pages/stream.py",
            title="Network stream",
            icon=":material/settings_input_antenna:",
            url_path="stream",
        ),
        st.Page("app_pages/video.py", title="Video", icon=":material/movie:", url_path="video"),
        st.Page(
            "app_pages/poses.py",
            title="Poses",
            icon=":material/accessibility_new:",
            url_path="poses",
        ),
        st.Page(
            "app_pages/view_3d.py", title="3D view", icon=":material/view_in_ar:", url_path="3d"
        ),
        st.Page(
            "app_pages/tuning.py", title="Tuning lab", icon=":material/tune:", url_path="tuning"
        ),
    ],
    position="top",
)
settings_panel.render_sidebar()
try:
    page.run()
finally:
    # After the page's own imports (first visit), before Streamlit's gc.collect(2).
    server.imports.freeze_new_imports()
