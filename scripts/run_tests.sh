#!/usr/bin/env bash
# Set up .venv with the test tools, make sure Chromium is there, then lint and test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh --dev

# The browser tests drive Debian's Chromium (never a downloaded browser build); the
# cluster test a real HAProxy and coturn (Debian's packages haproxy and coturn).
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v haproxy >/dev/null || [[ -x /usr/sbin/haproxy ]] || missing+=(haproxy)
command -v turnserver >/dev/null || [[ -x /usr/bin/turnserver ]] || missing+=(coturn)
if (( ${#missing[@]} )); then
  SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
