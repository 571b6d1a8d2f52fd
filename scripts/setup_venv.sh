#!/usr/bin/env bash
# Create .venv (Python 3.11) and install the locked requirements into it, then the project
# itself (editable, no dependencies) for the `posescope` command.
#   scripts/setup_venv.sh          app requirements
#   scripts/setup_venv.sh --dev    app + test requirements
# The requirement files are complete closures with hashes (tools/lock.sh), installed with
# --no-deps: mediapipe declares opencv-contrib-python, which would overwrite
# opencv-python-headless's cv2/ (see tools/lock-excludes.txt). Re-running is cheap: a
# stamp skips an unchanged install.
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
stamp=".venv/.posescope-$(cat "${files[@]}" pyproject.toml | sha256sum | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  pip=(.venv/bin/python -m pip --quiet --disable-pip-version-check)
  "${pip[@]}" install --upgrade pip
  for f in "${files[@]}"; do
    "${pip[@]}" install --no-deps --require-hashes -r "$f"
  done
  # A cv2 left behind by an earlier opencv-contrib-python would shadow the headless one.
  if "${pip[@]}" show opencv-contrib-python >/dev/null 2>&1; then
    "${pip[@]}" uninstall -y opencv-contrib-python opencv-python-headless
    "${pip[@]}" install --no-deps --require-hashes -r requirements.txt
  fi
  # The project itself, for the `posescope` command (the same as `python -m pose_core`),
  # built by the setuptools pinned in requirements.txt: nothing to download. Editable, so
  # new modules need no reinstall; the warnings hush setuptools' notice saying just that.
  PYTHONWARNINGS=ignore "${pip[@]}" install --no-deps --no-build-isolation --editable .
  touch "$stamp"
fi
