#!/usr/bin/env bash
# Measures the content sidecar against its targets (DESIGN.md, "Targets") in one run on this
# machine and writes the sidecar section of docs/benchmarks.md:
#
# 1. streaming: a 1 GiB random file read over loopback by wrk from the release pop-sidecar and
#    from nginx (sendfile) serving the same file, the servers taking turns, in three modes: 64
#    connections reading random 1 MiB ranges (the target), and 64 and 512 connections reading
#    HLS-like ranges (lengths log-uniform from 64 KiB to 2 MiB, random offsets);
# 2. upload ingest: the same file uploaded through tus (POST, then one PATCH with curl, until the
#    204 with Pop-Content-Id) against `openssl dgst -sha256` of it, five runs each after one
#    unmeasured upload, medians; and, with the file in memory, the commitment hashed with leaves
#    of 1 to 16 KiB, for what another leaf size would cost and save;
# 3. proofs: encoded size and time of `BlobStore::prove` for items of 1 MiB, 64 MiB and 1 GiB.
#
#   scripts/sidecar-benchmark.sh           # about six minutes after the build (nine with a baseline)
#   QUICK=1 scripts/sidecar-benchmark.sh   # 64 MiB, short runs: prints the section, docs untouched
#   BASELINE_SIDECAR_BIN=/path/to/older/pop-sidecar scripts/sidecar-benchmark.sh
#       # every streaming mode also against that binary (`sidecar-before`), on the same data
#   POP_SIDECAR_BIN=/path/to/pop-sidecar ...  # measures that binary rather than the one built
#
# No node is needed: the sidecar runs without a chain, and the uploaded item is marked registered
# while the sidecar is stopped, by the `sidecar_bench` example (content-sidecar/examples). The
# machine should be otherwise idle: the load average at the start, and the CPU share of other
# work during each measurement, are recorded.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export LC_ALL=C

# Streaming modes: name, shortest and longest range, connections, seconds and rounds each.
if [[ -n "${QUICK:-}" ]]; then
	size=$((64 << 20)) samples=50 leaf_runs=1 warm_seconds=2
	modes=("ranges $((1 << 20)) $((1 << 20)) 64 5 1" "hls64 $((64 << 10)) $((2 << 20)) 64 4 1"
		"hls512 $((64 << 10)) $((2 << 20)) 512 4 1")
else
	size=$((1 << 30)) samples=200 leaf_runs=3 warm_seconds=3
	modes=("ranges $((1 << 20)) $((1 << 20)) 64 12 5" "hls64 $((64 << 10)) $((2 << 20)) 64 10 3"
		"hls512 $((64 << 10)) $((2 << 20)) 512 10 3")
fi
uploads=5
# Leaf sizes (KiB) the commitment is hashed with, for the ingest table.
leaf_kibs=(1 2 4 8 16)
baseline="${BASELINE_SIDECAR_BIN:-}"
[[ -z "$baseline" || -x "$baseline" ]] || { log "error: $baseline is not executable"; exit 1; }

# Prerequisites: nginx (Debian's nginx-light), wrk, curl, openssl.
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
need_apt=()
[[ -x "$nginx_bin" ]] || need_apt+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
apt_install "${need_apt[@]}"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

log "building pop-sidecar and the sidecar_bench example (release) into $CARGO_TARGET_DIR"
cargo build --release --locked -p pop-sidecar --manifest-path "$REPO_ROOT/Cargo.toml"
# Separately: an example build also turns on the dev-dependencies' features.
cargo build --release --locked -p pop-sidecar --example sidecar_bench \
	--manifest-path "$REPO_ROOT/Cargo.toml"
helper="$CARGO_TARGET_DIR/release/examples/sidecar_bench"

work="$(mktemp -d "${TMPDIR:-/tmp}/pop-sidecar-bench.XXXXXX")"
# nginx's workers (or all of nginx, see below) run as nobody and must reach the file.
chmod 755 "$work"
sidecar_pid="" nginx_pid=""
cleanup() {
	for pid in $sidecar_pid $nginx_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
die() { log "error: $*"; exit 1; }

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Seconds between two $EPOCHREALTIME readings.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
# The value of header $2 (lower case) in the header dump $1.
header_of() {
	awk -v name="$2" '{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == name) {
		v = substr($0, i + 1); gsub(/^[ \t]+|[ \t\r]+$/, "", v); print v } }' "$1"
}
wait_for() {
	for _ in $(seq 100); do
		curl -sf -o /dev/null "$1" && return 0
		sleep 0.2
	done
	die "$1 did not answer"
}
# Idle and total ticks of the whole machine so far.
machine_ticks() { awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
# Percentage of idle between two machine_ticks readings.
idle_pct() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
		printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2]) }'
}
# Seconds of CPU in $1 ticks.
cpu_seconds() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'; }
# Sets $children_s to the CPU seconds of this shell's finished children (wrk, curl, ...); it
# must not run in a subshell, whose count starts at zero.
children_cpu() {
	times >"$work/times"
	children_s="$(awk 'NR == 2 { for (i = 1; i <= NF; i++) { split($i, t, "m"); sub(/s$/, "", t[2]);
		s += t[1] * 60 + t[2] } printf "%.2f", s }' "$work/times")"
}
# Share (%) of the machine's CPU between two machine_ticks readings $1 and $2 that went neither
# to the server ($3 ticks) nor to this script's children ($4 seconds): other work.
other_pct() {
	awk -v a="$1" -v b="$2" -v server="$3" -v children="$4" -v hz="$(getconf CLK_TCK)" 'BEGIN {
		split(a, x, " "); split(b, y, " "); total = y[2] - x[2]; busy = total - (y[1] - x[1]);
		other = busy - server - children * hz; if (other < 0) other = 0;
		printf "%.0f", 100 * other / total }'
}
# Ticks of CPU (user + system) used so far by the processes $@.
cpu_ticks() {
	local total=0 pid fields
	for pid in "$@"; do
		# Fields after the command name: state is 1, utime 12, stime 13.
		fields="$(sed 's/^.*) //' "/proc/$pid/stat")"
		total=$((total + $(awk '{ print $12 + $13 }' <<<"$fields")))
	done
	echo "$total"
}

# Raw results stay beside the build, for scripts/sidecar-benchmark-report.py to read again.
results="$CARGO_TARGET_DIR/sidecar-benchmark${QUICK:+-quick}-results.txt"
: >"$results"
record() { echo "$*" >>"$results"; }
record "size $size"
max_connections=0
for mode in "${modes[@]}"; do
	read -r name span_min span_max connections seconds rounds <<<"$mode"
	record "mode $name span_min=$span_min span_max=$span_max connections=$connections" \
		"seconds=$seconds rounds=$rounds"
	((connections <= max_connections)) || max_connections=$connections
done
[[ -z "$baseline" ]] || record "baseline $baseline"
# Every connection is a descriptor in wrk and in the server, and nginx opens the file once per
# request besides; children inherit the limit.
files=$((4 * max_connections))
(($(ulimit -Sn) >= files)) || ulimit -Sn "$files" ||
	die "cannot raise the open-file limit to $files (hard limit $(ulimit -Hn))"
record "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || uname -m)"
record "cores $(nproc)"
record "sha_ni $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)"
record "date $(date -u +%Y-%m-%d)"
record "commit $(git -C "$REPO_ROOT" rev-parse --short HEAD)"
# Changes not committed to what is measured here, or to how.
record "dirty $(git -C "$REPO_ROOT" status --porcelain -- content-sidecar pallets/primitives \
	Cargo.toml Cargo.lock scripts/sidecar-benchmark.sh scripts/sidecar-benchmark-report.py |
	wc -l)"
record "fs $(df --output=fstype "$work" | tail -n 1 | xargs)"
record "load_start $(cut -d' ' -f1-3 /proc/loadavg)"
record "nginx $("$nginx_bin" -v 2>&1 | sed 's/^.*nginx\///')"
record "wrk $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f2)"
record "openssl_version $(openssl version | cut -d' ' -f2)"
record "curl $(curl --version | head -n 1 | cut -d' ' -f2)"

file="$work/www/video.bin"
mkdir -p "$work/www"
log "writing $((size >> 20)) MiB of random bytes"
head -c "$size" /dev/urandom >"$file"
chmod 644 "$file"
# Written to disk and dropped from the page cache, so every reader below gets the file as read
# from disk. Sent from the pages `head` had just written, uploads ran slower and less evenly
# (1.36-1.88 s against 1.04-1.20 s in the same sequence, openssl steady at 0.78 s).
sync "$file"
dd if="$file" iflag=nocache count=0 status=none

sidecar_port="$(free_port)"
sidecar_url="http://127.0.0.1:$sidecar_port"
# Standalone: no chain client, so a dev node running on this machine is left alone, and
# uploads are bounded by the local limits only. Starts the binary $1 (the one measured, unless
# given another) on the port and data dir the benchmark uses.
start_sidecar() {
	# wrk's connections all come from one address. By the environment, which a baseline binary
	# without the option ignores.
	RUST_LOG=warn POP_SIDECAR_MAX_CONNECTIONS_PER_ADDRESS="$max_connections" \
		"${1:-$POP_SIDECAR_BIN}" --listen "127.0.0.1:$sidecar_port" --standalone \
		--data-dir "$work/sidecar" --public-url "$sidecar_url" \
		>>"$work/sidecar.log" 2>&1 &
	sidecar_pid=$!
	wait_for "$sidecar_url/health"
}
stop_sidecar() {
	kill "$sidecar_pid"
	wait "$sidecar_pid" || die "pop-sidecar did not stop cleanly: $(tail -n 5 "$work/sidecar.log")"
	sidecar_pid=""
}

# --- 2. Upload ingest (first: it also puts the item into the sidecar) ---
# For reference, the hashing an upload does with the file in memory, on one thread and on the pool.
for _ in $(seq "$uploads"); do
	record "hashing $("$helper" hash "$file")"
done
# And with leaves of other sizes: blocks hashed, time, proof size.
for _ in $(seq "$leaf_runs"); do
	"$helper" leaves "$file" "${leaf_kibs[@]}" | sed 's/^/leaves /' >>"$results"
done
start_sidecar
auth="Authorization: PopSr25519 $("$helper" token upload "$sidecar_url" 3600)"
tus="Tus-Resumable: 1.0.0"
# Uploads the file through tus; sets $upload_seconds, $location and $content_id.
upload_once() {
	local started status
	started=$EPOCHREALTIME
	status="$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' -X POST -H "$tus" \
		-H "Upload-Length: $size" -H "$auth" "$sidecar_url/uploads")"
	[[ "$status" == 201 ]] || die "tus POST answered $status: $(cat "$work/body")"
	location="$(header_of "$work/headers" location)"
	# -T streams the file (--data-binary would read it all into memory first); no
	# `Expect: 100-continue` round trip.
	status="$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' -X PATCH -T "$file" \
		-H "Expect:" -H "$tus" -H "Upload-Offset: 0" \
		-H "Content-Type: application/offset+octet-stream" -H "$auth" "$sidecar_url$location")"
	upload_seconds="$(elapsed "$started" "$EPOCHREALTIME")"
	[[ "$status" == 204 ]] || die "tus PATCH answered $status: $(cat "$work/body")"
	content_id="$(header_of "$work/headers" pop-content-id)"
	[[ -n "$content_id" ]] || die "the last PATCH brought no Pop-Content-Id"
}
# The next upload starts from the same state: no item, no session.
delete_upload() {
	local status
	status="$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE -H "$tus" -H "$auth" \
		"$sidecar_url$location")"
	[[ "$status" == 204 ]] || die "tus DELETE answered $status"
}
# One unmeasured upload first. On this VM's virtual disk the first write to blocks the file
# system never used before runs at a third of the speed of later writes (dd with fdatasync: 0.72
# against 2.3 GB/s); that is the host allocating storage, not the sidecar's work.
log "warm-up upload"
upload_once
delete_upload
for run in $(seq "$uploads"); do
	# The file is read once before each measurement, so both start from the page cache.
	cat "$file" >/dev/null
	started=$EPOCHREALTIME
	openssl dgst -sha256 "$file" >/dev/null
	openssl_seconds="$(elapsed "$started" "$EPOCHREALTIME")"
	record "openssl seconds=$openssl_seconds"
	cat "$file" >/dev/null
	children_cpu
	machine_before="$(machine_ticks)" cpu_before="$(cpu_ticks "$sidecar_pid")" curl_before=$children_s
	upload_once
	machine_after="$(machine_ticks)" ticks=$(($(cpu_ticks "$sidecar_pid") - cpu_before))
	children_cpu
	curl_s="$(awk -v a="$curl_before" -v b="$children_s" 'BEGIN { printf "%.2f", b - a }')"
	cpu="$(cpu_seconds "$ticks")"
	record "upload seconds=$upload_seconds sidecar_cpu_s=$cpu curl_cpu_s=$curl_s" \
		"idle_pct=$(idle_pct "$machine_before" "$machine_after")" \
		"other_pct=$(other_pct "$machine_before" "$machine_after" "$ticks" "$curl_s")"
	log "run $run: openssl dgst $openssl_seconds s, upload $upload_seconds s (sidecar CPU $cpu s)"
	if ((run < uploads)); then
		delete_upload
	fi
done
record "content_id $content_id"

# --- 1. Streaming ---
log "marking $content_id registered (sidecar stopped)"
stop_sidecar
"$helper" register "$work/sidecar" "$content_id"
start_sidecar

nginx_port="$(free_port)"
nginx_dir="$work/nginx"
mkdir -p "$nginx_dir/temp"
cat >"$nginx_dir/nginx.conf" <<EOF
worker_processes auto;
pid $nginx_dir/nginx.pid;
error_log $nginx_dir/error.log warn;
worker_rlimit_nofile $files;
events { worker_connections $((2 * max_connections)); }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	default_type application/octet-stream;
	client_body_temp_path $nginx_dir/temp/body;
	proxy_temp_path $nginx_dir/temp/proxy;
	fastcgi_temp_path $nginx_dir/temp/fastcgi;
	uwsgi_temp_path $nginx_dir/temp/uwsgi;
	scgi_temp_path $nginx_dir/temp/scgi;
	server {
		# One listening socket per worker: without it one worker at times takes all the
		# connections while the other idles.
		listen 127.0.0.1:$nginx_port reuseport;
		root $work/www;
	}
}
EOF
unprivileged=()
if [ "$(id -u)" -eq 0 ]; then
	# As root, nginx runs whole as nobody rather than starting as root and dropping privileges.
	chown -R nobody:nogroup "$nginx_dir"
	unprivileged=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
"${unprivileged[@]}" "$nginx_bin" -p "$nginx_dir" -c "$nginx_dir/nginx.conf" \
	-e "$nginx_dir/error.log" -g 'daemon off;' >>"$work/nginx.log" 2>&1 &
nginx_pid=$!
nginx_url="http://127.0.0.1:$nginx_port/video.bin"
sidecar_content="$sidecar_url/content/$content_id"
wait_for "$nginx_url"

# A server gives the same bytes as the file, with 206.
check_ranges() {
	local first range status span=$((1 << 20))
	for first in 0 $((size / 3 + 12345)) $((size - span)); do
		range="bytes=$first-$((first + span - 1))"
		status="$(curl -sS -o "$work/part" -w '%{http_code}' -H "Range: $range" "$1")"
		[[ "$status" == 206 ]] || die "$1 answered $status to Range: $range"
		cmp -s "$work/part" <(tail -c "+$((first + 1))" "$file" | head -c "$span") ||
			die "$1 gave the wrong bytes for $range"
	done
}
check_ranges "$nginx_url"
check_ranges "$sidecar_content"

cat >"$work/ranges.lua" <<'EOF'
-- GETs of random ranges of a `size`-byte file (wrk ... -- size shortest longest): lengths
-- log-uniform from `shortest` to `longest` bytes (one length when they are equal), at any offset.
-- Each thread has its own fixed seed, so every server gets the same requests.
local threads = 0
function setup(thread)
	threads = threads + 1
	thread:set("seed", threads)
end
function init(args)
	size, shortest, longest = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
	math.randomseed(seed * 7919)
end
function request()
	local span = shortest
	if longest > shortest then
		span = math.floor(shortest * math.exp(math.random() * math.log(longest / shortest)))
		span = math.min(math.max(span, shortest), longest)
	end
	local first = math.random(0, size - span)
	return wrk.format("GET", nil, { Range = string.format("bytes=%d-%d", first, first + span - 1) })
end
function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"result requests=%d bytes=%d duration_us=%d errors=%d latency_mean_us=%.0f "
			.. "latency_p50_us=%d latency_p99_us=%d latency_max_us=%d\n",
		summary.requests, summary.bytes, summary.duration,
		e.connect + e.read + e.write + e.status + e.timeout,
		latency.mean, latency:percentile(50), latency:percentile(99), latency.max))
end
EOF
# Reads ranges of streaming mode $1 (a name in $modes) from $3 for $4 seconds; with a label $2,
# records the result and the CPU the server's processes (the rest of the arguments) used.
read_ranges() {
	local mode="$1" label="$2" url="$3" duration="$4" span_min span_max connections
	local before machine result children ticks after
	shift 4
	read -r _ span_min span_max connections _ <<<"$(printf '%s\n' "${modes[@]}" | grep "^$mode ")"
	children_cpu
	before="$(cpu_ticks "$@")" machine="$(machine_ticks)" children=$children_s
	wrk -t "$(nproc)" -c "$connections" -d "${duration}s" --timeout 10s -s "$work/ranges.lua" \
		"$url" -- "$size" "$span_min" "$span_max" >"$work/wrk.out" 2>&1 ||
		die "wrk failed: $(cat "$work/wrk.out")"
	result="$(sed -n 's/^result //p' "$work/wrk.out")"
	[[ -n "$result" ]] || die "wrk printed no result: $(cat "$work/wrk.out")"
	after="$(machine_ticks)" ticks=$(($(cpu_ticks "$@") - before))
	children_cpu
	children="$(awk -v a="$children" -v b="$children_s" 'BEGIN { printf "%.2f", b - a }')"
	result+=" server_cpu_s=$(cpu_seconds "$ticks") client_cpu_s=$children"
	result+=" idle_pct=$(idle_pct "$machine" "$after")"
	result+=" other_pct=$(other_pct "$machine" "$after" "$ticks" "$children")"
	[[ -z "$label" ]] || record "stream $mode $label $result"
	log "$mode ${label:-warm-up} $url: $result"
}
nginx_pids=("$nginx_pid" $(ps -o pid= --ppid "$nginx_pid"))
# The sidecars measured: a label and a binary each. With a baseline the two take turns on the
# same port and data dir: in each mode's turn the one running is measured first, then the other
# replaces it, so a turn costs one restart; a sidecar is warmed up after it starts.
sidecar_labels=(sidecar) sidecar_bins=("$POP_SIDECAR_BIN") running=0
if [[ -n "$baseline" ]]; then
	sidecar_labels+=(sidecar-before) sidecar_bins+=("$baseline")
fi
# Stops the running sidecar, starts sidecar $1 (an index into the arrays above), checks its bytes
# and warms it up in mode $2.
switch_sidecar() {
	stop_sidecar
	start_sidecar "${sidecar_bins[$1]}"
	running=$1
	check_ranges "$sidecar_content"
	read_ranges "$2" "" "$sidecar_content" "$warm_seconds" "$sidecar_pid"
}
first_mode="${modes[0]%% *}"
read_ranges "$first_mode" "" "$nginx_url" "$warm_seconds" "${nginx_pids[@]}"
read_ranges "$first_mode" "" "$sidecar_content" "$warm_seconds" "$sidecar_pid"
# Modes interleave within a round, so slow drifts of the machine touch each alike.
max_rounds="$(printf '%s\n' "${modes[@]}" | awk '$6 > n { n = $6 } END { print n }')"
for round in $(seq "$max_rounds"); do
	for mode in "${modes[@]}"; do
		read -r name _ _ _ seconds rounds <<<"$mode"
		((round <= rounds)) || continue
		read_ranges "$name" nginx "$nginx_url" "$seconds" "${nginx_pids[@]}"
		read_ranges "$name" "${sidecar_labels[$running]}" "$sidecar_content" "$seconds" \
			"$sidecar_pid"
		if ((${#sidecar_labels[@]} > 1)); then
			switch_sidecar $((1 - running)) "$name"
			read_ranges "$name" "${sidecar_labels[$running]}" "$sidecar_content" "$seconds" \
				"$sidecar_pid"
		fi
	done
done
kill "$nginx_pid" && wait "$nginx_pid" || true
nginx_pid=""
stop_sidecar

# --- 3. Proofs ---
log "timing proofs"
proof_sizes="$(printf '%s\n' $((1 << 20)) $((64 << 20)) "$size" | sort -nu | xargs)"
"$helper" prove "$work/proofs" "$file" "$samples" $proof_sizes | sed 's/^/proof /' >>"$results"

out="$REPO_ROOT/docs/benchmarks.md"
[[ -z "${QUICK:-}" ]] || out="-"
python3 "$REPO_ROOT/scripts/sidecar-benchmark-report.py" --results "$results" --out "$out"
[[ -n "${QUICK:-}" ]] || log "wrote docs/benchmarks.md"
