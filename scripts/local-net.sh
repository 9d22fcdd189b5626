#!/usr/bin/env bash
# Starts a three-validator network (alice, bob, charlie) from chain-specs/local.raw.json on
# loopback ports, with bob and charlie bootstrapping from alice, and stops all three cleanly on
# Ctrl-C or SIGTERM.
#
#   scripts/local-net.sh            run until interrupted
#   LOCAL_NET_DIR=/path scripts/local-net.sh   keep databases and logs there
#
# Ports: alice RPC 9944 / p2p 30333 / metrics 9615; bob 9945 / 30334 / 9616;
#        charlie 9946 / 30335 / 9617.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ -x "$POP_NODE_BIN" ] || "$REPO_ROOT/scripts/build.sh"

spec="$REPO_ROOT/chain-specs/local.raw.json"
dir="${LOCAL_NET_DIR:-$(mktemp -d -t pop-local-net.XXXXXX)}"
mkdir -p "$dir"
# Fixed node keys give known peer ids; alice's is the bootnode of the others.
node_key() { printf '%064x' "$1"; }
alice_peer=$("$POP_NODE_BIN" key inspect-node-key --file <(node_key 1))
bootnode="/ip4/127.0.0.1/tcp/30333/p2p/$alice_peer"

pids=()
stop() {
	log "stopping the local network"
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	log "stopped; databases and logs are in $dir"
}
trap stop EXIT
trap 'exit 0' INT TERM

start() { # name index extra-args...
	local name=$1 i=$2; shift 2
	"$POP_NODE_BIN" --chain "$spec" --"$name" --name "$name" \
		--base-path "$dir/$name" \
		--rpc-port $((9944 + i)) --prometheus-port $((9615 + i)) \
		--listen-addr "/ip4/127.0.0.1/tcp/$((30333 + i))" \
		--no-mdns --no-telemetry --rpc-cors all "$@" >"$dir/$name.log" 2>&1 &
	pids+=($!)
	log "$name: ws://127.0.0.1:$((9944 + i)), log $dir/$name.log"
}

start alice 0 --node-key "$(node_key 1)"
start bob 1 --node-key "$(node_key 2)" --bootnodes "$bootnode"
start charlie 2 --node-key "$(node_key 3)" --bootnodes "$bootnode"
log "local network running (Ctrl-C to stop)"
wait -n "${pids[@]}" || true
log "a node exited; see the logs in $dir"
