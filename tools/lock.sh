#!/usr/bin/env bash
# Re-lock requirements.txt and requirements-dev.txt from pyproject.toml with uv (pinned in
# requirements-dev.txt, so run `bash scripts/setup_venv.sh --dev` first):
#   bash tools/lock.sh                          keep every pin that still fits pyproject.toml
#   bash tools/lock.sh --upgrade-package NAME   move NAME (or --upgrade: everything) up
# Both files are complete closures with hashes for Python 3.11 (environment markers kept),
# installed with `pip install --no-deps`; tools/lock-excludes.txt says why
# opencv-contrib-python is left out, tools/lock-constraints.txt what is capped and why.
# requirements-dev.txt is constrained by requirements.txt, so a package in both has one
# version.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-.venv/bin/uv}"
# Resolve against the default registry only: no uv.toml and no index from the environment.
unset UV_INDEX UV_INDEX_URL UV_DEFAULT_INDEX UV_EXTRA_INDEX_URL UV_FIND_LINKS
common=(--quiet --no-config --universal --python-version 3.11 --generate-hashes
  --excludes tools/lock-excludes.txt --custom-compile-command "bash tools/lock.sh" "$@")
"$UV" pip compile pyproject.toml --group pyproject.toml:build -c tools/lock-constraints.txt \
  "${common[@]}" -o requirements.txt
"$UV" pip compile --group pyproject.toml:dev -c requirements.txt "${common[@]}" -o requirements-dev.txt
