"""ICE (STUN/TURN) servers for the webcam's WebRTC connection.

With nothing configured the app uses no ICE server at all: browser and server find each
other directly, which works on localhost and on a LAN, and nothing is contacted on the
internet. Behind NAT (a cloud deployment) configure servers in either place, the first
one found wins:

1. ``.streamlit/secrets.toml``::

       [[ice_servers]]
       urls = ["stun:stun.example.org:3478"]

       [[ice_servers]]
       urls = ["turn:turn.example.org:3478?transport=udp"]
       username = "posescope"
       credential = "..."

2. The environment variable ``POSESCOPE_ICE_SERVERS``, a JSON list in the same shape::

       POSESCOPE_ICE_SERVERS='[{"urls": ["stun:stun.example.org:3478"]}]'

3. A TURN server with time-limited credentials (coturn's ``use-auth-secret``, the TURN
   REST API): ``POSESCOPE_TURN_URLS`` (comma-separated ``turn:`` URLs) and
   ``POSESCOPE_TURN_SECRET`` (coturn's ``static-auth-secret``). Each page run signs a
   fresh user name valid for :data:`TURN_CREDENTIAL_TTL_S`, so no password is stored
   and a leaked one expires. Added to the servers from 1 or 2.

``POSESCOPE_ICE_TRANSPORT_POLICY=relay`` makes browsers send media through TURN only
(``iceTransportPolicy``), as behind a strict NAT: for checking a TURN deployment.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from typing import Any

import streamlit as st

SECRETS_KEY = "ice_servers"
ENV_VAR = "POSESCOPE_ICE_SERVERS"
TURN_URLS_VAR = "POSESCOPE_TURN_URLS"
TURN_SECRET_VAR = "POSESCOPE_TURN_SECRET"
POLICY_VAR = "POSESCOPE_ICE_TRANSPORT_POLICY"
# Long enough for a day at a stand; coturn refuses a refresh after it, ending the relay.
TURN_CREDENTIAL_TTL_S = 24 * 3600
TURN_USER = "posescope"
_ALLOWED_FIELDS = ("urls", "username", "credential")
_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")


@dataclasses.dataclass(frozen=True)
class IceConfig:
    """The RTC configuration to hand to ``webrtc_streamer``.

    Attributes:
        servers: ICE server dicts (``urls``, optional ``username``/``credential``).
        source: "secrets", "environment" or "none".
        problem: A user-facing message when the configured value was unusable and
            ignored, else None.
        relay_only: Browsers use TURN relays only (``iceTransportPolicy`` "relay").
    """

    servers: tuple[dict[str, Any], ...] = ()
    source: str = "none"
    problem: str | None = None
    relay_only: bool = False

    @property
    def rtc_configuration(self) -> dict[str, Any]:
        # An explicit (possibly empty) list: streamlit-webrtc would otherwise fill in
        # public servers of its own.
        return {"iceServers": [dict(server) for server in self.servers]}

    @property
    def frontend_rtc_configuration(self) -> dict[str, Any]:
        """The browser's side: the same servers, and the relay-only policy if set (the
        server's aiortc has no such policy: it answers whatever the browser offers)."""
        if not self.relay_only:
            return self.rtc_configuration
        return {**self.rtc_configuration, "iceTransportPolicy": "relay"}

    def describe(self) -> str:
        """One line for the page: how the connection is set up."""
        if not self.servers:
            return "Direct connection (no STUN/TURN server configured): localhost and LAN."
        kinds = sorted({_kind(s) for s in self.servers})
        relay = " Media goes through the TURN relay only." if self.relay_only else ""
        return f"{len(self.servers)} ICE server(s) ({', '.join(kinds)}) from {self.source}." + relay


def _kind(server: Mapping[str, Any]) -> str:
    urls = server["urls"]
    first = urls if isinstance(urls, str) else urls[0]
    return first.split(":", 1)[0].upper()


def parse_servers(value: Any) -> tuple[dict[str, Any], ...]:
    """Validate a list of ICE servers.

    Raises:
        ValueError: with a message naming what is wrong (never echoing credentials).
    """
    if not isinstance(value, (list, tuple)):
        raise ValueError("expected a list of servers")
    servers = []
    for n, server in enumerate(value, start=1):
        if not isinstance(server, Mapping):
            raise ValueError(f"server {n} is not a table/object")
        unknown = set(server) - set(_ALLOWED_FIELDS)
        if unknown:
            raise ValueError(f"server {n} has unknown fields: {', '.join(sorted(unknown))}")
        urls = server.get("urls")
        url_list = [urls] if isinstance(urls, str) else urls
        if not isinstance(url_list, (list, tuple)) or not url_list:
            raise ValueError(f"server {n} needs 'urls'")
        for url in url_list:
            if not isinstance(url, str) or not url.startswith(_SCHEMES):
                raise ValueError(f"server {n}: each URL must start with stun:, turn: or turns:")
        clean: dict[str, Any] = {"urls": list(url_list)}
        for field in ("username", "credential"):
            if field in server:
                if not isinstance(server[field], str):
                    raise ValueError(f"server {n}: {field} must be text")
                clean[field] = server[field]
        servers.append(clean)
    return tuple(servers)


def _from_secrets() -> Any:
    try:
        if SECRETS_KEY in st.secrets:
            return st.secrets[SECRETS_KEY]
    except Exception:  # no secrets file, or an unreadable one: not configured
        return None
    return None


def turn_credentials(secret: str, ttl_s: int, now: float | None = None) -> tuple[str, str]:
    """coturn's time-limited credentials: the user name is ``expiry:user`` and the
    password base64(HMAC-SHA1(secret, user name))."""
    expiry = int((time.time() if now is None else now) + ttl_s)
    username = f"{expiry}:{TURN_USER}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def load_ice_config(environ: Mapping[str, str] | None = None) -> IceConfig:
    """The ICE servers from Streamlit secrets, else ``POSESCOPE_ICE_SERVERS``, plus a
    TURN server with fresh time-limited credentials when one is configured.

    An unusable value is ignored (the direct connection still works on a LAN) and
    reported in ``problem``.
    """
    environ = os.environ if environ is None else environ
    config = _configured_servers(environ)
    turn_urls = [u.strip() for u in environ.get(TURN_URLS_VAR, "").split(",") if u.strip()]
    secret = environ.get(TURN_SECRET_VAR, "")
    if turn_urls:
        try:
            if not secret:
                raise ValueError(f"{TURN_SECRET_VAR} is not set")
            username, credential = turn_credentials(secret, TURN_CREDENTIAL_TTL_S)
            (turn,) = parse_servers(
                [{"urls": turn_urls, "username": username, "credential": credential}]
            )
        except ValueError as exc:
            problem = f"Ignored {TURN_URLS_VAR}: {exc}."
            config = dataclasses.replace(config, problem=config.problem or problem)
        else:
            source = "environment" if config.source == "none" else config.source
            config = dataclasses.replace(config, servers=(*config.servers, turn), source=source)
    policy = environ.get(POLICY_VAR, "all").strip().lower() or "all"
    if policy not in ("all", "relay"):
        problem = f"Ignored {POLICY_VAR}={policy!r}: use all or relay."
        return dataclasses.replace(config, problem=config.problem or problem)
    relay_only = policy == "relay"
    if relay_only and not any(_kind(server) in ("TURN", "TURNS") for server in config.servers):
        problem = f"{POLICY_VAR}=relay needs a TURN server: without one no stream can connect."
        config = dataclasses.replace(config, problem=config.problem or problem)
    return dataclasses.replace(config, relay_only=relay_only)


def _configured_servers(environ: Mapping[str, str]) -> IceConfig:
    raw = _from_secrets()
    if raw is not None:
        try:
            # Secrets are AttrDicts; plain dicts and lists from here on.
            plain = json.loads(json.dumps(raw, default=dict))
            return IceConfig(parse_servers(plain), "secrets")
        except (ValueError, TypeError) as exc:
            return IceConfig(problem=f"Ignored the ice_servers secret: {exc}.")
    text = environ.get(ENV_VAR, "").strip()
    if text:
        try:
            return IceConfig(parse_servers(json.loads(text)), "environment")
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            return IceConfig(problem=f"Ignored {ENV_VAR}: {exc}.")
    return IceConfig()
