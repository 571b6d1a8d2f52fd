#!/usr/bin/env bash
# Set up .venv with the test tools, make sure Chromium is there, then lint and test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh --dev

# The browser tests drive Debian's Chromium (never a downloaded browser build).
if [[ ! -x /usr/bin/chromium ]]; then
  SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
