#!/usr/bin/env bash
# Set up .venv if needed and start PoseScope on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh
exec .venv/bin/streamlit run streamlit_app.py "$@"
