#!/usr/bin/env bash
# Installs prerequisites and builds pop-node (with its wasm runtime) in release mode.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$REPO_ROOT/scripts/setup.sh"
build_release
log "built $POP_NODE_BIN"
