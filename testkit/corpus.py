"""Bad and odd inputs, generated here from the fixture photos and clip (nothing downloaded).

One generator per kind of input, shared by the core tests (``test_imageio``,
``test_video``, ``test_corpus``), the CLI test and the AppTest suites of the Image and
Video pages, so every entry point sees the same files with the same expectations:

* :func:`image_corpus`: photos as uploaded (bytes, file name, MIME type), each either
  refused with a specific :class:`pose_core.imageio.ImageDecodeError` whose message
  names the problem, or decoded to a known size (and, for photos of people, a person
  found).
* :func:`video_corpus`: clips written to a folder, with :data:`VIDEO_CASES` saying
  which :class:`pose_core.video.VideoDecodeError` each one gets (or that it plays).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import struct
import wave
import zlib
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import ExifTags, Image

from pose_core.imageio import (
    EmptyImageError,
    ImageDecodeError,
    ImageTooLargeError,
    ImageTooSmallError,
    NotAnImageError,
    TruncatedImageError,
)
from pose_core.video import (
    EmptyVideoError,
    NotAVideoError,
    NoVideoStreamError,
    TruncatedVideoError,
    UnsupportedCodecError,
    VideoDecodeError,
    VideoTooLargeError,
)
from testkit.fixtures import FIXTURES

VTEST = FIXTURES / "vtest.avi"
# In frames 560-619 of vtest.avi a man in a red jacket (about 110 px tall) stands on the
# lawn at the lower left for 1.5 s, then walks right and up the picture. MediaPipe's
# lite model finds him in every frame from a cold start (its person detector misses the
# smaller pedestrians in most of the clip, so the stretch matters).
WALK_START, WALK_FRAMES = 560, 60
EXIF_ORIENTATION = ExifTags.Base.Orientation
MIME_TYPES = {
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo",
}


# ---- image helpers -------------------------------------------------------------------


def _fixture_rgb(name: str) -> np.ndarray:
    """A fixture photo as RGB, read with Pillow alone (not with the code under test)."""
    with Image.open(FIXTURES / name) as image:
        return np.asarray(image.convert("RGB"))


def encode(image: Image.Image | np.ndarray, fmt: str, **options: object) -> bytes:
    """Encode ``image`` with Pillow, in memory."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def handmade_png(width: int, height: int, rows: int = 4) -> bytes:
    """An 8-bit greyscale PNG declaring width x height, with pixel data for a few rows."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"".join(b"\x00" + bytes(width) for _ in range(rows)))
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def jpeg_with_orientation(pixels: np.ndarray, orientation: int | None) -> bytes:
    """A JPEG of ``pixels`` as stored, with an EXIF Orientation tag (or none)."""
    exif = Image.Exif()
    if orientation is not None:
        exif[EXIF_ORIENTATION] = orientation
    return encode(pixels, "JPEG", quality=95, exif=exif.tobytes())


# ---- the image corpus ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    """One input file and what every entry point must make of it.

    Attributes:
        name: File name, with the extension a user would give it.
        data: The file's bytes.
        mime: The MIME type a browser would send with it.
        error: The :class:`ImageDecodeError` subclass expected, or None: it decodes.
        words: Expected in the error message (case-insensitive), when ``error`` is set:
            what is wrong and what to do.
        shape: (height, width) of the decoded image, when it decodes.
        person: True: a person must be found; False: nobody may be; None: not checked.
    """

    name: str
    data: bytes = dataclasses.field(repr=False)
    mime: str
    error: type[ImageDecodeError] | None = None
    words: tuple[str, ...] = ()
    shape: tuple[int, int] | None = None
    person: bool | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _bad(name: str, data: bytes, error: type[ImageDecodeError], *words: str) -> Case:
    return Case(name, data, MIME_TYPES[Path(name).suffix], error=error, words=words)


def _good(name: str, data: bytes, shape: tuple[int, int], person: bool | None) -> Case:
    return Case(name, data, MIME_TYPES[Path(name).suffix], shape=shape, person=person)


# A 50-megapixel photo (8960 x 5592): under the 64-megapixel default budget.
BIG_WIDTH = 8960
# Every case's file name, in corpus order (known before the corpus is built, for
# parametrising tests).
IMAGE_CASE_NAMES = (
    "empty.jpg",
    "truncated.jpg",
    "truncated.png",
    "notes.jpg",
    "noise.png",
    "bomb.png",
    "fifty_megapixels.jpg",
    "one_pixel.png",
    "sixteen_pixels.png",
    "animated.gif",
    "cmyk.jpg",
    "grey_16_bit.png",
    "alpha.png",
    "sideways_exif.jpg",
)


@functools.cache
def image_corpus() -> tuple[Case, ...]:
    """Every bad or odd photo, built in memory (a few seconds, once per process)."""
    messi = _fixture_rgb("messi5.jpg")  # 548 x 342, one footballer
    astronaut = _fixture_rgb("astronaut.png")  # 512 x 512, one person, head to waist
    camera = _fixture_rgb("camera.png")[..., 0]  # 512 x 512 greyscale, one man
    messi_file = (FIXTURES / "messi5.jpg").read_bytes()
    basketball_file = (FIXTURES / "basketball1.png").read_bytes()
    height, width = messi.shape[:2]

    big_height = round(height * BIG_WIDTH / width)
    big = cv2.resize(messi, (BIG_WIDTH, big_height), interpolation=cv2.INTER_CUBIC)

    # Transparent right quarter (the flag and the shuttle), half-transparent next to it.
    alpha = np.full(astronaut.shape[:2], 255, np.uint8)
    alpha[:, 384:] = 0
    alpha[:, 320:384] = 128

    upside_down = np.ascontiguousarray(messi[::-1])
    gif = encode(
        Image.fromarray(messi),
        "GIF",
        save_all=True,
        append_images=[Image.fromarray(upside_down)],
        duration=100,
        loop=0,
    )
    # A phone's sideways photo: the sensor's pixels (the player lying on his side) and
    # Orientation 6, "turn 90 degrees clockwise to show": the decoded image is upright.
    sideways = jpeg_with_orientation(np.ascontiguousarray(np.rot90(messi, k=1)), 6)
    noise = np.random.default_rng(1234).integers(0, 256, 50_000, dtype=np.uint8).tobytes()
    text = b"Dear all,\nthe photos from the match are attached.\n" * 20

    cases = (
        _bad("empty.jpg", b"", EmptyImageError, "empty", "0 bytes", "choose a JPEG"),
        _bad(
            "truncated.jpg",
            messi_file[: len(messi_file) // 2],
            TruncatedImageError,
            "damaged or incomplete",
            "re-export",
        ),
        _bad(
            "truncated.png",
            basketball_file[: len(basketball_file) * 2 // 5],
            TruncatedImageError,
            "damaged or incomplete",
            "re-export",
        ),
        _bad("notes.jpg", text, NotAnImageError, "not an image", "supported formats: JPEG"),
        _bad("noise.png", noise, NotAnImageError, "not an image", "supported formats: JPEG"),
        _bad(
            "bomb.png",
            handmade_png(30000, 30000),
            ImageTooLargeError,
            "900 megapixels",
            "limit of 64 megapixels",
            "resize",
        ),
        _good(
            "fifty_megapixels.jpg",
            encode(big, "JPEG", quality=85),
            (big_height, BIG_WIDTH),
            person=True,
        ),
        _bad(
            "one_pixel.png",
            encode(messi[:1, :1], "PNG"),
            ImageTooSmallError,
            "1 x 1",
            "too small",
            "larger photo",
        ),
        _good(
            "sixteen_pixels.png",
            encode(np.ascontiguousarray(messi[100:116, 200:216]), "PNG"),
            (16, 16),
            person=False,
        ),
        _good("animated.gif", gif, (height, width), person=True),
        _good(
            "cmyk.jpg",
            encode(Image.fromarray(messi).convert("CMYK"), "JPEG", quality=95),
            (height, width),
            person=True,
        ),
        _good(
            "grey_16_bit.png",
            encode(Image.fromarray(camera.astype(np.uint16) * 257), "PNG"),
            camera.shape,
            person=True,
        ),
        _good("alpha.png", encode(np.dstack([astronaut, alpha]), "PNG"), (512, 512), person=True),
        _good("sideways_exif.jpg", sideways, (height, width), person=True),
    )
    assert tuple(c.name for c in cases) == IMAGE_CASE_NAMES
    return cases


def image_case(name: str) -> Case:
    """The corpus entry called ``name``."""
    return next(c for c in image_corpus() if c.name == name)


# ---- clip helpers --------------------------------------------------------------------


def vtest_frames(start: int, count: int) -> list[np.ndarray]:
    """Frames ``start`` .. ``start + count - 1`` of vtest.avi as RGB arrays."""
    frames = []
    with av.open(str(VTEST)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index >= start:
                frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == count:
                break
    return frames


def write_clip(
    path: Path,
    rgb_frames: Sequence[np.ndarray],
    fps: int = 10,
    *,
    codec: str = "libx264",
    container_format: str | None = None,
    rotation: int | None = None,
    options: dict[str, str] | None = None,
    codec_options: dict[str, str] | None = None,
    pix_fmt: str = "yuv420p",
) -> Path:
    """Encode frames with PyAV directly (not with the code under test)."""
    height, width = rgb_frames[0].shape[:2]
    with av.open(str(path), "w", format=container_format, options=options or {}) as out:
        stream = out.add_stream(codec, rate=fps)
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", **(codec_options or {})}
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i, rgb in enumerate(rgb_frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def make_walk_clip(path: Path, count: int = WALK_FRAMES) -> Path:
    """The walking pedestrian of vtest.avi as an H.264 MP4 (index at the end)."""
    return write_clip(path, vtest_frames(WALK_START, count))


# ---- the video corpus ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class VideoCase:
    """One clip of :func:`video_corpus` and what probing it must give.

    Attributes:
        key: Short id (test ids, :func:`video_corpus` keys).
        name: File name as uploaded.
        error: The :class:`VideoDecodeError` subclass expected, or None: the clip opens
            (a cut one is then analysed up to the cut).
        words: Expected in the error message (what is wrong, what to do), when
            ``error`` is set.
    """

    key: str
    name: str
    error: type[VideoDecodeError] | None = None
    words: tuple[str, ...] = ()

    @property
    def mime(self) -> str:
        return MIME_TYPES[Path(self.name).suffix]


VIDEO_CASES = (
    VideoCase("random", "random.mp4", NotAVideoError, ("not a video", "Use MP4")),
    VideoCase("text", "notes.mp4", NotAVideoError, ("not a video", "Use MP4")),
    VideoCase("empty", "empty.mp4", NotAVideoError, ("empty", "Choose a video clip")),
    VideoCase("image", "photo.mov", NotAVideoError, ("still image", "Image page")),
    VideoCase("audio", "sound.mp4", NotAVideoError, ("not a video", "Use MP4")),
    VideoCase("zero_avi", "zero.avi", EmptyVideoError, ("no frames", "export it again")),
    VideoCase("zero_mp4", "zero.mp4", NoVideoStreamError, ("no video track", "Choose a clip")),
    VideoCase(
        "zero_matroska",
        "zero.mkv",
        EmptyVideoError,
        ("before any video frame", "copy it again"),
    ),
    VideoCase(
        "cut_mp4_index_last",
        "cut_index_last.mp4",
        TruncatedVideoError,
        ("cut short", "copy it again"),
    ),
    VideoCase("cut_mp4_index_first", "cut_index_first.mp4"),
    VideoCase("cut_avi", "cut.avi"),
    VideoCase(
        "cut_avi_header", "cut_header.avi", TruncatedVideoError, ("cut short", "copy it again")
    ),
    VideoCase("unknown_codec", "unknown_codec.avi", UnsupportedCodecError, ("codec", "Re-export")),
    VideoCase("gigantic", "gigantic.mp4", VideoTooLargeError, ("4112 x 4112", "4K or less")),
)
VIDEO_CASE_KEYS = tuple(case.key for case in VIDEO_CASES)


def video_case(key: str) -> VideoCase:
    return next(c for c in VIDEO_CASES if c.key == key)


def video_corpus(folder: Path, walk_frames: Sequence[np.ndarray] | None = None) -> dict[str, Path]:
    """Write every clip of :data:`VIDEO_CASES` into ``folder`` (a few seconds).

    Args:
        folder: Where to write them (an empty folder).
        walk_frames: The walk of vtest.avi (:func:`vtest_frames` from ``WALK_START``), if
            the caller has it already; at least 30 frames.

    Returns:
        Case key -> path of the clip, named as in :data:`VIDEO_CASES`.
    """
    paths = {case.key: folder / case.name for case in VIDEO_CASES}
    rng = np.random.default_rng(0)
    paths["random"].write_bytes(rng.bytes(40_000))
    paths["text"].write_text("Shopping list: eggs, milk, a video camera.\n" * 50)
    paths["empty"].write_bytes(b"")
    paths["image"].write_bytes((FIXTURES / "messi5.jpg").read_bytes())
    # A WAV file (sound only) named .mp4.
    with wave.open(str(paths["audio"]), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\0\0" * 8000)
    # Zero-frame containers: a stream declared, nothing written.
    for key, fmt, codec in (
        ("zero_avi", "avi", "mpeg4"),
        ("zero_mp4", "mp4", "libx264"),
        ("zero_matroska", "matroska", "libx264"),
    ):
        with av.open(str(paths[key]), "w", format=fmt) as out:
            stream = out.add_stream(codec, rate=10)
            assert isinstance(stream, av.video.stream.VideoStream)
            stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
            out.start_encoding()
    if walk_frames is None:
        walk_frames = vtest_frames(WALK_START, 30)
    small = [np.ascontiguousarray(f[::2, ::2]) for f in walk_frames[:30]]
    # An MP4 whose index sits at the end (PyAV's default), cut in half: no index.
    whole = write_clip(folder / "whole.mp4", small).read_bytes()
    paths["cut_mp4_index_last"].write_bytes(whole[: len(whole) // 2])
    # An MP4 with the index first, cut in half: the frames after the cut are missing.
    fast = write_clip(folder / "fast.mp4", small, options={"movflags": "+faststart"})
    fast_bytes = fast.read_bytes()
    paths["cut_mp4_index_first"].write_bytes(fast_bytes[: len(fast_bytes) // 2])
    avi = VTEST.read_bytes()
    paths["cut_avi"].write_bytes(avi[: len(avi) // 3])
    paths["cut_avi_header"].write_bytes(avi[:3000])
    # The real clip with its FourCC (in the stream header and the bitmap header)
    # replaced by one no decoder knows.
    patched = bytearray(avi)
    strh, strf = patched.find(b"strh"), patched.find(b"strf")
    assert patched[strh + 12 : strh + 16] == b"div3" and patched[strf + 24 : strf + 28] == b"div3"
    patched[strh + 12 : strh + 16] = patched[strf + 24 : strf + 28] = b"QQ99"
    paths["unknown_codec"].write_bytes(bytes(patched))
    # 4112 x 4112: above the 16.8-megapixel (4096 x 4096) limit.
    write_clip(paths["gigantic"], [np.zeros((4112, 4112, 3), np.uint8)], fps=1)
    return paths
