"""The loopback RTSP server (testkit/rtsp/server.py) against PyAV as the client: real H.264
frames of the sample clip, numbered by a barcode; Basic authentication; stop and start
on the same port; two clients on one shared encode. And the barcode itself through
H.264 and VP8 at full and about half size."""

from __future__ import annotations

import io
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import av.error
import cv2
import numpy as np
import pytest

from testkit.rtsp import barcode
from testkit.rtsp.fixture import (
    RtspServer,
    decoded_frames,
    frames_file,
    open_stream,
    read_log,
    require_gst_rtsp,
)

WIDTH, HEIGHT = 640, 480


@pytest.fixture(scope="session")
def frames_640(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample clip as raw 640x480 RGB frames (made once per session)."""
    return frames_file(tmp_path_factory.mktemp("rtsp-frames"), WIDTH, HEIGHT)


@pytest.fixture
def rtsp_server(frames_640: Path, tmp_path: Path) -> Iterator[Callable[..., RtspServer]]:
    """Makes and starts servers on the 640x480 frames (keyword arguments as for
    :class:`RtspServer`; a log in tmp_path by default); stops them all afterwards."""
    require_gst_rtsp()
    servers: list[RtspServer] = []

    def start(**kwargs: object) -> RtspServer:
        kwargs.setdefault("log_path", tmp_path / f"pushed-{len(servers)}.log")
        server = RtspServer(frames_640, WIDTH, HEIGHT, **kwargs)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def numbers_of(frames: list[np.ndarray]) -> list[int | None]:
    return [barcode.read(rgb) for rgb in frames]


def assert_increasing(numbers: list[int | None]) -> None:
    assert None not in numbers, numbers
    assert all(b > a for a, b in itertools.pairwise(numbers)), numbers


# ---- the barcode ------------------------------------------------------------------------


def sample_frames(frames_path: Path, count: int) -> np.ndarray:
    """``count`` frames of the clip spread over its length (real picture under and
    around the code)."""
    frames = np.fromfile(frames_path, np.uint8).reshape(-1, HEIGHT, WIDTH, 3)
    return frames[np.linspace(0, len(frames) - 1, count).astype(int)]


# Numbers that exercise every bit, both parities and the extremes.
NUMBERS = [0, 1, 2**24 - 1, 0xA5A5A5, 0x5A5A5A, 123_456, 8_388_608, 4_095]


def test_barcode_reads_back_what_was_painted(frames_640: Path) -> None:
    for rgb, number in zip(sample_frames(frames_640, len(NUMBERS)), NUMBERS, strict=True):
        rgb = rgb.copy()
        assert barcode.read(rgb) is None  # the clip itself carries no code
        barcode.paint(rgb, number)
        assert barcode.read(rgb) == number
        # 16 px cells at 640 wide, 28 cells along the top edge, nothing painted below.
        assert barcode.cell_size(WIDTH) == 16
        assert set(np.unique(rgb[-16:, : 28 * 16])) <= {0, 255}


def test_barcode_rejects_what_it_cannot_hold_or_read() -> None:
    rgb = np.full((480, 640, 3), 128, np.uint8)
    for number in (-1, 2**24):
        with pytest.raises(ValueError, match="does not fit"):
            barcode.paint(rgb, number)
    assert barcode.read(rgb) is None  # flat grey: no guard contrast
    barcode.paint(rgb, 77)
    rgb[-12:-4, 3 * 16 + 4 : 3 * 16 + 12] ^= 255  # flip the first data bit
    assert barcode.read(rgb) is None  # parity


def encode_and_decode(
    frames: list[np.ndarray], codec: str, container: str, size: tuple[int, int]
) -> list[np.ndarray]:
    """``frames`` scaled to ``size`` (INTER_AREA), encoded at a modest bit rate (300
    kbit/s, a WebRTC-like budget), then decoded."""
    width, height = size
    encoded = io.BytesIO()
    with av.open(encoded, "w", format=container) as out:
        stream = out.add_stream(codec, rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = 300_000
        for rgb in frames:
            small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(small, format="rgb24")))
        out.mux(stream.encode(None))
    encoded.seek(0)
    with av.open(encoded) as decoded:
        return [frame.to_ndarray(format="rgb24") for frame in decoded.decode()]


@pytest.mark.parametrize(
    ("codec", "container", "size"),
    [
        ("libx264", "mp4", (640, 480)),
        ("libx264", "mp4", (320, 240)),
        ("libvpx", "webm", (320, 240)),
        ("libvpx", "webm", (352, 264)),  # about half: 8.8 px cells
    ],
)
def test_barcode_survives_encoding_and_downscaling(
    frames_640: Path, codec: str, container: str, size: tuple[int, int]
) -> None:
    """Each frame gets its own number (all 24 bits used), is scaled, encoded and decoded:
    every number comes back."""
    numbers = [1_000 + 7_919 * i for i in range(30)]
    painted = []
    for rgb, number in zip(sample_frames(frames_640, 30), numbers, strict=True):
        rgb = rgb.copy()
        barcode.paint(rgb, number)
        painted.append(rgb)
    assert numbers_of(encode_and_decode(painted, codec, container, size)) == numbers


# ---- the server -------------------------------------------------------------------------


@pytest.mark.slow
def test_serves_numbered_h264_frames_of_the_clip(rtsp_server: Callable[..., RtspServer]) -> None:
    server = rtsp_server()
    assert server.ready_seconds < 20
    with open_stream(server.url) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames, received_ns = [], []
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="rgb24"))
            received_ns.append(time.time_ns())
            if len(frames) == 45:
                break
    assert {rgb.shape for rgb in frames} == {(HEIGHT, WIDTH, 3)}
    numbers = numbers_of(frames)
    assert_increasing(numbers)
    # Live at 30 fps: the numbers step by one (a stalled server skips ticks now and then),
    # and the picture is the clip's (people on a path, not a test pattern), moving.
    steps = [b - a for a, b in itertools.pairwise(numbers)]
    assert steps.count(1) >= 0.8 * len(steps), steps
    assert not np.array_equal(frames[0][100:], frames[-1][100:])
    # Each number was pushed once, logged with its push time, and arrived after it (by
    # under a second once the client is past its start-up buffering).
    pushed = read_log(server.log_path)
    latencies = [
        (done - pushed[number]) / 1e9
        for number, done in zip(numbers, received_ns, strict=True)
        if number is not None
    ]
    assert all(latency > 0 for latency in latencies)
    assert max(latencies[-10:]) < 1.0, latencies


def test_basic_authentication(rtsp_server: Callable[..., RtspServer]) -> None:
    server = rtsp_server(user="viewer", password="s3cret-pass")
    assert server.url == f"rtsp://viewer:s3cret-pass@127.0.0.1:{server.port}/people"
    for url in (
        server.url_without_credentials,
        f"rtsp://viewer:wrong@127.0.0.1:{server.port}/people",
        f"rtsp://somebody:s3cret-pass@127.0.0.1:{server.port}/people",
    ):
        with pytest.raises(av.error.HTTPUnauthorizedError, match="401 Unauthorized"):
            open_stream(url)
    assert_increasing(numbers_of(decoded_frames(server.url, 5)))


@pytest.mark.slow
def test_stop_and_start_on_the_same_port(rtsp_server: Callable[..., RtspServer]) -> None:
    server = rtsp_server()
    port = server.port
    container = open_stream(server.url)
    playing = container.decode(video=0)
    before = [barcode.read(next(playing).to_ndarray(format="rgb24")) for _ in range(3)]
    assert_increasing(before)

    # Stopped mid-stream: the client's stream just ends (PyAV raises nothing: the
    # demuxer's EOF ends the iteration), after at most the frames it had buffered.
    server.stop()
    assert server.returncode == 0, server.stderr_text()
    deadline = time.monotonic() + 5
    for _ in playing:
        assert time.monotonic() < deadline, "the stream did not end"
    container.close()

    # While it is down, connecting is refused (PyAV's ConnectionRefusedError, also the
    # builtin one).
    with pytest.raises(av.error.ConnectionRefusedError) as refused:
        open_stream(server.url)
    assert isinstance(refused.value, ConnectionRefusedError)

    server.start()
    assert server.port == port
    after = numbers_of(decoded_frames(server.url, 5))
    assert_increasing(after)
    assert after[0] > before[-1]


@pytest.mark.slow
def test_two_clients_share_one_encode(rtsp_server: Callable[..., RtspServer]) -> None:
    server = rtsp_server()
    results: dict[str, list[int | None]] = {}
    first_started = threading.Event()

    def watch(name: str, count: int) -> None:
        with open_stream(server.url) as container:
            numbers = []
            for frame in container.decode(video=0):
                numbers.append(barcode.read(frame.to_ndarray(format="rgb24")))
                first_started.set()
                if len(numbers) == count:
                    break
        results[name] = numbers

    # The first client is still playing all the time the second one connects and plays.
    first = threading.Thread(target=watch, args=("first", 90))
    first.start()
    assert first_started.wait(15)
    watch("second", 20)
    first.join(15)
    assert not first.is_alive()
    for numbers in results.values():
        assert_increasing(numbers)
    # Both saw the same frames (the same numbers at the same time) from one media.
    assert set(results["first"]) & set(results["second"])
    assert server.stderr_text().count("media configured") == 1, server.stderr_text()


@pytest.mark.slow
def test_numbers_survive_the_server_h264_then_vp8_at_half_size(
    rtsp_server: Callable[..., RtspServer],
) -> None:
    """The path a relay would take: the server's H.264, decoded, scaled to half size and
    sent on as VP8."""
    frames = decoded_frames(rtsp_server().url, 30)
    numbers = numbers_of(frames)
    assert_increasing(numbers)
    assert numbers_of(encode_and_decode(frames, "libvpx", "webm", (320, 240))) == numbers
