"""Start the loopback RTSP server (``server.py``) from the venv: its frame file, the
server process, a PyAV client, and a skip when Debian's GStreamer packages are missing.

    frames = frames_file(tmp_dir, 640, 480)
    with RtspServer(frames, 640, 480, user="u", password="p") as server:
        numbers = read_numbers(server.url, 10)
        server.stop()
        server.start()  # same port, numbers go on increasing
"""

from __future__ import annotations

import functools
import math
import os
import selectors
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

import av
import cv2
import numpy as np
import pytest
from av.container import InputContainer

from testkit.browser.y4m import letterbox
from testkit.rtsp import barcode

REPO = Path(__file__).resolve().parents[2]
SERVER = Path(__file__).with_name("server.py")
# The real-people clip (provenance in samples/PROVENANCE.md): 200 frames, 768x576.
CLIP = REPO / "samples" / "walking.mp4"
CLIP_FPS = 10
# The server runs under Debian's python3, which has PyGObject and GStreamer's RTSP
# server once scripts/run_tests.sh installed them; the venv's Python has neither.
DEBIAN_PYTHON = os.environ.get("POSESCOPE_RTSP_PYTHON", "/usr/bin/python3")
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
# PyAV's RTSP client settings: TCP (no UDP ports to open), 10 s to open, 5 s per read.
CLIENT_OPTIONS = {"rtsp_transport": "tcp"}
CLIENT_TIMEOUT = (10.0, 5.0)


@functools.cache
def gst_rtsp_missing() -> str | None:
    """Why the server cannot run here (a sentence), or None when it can."""
    check = "import gi, numpy; gi.require_version('GstRtspServer', '1.0')"
    try:
        result = subprocess.run(
            [DEBIAN_PYTHON, "-c", check], capture_output=True, text=True, timeout=60
        )
    except OSError as error:
        return f"{DEBIAN_PYTHON} cannot run ({error}); the RTSP server needs Debian's python3."
    if result.returncode:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return (
            f"{DEBIAN_PYTHON} has no GStreamer RTSP server ({last}); "
            "scripts/run_tests.sh installs the Debian packages."
        )
    return None


def require_gst_rtsp() -> None:
    """Skip the calling test when the server cannot run here; fail instead under CI (the
    ``CI`` environment variable set), where it must really be tested."""
    reason = gst_rtsp_missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def prepare_frames(width: int, height: int, out_path: Path, *, grey: bool = False) -> int:
    """Write the sample clip's frames, letterboxed to ``width`` x ``height``, as raw RGB
    back to back to ``out_path`` (one frame per source frame: the server holds each for
    several ticks); returns the number of frames. An existing ``out_path`` is kept (the
    file is written under a temporary name and renamed, so it is whole or absent)."""
    frame_bytes = width * height * 3
    if out_path.exists():
        return out_path.stat().st_size // frame_bytes
    count = 0
    partial = out_path.with_name(f".{out_path.name}.{os.getpid()}.partial")
    with av.open(str(CLIP)) as container, partial.open("wb") as out:
        for frame in container.decode(video=0):
            rgb = letterbox(frame.to_ndarray(format="rgb24"), width, height)
            if grey:  # the skeleton's colours then stand out from every pixel of the scene
                rgb = np.repeat(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
            out.write(rgb.tobytes())
            count += 1
    partial.replace(out_path)
    return count


def frames_file(cache_dir: Path, width: int, height: int, *, grey: bool = False) -> Path:
    """The raw frame file for this size in ``cache_dir`` (made once, then reused);
    ``grey``: the clip in shades of grey."""
    path = cache_dir / f"walking-{width}x{height}{'-grey' if grey else ''}.rgb"
    prepare_frames(width, height, path, grey=grey)
    return path


class RtspServer:
    """``server.py`` as a child process serving ``frames`` (a :func:`frames_file`) on
    loopback. ``start`` waits for it to listen; ``stop`` ends it (SIGTERM) and a later
    ``start`` brings it back on the same port, with frame numbers going on from above
    any number the earlier run could have sent. A context manager (start, then stop)."""

    def __init__(
        self,
        frames: Path,
        width: int,
        height: int,
        *,
        fps: int = 30,
        path: str = "people",
        user: str | None = None,
        password: str | None = None,
        log_path: Path | None = None,
        port: int = 0,
    ) -> None:
        if (user is None) != (password is None):
            raise ValueError("user and password go together")
        self.frames, self.width, self.height, self.fps = frames, width, height, fps
        self.path, self.user, self.password = path, user, password
        self.log_path = log_path
        # 0 until the first start picks a free port; then kept for every restart.
        self.port = port
        self.first_number = 0
        self.ready_seconds = math.nan
        # The exit status of the last run that stopped (0: a clean exit on SIGTERM).
        self.returncode: int | None = None
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[bytes] | None = None
        self._started_at = 0.0

    @property
    def url_without_credentials(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/{self.path}"

    @property
    def url(self) -> str:
        if self.user is None:
            return self.url_without_credentials
        return f"rtsp://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.path}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def command(self) -> list[str]:
        hold = max(1, round(self.fps / CLIP_FPS))
        command = [
            DEBIAN_PYTHON, str(SERVER),
            "--port", str(self.port), "--path", self.path,
            "--frames", str(self.frames), "--width", str(self.width),
            "--height", str(self.height), "--fps", str(self.fps), "--hold", str(hold),
            "--first-number", str(self.first_number),
        ]  # fmt: skip
        if self.log_path is not None:
            command += ["--log", str(self.log_path)]
        if self.user is not None and self.password is not None:
            command += ["--user", self.user, "--password", self.password]
        return command

    def start(self) -> None:
        """Start the server and wait (up to 20 s) for its READY line; raises
        RuntimeError with the server's stderr if it does not come."""
        if self.running:
            raise RuntimeError("the RTSP server is already running")
        if self._stderr is not None:
            self._stderr.close()
        # A file, not a pipe: nobody reads the server's stderr while it runs.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by __exit__)
        self._started_at = time.monotonic()
        self._process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        try:
            line = self._ready_line()
        except BaseException:
            self.stop()
            raise
        self.ready_seconds = time.monotonic() - self._started_at
        # READY rtsp://127.0.0.1:PORT/PATH
        self.port = int(line.split()[1].rsplit(":", 1)[1].split("/", 1)[0])

    def _ready_line(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        deadline = self._started_at + READY_TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RuntimeError(
                        f"the RTSP server was not ready in {READY_TIMEOUT:.0f} s: "
                        f"{self.stderr_text()}"
                    )
                if not selector.select(remaining):
                    continue
                line = self._process.stdout.readline()
                if line.startswith("READY "):
                    return line.strip()
                if not line:  # exited
                    self._process.wait()
                    raise RuntimeError(
                        f"the RTSP server exited with {self._process.returncode} before "
                        f"it was ready: {self.stderr_text()}"
                    )

    def stderr_text(self) -> str:
        """What the current (or last) server process wrote to stderr."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip() or "(nothing on stderr)"

    def stop(self) -> None:
        """SIGTERM, then wait for it to exit (SIGKILL after 10 s). Idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.returncode = process.returncode
        if process.stdout is not None:
            process.stdout.close()
        # The next run numbers its frames from above anything this one could have sent.
        elapsed = time.monotonic() - self._started_at
        self.first_number += math.ceil(elapsed * self.fps) + 1

    def __enter__(self) -> RtspServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def open_stream(url: str) -> InputContainer:
    """A PyAV client on ``url`` (over TCP; 10 s to open, 5 s per read)."""
    return av.open(url, options=CLIENT_OPTIONS, timeout=CLIENT_TIMEOUT)


def decoded_frames(url: str, count: int) -> list[np.ndarray]:
    """The first ``count`` frames decoded from ``url``, as RGB arrays."""
    frames: list[np.ndarray] = []
    with open_stream(url) as container:
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == count:
                break
    return frames


def read_numbers(url: str, count: int) -> list[int | None]:
    """The frame numbers of the first ``count`` frames decoded from ``url``."""
    return [barcode.read(rgb) for rgb in decoded_frames(url, count)]


def read_log(path: Path) -> dict[int, int]:
    """The server's ``--log``: frame number -> time.time_ns() when it was pushed."""
    pushed: dict[int, int] = {}
    for line in path.read_text().splitlines():
        number, time_ns = line.split()
        pushed[int(number)] = int(time_ns)
    return pushed
