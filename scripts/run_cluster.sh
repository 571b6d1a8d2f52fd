#!/usr/bin/env bash
# PoseScope on several replicas on this machine: N app servers behind HAProxy (sticky
# sessions) with coturn for WebRTC, all stopped by Ctrl-C. Loopback only unless
# --bind 0.0.0.0 is given. See docs/deployment.md, "Several replicas".
#   bash scripts/run_cluster.sh --replicas 2 [--port 8500] [--bind 127.0.0.1]
#        [--turn-port 3478] [--no-turn] [--relay-only]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh

# HAProxy and coturn come from Debian's packages, installed when missing.
bash scripts/debian_packages.sh haproxy=haproxy coturn=turnserver
exec .venv/bin/python -m deploy.cluster run "$@"
