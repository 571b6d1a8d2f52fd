"""A frame number as a barcode in the bottom-left corner of a frame, and its reader.

One row of square cells along the bottom edge (the app draws its readout in the top-left
corner, so the code survives the round trip through it): a white-black-white start guard, ``BITS``
data bits (most significant first; white is 1) and one parity bit (even parity over the
data bits). The cell size is the frame's width / ``CELLS_PER_WIDTH`` (16 px at 640
wide, 32 px at 1280), so a frame scaled to any width keeps the same layout relative to
its width and the reader needs nothing but the frame. The reader samples the middle of
each cell, which survives H.264 and VP8 encoding and scaling to half size (see
``tests/testkit/test_rtsp_server.py``).

Numpy only: the RTSP server (``server.py``, run by Debian's python3 with Debian's numpy)
imports this file by its directory, and the tests in the venv import it as
``testkit.rtsp.barcode``.
"""

from __future__ import annotations

import numpy as np

BITS = 24
GUARD = (1, 0, 1)
# The frame's width over the cell size: the cells take 28/40 of the bottom edge.
CELLS_PER_WIDTH = 40
CELLS = len(GUARD) + BITS + 1
# White and black guard cells must differ by this much (0..255) for a code to be read.
MIN_CONTRAST = 64


def cell_size(width: int) -> float:
    """A cell's side in pixels for a frame ``width`` pixels wide."""
    return width / CELLS_PER_WIDTH


def paint(rgb: np.ndarray, number: int) -> None:
    """Draw ``number`` (0 .. 2**BITS - 1) into ``rgb`` (H x W x 3 uint8, writable) in
    place."""
    if not 0 <= number < 2**BITS:
        raise ValueError(f"frame number {number} does not fit in {BITS} bits")
    cell = cell_size(rgb.shape[1])
    if rgb.shape[0] < cell or cell < 2:
        raise ValueError(f"frame {rgb.shape[1]}x{rgb.shape[0]} is too small for the code")
    data = [(number >> (BITS - 1 - bit)) & 1 for bit in range(BITS)]
    top = rgb.shape[0] - round(cell)
    for index, bit in enumerate([*GUARD, *data, sum(data) % 2]):
        left, right = round(index * cell), round((index + 1) * cell)
        rgb[top:, left:right] = 255 if bit else 0


def read(rgb: np.ndarray) -> int | None:
    """The number painted into ``rgb`` (H x W x 3, possibly scaled and re-encoded since),
    or None where there is no readable code (no guard, too little contrast, bad
    parity)."""
    cell = cell_size(rgb.shape[1])
    if rgb.shape[0] < cell or cell < 2:
        return None
    # Each cell's mean luma over its middle half (both ways), away from blurred edges.
    height = rgb.shape[0]
    top = height - round(cell * 0.75)
    bottom = max(height - round(cell * 0.25), top + 1)
    strip = rgb[top:bottom].astype(np.float32).mean(axis=(0, 2))
    levels = []
    for index in range(CELLS):
        left = round((index + 0.25) * cell)
        right = max(round((index + 0.75) * cell), left + 1)
        levels.append(float(strip[left:right].mean()))
    white, black = min(levels[0], levels[2]), levels[1]
    if white - black < MIN_CONTRAST:
        return None
    threshold = (white + black) / 2
    bits = [int(level > threshold) for level in levels[len(GUARD) :]]
    data, parity = bits[:BITS], bits[BITS]
    if sum(data) % 2 != parity:
        return None
    number = 0
    for bit in data:
        number = number << 1 | bit
    return number
