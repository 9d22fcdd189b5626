#!/usr/bin/env bash
# The main job: builds everything and runs a single-validator development chain on the
# embedded dev preset. JSON-RPC (HTTP + WebSocket) on ws://127.0.0.1:9944, Prometheus on
# 127.0.0.1:9615. State is kept in a temporary folder and wiped on exit; pass --base-path DIR
# to keep it. Extra arguments go to pop-node.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$REPO_ROOT/scripts/build.sh"
log "starting pop-node --dev (Ctrl-C to stop)"
exec "$POP_NODE_BIN" --dev --rpc-cors all "$@"
