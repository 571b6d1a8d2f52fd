"""Image decoding and colour conversion: the one place channel order changes.

Everything inside ``pose_core`` works on ``rgb_image`` arrays (H x W x 3, uint8, RGB).
OpenCV frames are BGR; :func:`bgr_to_rgb` and :func:`rgb_to_bgr` are the only
conversions, so a colour-order bug has one place to live.
"""

from __future__ import annotations

import io
import math
import re
import struct
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

# Formats we decode. Pillow can open more (EPS would run Ghostscript, for example);
# anything else is refused before a decoder for it ever runs.
ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF")
# Decoded size limit: a 50-megapixel photo passes, a 30000x30000 "bomb" does not.
DEFAULT_MAX_IMAGE_PIXELS = 64_000_000
# Input bytes limit for a single image file.
DEFAULT_MAX_IMAGE_BYTES = 100 * 1024 * 1024
MIN_IMAGE_SIDE = 2


class ImageDecodeError(ValueError):
    """The input could not be turned into an RGB image. ``str(error)`` is for users."""


class EmptyImageError(ImageDecodeError):
    """The input has no bytes."""


class NotAnImageError(ImageDecodeError):
    """The bytes are not an image in a supported format."""


class TruncatedImageError(ImageDecodeError):
    """The image header is valid but the pixel data is cut short or corrupt."""


class ImageTooLargeError(ImageDecodeError):
    """The image declares more pixels (or bytes) than the configured budget."""


class ImageTooSmallError(ImageDecodeError):
    """The image is too small to contain anything to detect."""


def bgr_to_rgb(bgr_frame: np.ndarray) -> np.ndarray:
    """Convert an OpenCV BGR frame to an RGB image (a new array)."""
    return cv2.cvtColor(bgr_frame, cv2.COLOR_BGR2RGB)


def rgb_to_bgr(rgb_image: np.ndarray) -> np.ndarray:
    """Convert an RGB image to an OpenCV BGR frame (a new array)."""
    return cv2.cvtColor(rgb_image, cv2.COLOR_RGB2BGR)


def _to_rgb_array(image: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to H x W x 3 uint8 RGB."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit and 32-bit greyscale: Pillow's own convert("L") clips at 255, which
        # turns most 16-bit photographs white. Scale the real range down instead.
        values = np.asarray(image, dtype=np.float64)
        finite = np.isfinite(values)
        top = 65535.0 if mode.startswith("I;16") else float(values.max(initial=1.0, where=finite))
        # NaN (float TIFFs use it for "no data") would otherwise black out the whole image.
        values = np.where(finite, values, 0.0)
        grey = np.clip(values * (255.0 / top), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.stack([grey] * 3, axis=-1))
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        # Transparent pixels carry arbitrary colours: show them over white, as viewers do.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode != "RGB":
        image = image.convert("RGB")  # L, P, CMYK, YCbCr, 1 ...
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def decode_image(
    source: bytes | bytearray | memoryview | str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
) -> np.ndarray:
    """Decode image bytes or a file into an upright RGB array, at full size.

    See :func:`decode_image_reduced` for the arguments and errors; this is it without
    the reduction.
    """
    rgb_image, _full_size = decode_image_reduced(source, max_pixels=max_pixels, max_bytes=max_bytes)
    return rgb_image


def decode_image_reduced(
    source: bytes | bytearray | memoryview | str | Path,
    *,
    reduce_to_pixels: int | None = None,
    max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Decode image bytes or a file into an upright RGB array, large JPEGs at a reduced
    size.

    JPEG, PNG, WebP, BMP, TIFF and GIF (first frame) are read; EXIF orientation is
    applied; greyscale, palette, alpha (composited on white), 16-bit and CMYK images are
    converted to 8-bit RGB.

    A JPEG above ``reduce_to_pixels`` is decoded by libjpeg at 1/2, 1/4 or 1/8 scale
    (the smallest that keeps at least ``reduce_to_pixels``): for a 12-megapixel phone
    photo at half scale, about three times faster than the full decode (31.6 against
    85.8 ms in ``bench_image_page``), and pose detection, which looks at the image at
    224-256 pixels, finds the same poses.

    Args:
        source: The encoded bytes, or a path to a file.
        reduce_to_pixels: Decode large JPEGs at a reduced scale keeping at least this
            many pixels; None decodes everything at full size.
        max_pixels: Largest width x height accepted; checked from the header, before
            any pixel is decoded, so a decompression bomb costs nothing.
        max_bytes: Largest encoded size accepted.

    Returns:
        An H x W x 3 ``uint8`` RGB array, and the upright (width, height) of the image at
        full size (the array's own size unless it was reduced).

    Raises:
        ImageDecodeError: a subclass naming what is wrong (empty, not an image,
            truncated, too large, too small); its message is meant for users.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise ImageTooLargeError(_too_many_bytes(size, max_bytes))
            data = path.read_bytes()
        except IsADirectoryError as exc:
            raise NotAnImageError(f"{path} is a folder, not an image file.") from exc
        except OSError as exc:
            raise NotAnImageError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    else:
        data = bytes(source)
    if not data:
        raise EmptyImageError("The file is empty (0 bytes). Choose a JPEG, PNG or WebP photo.")
    if len(data) > max_bytes:
        raise ImageTooLargeError(_too_many_bytes(len(data), max_bytes))

    try:
        with warnings.catch_warnings():
            # Our own pixel budget replaces Pillow's bomb warning/error.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError as exc:
        # Pillow refuses to open more than twice its own limit before we see the size;
        # its message carries the pixel count.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        declared = f" ({_megapixels(int(found.group(1)))} megapixels)" if found else ""
        raise ImageTooLargeError(
            f"The image is too large{declared}, more than the limit of "
            f"{_megapixels(max_pixels)} megapixels. Resize it and try again."
        ) from exc
    except (UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise NotAnImageError(
            "This file is not an image we can read. Supported formats: JPEG, PNG, WebP, "
            "BMP, TIFF and GIF."
        ) from exc
    except (OSError, EOFError, struct.error) as exc:
        # A known format whose header is cut short or corrupt (UnidentifiedImageError,
        # an OSError too, is handled above).
        raise TruncatedImageError(
            f"The image file is damaged or incomplete (its header could not be read: {exc}). "
            "Re-export or re-download it."
        ) from exc

    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise ImageTooLargeError(
                f"The image is {width} x {height} pixels ({_megapixels(width * height)} "
                f"megapixels), more than the limit of {_megapixels(max_pixels)} megapixels. "
                "Resize it and try again."
            )
        if min(width, height) < MIN_IMAGE_SIDE:
            raise ImageTooSmallError(
                f"The image is only {width} x {height} pixels: too small to find a person in. "
                "Use a larger photo."
            )
        try:
            # Animated GIF/WebP/TIFF: the first frame is the image.
            image.seek(0)
            if reduce_to_pixels and image.format == "JPEG" and width * height > reduce_to_pixels:
                # Pillow picks the largest DCT scale whose size is at least the request.
                factor = (reduce_to_pixels / (width * height)) ** 0.5
                image.draft(image.mode, (math.ceil(width * factor), math.ceil(height * factor)))
            stored_size = image.size
            previous = ImageFile.LOAD_TRUNCATED_IMAGES
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            try:
                image.load()
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = previous
            # In place: a copy of a 12-megapixel photo costs ~6 ms and buys nothing.
            ImageOps.exif_transpose(image, in_place=True)
            rgb_image = _to_rgb_array(image)
        except Image.DecompressionBombError as exc:
            raise ImageTooLargeError(f"The image is too large to decode safely: {exc}") from exc
        except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
            raise TruncatedImageError(
                f"The {image.format or 'image'} file is damaged or incomplete "
                f"(decoding stopped: {exc}). Re-export or re-download it."
            ) from exc
    # EXIF orientation may have turned the image a quarter turn.
    turned = rgb_image.shape[:2] != stored_size[::-1]
    return rgb_image, ((height, width) if turned else (width, height))


def _megapixels(pixels: int) -> str:
    """Megapixels for a message: "64", "30", "0.19" (never "0" for a small budget)."""
    return f"{pixels / 1e6:.0f}" if pixels >= 9.5e6 else f"{pixels / 1e6:.2g}"


def _too_many_bytes(size: int, limit: int) -> str:
    return (
        f"The file is {size / 1e6:.1f} MB, more than the limit of {limit / 1e6:.3g} MB. "
        "Use a smaller image."
    )


def fit_within_pixels(rgb_image: np.ndarray, max_pixels: int) -> tuple[np.ndarray, float]:
    """Downscale ``rgb_image`` (keeping its aspect) so it has at most ``max_pixels``.

    Returns:
        The image to run inference on (the input itself when it already fits) and the
        scale factor applied (1.0 when unchanged). Normalised landmarks are unaffected by
        a uniform scale, so they still map onto the original pixels.
    """
    height, width = rgb_image.shape[:2]
    if width * height <= max_pixels:
        return rgb_image, 1.0
    scale = (max_pixels / (width * height)) ** 0.5
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    # INTER_AREA averages source pixels: no aliasing when shrinking a lot.
    return cv2.resize(rgb_image, size, interpolation=cv2.INTER_AREA), scale


def jpeg_bytes(rgb_image: np.ndarray, quality: int = 90) -> bytes:
    """Encode an RGB image as JPEG, in memory (for display: small and quick to send)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb_image, mode="RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def fit_within_width(rgb_image: np.ndarray, max_width: int) -> np.ndarray:
    """Downscale ``rgb_image`` (keeping its aspect) to at most ``max_width`` pixels wide;
    the input itself when it already fits."""
    height, width = rgb_image.shape[:2]
    if width <= max_width:
        return rgb_image
    size = (max_width, max(1, round(height * max_width / width)))
    # INTER_AREA: no aliasing in fine patterns (shirts, fences) when shrinking.
    return cv2.resize(rgb_image, size, interpolation=cv2.INTER_AREA)
