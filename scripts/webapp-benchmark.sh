#!/usr/bin/env bash
# Measures what a viewer and a creator wait for in the web app, in Debian's Chromium against a
# dev pop-node and two pop-sidecars (the browser test, tests/browser), and writes the web-app
# section of docs/benchmarks.md:
# - time to first frame: from the watch page's navigation to the first frame shown, three fresh
#   loads, and the part of it from the player's start (the holder race, playlists, segments);
# - upload complete to playable: from the upload's last byte to the uploader's sidecar serving
#   the video's master playlist (transcoded, registered with one signature, seen on chain);
# - how hls.js reacts to a throttled link, and how long a failover to the other holder takes.
#
#   scripts/webapp-benchmark.sh     # the browser test once: about five minutes after the builds
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
results="$(mktemp -d "${TMPDIR:-/tmp}/pop-webapp-bench.XXXXXX")"
trap 'rm -rf "$results"' EXIT
load="$(cut -d' ' -f1 /proc/loadavg)"
POP_BROWSER_RESULTS="$results" "$REPO_ROOT/scripts/browser-test.sh"
python3 "$REPO_ROOT/scripts/webapp-benchmark-report.py" --metrics "$results/metrics.json" \
	--load "$load" --out "$REPO_ROOT/docs/benchmarks.md"
log "wrote the web app's section of docs/benchmarks.md"
