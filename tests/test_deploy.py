"""The cluster's configuration files (deploy/), checked by the real programs.

The cluster itself (HAProxy, coturn, two replicas, real browsers) is tested in
``tests/browser/test_cluster.py``.
"""

from __future__ import annotations

import subprocess
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


@pytest.mark.parametrize("text", ["r1", "r1=host", "=host:1", "r1=host:port"])
def test_bad_replica_addresses_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="NAME=HOST:PORT"):
        deploy.Replica.parse(text)


def test_replica_names_must_differ() -> None:
    twice = [deploy.Replica("r1", "a", 1), deploy.Replica("r1", "b", 1)]
    with pytest.raises(ValueError, match="must differ"):
        deploy.render_haproxy(":80", twice)


def test_turn_config_refuses_private_peers_unless_on_one_machine(tmp_path: Path) -> None:
    public = deploy.render_turnserver(
        listening_ip="10.0.0.5", port=3478, secret="s" * 32, run_dir=tmp_path,
        external_ip="203.0.113.7",
    )  # fmt: skip
    assert "denied-peer-ip=10.0.0.0-10.255.255.255" in public
    assert "denied-peer-ip=169.254.0.0-169.254.255.255" in public  # cloud metadata
    assert "allow-loopback-peers" not in public
    assert "external-ip=203.0.113.7" in public
    assert "use-auth-secret" in public and f"static-auth-secret={'s' * 32}" in public
    local = deploy.render_turnserver(
        listening_ip="127.0.0.1", port=3478, secret="s" * 32, run_dir=tmp_path,
        loopback_peers=True,
    )  # fmt: skip
    assert "allow-loopback-peers" in local and "denied-peer-ip" not in local


def test_turn_command_needs_a_secret(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.delenv("POSESCOPE_TURN_SECRET", raising=False)
    with pytest.raises(SystemExit):
        deploy.main(["turn", "--listening-ip", "10.0.0.5"])
    assert "POSESCOPE_TURN_SECRET" in capsys.readouterr().err
