"""The "Run on this device" component: a Streamlit v1 custom component (``frontend/``:
static HTML and an ES module, MediaPipe's browser runtime vendored beside them) that runs
BlazePose in the viewer's browser and sends landmarks back.

Files reach the browser through Streamlit's component file route (``/component/<name>/``),
which serves only files under a declared component's folder and resolves symlinks before
checking that (``streamlit.web.server.component_file_utils.build_safe_abspath``): a link
to the models would be refused. So the ``.task`` bundles are served from where they are,
``pose_core/models/``, by declaring that folder as a second component that is never drawn:
no copy in git, no set-up step, and the bytes the browser gets are the ones
``manifest.json`` checks. Python's ``mimetypes`` gives ``.wasm`` ``application/wasm``
(streaming compilation) and ``.mjs`` ``text/javascript``.
"""

from __future__ import annotations

from typing import Any

import streamlit.components.v1 as components

from pose_core.drawing import OUTLINE_COLOUR, PERSON_COLOURS, person_colours
from pose_core.landmarks import NUM_LANDMARKS, POSE_CONNECTIONS, side_of, side_of_connection
from pose_core.live.device import DeviceChannel
from pose_core.models import MODELS_DIR
from pose_core.settings import DetectorSettings
from ui.ondevice import FRONTEND

_component = components.declare_component("ondevice", path=str(FRONTEND))
_models = components.declare_component("ondevice_models", path=str(MODELS_DIR))

# How often the browser sends landmarks, in ms: a count shows within half a second.
BATCH_MS = 250
# Below this many frames/s over a few seconds the component suggests Lite or the server.
SLOW_FPS = 8.0
WASM_BASE = "vendor/tasks-vision/wasm"


def model_url(variant: str) -> str:
    """The bundle's address relative to the component's page (both are component routes)."""
    return f"../{_models.name}/pose_landmarker_{variant}.task"


def drawing_style() -> dict[str, Any]:
    """:mod:`pose_core.drawing`'s colours and skeleton, for the browser to draw with: one
    definition of the app's look, not a copy in JavaScript."""
    return {
        # Alone: orange left, blue right; several people: a hue each (pose_core.drawing).
        "single": person_colours(0, 1),
        "multi": [person_colours(i, 2) for i in range(len(PERSON_COLOURS))],
        "outline": OUTLINE_COLOUR,
        "connections": [list(edge) for edge in POSE_CONNECTIONS],
        "bone_sides": [side_of_connection(edge) for edge in POSE_CONNECTIONS],
        "landmark_sides": [side_of(i) for i in range(NUM_LANDMARKS)],
    }


def on_device(
    *,
    key: str,
    channel: DeviceChannel,
    settings: DetectorSettings,
    visibility_threshold: float,
    mirror: bool,
    facing_mode: str,
    lines: list[str],
) -> Any:
    """Draw the component; returns its latest message (a JSON text, or None before one).

    Arguments change on every run without restarting the camera: a new model variant
    loads beside the running one, other detector settings go to ``setOptions``.
    """
    return _component(
        key=key,
        default=None,
        token=channel.token,
        ack=channel.last_time_ms if channel.frames_received else -1.0,
        rejected=channel.rejected_total,
        model=settings.model_variant,
        model_url=model_url(settings.model_variant),
        wasm_base=WASM_BASE,
        num_poses=settings.num_poses,
        min_pose_detection_confidence=settings.min_pose_detection_confidence,
        min_pose_presence_confidence=settings.min_pose_presence_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
        visibility_threshold=visibility_threshold,
        mirror=mirror,
        facing_mode=facing_mode,
        lines=lines,
        style=drawing_style(),
        batch_ms=BATCH_MS,
        slow_fps=SLOW_FPS,
    )
