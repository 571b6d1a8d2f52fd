"""Real HTTP stream servers on loopback for the network-source tests: MJPEG
(``multipart/x-mixed-replace``, as IP cameras serve it) and HLS (a playlist and MPEG-TS
segments written by FFmpeg's own muxer), with optional Basic authentication, stoppable
and restartable on the same port.

Frames are real people: the bundled sample clip (``samples/walking.mp4``).
"""

from __future__ import annotations

import base64
import contextlib
import fractions
import functools
import http.server
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np

from testkit.wait import wait_until

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CLIP = ROOT / "samples" / "walking.mp4"


@functools.cache
def clip_jpegs(count: int = 40, width: int = 640) -> tuple[bytes, ...]:
    """The sample clip's first ``count`` frames, ``width`` wide, as JPEG files."""
    jpegs = []
    with av.open(str(SAMPLE_CLIP)) as container:
        for frame in container.decode(video=0):
            full = frame.to_ndarray(format="bgr24")
            height = round(full.shape[0] * width / full.shape[1])
            bgr = cv2.resize(full, (width, height), interpolation=cv2.INTER_AREA)
            jpegs.append(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes())
            if len(jpegs) == count:
                break
    return tuple(jpegs)


def clip_rgb(index: int) -> np.ndarray:
    """Frame ``index`` of :func:`clip_jpegs`, decoded to RGB."""
    bgr = cv2.imdecode(np.frombuffer(clip_jpegs()[index], np.uint8), cv2.IMREAD_COLOR)
    assert bgr is not None
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def write_hls(folder: Path, seconds: float = 4.0) -> Path:
    """An HLS playlist of the sample clip's first ``seconds`` (H.264 in MPEG-TS
    segments of one second), written by FFmpeg's hls muxer; returns the playlist."""
    folder.mkdir(parents=True, exist_ok=True)
    playlist = folder / "index.m3u8"
    with av.open(str(SAMPLE_CLIP)) as source:
        stream_in = source.streams.video[0]
        out = av.open(
            str(playlist), "w", format="hls",
            options={"hls_time": "1", "hls_list_size": "0", "hls_playlist_type": "vod"},
        )  # fmt: skip
        with out:
            stream_out = out.add_stream("libx264", rate=10)
            stream_out.width, stream_out.height = 384, 288
            stream_out.pix_fmt = "yuv420p"
            stream_out.options = {"g": "10", "preset": "ultrafast"}
            for n, frame in enumerate(source.decode(stream_in)):
                if n >= seconds * 10:
                    break
                small = frame.reformat(width=384, height=288, format="yuv420p")
                small.pts, small.time_base = n, fractions.Fraction(1, 10)
                out.mux(stream_out.encode(small))
            out.mux(stream_out.encode(None))
    return playlist


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        if owner.credentials is not None:
            expected = "Basic " + base64.b64encode(owner.credentials.encode()).decode()
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="camera"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        path = self.path.split("?")[0]
        if path == "/video.mjpg":
            self._mjpeg()
        elif path == "/sound.ts":
            data = _tone_ts()
            self.send_response(200)
            self.send_header("Content-Type", "video/mp2t")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif path == "/page.html":
            body = b"<html><body>A camera's web page, not its stream</body></html>" * 20
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif owner.hls is not None and (owner.hls / path.lstrip("/")).is_file():
            data = (owner.hls / path.lstrip("/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def _mjpeg(self) -> None:
        owner = self.server.owner
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        jpegs = clip_jpegs()
        started = time.monotonic()
        n = 0
        with owner.streams_lock:
            owner.streams.add(self.connection)
        with contextlib.suppress(OSError), _leaving(owner, self.connection):
            while not owner.stopping.is_set():
                jpeg = jpegs[n % len(jpegs)]
                self.wfile.write(
                    b"--frame\r\nContent-Type: image/jpeg\r\n"
                    + f"Content-Length: {len(jpeg)}\r\n\r\n".encode()
                    + jpeg
                    + b"\r\n"
                )
                n += 1
                owner.frames_sent += 1
                time.sleep(max(0.0, started + n / owner.fps - time.monotonic()))


@contextlib.contextmanager
def _leaving(owner: HttpStreamServer, connection: socket.socket) -> Iterator[None]:
    """Count a stream as ended once its loop is left, however it is left."""
    try:
        yield
    finally:
        with owner.streams_lock:
            owner.streams.discard(connection)


@functools.cache
def _tone_ts(seconds: float = 2.0, rate: int = 48_000) -> bytes:
    """A 440 Hz tone in MPEG-TS (MP2 audio): a stream with sound and no picture."""
    out = io.BytesIO()
    with av.open(out, "w", format="mpegts") as container:
        stream = container.add_stream("mp2", rate=rate, layout="mono")
        frame_size = 1152
        t = np.arange(int(seconds * rate)) / rate
        samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
        for start in range(0, len(samples) - frame_size, frame_size):
            frame = av.AudioFrame.from_ndarray(
                samples[None, start : start + frame_size], format="s16", layout="mono"
            )
            frame.sample_rate, frame.pts = rate, start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: HttpStreamServer


class HttpStreamServer:
    """An MJPEG (``/video.mjpg``), HLS (``/index.m3u8`` when ``hls`` is given), sound
    only (``/sound.ts``) and plain web page (``/page.html``) server on 127.0.0.1,
    stoppable and restartable on the same port.

    Args:
        credentials: ``"user:password"`` for Basic authentication, or None.
        fps: MJPEG frames per second.
        hls: A folder holding an HLS playlist and its segments.
    """

    def __init__(
        self, credentials: str | None = None, fps: float = 15.0, hls: Path | None = None
    ) -> None:
        self.credentials = credentials
        self.fps = fps
        self.hls = hls
        self.port = _free_port()
        self.frames_sent = 0
        self.stopping = threading.Event()
        # The connections of the MJPEG streams under way.
        self.streams: set[socket.socket] = set()
        self.streams_lock = threading.Lock()
        self._server: _Server | None = None

    def url(self, path: str = "/video.mjpg", *, credentials: str | None = None) -> str:
        auth = f"{credentials}@" if credentials else ""
        return f"http://{auth}127.0.0.1:{self.port}{path}"

    def start(self) -> HttpStreamServer:
        self.stopping.clear()
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.owner = self
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the listening socket and every stream under way; return once each stream
        has ended (no frame is sent after this)."""
        self.stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        # A stream sees the flag before its next frame; one blocked in a write to a client
        # that reads no more is woken by shutting its connection down.
        with self.streams_lock:
            connections = list(self.streams)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        wait_until(lambda: not self.streams, 10, message="the MJPEG streams to end")

    def __enter__(self) -> HttpStreamServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def mjpeg_server(**kwargs: object) -> Iterator[HttpStreamServer]:
    with HttpStreamServer(**kwargs) as server:  # type: ignore[arg-type]
        yield server
