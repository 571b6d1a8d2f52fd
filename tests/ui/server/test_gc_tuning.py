"""The collector's work after each script run: imported modules' objects are frozen."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from testkit.apptest import assert_no_exception, new_app
from testkit.fixtures import ROOT
from ui.server import gc_tuning

# A fresh interpreter: this process's objects are frozen by whichever test ran first.
_PROBE = """
import gc, json, sys
import mediapipe, pandas, plotly.graph_objects, streamlit, streamlit_webrtc
from ui.server import gc_tuning
tracked = len(gc.get_objects())
freezer = gc_tuning.ImportFreezer()
first = freezer.freeze_new_imports()
again = freezer.freeze_new_imports()
left = len(gc.get_objects())
frozen = gc.get_freeze_count()
import xml.dom.minidom  # noqa: F401  (a module nothing above imports)
after_import = freezer.freeze_new_imports()
print(json.dumps(dict(tracked=tracked, first=first, again=again, left=left,
                      frozen=frozen, after_import=after_import)))
"""


@pytest.mark.slow
def test_a_full_collection_skips_the_imported_libraries():
    run = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    probe = json.loads(run.stdout.strip().splitlines()[-1])
    # Streamlit, pandas, Plotly, MediaPipe and the WebRTC stack: ~200,000 objects that
    # Streamlit's gc.collect(2) after every run would otherwise walk.
    assert probe["tracked"] > 100_000
    assert probe["first"] is True
    assert probe["frozen"] > 0.95 * probe["tracked"]
    assert probe["left"] < 0.01 * probe["tracked"]
    # Nothing new imported: no freeze (a freeze pins cycles alive at that moment).
    assert probe["again"] is False
    assert probe["after_import"] is True


def test_every_run_of_the_app_offers_to_freeze(monkeypatch):
    calls = []
    real = gc_tuning.ImportFreezer.freeze_new_imports
    monkeypatch.setattr(
        gc_tuning.ImportFreezer, "freeze_new_imports", lambda self: calls.append(1) or real(self)
    )
    at = new_app().run()
    assert_no_exception(at)
    at.switch_page("app_pages/image.py").run()
    assert_no_exception(at)
    assert len(calls) == 2
