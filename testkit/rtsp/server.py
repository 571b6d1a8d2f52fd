"""A real RTSP server on loopback for the tests and benchmarks: a looping clip of real
people, each frame numbered with a barcode (``barcode.py``), H.264 over RTP.

    /usr/bin/python3 testkit/rtsp/server.py --frames FILE --width W --height H
        [--port 0] [--path people] [--fps 30] [--hold 1] [--first-number 0]
        [--log FILE] [--user U --password P]

Run by Debian's python3, not the project's venv: it needs GStreamer's RTSP server
through PyGObject (Debian packages gir1.2-gst-rtsp-server-1.0, python3-gi, the
GStreamer plugins and python3-numpy; ``scripts/run_tests.sh`` installs them). It imports
nothing from the project but ``barcode.py`` next to it (numpy only).

``--frames`` is a raw file of W x H RGB frames back to back (``testkit/rtsp/fixture.py``
makes it). A clock thread ticks ``--fps`` times a second; tick n carries frame number
``--first-number`` + n (never reset by the loop; it counts on while no client watches)
and shows file frame (number // ``--hold``) modulo the file's frame count. While a
client plays, each tick's frame, with its number painted in, goes into an ``appsrc``
(live, timestamped on arrival), then x264enc and rtph264pay. The media is shared: all
clients see one encode. ``--log`` gets one line ``number time_ns`` per frame pushed
(``time.time_ns()`` just before the push), for end-to-end latency.

The barcode holds the number modulo 2**24 (6 days at 30 fps); the log the whole number.

With ``--user``/``--password`` clients must give them (Basic authentication; others get
401). Prints ``READY rtsp://127.0.0.1:PORT/PATH`` once it listens (``--port 0``: any free
port, the line tells which), and ``media configured`` on stderr for each media it builds
(one for all concurrent clients); SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

# barcode.py is found because this file's directory is on sys.path (run as a script).
import barcode
import gi
import numpy as np

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

ROLE = "viewer"


class Clock:
    """Ticks ``fps`` times a second in its own thread and pushes each tick's numbered
    frame into every appsrc that is playing."""

    def __init__(self, frames: np.ndarray, args: argparse.Namespace) -> None:
        self.frames, self.fps, self.hold = frames, args.fps, args.hold
        self.first_number = args.first_number
        self.log = open(args.log, "a", buffering=1) if args.log else None  # noqa: SIM115
        self.sources: set[Gst.Element] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="clock", daemon=True)

    def add(self, appsrc: Gst.Element) -> None:
        with self.lock:
            self.sources.add(appsrc)

    def remove(self, appsrc: Gst.Element) -> None:
        with self.lock:
            self.sources.discard(appsrc)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()
        if self.log:
            self.log.close()

    def _run(self) -> None:
        period = 1e9 / self.fps
        start = time.monotonic_ns()
        tick = 0
        while not self.stopping.is_set():
            late = time.monotonic_ns() - (start + tick * period)
            if late < 0:
                self.stopping.wait(-late / 1e9)
                continue
            if late > period:  # fell behind (a stall): skip the missed ticks' numbers
                tick += int(late // period)
            number = self.first_number + tick
            tick += 1
            with self.lock:
                sources = list(self.sources)
            if not sources:
                continue
            frame = np.array(self.frames[number // self.hold % len(self.frames)])
            barcode.paint(frame, number % 2**barcode.BITS)
            data = frame.tobytes()
            pushed_ns = time.time_ns()
            for appsrc in sources:
                appsrc.emit("push-buffer", Gst.Buffer.new_wrapped(data))
            if self.log:
                self.log.write(f"{number} {pushed_ns}\n")


def launch_line(width: int, height: int, fps: int) -> str:
    caps = f"video/x-raw,format=RGB,width={width},height={height},framerate={fps}/1"
    # A live source keeping only the newest two frames (a slow encoder drops the older
    # ones rather than falling behind), timestamped when pushed.
    source = (
        "appsrc name=src is-live=true format=time do-timestamp=true"
        f" max-buffers=2 leaky-type=downstream caps={caps}"
    )
    encode = f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps}"
    return (
        f"( {source} ! videoconvert ! video/x-raw,format=I420 ! {encode}"
        " ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )


def make_factory(clock: Clock, args: argparse.Namespace) -> GstRtspServer.RTSPMediaFactory:
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(args.width, args.height, args.fps))
    factory.set_shared(True)

    def media_configure(_factory: object, media: GstRtspServer.RTSPMedia) -> None:
        # One line per media built: with shared media, one for all concurrent clients.
        print("media configured", file=sys.stderr, flush=True)
        appsrc = media.get_element().get_by_name("src")
        prepared = threading.Event()
        prepared.set()

        # A live appsrc asks for data once its pipeline plays: feed it from then on,
        # until the media is torn down (the last client left).
        def need_data(src: Gst.Element, _length: int) -> None:
            if prepared.is_set():
                clock.add(src)

        def unprepared(_media: GstRtspServer.RTSPMedia) -> None:
            prepared.clear()
            clock.remove(appsrc)

        appsrc.connect("need-data", need_data)
        media.connect("unprepared", unprepared)

    factory.connect("media-configure", media_configure)
    if args.user is not None:
        factory.add_role_from_structure(
            Gst.Structure.new_from_string(
                f"{ROLE}, {GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS}=(boolean)true,"
                f" {GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT}=(boolean)true"
            )
        )
    return factory


def make_auth(user: str, password: str) -> GstRtspServer.RTSPAuth:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, ROLE)
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    return auth


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--path", default="people")
    parser.add_argument("--frames", type=Path, required=True, help="raw RGB frames")
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--height", type=int, required=True)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--hold", type=int, default=1, help="ticks per file frame")
    parser.add_argument("--first-number", type=int, default=0)
    parser.add_argument("--log", type=Path, help="append 'number time_ns' per frame")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args(argv)
    if (args.user is None) != (args.password is None):
        parser.error("--user and --password go together")
    if args.fps < 1 or args.hold < 1 or args.first_number < 0:
        parser.error("--fps and --hold must be positive, --first-number not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    frame_bytes = args.width * args.height * 3
    size = args.frames.stat().st_size
    if size == 0 or size % frame_bytes:
        print(f"{args.frames}: {size} bytes is no whole number of frames", file=sys.stderr)
        return 2
    raw = np.memmap(args.frames, dtype=np.uint8, mode="r")
    frames = raw.reshape(-1, args.height, args.width, 3)

    Gst.init(None)
    clock = Clock(frames, args)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    if args.user is not None:
        server.set_auth(make_auth(args.user, args.password))
    server.get_mount_points().add_factory(f"/{args.path}", make_factory(clock, args))
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, lambda: loop.quit() or False)
    clock.thread.start()
    print(f"READY rtsp://127.0.0.1:{server.get_bound_port()}/{args.path}", flush=True)
    loop.run()
    clock.stop()
    sys.stdout.flush()
    sys.stderr.flush()
    # Straight out: the GStreamer threads of open sessions would otherwise race the
    # interpreter's shutdown; the kernel closes the clients' connections.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
