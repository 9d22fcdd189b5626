#!/usr/bin/env bash
# The local network's end-to-end test: the alert rules' unit tests (`promtool test rules`), then
# tests/network, which runs scripts/local-net.sh --monitor on free ports and a temporary folder,
# then scripts/demo.sh, and checks holdings, challenges, Prometheus, supervision (pop-node
# SIGKILLed, a sidecar stopped) and the clean stop. Installs ffmpeg and Debian's prometheus if
# missing.
#
#   scripts/network-test.sh        # about 6 minutes after the builds
#
# Binaries: $POP_NODE_BIN and $POP_SIDECAR_BIN when set, else the release build (built first if
# missing). POP_KEEP_NETWORK_DIR=1 keeps the network's folder (logs, state) after the test.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

need_apt=()
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || need_apt+=(prometheus)
apt_install "${need_apt[@]}"
[[ -x "$POP_NODE_BIN" && -x "$POP_SIDECAR_BIN" ]] || "$REPO_ROOT/scripts/build.sh"
# Built and installed here, so the network's start in the test does not wait for them.
"$REPO_ROOT/scripts/webapp.sh" >/dev/null
npm_ci "$REPO_ROOT/tests/polkadotjs"

log "unit tests of the alert rules"
promtool test rules "$REPO_ROOT/ops/prometheus/alerts.test.yml"
log "the local network's test"
cd "$REPO_ROOT/tests/network"
npm test
