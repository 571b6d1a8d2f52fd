"""The server's limits (``pose_core.limits``), read once per process and applied.

Streamlit's ``server.maxUploadSize`` caps every upload whatever the environment says,
so the upload limits shown and enforced are the smaller of the two.
"""

from __future__ import annotations

import dataclasses
import logging

import pandas as pd
import streamlit as st

from pose_core.limits import Limits
from pose_core.video import set_max_concurrent_jobs

LOGGER = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def current() -> Limits:
    """This server's limits (environment over defaults), applied to the video-job pool.

    The live-stream limit is applied by the Webcam page, where streams start: importing
    the WebRTC stack here would make every first page wait for it.
    """
    limits = Limits.from_env()
    server_mb = int(st.get_option("server.maxUploadSize"))
    limits = dataclasses.replace(
        limits,
        photo_upload_mb=min(limits.photo_upload_mb, server_mb),
        video_upload_mb=min(limits.video_upload_mb, server_mb),
    )
    for problem in limits.problems:
        LOGGER.warning("Limits: %s", problem)
    set_max_concurrent_jobs(limits.max_video_jobs)
    return limits


def show_table(limits: Limits) -> None:
    """The limits as a small table, with any ignored environment value flagged."""
    for problem in limits.problems:
        st.warning(problem, icon=":material/settings_alert:")
    rows = limits.rows()
    st.table(
        pd.DataFrame(rows, columns=["What", "Limit", "Set with"]).set_index("What"),
    )
