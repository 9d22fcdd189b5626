#!/usr/bin/env bash
# Load test of one content sidecar beside a live dev node, and the load section of
# docs/benchmarks.md:
#
# 1. starts `pop-node --dev` and `pop-sidecar` (the dev masternode's proof key) on free loopback
#    ports, with their state in a temporary folder;
# 2. writes ITEMS files of ITEM_MIB MiB of random bytes, and puts them on chain as a creator
#    would (tests/polkadotjs/tools/register-content.js): uploaded through tus, registered free
#    (free items stream without a token), confirmed by the sidecar, located by `content_locate`;
# 3. runs VIEWERS concurrent viewers for DURATION seconds (the `viewer_load` example in
#    content-sidecar/examples): each on its own keep-alive connection GETs random 64 KiB–2 MiB
#    ranges of random items, one after the other without a pause, checking every response;
# 4. samples the sidecar's memory and the node's finalized block every second meanwhile, counts
#    the chain's storage challenges to the sidecar and its answers (until the deadline of the
#    last challenge issued during the run), and writes what it measured into docs/benchmarks.md.
#
#   scripts/load-test.sh                      # 1,000 viewers for 60 s, about 3 min in all
#   QUICK=1 scripts/load-test.sh              # 100 viewers for 10 s: prints the section only
#   VIEWERS=2000 DURATION=120 scripts/load-test.sh
#   QUICK=1 VIEWERS=1000 DURATION=30 SIDECAR_FD_LIMIT=1024 scripts/load-test.sh   # the usual limit
#
# Binaries: $POP_NODE_BIN and $POP_SIDECAR_BIN when set, else the release build (built first if
# missing). The machine should be otherwise idle: the load average at the start, and the CPU
# share of other work during the run, are recorded.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export LC_ALL=C

if [[ -n "${QUICK:-}" ]]; then
	viewers=${VIEWERS:-100} duration=${DURATION:-10} items=${ITEMS:-3} item_mib=${ITEM_MIB:-8}
else
	viewers=${VIEWERS:-1000} duration=${DURATION:-60} items=${ITEMS:-6} item_mib=${ITEM_MIB:-32}
fi
# Viewers join evenly over this time, as an audience arrives; the sidecar's log level.
ramp=2 sidecar_log=${RUST_LOG:-warn}

need_apt=()
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
apt_install "${need_apt[@]}"
die() { log "error: $*"; exit 1; }

# Each viewer costs the sidecar a socket and, while a request is served, the item's file; the
# generator a socket.
fds=$((2 * viewers + 1024))
if (($(ulimit -Sn) < fds)); then
	(($(ulimit -Hn) >= fds)) || die "need $fds open files, the hard limit is $(ulimit -Hn)"
	ulimit -Sn "$fds"
fi

[[ -x "$POP_NODE_BIN" && -x "$POP_SIDECAR_BIN" ]] || "$REPO_ROOT/scripts/build.sh"
log "building the viewer_load example (release) into $CARGO_TARGET_DIR"
cargo build --release --locked -p pop-sidecar --example viewer_load \
	--manifest-path "$REPO_ROOT/Cargo.toml"
generator="$CARGO_TARGET_DIR/release/examples/viewer_load"
polkadotjs="$REPO_ROOT/tests/polkadotjs"
[[ -d "$polkadotjs/node_modules" ]] ||
	(cd "$polkadotjs" && npm ci --no-audit --no-fund --loglevel=error)

work="$(mktemp -d "${TMPDIR:-/tmp}/pop-load.XXXXXX")"
node_pid="" sidecar_pid="" sampler_pid="" watcher_pid=""
cleanup() {
	trap - EXIT INT TERM
	for pid in $watcher_pid $sampler_pid $sidecar_pid $node_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Idle and total ticks of the whole machine so far.
machine_ticks() { awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
# Ticks of CPU (user + system) used so far by process $1 (fields after the command name: state
# is 1, utime 12, stime 13).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# Field $2 (say VmRSS, in kB) of /proc/$1/status.
status_of() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }
rpc() {
	curl -sf --max-time 5 -H 'Content-Type: application/json' \
		-d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$1\",\"params\":[${2:-}]}" "$node_http"
}
# The number of the node's last finalized block, and of its best block; nothing if the node
# did not answer.
finalized_number() {
	local hash number
	hash="$(rpc chain_getFinalizedHead | jq -re .result)" &&
		number="$(rpc chain_getHeader "\"$hash\"" | jq -re .result.number)" && echo $((number))
}
best_number() { local number; number="$(rpc chain_getHeader | jq -re .result.number)" && echo $((number)); }

results="$CARGO_TARGET_DIR/load-test${QUICK:+-quick}-results.txt"
: >"$results"
record() { echo "$*" >>"$results"; }
record "viewers $viewers"
record "duration $duration"
record "ramp $ramp"
record "items $items"
record "item_size $((item_mib << 20))"
record "rust_log $sidecar_log"
record "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || uname -m)"
record "cores $(nproc)"
record "memory_kb $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
record "date $(date -u +%Y-%m-%d)"
record "commit $(git -C "$REPO_ROOT" rev-parse --short HEAD)"
# Changes not committed to what is measured here, or to how.
record "dirty $(git -C "$REPO_ROOT" status --porcelain -- content-sidecar Cargo.lock \
	scripts/load-test.sh scripts/load-test-report.py tests/polkadotjs/tools | wc -l)"
# How many items the store keeps open and mapped for streaming (content-sidecar/src/blob_store).
kept_open="$(sed -n 's/^const KEPT_OPEN: NonZeroUsize = NonZeroUsize::new(\([0-9]*\)).*/\1/p' \
	"$REPO_ROOT/content-sidecar/src/blob_store/mod.rs")"
[[ -n "$kept_open" ]] || die "KEPT_OPEN not found in content-sidecar/src/blob_store/mod.rs"
record "kept_open $kept_open"
record "node_version $("$POP_NODE_BIN" --version | cut -d' ' -f2)"
record "sidecar_version $("$POP_SIDECAR_BIN" --version | cut -d' ' -f2)"
record "load_start $(cut -d' ' -f1-3 /proc/loadavg)"

log "starting pop-node --dev"
# As the Polkadot.js tests start it: the node binds ports of its own choosing and logs them.
"$POP_NODE_BIN" --dev --base-path "$work/chain" --rpc-port 0 --no-prometheus --no-telemetry \
	--no-mdns --listen-addr /ip4/127.0.0.1/tcp/0 --unsafe-force-node-key-generation \
	>"$work/node.log" 2>&1 &
node_pid=$!
rpc_port=""
for _ in $(seq 240); do
	rpc_port="$(sed -n 's/.*Running JSON-RPC server: addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/node.log" | head -n 1)"
	[[ -z "$rpc_port" ]] || break
	kill -0 "$node_pid" 2>/dev/null || die "pop-node exited: $(tail -n 20 "$work/node.log")"
	sleep 0.5
done
[[ -n "$rpc_port" ]] || die "pop-node did not serve JSON-RPC: $(tail -n 20 "$work/node.log")"
node_http="http://127.0.0.1:$rpc_port" node_ws="ws://127.0.0.1:$rpc_port"

log "starting pop-sidecar beside it"
sidecar_port="$(free_port)"
sidecar_url="http://127.0.0.1:$sidecar_port"
# SIDECAR_FD_LIMIT gives the sidecar another soft limit of open files than this script's (say
# 1024, the usual default, to see what it bounds).
(
	ulimit -Sn "${SIDECAR_FD_LIMIT:-$(ulimit -Sn)}"
	RUST_LOG="$sidecar_log" exec "$POP_SIDECAR_BIN" run --listen "127.0.0.1:$sidecar_port" \
		--data-dir "$work/sidecar" --public-url "$sidecar_url" --node-url "$node_ws" \
		--proof-key //Alice//stash --max-connections-per-address "$viewers"
) >"$work/sidecar.log" 2>&1 &
sidecar_pid=$!
for _ in $(seq 100); do
	curl -sf -o /dev/null "$sidecar_url/health" && break
	kill -0 "$sidecar_pid" 2>/dev/null || die "pop-sidecar exited: $(tail -n 20 "$work/sidecar.log")"
	sleep 0.2
done

log "writing $items items of $item_mib MiB of random bytes"
mkdir "$work/items"
files=()
for i in $(seq "$items"); do
	head -c "$((item_mib << 20))" /dev/urandom >"$work/items/item-$i.bin"
	files+=("$work/items/item-$i.bin")
done
log "uploading, registering and waiting for the sidecar to confirm them"
node "$polkadotjs/tools/register-content.js" "$node_ws" "$sidecar_url" "${files[@]}" \
	>"$work/located" 2>"$work/register.log" ||
	die "putting the items on chain failed: $(tail -n 20 "$work/register.log")
sidecar: $(tail -n 10 "$work/sidecar.log")"
# The generator's arguments: `<content URL>=<local copy>`.
targets=()
while read -r file url; do
	targets+=("$url=$file")
done <"$work/located"
((${#targets[@]} == items)) || die "only ${#targets[@]} of $items items were located"

record "fd_limit $(awk '/^Max open files/ { print $4 }' "/proc/$sidecar_pid/limits")"
# The chain's challenges to the sidecar's masternode, and its answers, from now until every
# challenge issued during the run has been answered or missed.
node "$polkadotjs/tools/watch-content.js" "$node_ws" >"$work/challenges" 2>"$work/watch.log" &
watcher_pid=$!
# The run's peak memory alone: the peak so far (the uploads') is reset (Linux ≥ 4.0).
echo 5 >"/proc/$sidecar_pid/clear_refs"
record "rss_before_kb $(status_of "$sidecar_pid" VmRSS)"
record "threads_before $(status_of "$sidecar_pid" Threads)"
record "finalized_before $(finalized_number)"

# Every second: the sidecar's memory, threads and open files, the node's finalized and best
# blocks.
sample() {
	local started=$EPOCHREALTIME
	while sleep 1; do
		echo "sample t=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')" \
			"rss_kb=$(status_of "$sidecar_pid" VmRSS) threads=$(status_of "$sidecar_pid" Threads)" \
			"fds=$(find "/proc/$sidecar_pid/fd" -mindepth 1 | wc -l)" \
			"finalized=$(finalized_number) best=$(best_number)"
	done
}
sample >>"$results" &
sampler_pid=$!

log "$viewers viewers for $duration s"
machine_before="$(machine_ticks)"
sidecar_before="$(cpu_ticks "$sidecar_pid")" node_before="$(cpu_ticks "$node_pid")"
"$generator" --viewers "$viewers" --duration "${duration}s" --ramp "${ramp}s" "${targets[@]}" \
	>"$work/load.out" 2>"$work/load.err" || die "viewer_load failed: $(tail -n 20 "$work/load.err")"
machine_after="$(machine_ticks)"
sidecar_ticks=$(($(cpu_ticks "$sidecar_pid") - sidecar_before))
node_ticks=$(($(cpu_ticks "$node_pid") - node_before))
record "hwm_kb $(status_of "$sidecar_pid" VmHWM)"
record "rss_end_kb $(status_of "$sidecar_pid" VmRSS)"
kill "$sampler_pid" && wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
record "finalized_after $(finalized_number)"
result="$(sed -n 's/^result //p' "$work/load.out")"
[[ -n "$result" ]] || die "viewer_load printed no result: $(cat "$work/load.out" "$work/load.err")"
record "load $result"
record "machine $(awk -v a="$machine_before" -v b="$machine_after" -v sidecar="$sidecar_ticks" \
	-v node="$node_ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { split(a, x, " "); split(b, y, " ");
	printf "total_s=%.2f idle_s=%.2f sidecar_cpu_s=%.2f node_cpu_s=%.2f", (y[2] - x[2]) / hz,
		(y[1] - x[1]) / hz, sidecar / hz, node / hz }')"
# What the errors were, if any, for the report to quote.
head -n 5 "$work/load.err" | sed 's/^/error_line /' >>"$results"
# Memory kept once the viewers are gone.
sleep 5
record "rss_idle_kb $(status_of "$sidecar_pid" VmRSS)"
record "threads_idle $(status_of "$sidecar_pid" Threads)"
deadline="$(sed -n 's/^deadline //p' "$work/challenges")"
[[ -n "$deadline" ]] || die "watch-content.js did not start: $(tail -n 20 "$work/watch.log")"
record "challenge_deadline $deadline"
log "waiting $deadline blocks for the last challenges' deadlines"
until_block=$(($(best_number) + deadline + 1))
while (($(best_number || echo 0) < until_block)); do
	sleep 1
done
kill "$watcher_pid" && wait "$watcher_pid" || die "watch-content.js failed: $(tail -n 20 "$work/watch.log")"
watcher_pid=""
challenges="$(grep '^challenges ' "$work/challenges")" || die "watch-content.js printed no counts"
record "$challenges"
log "$result"

out="$REPO_ROOT/docs/benchmarks.md"
[[ -z "${QUICK:-}" ]] || out="-"
python3 "$REPO_ROOT/scripts/load-test-report.py" --results "$results" --out "$out"
[[ -n "${QUICK:-}" ]] || log "wrote docs/benchmarks.md"
