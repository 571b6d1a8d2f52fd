#!/usr/bin/env bash
# Set up .venv with the dev tools if needed and serve the documentation site (docs/,
# mkdocs.yml) on http://127.0.0.1:8000 (this machine only), rebuilt on every change.
# Other arguments go to `mkdocs serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh --dev
exec .venv/bin/mkdocs serve -a 127.0.0.1:8000 "$@"
