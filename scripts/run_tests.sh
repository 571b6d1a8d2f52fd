#!/usr/bin/env bash
# Set up .venv with the test tools, make sure Chromium, HAProxy and coturn are there, then
# lint and test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh --dev

# The browser tests drive Debian's Chromium (never a downloaded browser build); the
# cluster test a real HAProxy and coturn (Debian's packages haproxy and coturn).
bash scripts/debian_packages.sh chromium=/usr/bin/chromium haproxy=haproxy coturn=turnserver

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
