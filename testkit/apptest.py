"""Helpers shared by the app's AppTest suites (no tests here).

AppTest runs the real entrypoint, real pages and real models; only what a browser
would do (uploads, clicks, the WebRTC component) is simulated. Also here: the Video
page's upload and analyse steps, and the Webcam page's fake WebRTC component and
processor helpers, each shared by several suites (the ``streamer`` fixture is in
``conftest``).
"""

from __future__ import annotations

import contextlib
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from unittest import mock

import av
import numpy as np
import pandas as pd
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryFile, MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from pose_core import DetectorSettings, DrawingStyle, live
from pose_core.smoothing import SmoothingParams
from testkit.fixtures import FIXTURES
from ui.state.video_session import VideoSession

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
VIDEO_PAGE = ROOT / "app_pages" / "video.py"
# The lite model wherever the variant does not matter: fastest to load and run. The
# segmented control matches URL values against its labels.
LITE = {"model": "Lite"}
LANDMARK_COLUMNS = [
    "landmark", "x", "y", "z", "visibility", "presence", "pixel_x", "pixel_y", "flag",
]  # fmt: skip


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def new_app(query_params: dict[str, str] | None = None) -> AppTest:
    """The app at its Home page, with ``query_params`` as if opened from a link."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(LITE if query_params is None else query_params)
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    """Switch to ``app_pages/<page>`` and run it.

    AppTest learns the pages from a first run, so a fresh app runs Home once before.
    """
    if not at.session_state.to_dict():
        at.run()
    return at.switch_page(f"app_pages/{page}").run()


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def metric_values(at: AppTest, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def landmark_tables(at: AppTest) -> list[pd.DataFrame]:
    return [t.value for t in at.dataframe if list(t.value.columns) == LANDMARK_COLUMNS]


def angle_tables(at: AppTest) -> list[pd.DataFrame]:
    return [t.value for t in at.dataframe if list(t.value.columns)[:2] == ["joint", "angle"]]


class _RecordingMediaStorage(MemoryMediaFileStorage):
    """AppTest's in-memory media storage, remembering every file across runs."""

    files: ClassVar[dict[str, MemoryFile]] = {}

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
        file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
        _RecordingMediaStorage.files[file_id] = self.get_file(file_id)
        return file_id


class _RecordingMediaManager(MediaFileManager):
    """AppTest's media manager, remembered: deferred downloads are built through it."""

    managers: ClassVar[list[MediaFileManager]] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _RecordingMediaManager.managers.append(self)


@contextlib.contextmanager
def recorded_media() -> Iterator[dict[str, MemoryFile]]:
    """Keep the bytes behind download buttons (AppTest drops its storage after a run)."""
    _RecordingMediaStorage.files = {}
    _RecordingMediaManager.managers = []
    with (
        mock.patch("streamlit.testing.v1.app_test.MemoryMediaFileStorage", _RecordingMediaStorage),
        mock.patch("streamlit.testing.v1.app_test.MediaFileManager", _RecordingMediaManager),
    ):
        yield _RecordingMediaStorage.files


def downloaded(files: dict[str, MemoryFile], button) -> MemoryFile:
    """The file a download button would serve (``.content``, ``.filename``, ``.mimetype``).

    A button whose data is built when clicked (a callable) is clicked here, as the browser
    would, through the last run's media manager.
    """
    url = button.proto.url
    if button.proto.deferred_file_id:
        url = _RecordingMediaManager.managers[-1].execute_deferred(button.proto.deferred_file_id)
    file_id = url.rsplit("/", 1)[-1].split(".", 1)[0]
    return files[file_id]


# ---- the Video page (test_app_video, test_limits) -------------------------------------


def video_page() -> AppTest:
    """The Video page, through the real entrypoint once it lists the page; until then
    the page file alone (it reads the shared settings, defaults without the sidebar)."""
    if "app_pages/video.py" in APP.read_text():
        return open_page(new_app(), "video.py")
    return AppTest.from_file(str(VIDEO_PAGE), default_timeout=120).run()


def upload(at: AppTest, name: str, data: bytes, mime: str = "video/mp4") -> AppTest:
    at.file_uploader(key="video_upload").set_value((name, data, mime))
    return at.run()


def video_session(at: AppTest) -> VideoSession:
    """The Video page's state for this session."""
    return at.session_state["_video_session"]


def video_job_running(at: AppTest) -> bool:
    """A clip is being analysed for this session."""
    return "_video_session" in at.session_state and video_session(at).running is not None


def wait_for_result(at: AppTest, timeout: float = 120) -> AppTest:
    """Rerun until the background job has finished (as the progress fragment does)."""
    deadline = time.monotonic() + timeout
    while video_job_running(at) and time.monotonic() < deadline:
        time.sleep(0.3)
        at.run()
    assert not video_job_running(at), "processing did not finish in time"
    return at.run()


def analyse(at: AppTest) -> AppTest:
    at.button(key="video_process").click().run()
    return wait_for_result(at)


# ---- the Webcam page (test_app_webcam, test_webcam_recording, test_limits) -------------


class FakeStreamer:
    """Stands in for ``webrtc_streamer``: records calls, reports a playing state."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.playing = False

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        state = types.SimpleNamespace(playing=self.playing, signalling=False)
        return types.SimpleNamespace(state=state)

    @property
    def last(self) -> dict:
        return self.calls[-1]

    def send(self, rgb_frame: np.ndarray) -> np.ndarray:
        """Push one frame through the page's callback, as the WebRTC worker does."""
        frame = av.VideoFrame.from_ndarray(rgb_frame, format="rgb24")
        out = self.last["video_frame_callback"](frame)
        assert isinstance(out, av.VideoFrame)
        return out.to_ndarray(format="rgb24")


def live_config(smoothing: SmoothingParams | None = None, **changes) -> live.LiveConfig:
    """The processor's settings in the webcam tests: Lite, one person, visibility
    threshold 0.5, no smoothing unless given; ``changes`` to the detector settings."""
    detector = DetectorSettings(
        **{"model_variant": "lite", "num_poses": 1, "person_detector": "mediapipe", **changes}
    )
    return live.LiveConfig(detector, DrawingStyle(visibility_threshold=0.5), smoothing)


def send_frame(processor: live.PoseStreamProcessor, rgb: np.ndarray) -> np.ndarray:
    """Push one RGB frame through ``processor`` as the WebRTC worker does; returns the
    frame it sends back, as RGB."""
    out = processor.recv(av.VideoFrame.from_ndarray(rgb, format="rgb24"))
    return out.to_ndarray(format="rgb24")
