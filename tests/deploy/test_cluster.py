"""The cluster's configuration files (deploy/), checked by the real programs.

The cluster itself (HAProxy, coturn, two replicas, real browsers) is tested in
``tests/browser/test_cluster.py``.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from deploy import cluster as deploy


def _haproxy_accepts(config: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "haproxy.cfg"
    path.write_text(config)
    return subprocess.run(
        [deploy.require("haproxy"), "-c", "-f", str(path)], capture_output=True, text=True
    )


def test_rendered_haproxy_config_is_valid_and_sticky(tmp_path: Path) -> None:
    replicas = [deploy.Replica.parse("r1=10.0.0.11:8501"), deploy.Replica.parse("r2=app2:8501")]
    config = deploy.render_haproxy("0.0.0.0:80", replicas, tmp_path / "admin.sock")
    checked = _haproxy_accepts(config, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Each replica in both backends, named by the cookie value HAProxy inserts.
    assert config.count("server r1 10.0.0.11:8501 cookie r1") == 2
    assert config.count("server r2 app2:8501 cookie r2") == 2
    assert "cookie POSESCOPE_REPLICA insert" in config
    assert "option httpchk GET /_stcore/health" in config


def test_a_broken_haproxy_config_is_refused_by_haproxy(tmp_path: Path) -> None:
    # The check above can fail: haproxy -c rejects an unknown keyword.
    config = deploy.render_haproxy("127.0.0.1:8500", [deploy.Replica("r1", "127.0.0.1", 1)])
    checked = _haproxy_accepts(config.replace("balance leastconn", "balance sometimes"), tmp_path)
    assert checked.returncode != 0


@pytest.mark.parametrize("text", ["r1", "r1=host", "=host:1", "r1=host:port", "r 1=host:1"])
def test_bad_replica_addresses_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="NAME=HOST:PORT"):
        deploy.Replica.parse(text)


def test_replica_names_must_differ() -> None:
    twice = [deploy.Replica("r1", "a", 1), deploy.Replica("r1", "b", 1)]
    with pytest.raises(ValueError, match="must differ"):
        deploy.render_haproxy(":80", twice)


def test_turn_relays_to_the_replicas_only(tmp_path: Path) -> None:
    config = deploy.render_turnserver(
        listening_ip="10.0.0.5", port=3478, secret="s" * 32, run_dir=tmp_path,
        external_ip="203.0.113.7", peers=["10.0.0.11", "10.0.0.12"],
    )  # fmt: skip
    lines = config.splitlines()
    # Everything refused, then the replicas and coturn's own relay address allowed.
    assert "denied-peer-ip=0.0.0.0-255.255.255.255" in lines
    allowed = sorted(line for line in lines if line.startswith("allowed-peer-ip="))
    assert allowed == [f"allowed-peer-ip=10.0.0.{n}" for n in (11, 12, 5)]
    assert "allow-loopback-peers" not in lines
    assert "external-ip=203.0.113.7" in lines
    assert "use-auth-secret" in lines and f"static-auth-secret={'s' * 32}" in lines
    local = deploy.render_turnserver(
        listening_ip="127.0.0.1", port=3478, secret="s" * 32, run_dir=tmp_path,
        peers=["127.0.0.1"],
    ).splitlines()  # fmt: skip
    assert "allow-loopback-peers" in local and "allowed-peer-ip=127.0.0.1" in local
    with pytest.raises(ValueError):
        deploy.render_turnserver(
            listening_ip="10.0.0.5", port=3478, secret="s" * 32, run_dir=tmp_path,
            peers=["app2.internal"],
        )  # fmt: skip


def test_turnserver_accepts_the_rendered_config(tmp_path: Path) -> None:
    # coturn has no check mode: start it on free ports and see it listen, then stop it.
    port = deploy.free_port(kind=socket.SOCK_DGRAM)
    config = tmp_path / "turnserver.conf"
    config.write_text(
        deploy.render_turnserver(
            listening_ip="127.0.0.1", port=port, secret="s" * 32, run_dir=tmp_path,
            peers=["127.0.0.1"], relay_ports=(port + 1, port + 20), verbose=True,
        )
    )  # fmt: skip
    proc = subprocess.Popen([deploy.require("turnserver"), "-c", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        log = tmp_path / "turnserver.log"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "listener opened on" not in (
            log.read_text(errors="replace") if log.exists() else ""
        ):
            assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
            time.sleep(0.1)
        text = log.read_text(errors="replace")
        assert f"listener opened on : 127.0.0.1:{port}" in text, text[-2000:]
        assert "ERROR" not in text and "Bad configuration" not in text, text[-2000:]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cluster_refuses_a_lan_bind_without_a_turn_host(capsys) -> None:
    with pytest.raises(SystemExit):
        deploy.main(["run", "--bind", "0.0.0.0"])
    assert "--turn-host" in capsys.readouterr().err


def test_turn_command_needs_a_secret_and_the_replicas(capsys, monkeypatch) -> None:
    monkeypatch.delenv("POSESCOPE_TURN_SECRET", raising=False)
    with pytest.raises(SystemExit):
        deploy.main(["turn", "--listening-ip", "10.0.0.5", "--allow-peer", "10.0.0.11"])
    assert "POSESCOPE_TURN_SECRET" in capsys.readouterr().err
    monkeypatch.setenv("POSESCOPE_TURN_SECRET", "x" * 32)
    with pytest.raises(SystemExit):
        deploy.main(["turn", "--listening-ip", "10.0.0.5"])
    assert "--allow-peer" in capsys.readouterr().err


def test_replicas_refuse_network_streams_from_this_machine(tmp_path: Path, monkeypatch) -> None:
    from pose_core.streams import AddressError, StreamPolicy

    monkeypatch.delenv("POSESCOPE_STREAM_DENY", raising=False)
    cluster = deploy.Cluster(deploy.ClusterOptions(replicas=1), tmp_path)
    env = cluster._apps["r1"].env
    policy = StreamPolicy.from_env(env)
    with pytest.raises(AddressError, match="does not allow that network"):
        policy.check("rtsp://127.0.0.1:8554/live")
    assert policy.check("rtsp://192.168.1.20/live").host == "192.168.1.20"  # a LAN camera
    monkeypatch.setenv("POSESCOPE_STREAM_DENY", "private")  # the operator's choice wins
    env = deploy.Cluster(deploy.ClusterOptions(replicas=1), tmp_path)._apps["r1"].env
    assert env["POSESCOPE_STREAM_DENY"] == "private"
