"""LAN mode's launcher (ui/lan.py): addresses, the self-signed certificate, a supplied
one, and the command it hands to Streamlit. No server is started here (see
tests/browser/test_devices.py for that)."""

from __future__ import annotations

import datetime
import ipaddress
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from deploy import lan
from testkit.fixtures import ROOT


def _sans(path: Path) -> tuple[set[str], set[str]]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(san.get_values_for_type(x509.DNSName)), {
        str(ip) for ip in san.get_values_for_type(x509.IPAddress)
    }


def test_lan_addresses_are_this_machines_and_not_loopback() -> None:
    for address in lan.lan_addresses():
        ip = ipaddress.IPv4Address(address)
        assert not ip.is_loopback and not ip.is_link_local


def test_self_signed_certificate_names_every_address_and_is_kept_private(tmp_path) -> None:
    files = lan.self_signed(tmp_path / "tls", ["192.0.2.7", "198.51.100.4"], ["demo", "demo.local"])
    assert files.generated and not files.supplied
    dns, ips = _sans(files.cert)
    assert dns == {"localhost", "demo", "demo.local"}
    assert ips == {"127.0.0.1", "192.0.2.7", "198.51.100.4"}
    assert files.key.stat().st_mode & 0o077 == 0
    assert (tmp_path / "tls").stat().st_mode & 0o077 == 0
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    assert cert.not_valid_after_utc - cert.not_valid_before_utc <= datetime.timedelta(days=398)
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in usage


def test_the_certificate_is_reused_until_the_addresses_change_or_it_nears_its_end(
    tmp_path,
) -> None:
    folder = tmp_path / "tls"
    first = lan.self_signed(folder, ["192.0.2.7"], ["demo"])
    pem = first.cert.read_bytes()
    again = lan.self_signed(folder, ["192.0.2.7"], ["demo"])
    assert not again.generated and again.cert.read_bytes() == pem  # the phone trusts it
    moved = lan.self_signed(folder, ["203.0.113.9"], ["demo"])
    assert moved.generated and _sans(moved.cert)[1] == {"127.0.0.1", "203.0.113.9"}
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=lan.VALID_DAYS - 10)
    assert lan.self_signed(folder, ["203.0.113.9"], ["demo"], now=later).generated
    folder.joinpath("lan-key.pem").write_text("damaged")
    assert lan.self_signed(folder, ["203.0.113.9"], ["demo"]).generated


def test_a_supplied_certificate_is_checked_and_its_names_come_first(tmp_path) -> None:
    made = lan.self_signed(tmp_path / "a", ["192.0.2.7"], ["posescope.example.org"])
    supplied = lan.user_supplied(made.cert, made.key)
    assert supplied.supplied
    urls = lan.served_urls(supplied, ["192.0.2.7", "198.51.100.4"], 8501)
    # Its host name first; only the addresses it names (a phone would refuse the others).
    assert urls == ["https://posescope.example.org:8501", "https://192.0.2.7:8501"]

    other = lan.self_signed(tmp_path / "b", ["192.0.2.7"], [])
    with pytest.raises(lan.LanError, match="is not the key of"):
        lan.user_supplied(made.cert, other.key)
    with pytest.raises(lan.LanError, match="not a PEM certificate"):
        lan.user_supplied(made.key, made.key)
    with pytest.raises(lan.LanError, match="Cannot read"):
        lan.user_supplied(tmp_path / "missing.pem", made.key)
    encrypted = tmp_path / "encrypted.pem"
    from cryptography.hazmat.primitives import serialization

    encrypted.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    with pytest.raises(lan.LanError, match="unencrypted"):
        lan.user_supplied(made.cert, encrypted)


def test_the_command_serves_https_on_every_interface(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(lan.CONFIG_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(lan, "lan_addresses", lambda: ["192.0.2.7"])
    command, env, urls = lan.prepare(["--server.port", "9443", "--server.headless", "true"])
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    assert Path(command[command.index("--server.sslCertFile") + 1]).parent == tmp_path / "tls"
    assert command[-4:] == ["--server.port", "9443", "--server.headless", "true"]
    assert urls == ["https://192.0.2.7:9443"]
    assert env == {lan.URLS_ENV: "https://192.0.2.7:9443", lan.SELF_SIGNED_ENV: "1"}
    assert command[command.index("--browser.serverAddress") + 1] == "192.0.2.7"


def test_bad_options_get_a_sentence_and_exit_status_2(tmp_path) -> None:
    for args in (["--cert", str(tmp_path / "c.pem")], ["--server.port", "eighty"]):
        done = subprocess.run(
            [sys.executable, "-m", "deploy.lan", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={"POSESCOPE_CONFIG_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("PoseScope LAN mode: ")
        assert "Traceback" not in done.stderr
