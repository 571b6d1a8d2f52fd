"""The lab's image set: photos, samples and frames sampled from a video, keyed by content."""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

ImageSource = Literal["sample", "upload", "video"]
IMAGE_SOURCES: tuple[ImageSource, ...] = ("sample", "upload", "video")
# Images are analysed at most this long on their longer side. MediaPipe looks at 224 and
# 256 pixel crops, so this changes nothing it sees, and bounds memory for large sets.
LAB_MAX_SIDE = 1600
# Sweeps run the model several times per image: past this many images a sweep takes
# minutes on a laptop, so the rest of a larger set is left out (and the user told).
MAX_IMAGES = 40


@dataclasses.dataclass(frozen=True, eq=False)
class TuningImage:
    """One image of the lab's set.

    Attributes:
        key: Content hash of the pixels: equal pixels share cached runs whatever the
            file was called.
        label: What users call it (file name, sample title, "clip.mp4 @ 2.0 s"). User
            text: escape it before rendering as Markdown or HTML.
        rgb_image: H x W x 3 uint8 RGB, at most :data:`LAB_MAX_SIDE` on its longer side.
        source: Where it came from.
    """

    key: str
    label: str
    rgb_image: np.ndarray
    source: ImageSource = "upload"

    @property
    def width(self) -> int:
        return int(self.rgb_image.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb_image.shape[0])


def image_key(rgb_image: np.ndarray) -> str:
    """A content hash of an image's pixels and shape (24 hex digits)."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(repr(rgb_image.shape).encode())
    digest.update(np.ascontiguousarray(rgb_image).tobytes())
    return digest.hexdigest()


def make_image(
    label: str,
    rgb_image: np.ndarray,
    source: ImageSource = "upload",
    *,
    max_side: int = LAB_MAX_SIDE,
) -> TuningImage:
    """Wrap an RGB image for the lab, downscaled to at most ``max_side`` on its long side."""
    height, width = rgb_image.shape[:2]
    if max(height, width) > max_side:
        scale = max_side / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        rgb_image = cv2.resize(rgb_image, size, interpolation=cv2.INTER_AREA)
    rgb_image = np.ascontiguousarray(rgb_image, dtype=np.uint8)
    rgb_image.flags.writeable = False  # shared by cached runs and overlays
    return TuningImage(image_key(rgb_image), label, rgb_image, source)


def unique_labels(labels: Iterable[str]) -> list[str]:
    """The labels with repeats numbered ("a.jpg", "a.jpg (2)"), so charts keep them apart."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def image_set(images: Sequence[TuningImage], max_images: int = MAX_IMAGES) -> list[TuningImage]:
    """The lab's set: the first ``max_images`` images, repeated labels numbered."""
    kept = images[:max_images]
    labels = unique_labels(image.label for image in kept)
    return [
        dataclasses.replace(image, label=label) for image, label in zip(kept, labels, strict=True)
    ]


def source_counts(images: Iterable[TuningImage]) -> dict[ImageSource, int]:
    """How many images came from each source, for the sources present (in a fixed order)."""
    sources = [image.source for image in images]
    return {source: sources.count(source) for source in IMAGE_SOURCES if source in sources}


def image_set_key(images: Sequence[TuningImage]) -> str:
    """A hash of the set: its images' contents and labels, in order."""
    digest = hashlib.blake2b(digest_size=12)
    for image in images:
        digest.update(image.key.encode())
        digest.update(b"\0" + image.label.encode("utf-8", "replace") + b"\0")
    return digest.hexdigest()


@dataclasses.dataclass(frozen=True, eq=False)
class SampledFrame:
    """One frame sampled from a video.

    Attributes:
        time_s: Its time in the video, in seconds.
        rgb_frame: H x W x 3 uint8 RGB, upright.
    """

    time_s: float
    rgb_frame: np.ndarray


def sample_video_frames(
    path: str | Path, count: int = 10, *, max_side: int = LAB_MAX_SIDE
) -> list[SampledFrame]:
    """About ``count`` frames spread evenly over a video.

    Uses :func:`pose_core.video.iter_frames` (PyAV; upright, scaled to ``max_side``).

    Raises:
        pose_core.video.VideoDecodeError: The file is not a readable video; its message
            is for users.
    """
    from ..video import iter_frames, probe_video  # PyAV loads only when a video is used

    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    info = probe_video(path)
    stride = max(1, info.frame_count // count)
    frames = []
    for frame in iter_frames(path, stride=stride, max_side=max_side, info=info):
        frames.append(SampledFrame(frame.time_s, frame.rgb_frame))
        if len(frames) == count:
            break
    return frames


def sample_video_bytes(
    data: bytes, count: int = 10, *, suffix: str = ".mp4", max_side: int = LAB_MAX_SIDE
) -> list[SampledFrame]:
    """:func:`sample_video_frames` for an uploaded file's bytes.

    PyAV reads files, so the bytes go to a private temporary file that is deleted as
    soon as the frames are decoded.
    """
    with tempfile.TemporaryDirectory(prefix="posescope-tuning-") as folder:
        path = Path(folder) / f"video{suffix}"
        path.write_bytes(data)
        return sample_video_frames(path, count, max_side=max_side)


def video_frame_images(label: str, frames: Iterable[SampledFrame]) -> list[TuningImage]:
    """Sampled frames as lab images, labelled "<label> @ <time> s"."""
    return [make_image(f"{label} @ {f.time_s:.1f} s", f.rgb_frame, "video") for f in frames]
