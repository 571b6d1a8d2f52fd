"""Image: analyse one or many uploaded photos."""

import logging

import streamlit as st

from pose_core import ImageDecodeError
from ui import state
from ui.server import runtime
from ui.views import report
from ui.widgets import settings_panel
from ui.widgets.uploads import IMAGE_TYPES
from ui.words.text import plain

LOGGER = logging.getLogger(__name__)

settings = settings_panel.current()
server_limits = runtime.current().limits

st.title("Image")
st.caption(
    "Drop one or more photos. Each gets the detected pose beside the original, the 33 "
    "landmarks per person, joint angles, a 3D view and downloads. Photos stay in this "
    "browser session's memory and are never saved."
)
uploads = st.file_uploader(
    "Photos (JPEG, PNG, WebP, BMP, TIFF or GIF)",
    type=IMAGE_TYPES,
    accept_multiple_files=True,
    key="image_uploads",
    max_upload_size=server_limits.photo_upload_mb,
    help=f"Up to {server_limits.photo_upload_mb} MB and "
    f"{server_limits.max_image_megapixels:g} megapixels per photo.",
)

if not uploads:
    st.info(
        "Drag and drop photos onto the box above, or click **Upload**. "
        "No photo at hand? The Home page has samples.",
        icon=":material/upload:",
    )
else:
    state.forget_missing({f"upload:{u.file_id}" for u in uploads}, "upload:")
    summary = st.container()
    people, with_people, unreadable = 0, 0, 0
    for upload in uploads:
        with st.container(border=True):
            st.subheader(plain(upload.name), anchor=False)
            try:
                analysis = report.analyse_bytes(
                    f"upload:{upload.file_id}", upload.name, "upload", upload.getvalue(), settings
                )
            except ImageDecodeError as exc:
                unreadable += 1
                st.error(
                    f"**Could not read {plain(upload.name)}.** {plain(str(exc))}",
                    icon=":material/broken_image:",
                )
                continue
            except Exception as exc:  # one bad file must not stop the others
                unreadable += 1
                LOGGER.exception("Pose detection failed on an upload")
                st.error(
                    f"**Pose detection failed on {plain(upload.name)}:** {plain(str(exc))}",
                    icon=":material/error:",
                )
                continue
            people += analysis.result.num_poses
            with_people += bool(analysis.result.num_poses)
            report.render_report(analysis, settings, key=f"upload_{upload.file_id}")
    if len(uploads) > 1:
        with summary:
            cols = st.columns(4)
            cols[0].metric("Images", len(uploads))
            cols[1].metric("With people", with_people)
            cols[2].metric("People found", people)
            cols[3].metric("Unreadable", unreadable)
