"""Network stream addresses: what the user may type, what the operator allows, and how an
address is shown without its credentials.

An address reaches FFmpeg (through PyAV) only as a :class:`StreamAddress` made by
:meth:`StreamPolicy.check`: its scheme is on the allow-list, its host resolves, and every
address the host resolves to passes the operator's network rules. FFmpeg is also told
which protocols and demuxers it may use (:data:`NETWORK_PULL_OPTIONS`), so a playlist
cannot send it to a ``file:`` or any other local path.

Credentials (``user:password@`` in the address, or given apart) stay in
:attr:`StreamAddress.url`, which is handed only to FFmpeg; everything shown or logged uses
:attr:`StreamAddress.display`, and :meth:`StreamAddress.redact` scrubs any text (an
FFmpeg error message quotes the whole address) before it is shown.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import socket
import types
import urllib.parse
from collections.abc import Callable, Mapping, Sequence

# The schemes a typed address may use, and the FFmpeg protocols they need underneath
# (RTSP interleaved over TCP or RTP over UDP, TLS for rtsps/https, HLS's crypto).
DEFAULT_SCHEMES = ("rtsp", "rtsps", "http", "https")
# FFmpeg options for every network pull: RTSP interleaved over TCP (through firewalls
# and NAT, no UDP loss, and so no udp/rtp protocols), no input buffering, only the
# protocols a stream needs, and only the demuxers of RTSP, MJPEG over HTTP, HLS and its
# segments.
NETWORK_PULL_OPTIONS: Mapping[str, str] = types.MappingProxyType(
    {
        "rtsp_transport": "tcp",
        "fflags": "nobuffer",
        "max_delay": "500000",
        "protocol_whitelist": "rtsp,rtsps,tcp,tls,http,https,httpproxy,crypto",
        "format_whitelist": "rtsp,mpjpeg,mjpeg,hls,mpegts,mov,mp4,m4a,3gp,3g2,mj2",
    }
)
DEFAULT_PORTS = types.MappingProxyType({"rtsp": 554, "rtsps": 322, "http": 80, "https": 443})

# Operator settings (environment variables).
SCHEMES_VAR = "POSESCOPE_STREAM_SCHEMES"
ALLOW_VAR = "POSESCOPE_STREAM_ALLOW"
DENY_VAR = "POSESCOPE_STREAM_DENY"

# Names usable in the allow and deny lists for whole families of networks.
NETWORK_GROUPS: Mapping[str, tuple[str, ...]] = types.MappingProxyType(
    {
        "loopback": ("127.0.0.0/8", "::1/128"),
        "private": ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"),
        # Cloud metadata services live here (169.254.169.254).
        "link-local": ("169.254.0.0/16", "fe80::/10"),
        "multicast": ("224.0.0.0/4", "ff00::/8"),
        "unspecified": ("0.0.0.0/8", "::/128"),
    }
)
# Never a camera: a metadata service, a multicast group, "this host" in disguise.
DEFAULT_DENY = ("link-local", "multicast", "unspecified")
MAX_ADDRESS_CHARS = 2048

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]


class AddressError(ValueError):
    """An address that may not be opened; the message is for the user (no credentials)."""


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


@dataclasses.dataclass(frozen=True, repr=False)
class StreamAddress:
    """A checked network stream address.

    Attributes:
        url: The address FFmpeg opens, credentials included. Never show or log it.
        display: The address with no credentials, for the page and the logs.
        scheme: ``rtsp``, ``rtsps``, ``http`` or ``https``.
        host: The host name or IP address as typed.
        port: The port (the scheme's default when none was typed).
        has_credentials: Whether a user name or password is sent.
        secrets: The credential strings, for :meth:`redact`.
    """

    url: str
    display: str
    scheme: str
    host: str
    port: int
    has_credentials: bool
    secrets: tuple[str, ...] = ()

    def __repr__(self) -> str:  # keeps credentials out of logs and tracebacks
        return f"StreamAddress({self.display!r})"

    @property
    def key(self) -> str:
        """What identifies one source on this server: viewers of the same key share one
        pull. Credentials are part of it: another user's password opens another pull."""
        return self.url

    def redact(self, text: str) -> str:
        """``text`` with this address's credentials, in any form, taken out."""
        text = text.replace(self.url, self.display)
        for secret in self.secrets:
            if secret.endswith((":", "@")):
                text = text.replace(secret, "***" + secret[-1])
            elif secret:
                text = text.replace(secret, "***")
        return text


def split_credentials(address: str) -> tuple[str, str, str]:
    """``address`` without ``user:password@``, and the user and password it carried
    (percent-decoded). An address that does not parse comes back unchanged."""
    try:
        parts = urllib.parse.urlsplit(address.strip())
    except ValueError:
        return address, "", ""
    if "@" not in parts.netloc:
        return address.strip(), "", ""
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    bare = urllib.parse.urlunsplit(parts._replace(netloc=hostport))
    return bare, urllib.parse.unquote(user), urllib.parse.unquote(password)


def _networks(spec: str) -> tuple[tuple[Network, ...], tuple[str, ...], list[str]]:
    """Networks and host names from a comma-separated list of CIDRs, addresses, group
    names and host names; plus what could not be read."""
    networks: list[Network] = []
    names: list[str] = []
    problems: list[str] = []
    for item in (part.strip().rstrip(".") for part in spec.split(",")):
        if not item:
            continue
        group = NETWORK_GROUPS.get(item.lower())
        if group is not None:
            networks.extend(ipaddress.ip_network(cidr) for cidr in group)
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            if all(part.isalnum() or part == "-" for part in item.replace(".", "-").split("-")):
                names.append(item.lower().rstrip("."))
            else:
                problems.append(item)
    return tuple(networks), tuple(names), problems


@dataclasses.dataclass(frozen=True)
class StreamPolicy:
    """What addresses this server opens: the operator's rules.

    Attributes:
        schemes: Schemes a typed address may use.
        allow: If not empty, only these networks and host names may be opened.
        allow_names: Host names allowed by name (with ``allow``).
        deny: Networks never opened, whatever ``allow`` says.
        problems: Settings that could not be read (ignored, and reported).
        allow_text, deny_text: The lists as the operator wrote them, for display.
    """

    schemes: tuple[str, ...] = DEFAULT_SCHEMES
    allow: tuple[Network, ...] = ()
    allow_names: tuple[str, ...] = ()
    deny: tuple[Network, ...] = tuple(
        ipaddress.ip_network(cidr) for group in DEFAULT_DENY for cidr in NETWORK_GROUPS[group]
    )
    problems: tuple[str, ...] = ()
    allow_text: str = ""
    deny_text: str = ", ".join(DEFAULT_DENY)

    def rows(self) -> list[tuple[str, str, str]]:
        """What / value / variable rows for the server's limits table."""
        return [
            ("Network stream addresses", ", ".join(f"{s}://" for s in self.schemes),
             SCHEMES_VAR),
            ("Networks streams may come from",
             "none (a setting is unreadable)" if self.closed
             else self.allow_text or "any not refused", ALLOW_VAR),
            ("Networks refused for streams", self.deny_text, DENY_VAR),
        ]  # fmt: skip

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StreamPolicy:
        """The defaults, changed by ``POSESCOPE_STREAM_SCHEMES`` (a subset of the
        defaults), ``POSESCOPE_STREAM_ALLOW`` (CIDRs, IP addresses, host names, groups)
        and ``POSESCOPE_STREAM_DENY`` (CIDRs, IP addresses, and the groups loopback,
        private, link-local, multicast, unspecified), comma-separated. The deny list adds
        to the default one.

        A setting that cannot be read fails closed: no network stream is opened at all
        (:attr:`closed`), since a typo must not open what the operator meant to shut."""
        environ = os.environ if environ is None else environ
        problems: list[str] = []
        schemes: tuple[str, ...] = DEFAULT_SCHEMES
        if environ.get(SCHEMES_VAR, "").strip():
            asked = [s.strip().lower() for s in environ[SCHEMES_VAR].split(",") if s.strip()]
            schemes = tuple(s for s in asked if s in DEFAULT_SCHEMES)
            problems += [f"{SCHEMES_VAR}: {s!r} is not offered" for s in asked if s not in schemes]
        allow, allow_names, bad = _networks(environ.get(ALLOW_VAR, ""))
        problems += [f"{ALLOW_VAR}: {item!r} is not a network or host name" for item in bad]
        default = cls()
        deny, deny_text = default.deny, default.deny_text
        if environ.get(DENY_VAR, "").strip():
            extra, names, bad = _networks(environ[DENY_VAR])
            deny = deny + extra
            deny_text = f"{deny_text}, {environ[DENY_VAR].strip()}"
            problems += [f"{DENY_VAR}: {item!r} is not a network" for item in [*bad, *names]]
        allow_text = environ.get(ALLOW_VAR, "").strip()
        if not schemes:
            problems.append(f"{SCHEMES_VAR}: no scheme left")
        return cls(schemes, allow, allow_names, deny, tuple(problems), allow_text, deny_text)

    @property
    def closed(self) -> bool:
        """A setting could not be read: nothing is opened until the operator fixes it."""
        return bool(self.problems)

    def check(
        self,
        address: str,
        user: str = "",
        password: str = "",
        *,
        resolver: Resolver = _resolve,
    ) -> StreamAddress:
        """Turn what the user typed into an address FFmpeg may open.

        Args:
            address: The address as typed; may carry ``user:password@``.
            user, password: Credentials given apart (they win over the address's).
            resolver: Host name to IP addresses (tests pass their own).

        Raises:
            AddressError: The address is malformed, uses a scheme not allowed here, or
                names a host that does not resolve or is not allowed. The message never
                contains the credentials.
        """
        if self.closed:
            raise AddressError(
                "This server's settings for network streams cannot be read, so it opens "
                "none; its operator can see why on the Home page."
            )
        address = address.strip()
        if not address:
            raise AddressError("Enter the stream's address, e.g. rtsp://192.168.1.20:554/stream1")
        if len(address) > MAX_ADDRESS_CHARS:
            raise AddressError(f"That address is longer than {MAX_ADDRESS_CHARS} characters.")
        if any(ord(ch) < 0x20 or ch.isspace() for ch in address):
            raise AddressError("The address contains spaces or control characters.")
        bare, typed_user, typed_password = split_credentials(address)
        user, password = (user or typed_user), (password or typed_password)
        try:
            parts = urllib.parse.urlsplit(bare)
            host = parts.hostname or ""
            typed_port = parts.port
        except ValueError:
            raise AddressError(
                "That address cannot be read: check the host (an IPv6 address goes in "
                "brackets, e.g. rtsp://[fd00::20]/live) and the port (1 to 65535)."
            ) from None
        scheme = parts.scheme.lower()
        allowed = ", ".join(f"{s}://" for s in self.schemes)
        if "://" not in bare or not scheme:
            raise AddressError(f"Start the address with one of {allowed}.")
        if scheme not in self.schemes:
            raise AddressError(f"{scheme}:// addresses are not opened here; use one of {allowed}.")
        port = typed_port or DEFAULT_PORTS[scheme]
        if not host:
            raise AddressError("The address has no host name or IP address.")
        try:
            resolved = [ipaddress.ip_address(host)] if _is_ip(host) else [
                ipaddress.ip_address(ip.split("%")[0]) for ip in resolver(host, port)
            ]  # fmt: skip
        except (OSError, UnicodeError, ValueError):
            raise AddressError(
                f"The host {host!r} was not found: check the name, or use its IP address."
            ) from None
        if not resolved:
            raise AddressError(f"The host {host!r} was not found.")
        resolved = [_unwrapped(ip) for ip in resolved]
        for ip in resolved:
            if any(ip in net for net in self.deny):
                raise AddressError(
                    f"This server does not open streams from {host} ({ip}): its operator "
                    "does not allow that network."
                )
        named = host.lower().rstrip(".") in self.allow_names
        restricted = bool(self.allow or self.allow_names) and not named
        if restricted and not all(any(ip in net for net in self.allow) for ip in resolved):
            raise AddressError(
                f"This server only opens streams from the networks its operator "
                f"allows, and {host} is not among them."
            )
        netloc = parts.netloc.rpartition("@")[2]
        query_secrets = _query_secrets(parts.query)
        # Cameras that take credentials in the query (?user=...&pwd=...) show it masked.
        shown_query = parts.query
        for secret in query_secrets:
            shown_query = shown_query.replace(secret, "***")
        display = urllib.parse.urlunsplit(
            parts._replace(scheme=scheme, netloc=netloc, query=shown_query)
        )
        if user or password:
            userinfo = urllib.parse.quote(user, safe="")
            if password:
                userinfo += ":" + urllib.parse.quote(password, safe="")
            signed = parts._replace(scheme=scheme, netloc=f"{userinfo}@{netloc}")
            url = urllib.parse.urlunsplit(signed)
        else:
            url = urllib.parse.urlunsplit(parts._replace(scheme=scheme))
        # The user name is redacted too, but only where it stands as credentials (a user
        # "admin" must not turn a path /admin/ into /***/).
        secrets = tuple(
            s
            for s in {
                password, urllib.parse.quote(password, safe=""), *query_secrets,
                f"{user}:", f"{urllib.parse.quote(user, safe='')}:", f"{user}@",
            }
            if len(s) >= 2
        )  # fmt: skip
        return StreamAddress(url, display, scheme, host, port, bool(user or password), secrets)


# Query keys under which cameras take credentials (Foscam ?usr=&pwd=, ?user=&password=,
# ?auth=, tokens and signatures).
_SECRET_KEYS = ("user", "usr", "pass", "pwd", "auth", "token", "key", "sig", "secret", "login")


def _query_secrets(query: str) -> tuple[str, ...]:
    values = []
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=False):
        if any(word in key.lower() for word in _SECRET_KEYS) and value:
            values += [value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)]
    return tuple(sorted(set(values), key=len, reverse=True))


def _unwrapped(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), 6to4 or NAT64 address:
    a dual-stack socket reaches that IPv4 host, so the rules must see it."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
