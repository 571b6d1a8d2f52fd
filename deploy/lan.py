"""LAN mode: serve the app to phones and tablets on the local network over HTTPS.

Browsers allow the camera (``getUserMedia``) only in a secure context, HTTPS or
localhost, so a phone on the LAN needs HTTPS. ``bash scripts/run_app.sh --lan`` runs
:func:`main`, which finds this machine's LAN addresses, makes (or reuses) a self-signed
certificate naming them, or checks a certificate the user supplies, and then replaces
itself with ``streamlit run`` serving on every interface with Streamlit's own
``server.sslCertFile`` / ``server.sslKeyFile``. The addresses to open go to the app in
:data:`URLS_ENV`, for the Home page's QR code.

No Streamlit here: the launcher runs before Streamlit starts.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import fcntl
import ipaddress
import os
import socket
import struct
import sys
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ui.server.lan_env import SELF_SIGNED_ENV, URLS_ENV

ROOT = Path(__file__).resolve().parent.parent
# Where the generated key and certificate live (outside the repository).
CONFIG_DIR_ENV = "POSESCOPE_CONFIG_DIR"
DEFAULT_PORT = 8501
# Apple's platforms refuse server certificates valid for longer than 398 days.
VALID_DAYS = 397
# A certificate this close to its end is made afresh on the next start.
RENEW_DAYS = 30
_SIOCGIFADDR = 0x8915  # Linux ioctl: an interface's IPv4 address


_SERVER_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, key_encipherment=False, content_commitment=False,
    data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
    encipher_only=False, decipher_only=False,
)  # fmt: skip


class LanError(Exception):
    """Something the user must fix before LAN mode can start (the message says what)."""


def config_dir() -> Path:
    """The per-user folder for PoseScope's TLS files (XDG's config folder)."""
    explicit = os.environ.get(CONFIG_DIR_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "posescope"


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses a phone could reach: every interface's, but not
    loopback or link-local (169.254.x.x, where nothing was configured).

    Read from the interfaces themselves (no packet is sent, no name is looked up).
    """
    found: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _index, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            try:
                reply = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, request)
            except OSError:  # down, or no IPv4 address
                continue
            address = ipaddress.IPv4Address(reply[20:24])
            if address.is_loopback or address.is_link_local or address.is_unspecified:
                continue
            if str(address) not in found:
                found.append(str(address))
    return found


def host_names() -> list[str]:
    """This machine's name, bare and as mDNS spells it (``name.local``), which phones
    resolve on many networks."""
    name = socket.gethostname().split(".")[0]
    if not name or name == "localhost":
        return []
    return [name, f"{name}.local"]


@dataclasses.dataclass(frozen=True)
class TlsFiles:
    """A certificate and key for Streamlit, and the names the certificate covers."""

    cert: Path
    key: Path
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    generated: bool
    supplied: bool = False


def _names_of(cert: x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return (), ()
    dns = tuple(san.get_values_for_type(x509.DNSName))
    ips = tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    return dns, ips


def _wanted_names(ips: Sequence[str], names: Sequence[str]) -> tuple[set[str], set[str]]:
    return {"localhost", *names}, {"127.0.0.1", *ips}


def self_signed(
    folder: Path,
    ips: Sequence[str],
    names: Sequence[str],
    now: datetime.datetime | None = None,
) -> TlsFiles:
    """The self-signed certificate and key in ``folder`` for these addresses and names,
    made afresh when missing, unreadable, near its end or naming other addresses (the
    laptop joined another network), else reused, so a phone that accepted it once is
    not asked again."""
    now = now or datetime.datetime.now(datetime.UTC)
    cert_path, key_path = folder / "lan-cert.pem", folder / "lan-key.pem"
    wanted_dns, wanted_ips = _wanted_names(ips, names)
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        dns, cert_ips = _names_of(cert)
        fresh = cert.not_valid_after_utc - now > datetime.timedelta(days=RENEW_DAYS)
        if fresh and set(dns) == wanted_dns and set(cert_ips) == wanted_ips:
            return TlsFiles(cert_path, key_path, dns, cert_ips, generated=False)
    except (OSError, ValueError):
        pass  # missing or damaged: make new ones
    dns_list = sorted(wanted_dns)
    ip_list = sorted(wanted_ips, key=ipaddress.IPv4Address)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PoseScope (self-signed, LAN)"),
            x509.NameAttribute(NameOID.COMMON_NAME, (list(ips) or dns_list)[0]),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(n) for n in dns_list]
                + [x509.IPAddress(ipaddress.IPv4Address(ip)) for ip in ip_list]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # Apple's platforms ask for both before they offer to proceed.
        .add_extension(_SERVER_KEY_USAGE, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    # The key is written readable by its owner only, from the first byte.
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an older key file keeps its mode through O_CREAT
    with os.fdopen(descriptor, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return TlsFiles(cert_path, key_path, tuple(dns_list), tuple(ip_list), generated=True)


def user_supplied(cert_path: Path, key_path: Path) -> TlsFiles:
    """A certificate and key the user brings, checked so Streamlit does not fail later
    with a less clear error."""
    try:
        cert_pem = cert_path.read_bytes()
        key_pem = key_path.read_bytes()
    except OSError as exc:
        raise LanError(f"Cannot read {exc.filename}: {exc.strerror}.") from None
    try:
        cert = x509.load_pem_x509_certificates(cert_pem)[0]
    except ValueError:
        raise LanError(f"{cert_path} is not a PEM certificate.") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise LanError(
            f"{key_path} is not an unencrypted PEM private key (Streamlit cannot ask for "
            "a passphrase)."
        ) from None
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.PEM, public) != cert.public_key(
    ).public_bytes(serialization.Encoding.PEM, public):  # fmt: skip
        raise LanError(f"{key_path} is not the key of {cert_path}.")
    dns, ips = _names_of(cert)
    return TlsFiles(cert_path, key_path, dns, ips, generated=False, supplied=True)


def served_urls(files: TlsFiles, ips: Sequence[str], port: int) -> list[str]:
    """The addresses to open from another device, best first.

    A supplied certificate's own host names come first (a phone trusts the certificate
    only under a name it holds); then the LAN addresses the certificate covers.
    """
    suffix = "" if port == 443 else f":{port}"
    names = [n for n in files.dns_names if n != "localhost" and "*" not in n]
    hosts = list(ips)
    if files.supplied:
        hosts = names + [ip for ip in ips if ip in files.ip_addresses]
    return [f"https://{host}{suffix}" for host in hosts]


def _port(streamlit_args: Sequence[str]) -> int:
    """The port given to Streamlit (``--server.port N`` or ``=N``), else its default."""
    port = os.environ.get("STREAMLIT_SERVER_PORT", str(DEFAULT_PORT))
    args = list(streamlit_args)
    for n, arg in enumerate(args):
        if arg == "--server.port" and n + 1 < len(args):
            port = args[n + 1]
        elif arg.startswith("--server.port="):
            port = arg.split("=", 1)[1]
    try:
        return int(port)
    except ValueError:
        raise LanError(f"The port {port!r} is not a number.") from None


def prepare(argv: Sequence[str]) -> tuple[list[str], dict[str, str], list[str]]:
    """Work out the Streamlit command line, its extra environment and the URLs to
    announce; raises :class:`LanError` with a message for the user."""
    parser = argparse.ArgumentParser(
        prog="run_app.sh --lan",
        description="Serve PoseScope on this machine's LAN addresses over HTTPS. Other "
        "arguments go to `streamlit run`.",
    )
    parser.add_argument("--cert", type=Path, help="your certificate (PEM), instead of a "
                        "self-signed one")  # fmt: skip
    parser.add_argument("--key", type=Path, help="the certificate's private key (PEM)")
    options, streamlit_args = parser.parse_known_args(argv)
    port = _port(streamlit_args)
    ips = lan_addresses()
    if (options.cert is None) != (options.key is None):
        raise LanError("Give both --cert and --key, or neither (for a self-signed one).")
    if options.cert is not None:
        files = user_supplied(options.cert, options.key)
    else:
        files = self_signed(config_dir() / "tls", ips, host_names())
    urls = served_urls(files, ips, port)
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
        "--server.address", "0.0.0.0",
        "--server.sslCertFile", str(files.cert),
        "--server.sslKeyFile", str(files.key),
    ]  # fmt: skip
    if urls:
        # What Streamlit prints as the address to open.
        command += ["--browser.serverAddress", urls[0].split("//", 1)[1].rsplit(":", 1)[0]]
    env = {URLS_ENV: " ".join(urls), SELF_SIGNED_ENV: "0" if files.supplied else "1"}
    return [*command, *streamlit_args], env, urls


def main(argv: Sequence[str] | None = None) -> int:
    try:
        command, env, urls = prepare(sys.argv[1:] if argv is None else argv)
    except LanError as exc:
        print(f"PoseScope LAN mode: {exc}", file=sys.stderr)
        return 2
    if urls:
        print("PoseScope LAN mode: open " + " or ".join(urls) + " on a phone or tablet on "
              "this network (the Home page shows a QR code).", file=sys.stderr)  # fmt: skip
    else:
        print("PoseScope LAN mode: this machine has no network address yet; join a "
              "network and start again.", file=sys.stderr)  # fmt: skip
    os.chdir(ROOT)
    os.execve(sys.executable, command, {**os.environ, **env})
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
