#!/usr/bin/env bash
# The main job: builds everything and runs a single-validator development chain on the
# embedded dev preset, with the content sidecar of its masternode beside it.
#   pop-node --dev:  JSON-RPC (HTTP + WebSocket) on ws://127.0.0.1:9944, Prometheus on :9615
#   pop-sidecar:     uploads, streaming and the web app on http://127.0.0.1:8080, signing proofs
#                    with the dev masternode's proof key //Alice//stash
# Chain state and content are kept in a temporary folder and wiped on exit. Extra arguments go
# to pop-node.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$REPO_ROOT/scripts/build.sh"
web_dir="$("$REPO_ROOT/scripts/webapp.sh")"
work="$(mktemp -d "${TMPDIR:-/tmp}/pop-dev.XXXXXX")"
node_pid="" sidecar_pid=""
cleanup() {
	trap - EXIT INT TERM
	[ -n "$sidecar_pid" ] && kill "$sidecar_pid" 2>/dev/null && wait "$sidecar_pid" 2>/dev/null
	[ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

log "starting pop-node --dev"
"$POP_NODE_BIN" --dev --rpc-cors all --base-path "$work/chain" "$@" &
node_pid=$!
for _ in $(seq 1 120); do
	curl -sf -H 'Content-Type: application/json' \
		-d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
		http://127.0.0.1:9944 >/dev/null && break
	kill -0 "$node_pid" 2>/dev/null || { log "pop-node exited"; exit 1; }
	sleep 0.5
done
log "starting pop-sidecar for the dev masternode: open http://127.0.0.1:8080/ (Ctrl-C stops both)"
"$POP_SIDECAR_BIN" run --data-dir "$work/sidecar" --web-dir "$web_dir" &
sidecar_pid=$!
wait -n "$node_pid" "$sidecar_pid"
