"""PoseScope on several replicas: HAProxy in front (sticky sessions), coturn for WebRTC.

    .venv/bin/python -m deploy.cluster run --replicas 2          (scripts/run_cluster.sh)
    .venv/bin/python -m deploy.cluster haproxy --replica r1=10.0.0.11:8501 ...
    .venv/bin/python -m deploy.cluster turn --listening-ip 10.0.0.5 ...

``run`` starts everything on this machine: N ``streamlit run`` replicas on loopback,
HAProxy on one port in front of them, coturn beside them, with a fresh TURN secret, and
stops them all on Ctrl-C. ``haproxy`` and ``turn`` print the same configuration files
for a deployment across hosts (docs/deployment.md, "Several replicas", says which process runs
where). The configuration templates are ``deploy/haproxy.cfg.in`` and
``deploy/turnserver.conf.in``; :mod:`deploy.cluster_config` fills them in, and this
module supervises the processes (tests and ``bench/bench_cluster.py`` start a
:class:`Cluster` the same way).

Standard library only: it runs before and beside the app, not inside it.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from deploy.cluster_config import (
    REALM,
    RELAY_PORTS,
    Replica,
    render_haproxy,
    render_turnserver,
)

# The configuration's names stay importable from here, where tests and benchmarks look.
__all__ = [
    "REALM",
    "RELAY_PORTS",
    "Cluster",
    "ClusterOptions",
    "Replica",
    "free_port",
    "main",
    "render_haproxy",
    "render_turnserver",
    "require",
    "running",
]

ROOT = Path(__file__).resolve().parent.parent


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


def require(program: str) -> str:
    """The path of ``program``, or a clear error naming the Debian package."""
    path = shutil.which(program) or next(
        (str(p) for p in (Path("/usr/sbin") / program, Path("/usr/bin") / program) if p.exists()),
        None,
    )
    if path is None:
        package = {"haproxy": "haproxy", "turnserver": "coturn"}.get(program, program)
        raise FileNotFoundError(
            f"{program} is not installed: scripts/run_cluster.sh installs it "
            f"(Debian package {package})."
        )
    return path


@dataclasses.dataclass
class _Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def stop(self, timeout: float = 15) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        """As if the machine lost power: SIGKILL, no goodbye to anyone."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclasses.dataclass(frozen=True)
class ClusterOptions:
    """What ``run`` starts.

    Attributes:
        replicas: App servers.
        bind: HAProxy's listening address (loopback unless opened on purpose).
        port: HAProxy's port, the one users open.
        turn: Start coturn and point the replicas' WebRTC at it.
        turn_host: The address browsers reach coturn on (and it listens on).
        turn_port: coturn's port (UDP and TCP).
        relay_only: Browsers send media through TURN only (``iceTransportPolicy``
            "relay"), as behind a strict NAT: for testing TURN.
        replica_env: More environment for every replica (``POSESCOPE_*`` limits).
    """

    replicas: int = 2
    bind: str = "127.0.0.1"
    port: int = 8500
    turn: bool = True
    turn_host: str = "127.0.0.1"
    turn_port: int = 3478
    relay_only: bool = False
    replica_env: Mapping[str, str] = dataclasses.field(default_factory=dict)


class Cluster:
    """N replicas, HAProxy and coturn on this machine, in a private run folder.

    Not thread-safe: one owner starts and stops it.
    """

    def __init__(self, options: ClusterOptions, run_dir: Path) -> None:
        self.options = options
        self.run_dir = run_dir
        self.url = f"http://{_url_host(options.bind)}:{options.port}"
        self.stats_socket = run_dir / "haproxy.sock"
        # A fresh secret per cluster, shared by coturn and the replicas only.
        self._turn_secret = secrets.token_urlsafe(32)
        ports = [free_port() for _ in range(options.replicas)]
        self.replicas = [Replica(f"r{n + 1}", "127.0.0.1", p) for n, p in enumerate(ports)]
        self._apps = {r.name: self._app_process(r) for r in self.replicas}
        self._haproxy: _Process | None = None
        self._turn: _Process | None = None

    def _app_process(self, replica: Replica) -> _Process:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.options.replica_env}
        env["POSESCOPE_REPLICA"] = replica.name
        env.pop("POSESCOPE_ICE_SERVERS", None)
        # Many users share a cluster: nobody's "network stream" may point a replica at
        # this machine's own services (the other replicas, HAProxy, coturn). Added to the
        # app's default deny list; an operator's own setting wins.
        env.setdefault("POSESCOPE_STREAM_DENY", "loopback")
        if self.options.turn:
            turn = f"{self.options.turn_host}:{self.options.turn_port}"
            env["POSESCOPE_TURN_URLS"] = f"turn:{turn}?transport=udp,turn:{turn}?transport=tcp"
            env["POSESCOPE_TURN_SECRET"] = self._turn_secret
        if self.options.relay_only:
            env["POSESCOPE_ICE_TRANSPORT_POLICY"] = "relay"
        argv = [
            sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
            "--server.headless", "true",
            "--server.address", replica.host,
            "--server.port", str(replica.port),
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        return _Process(replica.name, argv, env, self.run_dir / f"{replica.name}.log")

    def replica_url(self, name: str) -> str:
        replica = next(r for r in self.replicas if r.name == name)
        return f"http://{replica.host}:{replica.port}"

    def log_text(self, name: str) -> str:
        """The log of a replica (``r1``...), ``haproxy`` or ``turnserver``."""
        path = self.run_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self, timeout: float = 90) -> None:
        for app in self._apps.values():
            app.start()
        if self.options.turn:
            config = self.run_dir / "turnserver.conf"
            config.write_text(
                render_turnserver(
                    listening_ip=self.options.turn_host,
                    port=self.options.turn_port,
                    secret=self._turn_secret,
                    run_dir=self.run_dir,
                    peers=sorted({r.host for r in self.replicas}),
                    verbose=True,
                )
            )
            config.chmod(0o600)
            self._turn = _Process(
                "turnserver",
                [require("turnserver"), "-c", str(config)],
                dict(os.environ),
                self.run_dir / "turnserver.out",
            )
            self._turn.start()
        config = self.run_dir / "haproxy.cfg"
        config.write_text(
            render_haproxy(
                f"{self.options.bind}:{self.options.port}", self.replicas, self.stats_socket
            )
        )
        # -db: stay in the foreground, so the process is ours to stop.
        self._haproxy = _Process(
            "haproxy", [require("haproxy"), "-db", "-f", str(config)], dict(os.environ),
            self.run_dir / "haproxy.log",
        )  # fmt: skip
        self._haproxy.start()
        for name in self._apps:
            self._wait_replica(name, timeout)
        _wait(self._haproxy_ready, 30, "HAProxy to check every replica")
        if self._turn is not None:
            _wait(self._turn_ready, 15, "coturn to listen")

    def _haproxy_ready(self) -> bool:
        if self._haproxy is None or not self._haproxy.running:
            raise RuntimeError(f"HAProxy exited:\n{self.log_text('haproxy')[-2000:]}")
        states = self.server_states()
        # Every replica known and up (the session backend checks the same servers).
        return set(states) == {r.name for r in self.replicas} and all(
            s == "UP" for s in states.values()
        )

    def _turn_ready(self) -> bool:
        if self._turn is None or not self._turn.running:
            log = self.log_text("turnserver") + self.log_text("turnserver.out")
            raise RuntimeError(f"coturn exited:\n{log[-2000:]}")
        return "listener opened on" in self.log_text("turnserver")

    def stopped(self) -> list[str]:
        """The names of the processes that have exited (replicas, haproxy, turnserver)."""
        processes = [*self._apps.values(), self._haproxy, self._turn]
        return [p.name for p in processes if p is not None and p.proc is not None and not p.running]

    def _wait_replica(self, name: str, timeout: float) -> None:
        app = self._apps[name]

        def ready() -> bool:
            if not app.running:
                raise RuntimeError(f"replica {name} exited:\n{self.log_text(name)[-2000:]}")
            return _healthy(self.replica_url(name))

        _wait(ready, timeout, f"replica {name}")

    def stop(self) -> None:
        for process in (self._haproxy, self._turn, *self._apps.values()):
            if process is not None:
                process.stop()

    def kill_replica(self, name: str) -> None:
        self._apps[name].kill()

    def restart_replica(self, name: str, timeout: float = 90) -> None:
        self._apps[name].start()
        self._wait_replica(name, timeout)

    def replica_pids(self) -> dict[str, int]:
        """Process ids of the running replicas (for CPU and memory figures)."""
        return {
            name: app.proc.pid
            for name, app in self._apps.items()
            if app.proc is not None and app.running
        }

    def server_states(self) -> dict[str, str]:
        """HAProxy's view of each replica: "UP", "DOWN", ... (from its stats socket)."""
        lines = _admin(self.stats_socket, "show stat").splitlines()
        if not lines:
            return {}
        header = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "replicas" and row.get("svname") not in ("FRONTEND", "BACKEND"):
                states[row["svname"]] = row["status"].split(" ")[0]
        return states


def _loopback(address: str) -> bool:
    """Whether only this machine can reach ``address`` (0.0.0.0 is every interface)."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _url_host(bind: str) -> str:
    return "127.0.0.1" if bind in ("0.0.0.0", "") else bind


def _port_taken(host: str, port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


def _admin(path: Path, command: str) -> str:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(path))
            sock.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()
    except OSError:
        return ""


@contextlib.contextmanager
def running(options: ClusterOptions, run_dir: Path | None = None) -> Iterator[Cluster]:
    """A started :class:`Cluster`, stopped on exit (its run folder removed if made here)."""
    with contextlib.ExitStack() as stack:
        if run_dir is None:
            run_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="posescope-")))
        run_dir.chmod(0o700)  # the TURN secret is in there
        cluster = Cluster(options, run_dir)
        stack.callback(cluster.stop)
        cluster.start()
        yield cluster


def _run(args: argparse.Namespace) -> int:
    options = ClusterOptions(
        replicas=args.replicas, bind=args.bind, port=args.port, turn=not args.no_turn,
        turn_host=args.turn_host, turn_port=args.turn_port, relay_only=args.relay_only,
    )  # fmt: skip
    if _port_taken(args.bind, args.port, socket.SOCK_STREAM):
        print(f"Port {args.port} is in use: choose another with --port.", file=sys.stderr)
        return 2
    if options.turn and _port_taken(options.turn_host, options.turn_port, socket.SOCK_DGRAM):
        print(
            f"UDP port {options.turn_port} is in use (another TURN server?): choose another "
            "with --turn-port, or --no-turn.",
            file=sys.stderr,
        )
        return 2
    # Ctrl-C while starting interrupts the start (and stops what was started); once up,
    # it ends the loop below.
    with running(options) as cluster:
        stop = False

        def on_signal(*_: object) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        names = ", ".join(f"{r.name} ({r.host}:{r.port})" for r in cluster.replicas)
        turn = f"TURN on {options.turn_host}:{options.turn_port}" if options.turn else "no TURN"
        print(f"PoseScope: {cluster.url}  (replicas {names}; {turn})")
        if not _loopback(options.bind):
            print(
                "Other machines reach it over plain HTTP, where browsers refuse the camera: "
                "put TLS in front (docs/deployment.md, 'Several replicas')."
            )
        print("Ctrl-C stops everything.", flush=True)
        shown: dict[str, str] = {}
        while not stop:
            time.sleep(0.5)
            states = cluster.server_states()
            for name, state in states.items():
                if shown.get(name, "UP") != state:
                    print(f"{name}: {state} (log: {cluster.run_dir / name}.log)", flush=True)
            shown = states
            exited = [n for n in cluster.stopped() if not n.startswith("r")]
            if exited:
                print(f"{', '.join(exited)} exited: stopping.", file=sys.stderr)
                return 1
    print("Stopped.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start replicas, HAProxy and coturn on this machine")
    run.add_argument("--replicas", type=int, default=2)
    run.add_argument("--bind", default="127.0.0.1", help="HAProxy's address (0.0.0.0: all)")
    run.add_argument("--port", type=int, default=8500)
    run.add_argument(
        "--turn-host", default="127.0.0.1",
        help="address browsers reach coturn on (needed with --bind 0.0.0.0)",
    )  # fmt: skip
    run.add_argument("--turn-port", type=int, default=3478)
    run.add_argument("--no-turn", action="store_true", help="no coturn")
    run.add_argument("--relay-only", action="store_true", help="browsers use TURN only")
    haproxy = sub.add_parser("haproxy", help="print haproxy.cfg for replicas on other hosts")
    haproxy.add_argument("--bind", default="0.0.0.0:80")
    haproxy.add_argument("--replica", action="append", required=True, metavar="NAME=HOST:PORT")
    haproxy.add_argument("--stats-socket", type=Path)
    turn = sub.add_parser(
        "turn", help="print turnserver.conf (the secret from $POSESCOPE_TURN_SECRET)"
    )
    turn.add_argument("--listening-ip", required=True)
    turn.add_argument("--external-ip", help="public address, when behind 1:1 NAT")
    turn.add_argument("--port", type=int, default=3478)
    turn.add_argument(
        "--allow-peer", action="append", default=[], metavar="IP",
        help="a replica's address (repeat): the only peers coturn relays to",
    )  # fmt: skip
    turn.add_argument("--run-dir", type=Path, default=Path("/var/run/posescope"))
    args = parser.parse_args(argv)
    if args.command == "run":
        if args.replicas < 1:
            parser.error("--replicas must be at least 1")
        if not args.no_turn and not _loopback(args.bind) and _loopback(args.turn_host):
            parser.error(
                "with --bind other than loopback, give --turn-host: an address of this "
                "machine that the browsers reach (127.0.0.1 would be their own)"
            )
        return _run(args)
    if args.command == "haproxy":
        try:
            replicas = [Replica.parse(text) for text in args.replica]
        except ValueError as exc:
            parser.error(str(exc))
        print(render_haproxy(args.bind, replicas, args.stats_socket), end="")
        return 0
    secret = os.environ.get("POSESCOPE_TURN_SECRET", "")
    if len(secret) < 16:
        parser.error("set POSESCOPE_TURN_SECRET to a random secret of 16 characters or more")
    if not args.allow_peer:
        parser.error("give each replica's address with --allow-peer")
    try:
        config = render_turnserver(
            listening_ip=args.listening_ip, port=args.port, secret=secret,
            run_dir=args.run_dir, external_ip=args.external_ip, peers=args.allow_peer,
        )  # fmt: skip
    except ValueError as exc:
        parser.error(f"--allow-peer and --listening-ip take IP addresses: {exc}")
    print(config, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
