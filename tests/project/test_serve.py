"""The README's run command serves on this machine only (Streamlit's own default is
every interface)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from testkit.browser.harness import free_port, wait_healthy
from testkit.fixtures import ROOT

_LISTEN = "0A"  # TCP state in /proc/net/tcp*


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of every socket listening on ``port``, as /proc spells them."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == _LISTEN and int(port_hex, 16) == port:
                found.add(address)
    return found


@pytest.mark.slow
def test_the_run_command_listens_on_loopback_only(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("STREAMLIT_SERVER_ADDRESS", None)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", "scripts/run_app.sh", "--server.port", str(port),
             "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        addresses = _listening_addresses(port)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
    assert addresses, log.read_text(errors="replace")[-2000:]
    assert addresses <= loopback, addresses
