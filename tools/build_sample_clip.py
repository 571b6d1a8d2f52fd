"""Rebuild ``samples/walking.mp4``, the Video page's sample clip, from the test fixture
``tests/fixtures/vtest.avi`` (OpenCV's sample video from Debian's ``opencv-doc``; source
and licence in ``samples/PROVENANCE.md``).

The fixture is 80 s of DivX 3 at 8 MB; the sample keeps the 20 s (frames 500-699) in
which people walk close enough to the camera for MediaPipe's own detector to find them
in almost every frame (only a few frames elsewhere), re-encoded as H.264 so every
browser plays it. One encoder thread and fixed options make the output byte-identical
on a rebuild with the same PyAV/FFmpeg build (checked against the sha256 it prints).

    .venv/bin/python tools/build_sample_clip.py
"""

from __future__ import annotations

import hashlib
import sys
from fractions import Fraction
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "fixtures" / "vtest.avi"
SOURCE_SHA256 = "45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf"
TARGET = ROOT / "samples" / "walking.mp4"
FIRST, LAST = 500, 699  # frame numbers, counted from 0, both kept
FPS = 10


def main() -> int:
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    if digest != SOURCE_SHA256:
        print(f"{SOURCE} has sha256 {digest}, expected {SOURCE_SHA256}", file=sys.stderr)
        return 1
    with av.open(str(SOURCE)) as src, av.open(str(TARGET), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height = 768, 576
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, FPS)
        stream.codec_context.options = {"crf": "26", "preset": "medium", "threads": "1"}
        stream.options = {"movflags": "+faststart"}
        kept = 0
        for number, frame in enumerate(src.decode(video=0)):
            if number < FIRST:
                continue
            if number > LAST:
                break
            picture = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
            picture.pts = kept
            picture.time_base = Fraction(1, FPS)
            out.mux(stream.encode(picture.reformat(format="yuv420p")))
            kept += 1
        out.mux(stream.encode())
    data = TARGET.read_bytes()
    print(f"{TARGET.relative_to(ROOT)}: {kept} frames, {len(data)} bytes, "
          f"sha256 {hashlib.sha256(data).hexdigest()}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
