"""Start the app server: ``streamlit run streamlit_app.py``, with the heavy libraries
imported on a background thread meanwhile.

    python -m ui.serve [streamlit options...]

Streamlit runs the entrypoint only when the first browser session connects, and that
first run spent about 1.5 s importing MediaPipe (which pulls in matplotlib), OpenCV,
Plotly, pandas, PyAV and aiortc. Imported while the server starts and the browser loads
the page's JavaScript, they are ready when the first session asks. Only libraries that
do not touch Streamlit's runtime are imported here (``pose_core`` does not import
Streamlit); the app's own ``ui`` modules load in the session as before.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from pathlib import Path

ENTRYPOINT = Path(__file__).resolve().parent.parent / "streamlit_app.py"
WARM_MODULES = (
    "numpy",
    "cv2",
    "PIL.Image",
    "pandas",
    "plotly.graph_objects",
    "mediapipe",
    "pose_core",
    "av",
    "aiortc",
)


def _warm() -> None:
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the session's own import will report it properly
            logging.getLogger(__name__).warning("Could not preload %s", name, exc_info=True)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    threading.Thread(target=_warm, name="posescope-preload", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ENTRYPOINT), *args]
    cli.main()


if __name__ == "__main__":
    main()
