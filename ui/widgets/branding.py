"""The app icon, drawn in code: a favicon from a font CDN would need the internet."""

from __future__ import annotations

import functools

import cv2
import numpy as np
from PIL import Image

from pose_core.drawing import LEFT_COLOUR, RIGHT_COLOUR

_SIZE = 64


@functools.cache
def app_icon() -> Image.Image:
    """A 64 x 64 RGB stick figure in the overlay's colours (orange left, blue right).

    A PIL image: ``st.set_page_config`` cannot take a numpy array as its icon.
    """
    rgb_icon = np.full((_SIZE, _SIZE, 3), (27, 31, 39), dtype=np.uint8)
    # Image coordinates; the figure faces the viewer, so its left side is on our right.
    head, neck, hip = (32, 13), (32, 24), (32, 40)
    right, left = RIGHT_COLOUR, LEFT_COLOUR
    bones = [
        (neck, hip, (235, 235, 235)),
        (neck, (20, 33), right),
        ((20, 33), (14, 22), right),
        (neck, (44, 33), left),
        ((44, 33), (50, 22), left),
        (hip, (24, 52), right),
        ((24, 52), (22, 61), right),
        (hip, (40, 52), left),
        ((40, 52), (42, 61), left),
    ]
    for a, b, colour in bones:
        cv2.line(rgb_icon, a, b, colour, 5, cv2.LINE_AA)
    cv2.circle(rgb_icon, head, 7, (235, 235, 235), -1, cv2.LINE_AA)
    return Image.fromarray(rgb_icon, mode="RGB")
