"""The server's limits on what users may send: the app's policy, in one place.

Every limit has a safe default for a 2-core laptop left running at a fair. A deployment
changes them with ``POSESCOPE_*`` environment variables (see :data:`ENV_VARS`); a value
that is not a positive number is ignored, the default stays, and the problem is reported
(:attr:`Limits.problems`) so the app can say so instead of failing to start. The core
takes plain numbers (:class:`~pose_core.video.VideoLimits`, pixel budgets, pool sizes);
the app's runtime (:mod:`ui.server.runtime`) reads these once per server and hands them out.
Streamlit's ``server.maxUploadSize`` caps every upload whatever the environment says, so
the upload limits shown and enforced are the smaller of the two.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from pose_core.imageio import DEFAULT_MAX_IMAGE_PIXELS
from pose_core.streams import StreamPolicy
from pose_core.video import DEFAULT_MAX_JOBS, VideoLimits

# Field name -> environment variable. Megabytes are MiB, as Streamlit counts them.
ENV_VARS = {
    "photo_upload_mb": "POSESCOPE_PHOTO_UPLOAD_MB",
    "video_upload_mb": "POSESCOPE_VIDEO_UPLOAD_MB",
    "max_image_megapixels": "POSESCOPE_MAX_IMAGE_MEGAPIXELS",
    "max_video_minutes": "POSESCOPE_MAX_VIDEO_MINUTES",
    "max_video_frames": "POSESCOPE_MAX_VIDEO_FRAMES",
    "max_video_jobs": "POSESCOPE_MAX_VIDEO_JOBS",
    "max_live_streams": "POSESCOPE_MAX_LIVE_STREAMS",
}


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one user may ask of the server.

    Attributes:
        photo_upload_mb: Largest photo upload, in MB.
        video_upload_mb: Largest video upload, in MB (Streamlit's ``server.maxUploadSize``
            caps every upload too).
        max_image_megapixels: Largest photo, in megapixels, checked from the file's
            header before decoding (a decompression bomb costs nothing).
        max_video_minutes: Longest clip analysed, in minutes.
        max_video_frames: Most frames analysed per clip (after the frame stride).
        max_video_jobs: Clips analysed at once on the server; more wait their turn.
        max_live_streams: Webcam streams processed at once on the server; a further one
            is told the server is busy.
        problems: Messages about environment values that were ignored.
    """

    photo_upload_mb: int = 25
    video_upload_mb: int = 200
    max_image_megapixels: float = DEFAULT_MAX_IMAGE_PIXELS / 1e6
    max_video_minutes: float = VideoLimits().max_duration_s / 60
    max_video_frames: int = VideoLimits().max_frames
    max_video_jobs: int = DEFAULT_MAX_JOBS
    # Measured on 2 cores with the browser on the same machine (bench/bench_webcam.py,
    # lite): one stream 29.7 processed fps, two 22.0 + 22.1, four 3.7-6.4 each with
    # 1.0-1.7 s of delay: a processed frame costs the server ~27 ms of CPU, and four
    # streams saturate the cores. Raise it on bigger machines.
    max_live_streams: int = 2
    problems: tuple[str, ...] = dataclasses.field(default=(), compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, overridden by any ``POSESCOPE_*`` variable set in ``environ``.

        Args:
            environ: Where to read the variables (``os.environ`` by default).

        Returns:
            The limits; values that are not positive numbers are reported in
            ``problems`` and replaced by the defaults.
        """
        environ = os.environ if environ is None else environ
        defaults = cls()
        # Field name -> value, each parsed with its default's type (int or float), which
        # one dict type cannot say field by field.
        values: dict[str, Any] = {}
        problems: list[str] = []
        for field, variable in ENV_VARS.items():
            text = environ.get(variable, "").strip()
            if not text:
                continue
            kind = type(getattr(defaults, field))
            try:
                value = kind(text)
            except ValueError:
                value = None
            if value is None or not 0 < value < float("inf"):  # NaN fails too
                expected = "a whole number" if kind is int else "a number"
                problems.append(
                    f"{variable}={text!r} is not {expected} above 0; using the default "
                    f"{getattr(defaults, field):g}."
                )
                continue
            values[field] = value
        return cls(**values, problems=tuple(problems))

    @property
    def max_image_pixels(self) -> int:
        """The photo pixel budget (width x height)."""
        return int(self.max_image_megapixels * 1e6)

    @property
    def max_image_bytes(self) -> int:
        """The largest encoded photo accepted by the decoder."""
        return self.photo_upload_mb * 1024 * 1024

    def video_limits(self) -> VideoLimits:
        """The clip limits for :func:`pose_core.video.probe_video` and friends."""
        return dataclasses.replace(
            VideoLimits(),
            max_duration_s=self.max_video_minutes * 60.0,
            max_frames=self.max_video_frames,
        )

    def rows(self) -> list[tuple[str, str, str]]:
        """(what, limit, environment variable) for a table shown to users."""
        video = self.video_limits()
        return [
            ("Photo upload", f"{self.photo_upload_mb} MB", ENV_VARS["photo_upload_mb"]),
            ("Photo size", f"{self.max_image_megapixels:g} megapixels",
             ENV_VARS["max_image_megapixels"]),
            ("Video upload", f"{self.video_upload_mb} MB", ENV_VARS["video_upload_mb"]),
            ("Video length", f"{self.max_video_minutes:g} min",
             ENV_VARS["max_video_minutes"]),
            ("Video frames analysed", f"{self.max_video_frames:,}",
             ENV_VARS["max_video_frames"]),
            ("Video resolution", f"{video.max_pixels / 1e6:.1f} megapixels", "fixed (4K)"),
            ("Videos analysed at once", f"{self.max_video_jobs}", ENV_VARS["max_video_jobs"]),
            ("Live streams processed at once (webcam, network)", f"{self.max_live_streams}",
             ENV_VARS["max_live_streams"]),
        ]  # fmt: skip


def for_server(environ: Mapping[str, str] | None = None) -> Limits:
    """This server's limits: the environment over the defaults, uploads capped by
    Streamlit's ``server.maxUploadSize``."""
    limits = Limits.from_env(environ)
    server_mb = int(st.get_option("server.maxUploadSize"))
    return dataclasses.replace(
        limits,
        photo_upload_mb=min(limits.photo_upload_mb, server_mb),
        video_upload_mb=min(limits.video_upload_mb, server_mb),
    )


def show_table(limits: Limits, replica: str, streams: StreamPolicy) -> None:
    """The limits as a small table, with any ignored environment value flagged, what
    network streams may be opened, and the server (replica) they hold on: behind a load
    balancer each replica has its own."""
    for problem in [*limits.problems, *streams.problems]:
        st.warning(problem, icon=":material/settings_alert:")
    rows = [*limits.rows(), *streams.rows(), ("Served by replica", replica, "POSESCOPE_REPLICA")]
    st.table(
        pd.DataFrame(rows, columns=["What", "Limit", "Set with"]).set_index("What"),
    )
