#!/usr/bin/env bash
# Set up .venv with the test tools, make sure Chromium, HAProxy, coturn and GStreamer's RTSP
# server are there, then lint and test.
#   bash scripts/run_tests.sh            everything (CI runs this)
#   bash scripts/run_tests.sh --fast     the same checks, but only the tests not marked
#                                        browser or slow (the quick loop while working)
# Any other arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
select=()
if [[ "${1:-}" == "--fast" ]]; then
  shift
  select=(-m "not browser and not slow")
fi
bash scripts/setup_venv.sh --dev

# The browser tests drive Debian's Chromium (never a downloaded browser build); the
# cluster test a real HAProxy and coturn (Debian's packages haproxy and coturn). The RTSP
# tests' server (testkit/rtsp/server.py) runs under Debian's python3 with PyGObject, numpy
# and GStreamer's RTSP server: appsrc (base), x264enc (ugly), rtph264pay (good); each
# package is checked by a file it installs (lib dir: x86_64-linux-gnu, aarch64-linux-gnu).
lib="/usr/lib/$(uname -m)-linux-gnu"
bash scripts/debian_packages.sh chromium=/usr/bin/chromium haproxy=haproxy coturn=turnserver \
  gir1.2-gst-rtsp-server-1.0="$lib/girepository-1.0/GstRtspServer-1.0.typelib" \
  python3-gi=/usr/lib/python3/dist-packages/gi/__init__.py \
  python3-numpy=/usr/lib/python3/dist-packages/numpy/__init__.py \
  gstreamer1.0-plugins-base="$lib/gstreamer-1.0/libgstapp.so" \
  gstreamer1.0-plugins-good="$lib/gstreamer-1.0/libgstrtp.so" \
  gstreamer1.0-plugins-ugly="$lib/gstreamer-1.0/libgstx264.so"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
exec .venv/bin/python -m pytest "${select[@]}" "$@"
