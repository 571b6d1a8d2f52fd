#!/usr/bin/env bash
# Set up .venv if needed and start PoseScope on http://localhost:8501 (this machine only).
#   bash scripts/run_app.sh --lan [--cert FILE --key FILE]   phones and tablets on the
#       LAN, over HTTPS (see docs/deployment.md); other arguments go to Streamlit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh
if [[ "${1:-}" == "--lan" ]]; then
  shift
  exec .venv/bin/python -m deploy.lan "$@"
fi
exec .venv/bin/streamlit run streamlit_app.py "$@"
