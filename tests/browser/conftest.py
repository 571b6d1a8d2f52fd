"""A real app server and a real Chromium (Debian's, driven by Playwright) with a fake
camera playing a clip of real people. The machinery lives in ``testkit/browser/harness.py``,
shared with the benchmarks (``bench/``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.browser import harness
from testkit.browser.harness import AppServer
from testkit.browser.y4m import basketball_frames, write_y4m


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """`streamlit run streamlit_app.py` as the README starts it, on a free local port."""
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with harness.app_server(log) as server:
        yield server


@pytest.fixture(scope="session")
def fake_camera_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("camera") / "basketball.y4m"
    write_y4m(path, basketball_frames())
    return path


@pytest.fixture(scope="session")
def browser(fake_camera_clip: Path) -> Iterator[object]:
    try:
        with harness.chromium(fake_camera_clip) as browser:
            yield browser
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def page(browser, app_server: AppServer) -> Iterator[object]:
    with harness.page_in(harness.new_context(browser)) as page:
        yield page
