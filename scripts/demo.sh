#!/usr/bin/env bash
# Puts a video on a running local network (scripts/local-net.sh) as a creator would: a sample
# made with ffmpeg, uploaded through alice's sidecar with tus as //Dave, transcoded there,
# registered with its renditions and poster and described in one utility.batchAll signed by
# Dave with a replica on each of the three masternodes; waits until every replica is confirmed
# and prints the video's watch page on each sidecar (tests/polkadotjs/tools/demo-video.js).
#
#   scripts/demo.sh     # against `scripts/local-net.sh` run with the same LOCAL_NET_PORT_OFFSET
#
# The sample is written into $LOCAL_NET_DIR/demo when set, else a temporary folder.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

command -v ffmpeg >/dev/null 2>&1 || apt_install ffmpeg
polkadotjs="$REPO_ROOT/tests/polkadotjs"
npm_ci "$polkadotjs"

offset="${LOCAL_NET_PORT_OFFSET:-0}"
if [[ -n "${LOCAL_NET_DIR:-}" ]]; then
	work="$LOCAL_NET_DIR/demo"
	mkdir -p "$work"
else
	work="$(mktemp -d -t pop-demo.XXXXXX)"
	trap 'rm -rf "$work"' EXIT
fi
# alice's node and sidecar first: the upload goes there.
sidecars=()
for i in 0 1 2; do sidecars+=("http://127.0.0.1:$((8080 + offset + i))"); done
node "$polkadotjs/tools/demo-video.js" "$work" "ws://127.0.0.1:$((9944 + offset))" "${sidecars[@]}"
