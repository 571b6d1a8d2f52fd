#!/usr/bin/env bash
# Create .venv (Python 3.11) and install the pinned requirements into it.
#   scripts/setup_venv.sh          app requirements
#   scripts/setup_venv.sh --dev    app + test requirements
# Requirements are complete pinned closures installed with --no-deps: mediapipe declares
# opencv-contrib-python, which would overwrite opencv-python-headless's cv2/ (see
# tools/lock_requirements.py). Re-running is cheap: a stamp skips an unchanged install.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON="$candidate"; break
    fi
  done
fi
if [[ -z "$PYTHON" ]]; then
  echo "PoseScope needs Python 3.11 (python3.11 on PATH, or set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi

files=(requirements.txt)
[[ "${1:-}" == "--dev" ]] && files+=(requirements-dev.txt)

[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
stamp=".venv/.posescope-$(cat "${files[@]}" | sha256sum | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  for f in "${files[@]}"; do
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r "$f"
  done
  # A cv2 left behind by an earlier opencv-contrib-python would shadow the headless one.
  if .venv/bin/python -m pip show opencv-contrib-python >/dev/null 2>&1; then
    .venv/bin/python -m pip uninstall --quiet -y opencv-contrib-python opencv-python-headless
    .venv/bin/python -m pip install --quiet --no-deps "$(grep '^opencv-python-headless==' requirements.txt)"
  fi
  touch "$stamp"
fi
