#!/usr/bin/env bash
# Install the Debian packages named as PACKAGE=PROGRAM whose program is not found
# (as root, or through sudo); the run and test scripts call it before they need them.
# A PROGRAM given as an absolute path also counts when that file merely exists, so a
# package with no program is checked by a file it installs (a typelib, a module).
#   bash scripts/debian_packages.sh chromium=/usr/bin/chromium haproxy=haproxy
set -euo pipefail
missing=()
for pair in "$@"; do
  package="${pair%%=*}" program="${pair#*=}"
  command -v "$program" >/dev/null || [[ -x "/usr/sbin/$program" || -x "$program" ]] \
    || [[ "$program" == /* && -e "$program" ]] || missing+=("$package")
done
if (( ${#missing[@]} )); then
  SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
