#!/usr/bin/env bash
# The web app's end-to-end test in headless Chromium (tests/browser): Debian's chromium (installed
# here if missing; playwright-core never downloads a browser) drives the app served by two
# pop-sidecars beside a dev pop-node, with sample videos made by ffmpeg.
#
#   scripts/browser-test.sh        # about 4 minutes after the builds
#
# Binaries: $POP_NODE_BIN and $POP_SIDECAR_BIN when set, else the release build (built first if
# missing). Screenshots and metrics.json (time to first frame) land in tests/browser/results,
# or in $POP_BROWSER_RESULTS.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

need_apt=()
[[ -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ]] || need_apt+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
apt_install "${need_apt[@]}"

[[ -x "$POP_NODE_BIN" && -x "$POP_SIDECAR_BIN" ]] || "$REPO_ROOT/scripts/build.sh"
export POP_WEB_DIR="$("$REPO_ROOT/scripts/webapp.sh")"
# The test imports the Polkadot.js tests' helpers, which need their own packages.
for suite in polkadotjs browser; do npm_ci "$REPO_ROOT/tests/$suite"; done
log "running the web app's unit tests, then the browser test"
(cd "$REPO_ROOT/webapp" && npm test)
cd "$REPO_ROOT/tests/browser" && npm test
