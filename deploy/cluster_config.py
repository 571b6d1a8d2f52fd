"""The cluster's configuration files: HAProxy in front of the replicas (sticky
sessions) and coturn for WebRTC, filled in from ``deploy/haproxy.cfg.in`` and
``deploy/turnserver.conf.in``.

Pure text rendering, no processes: ``deploy.cluster`` writes these files for the cluster
it runs on this machine, and prints them for a deployment across hosts.
Standard library only: it runs before and beside the app, not inside it.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import string
from collections.abc import Sequence
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent
REALM = "posescope"
# Relay ports coturn hands out: two per WebRTC stream through it (RTP and RTCP are
# multiplexed, so usually one); the firewall opens the same range.
RELAY_PORTS = (49160, 49359)
# Replica names become HAProxy server names and cookie values.
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclasses.dataclass(frozen=True)
class Replica:
    """One app server behind HAProxy.

    Attributes:
        name: Short id, shown on the Home page and used as the HAProxy cookie value.
        host: Where HAProxy reaches it.
        port: Its Streamlit port.
    """

    name: str
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Replica:
        """``name=host:port``."""
        name, _, address = text.partition("=")
        host, _, port = address.rpartition(":")
        if not _NAME.match(name) or not host or not port.isdigit():
            raise ValueError(
                f"expected NAME=HOST:PORT (NAME: letters, digits, - or _), not {text!r}"
            )
        return cls(name, host, int(port))


def render_haproxy(bind: str, replicas: Sequence[Replica], stats_socket: Path | None = None) -> str:
    """HAProxy's configuration for ``replicas`` behind ``bind`` (``address:port``)."""
    if not replicas:
        raise ValueError("at least one replica")
    if len({r.name for r in replicas}) != len(replicas):
        raise ValueError("replica names must differ (they are the sticky cookie's values)")
    if not all(_NAME.match(r.name) for r in replicas):
        raise ValueError("replica names are letters, digits, - or _ (at most 32)")
    servers = "\n".join(f"    server {r.name} {r.host}:{r.port} cookie {r.name}" for r in replicas)
    stats = f"    stats socket {stats_socket} mode 600 level admin" if stats_socket else ""
    template = string.Template((TEMPLATES / "haproxy.cfg.in").read_text())
    return template.substitute(bind=bind, servers=servers, stats_socket=stats)


def render_turnserver(
    *,
    listening_ip: str,
    port: int,
    secret: str,
    run_dir: Path,
    relay_ip: str | None = None,
    external_ip: str | None = None,
    relay_ports: tuple[int, int] = RELAY_PORTS,
    peers: Sequence[str] = (),
    verbose: bool = False,
) -> str:
    """coturn's configuration.

    It relays to ``peers`` (the replicas' addresses) and its own relay address only:
    every visitor of the app gets credentials, so anything more would be an open relay.
    ``verbose`` logs every allocation (the local cluster does, to show the relay is used).

    Raises:
        ValueError: a peer is not an IP address.
    """
    relay = relay_ip or listening_ip
    min_port, max_port = relay_ports
    allowed = []
    for peer in dict.fromkeys([*peers, relay]):
        address = ipaddress.ip_address(peer)  # ValueError for a host name
        allowed.append(f"allowed-peer-ip={address}")
        if address.is_loopback:
            allowed.append("allow-loopback-peers")
    template = string.Template((TEMPLATES / "turnserver.conf.in").read_text())
    return template.substitute(
        port=port,
        listening_ip=listening_ip,
        relay_ip=relay,
        external_ip=f"external-ip={external_ip}" if external_ip else "",
        min_port=min_port,
        max_port=max_port,
        realm=REALM,
        secret=secret,
        allowed_peers="\n".join(allowed),
        run_dir=run_dir,
        verbose="verbose" if verbose else "",
    )
