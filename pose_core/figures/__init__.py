"""Plotly figures of pose results: the 3D skeleton of one image, and a video's
landmarks over time.

Plotly only, no Streamlit, so the app, notebooks and reports draw the same figures.
One module a domain:

- :mod:`.style`: the dark scene colours, the 2D chart layout, the body sides' colours;
- :mod:`.scene`: what every 3D figure shares: the camera presets, the equal-scale
  scene and its layout, a skeleton's traces by body side and visibility;
- :mod:`.skeleton3d`: the still 3D skeleton (:func:`figure_3d`,
  :func:`figure_image_space`);
- :mod:`.motion`: joint-angle and coordinate curves over time, with a cursor;
- :mod:`.animation`: the animated 3D skeleton of a video.
"""

from .animation import MAX_ANIMATION_FRAMES, figure_3d_animation
from .motion import COORDINATES, figure_angles_over_time, figure_coordinates_over_time
from .scene import CAMERA_PRESETS, CameraPreset
from .skeleton3d import figure_3d, figure_image_space
from .style import DIM_OPACITY, GRID_COLOUR, SCENE_BACKGROUND, TEXT_COLOUR, chart_layout, css_rgb

__all__ = [
    "CAMERA_PRESETS",
    "COORDINATES",
    "DIM_OPACITY",
    "GRID_COLOUR",
    "MAX_ANIMATION_FRAMES",
    "SCENE_BACKGROUND",
    "TEXT_COLOUR",
    "CameraPreset",
    "chart_layout",
    "css_rgb",
    "figure_3d",
    "figure_3d_animation",
    "figure_angles_over_time",
    "figure_coordinates_over_time",
    "figure_image_space",
]
