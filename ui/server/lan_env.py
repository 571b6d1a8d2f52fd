"""What the LAN launcher (``deploy/lan.py``) tells the app it started, through the
environment: the addresses phones open and whether the certificate is the generated one."""

from __future__ import annotations

import os

# The launcher hands the app the addresses to open, space-separated, first one first.
URLS_ENV = "POSESCOPE_LAN_URLS"
# "1" when the certificate is the generated one (phones will warn about it).
SELF_SIGNED_ENV = "POSESCOPE_LAN_SELF_SIGNED"


def lan_mode() -> bool:
    """Whether the app was started by the LAN launcher."""
    return URLS_ENV in os.environ


def self_signed_from_env() -> bool:
    """Whether LAN mode serves the generated certificate."""
    return os.environ.get(SELF_SIGNED_ENV) == "1"


def urls_from_env() -> list[str]:
    """The addresses the launcher handed to the app (empty when not in LAN mode)."""
    return os.environ.get(URLS_ENV, "").split()
