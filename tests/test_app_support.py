"""Helpers shared by the app's AppTest suites (no tests here).

AppTest runs the real entrypoint, real pages and real models; only what a browser
would do (uploads, clicks, the WebRTC component) is simulated.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from unittest import mock

import pandas as pd
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryFile, MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
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
