#!/usr/bin/env bash
# A whole local POP network from one command: three validators (alice, bob, charlie) from
# chain-specs/local.raw.json, each with its masternode's pop-sidecar beside it (serving the web
# app, signing with a proof key of its own that the operator points the masternode at with
# `pop-sidecar masternode update` and funds with `masternode fund`), and with --monitor a Prometheus that scrapes all
# six and evaluates ops/prometheus/alerts.yml. Stops everything cleanly on Ctrl-C or SIGTERM.
#
#   scripts/local-net.sh [--monitor]
#   LOCAL_NET_DIR=/path scripts/local-net.sh     keep the state there (reused on the next run)
#   LOCAL_NET_PORT_OFFSET=1000 scripts/local-net.sh   every port below shifted by 1000
#
# Ports (i = 0, 1, 2 for alice, bob, charlie): node RPC 9944+i, p2p 30333+i, node metrics
# 9615+i; sidecar (uploads, streaming, web app, /metrics) 8080+i; Prometheus 9090.
# State under one folder ($LOCAL_NET_DIR, else a new temporary one, printed): <name>/node (the
# chain database), <name>/sidecar (content), keys/<name>.proof-key, logs/<name>-node.log,
# logs/<name>-sidecar.log, logs/prometheus.log (and the set-up's: <name>-masternode-update.log),
# run/<process>.pid (run/local-net.pid: this script).
#
# Every process is supervised as systemd's Restart=on-failure would: one that fails (a non-zero
# exit, or death by a signal such as SIGKILL) is started again on the same data after 2 s; one
# that exits cleanly (exit 0, as on SIGTERM) stays stopped. Five failures in a row, each within
# 10 s of its start, give up on that process.
#
# The genesis masternodes are operated by //Alice, //Bob and //Charlie, whose dev keys are
# public: this network is for development only.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

monitor=false
for arg in "$@"; do
	case "$arg" in
	--monitor) monitor=true ;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
		exit 0
		;;
	*)
		log "unknown argument: $arg (see --help)"
		exit 2
		;;
	esac
done

[[ -x "$POP_NODE_BIN" && -x "$POP_SIDECAR_BIN" ]] || "$REPO_ROOT/scripts/build.sh"
need_apt=()
# Sidecars transcode uploaded videos and check renditions with ffmpeg and ffprobe.
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
$monitor && ! command -v prometheus >/dev/null 2>&1 && need_apt+=(prometheus)
apt_install "${need_apt[@]}"
web_dir="$("$REPO_ROOT/scripts/webapp.sh")"

offset="${LOCAL_NET_PORT_OFFSET:-0}"
[[ "$offset" =~ ^[0-9]{1,5}$ ]] || { log "LOCAL_NET_PORT_OFFSET must be a number of ports, not '$offset'"; exit 2; }
dir="${LOCAL_NET_DIR:-$(mktemp -d -t pop-local-net.XXXXXX)}"
mkdir -p "$dir"/{logs,run,keys}
chmod 700 "$dir/keys"
dir="$(cd "$dir" && pwd)"
if [[ -f "$dir/run/local-net.pid" ]] && kill -0 "$(cat "$dir/run/local-net.pid")" 2>/dev/null; then
	log "a local network already runs in $dir (pid $(cat "$dir/run/local-net.pid"))"
	exit 1
fi

names=(alice bob charlie)
rpc_port() { echo $((9944 + offset + $1)); }
p2p_port() { echo $((30333 + offset + $1)); }
node_metrics_port() { echo $((9615 + offset + $1)); }
sidecar_port() { echo $((8080 + offset + $1)); }
prometheus_port=$((9090 + offset))
capital() { echo "${1^}"; }

declare -A supervisors=() # process name -> supervisor pid
helpers=()                 # one-off commands under way (masternode updates, funding)

# Runs `command...` as process `name` (log logs/<name>.log, pid file run/<name>.pid) until it
# exits cleanly or the supervisor is sent SIGTERM, which it passes on and waits out.
supervise() {
	local name=$1
	shift
	local logfile="$dir/logs/$name.log" pidfile="$dir/run/$name.pid"
	local child="" stop=false quick_failures=0 started status reason
	trap 'stop=true; [[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null' TERM
	note() {
		printf '[local-net] %s %s\n' "$(date -u +%FT%TZ)" "$*" >>"$logfile"
		log "$name: $*"
	}
	while :; do
		started=$SECONDS
		"$@" >>"$logfile" 2>&1 &
		child=$!
		echo "$child" >"$pidfile"
		# `wait` returns early when the trap runs: wait again until the process is gone. (Its
		# stderr is bash's own "Killed" notice, which the note below says better.)
		status=0
		wait "$child" 2>/dev/null || status=$?
		while kill -0 "$child" 2>/dev/null; do
			status=0
			wait "$child" 2>/dev/null || status=$?
		done
		child=""
		rm -f "$pidfile"
		if $stop; then return 0; fi
		# Clean as systemd counts it: exit 0, or death by SIGHUP, SIGINT, SIGTERM or SIGPIPE.
		case $status in
		0 | 129 | 130 | 141 | 143)
			note "exited cleanly (status $status); not restarting"
			return 0
			;;
		esac
		reason="status $status"
		((status > 128)) && reason="signal $(kill -l $((status - 128)))"
		if ((SECONDS - started < 10)); then quick_failures=$((quick_failures + 1)); else quick_failures=1; fi
		if ((quick_failures >= 5)); then
			note "failed ($reason) 5 times in a row within 10 s of starting; giving up"
			return 1
		fi
		note "failed ($reason); restarting in 2 s"
		sleep 2 &
		wait $! || true
		if $stop; then return 0; fi
	done
}

start() { # name command...
	local name=$1
	supervise "$@" &
	supervisors[$name]=$!
}

stop_all() {
	trap - EXIT INT TERM
	log "stopping the local network"
	local name pid deadline=$((SECONDS + 30))
	for pid in "${helpers[@]}" "${supervisors[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for name in "${!supervisors[@]}"; do
		pid=${supervisors[$name]}
		while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
		if kill -0 "$pid" 2>/dev/null; then
			log "$name did not stop within 30 s; killing it"
			[[ -f "$dir/run/$name.pid" ]] && kill -KILL "$(cat "$dir/run/$name.pid")" 2>/dev/null
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	rm -f "$dir/run/local-net.pid"
	log "stopped; state and logs are in $dir"
}
trap stop_all EXIT
trap 'exit 0' INT TERM
echo $$ >"$dir/run/local-net.pid"

# Waits (at most `seconds`) until `check` succeeds while process `name` is still supervised.
await() { # name seconds check...
	local name=$1 seconds=$2
	shift 2
	local deadline=$((SECONDS + seconds))
	until "$@" >/dev/null 2>&1; do
		if ! kill -0 "${supervisors[$name]}" 2>/dev/null || ((SECONDS >= deadline)); then
			log "$name did not come up within $seconds s; the end of logs/$name.log:"
			tail -n 30 "$dir/logs/$name.log" >&2
			exit 1
		fi
		sleep 0.5
	done
}
rpc_health() { # port
	curl -sf -H 'Content-Type: application/json' \
		-d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' "http://127.0.0.1:$1"
}

log "local network in $dir"
spec="$REPO_ROOT/chain-specs/local.raw.json"
# Fixed node keys give known peer ids; alice's node is the others' bootnode.
node_key() { printf '%064x' $(($1 + 1)); }
bootnode="/ip4/127.0.0.1/tcp/$(p2p_port 0)/p2p/$("$POP_NODE_BIN" key inspect-node-key --file <(node_key 0))"
for i in "${!names[@]}"; do
	name=${names[$i]}
	bootnodes=()
	((i == 0)) || bootnodes=(--bootnodes "$bootnode")
	start "$name-node" "$POP_NODE_BIN" --chain "$spec" --"$name" --name "$name" \
		--base-path "$dir/$name/node" --node-key "$(node_key "$i")" "${bootnodes[@]}" \
		--rpc-port "$(rpc_port "$i")" --prometheus-port "$(node_metrics_port "$i")" \
		--listen-addr "/ip4/127.0.0.1/tcp/$(p2p_port "$i")" \
		--no-mdns --no-telemetry --rpc-cors all
done
for i in "${!names[@]}"; do await "${names[$i]}-node" 120 rpc_health "$(rpc_port "$i")"; done

# Each masternode gets a proof key of its own, kept in the folder for the next run, and is
# pointed at its sidecar by its operator (a finalized transaction each, sent side by side; on a
# reused folder it changes nothing) before the sidecar starts signing with that key; then the
# operator sends its proof key 100 POP, for the fees its proofs pay up front.
for i in "${!names[@]}"; do
	name=${names[$i]}
	key_file="$dir/keys/$name.proof-key"
	[[ -f "$key_file" ]] || "$POP_SIDECAR_BIN" key generate --file "$key_file" >/dev/null
	(
		export POP_OPERATOR_KEY="//$(capital "$name")" POP_NODE_URL="ws://127.0.0.1:$(rpc_port "$i")"
		"$POP_SIDECAR_BIN" masternode update --endpoint "http://127.0.0.1:$(sidecar_port "$i")" \
			--proof-key-file "$key_file" &&
			"$POP_SIDECAR_BIN" masternode fund --amount 100 --proof-key-file "$key_file"
	) >"$dir/logs/$name-masternode-update.log" 2>&1 &
	helpers+=($!)
done
for i in "${!names[@]}"; do
	wait "${helpers[$i]}" || {
		log "pointing ${names[$i]}'s masternode at its sidecar failed:"
		cat "$dir/logs/${names[$i]}-masternode-update.log" >&2
		exit 1
	}
done
# Reaped: stopping must not signal their pids, which other processes may have by then.
helpers=()
log "masternodes point at their sidecars, each with its own funded proof key"

for i in "${!names[@]}"; do
	name=${names[$i]}
	port=$(sidecar_port "$i")
	start "$name-sidecar" "$POP_SIDECAR_BIN" run --data-dir "$dir/$name/sidecar" \
		--listen "127.0.0.1:$port" --public-url "http://127.0.0.1:$port" \
		--node-url "ws://127.0.0.1:$(rpc_port "$i")" --proof-key-file "$dir/keys/$name.proof-key" \
		--web-dir "$web_dir"
done
for i in "${!names[@]}"; do
	await "${names[$i]}-sidecar" 60 curl -sf "http://127.0.0.1:$(sidecar_port "$i")/health"
done

if $monitor; then
	# The config is rendered each run: the ports may differ from the last one's.
	config="$dir/prometheus.yml"
	render=(-e "s|@alerts@|$REPO_ROOT/ops/prometheus/alerts.yml|")
	for i in "${!names[@]}"; do
		render+=(-e "s|@${names[$i]}_node@|127.0.0.1:$(node_metrics_port "$i")|")
		render+=(-e "s|@${names[$i]}_sidecar@|127.0.0.1:$(sidecar_port "$i")|")
	done
	sed "${render[@]}" "$REPO_ROOT/ops/prometheus/prometheus.yml.in" >"$config"
	start prometheus prometheus --config.file="$config" --storage.tsdb.path="$dir/prometheus" \
		--web.listen-address="127.0.0.1:$prometheus_port"
	await prometheus 60 curl -sf "http://127.0.0.1:$prometheus_port/-/ready"
fi

log "local network ready; state in $dir"
for i in "${!names[@]}"; do
	log "  ${names[$i]}: node ws://127.0.0.1:$(rpc_port "$i"), web app http://127.0.0.1:$(sidecar_port "$i")/"
done
$monitor && log "  Prometheus: http://127.0.0.1:$prometheus_port/ (alerts: /alerts)"
log "running; Ctrl-C or SIGTERM stops everything"
# Returns when every supervisor has ended, or at once when a signal's trap runs.
wait
log "every process has stopped"
