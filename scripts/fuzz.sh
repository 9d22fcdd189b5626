#!/usr/bin/env bash
# Fuzzes every parser that takes outside bytes with libFuzzer (the targets in fuzz/, one per
# parser; fuzz/src/lib.rs lists them and what each asserts) and writes the fuzzing section of
# docs/benchmarks.md:
#
#   scripts/fuzz.sh                                # every target, 10,000,000 executions each
#   FUZZ_RUNS=100000 scripts/fuzz.sh range auth_token   # some targets or fewer runs: prints the
#                                                  # section, docs untouched
#
# Works on the stable toolchain: libfuzzer-sys brings libFuzzer, and the coverage instrumentation
# is rustc's own sancov pass, asked for with -C options (what `cargo fuzz build` passes on
# nightly). Debug assertions and overflow checks are on, so arithmetic that would wrap is a crash.
#
# Each target starts from its committed corpus, fuzz/corpus/<target>, which the run leaves as it
# is; the inputs it finds go to a scratch folder and are then merged back minimized (libFuzzer's
# -merge=1 adds only those that reach coverage the corpus does not), so the committed corpus, which
# CI replays (scripts/fuzz-replay.sh), grows only with inputs that reach new code. FUZZ_MERGE=0
# keeps them out. A crash stops nothing else: every target runs, the failing inputs are printed
# (kept under $FUZZ_TARGET_DIR/artifacts), and the script exits 1 at the end.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export LC_ALL=C

runs="${FUZZ_RUNS:-10000000}"
merge="${FUZZ_MERGE:-1}"
# Its own folder: the instrumented build would otherwise replace the plain one of the same
# crates (RUSTFLAGS do not make separate artifacts).
fuzz_target_dir="${FUZZ_TARGET_DIR:-$CARGO_TARGET_DIR/fuzz}"
manifest="$REPO_ROOT/fuzz/Cargo.toml"
mapfile -t all < <(sed -n 's/^name = "\(.*\)"$/\1/p' "$manifest" | grep -vx pop-fuzz)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
for target in "${targets[@]}"; do
	printf '%s\n' "${all[@]}" | grep -qx "$target" ||
		{ log "no fuzz target $target (${all[*]})"; exit 1; }
done

# libFuzzer's C++ sources are compiled by libfuzzer-sys's build script.
command -v c++ >/dev/null 2>&1 || apt_install g++

host="$(rustc -vV | sed -n 's/^host: //p')"
log "building the fuzz targets (release, instrumented) into $fuzz_target_dir"
mkdir -p "$fuzz_target_dir"
started=$EPOCHREALTIME
# With --target, RUSTFLAGS reach only the target's crates, not build scripts or proc macros,
# which must not be instrumented (nothing would link libFuzzer into them).
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
	SKIP_WASM_BUILD=1 cargo build --release --locked --manifest-path "$manifest" \
	--target-dir "$fuzz_target_dir" --target "$host" --features libfuzzer \
	$(printf -- '--bin %s ' "${targets[@]}") 2>&1 | tee "$fuzz_target_dir/build.log" >&2
build_seconds="$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')"
# How much was built: every crate from cold (about 550), only the fuzz crate after a change to it.
build_crates="$(grep -c '^ *Compiling ' "$fuzz_target_dir/build.log" || true)"
bin_dir="$fuzz_target_dir/$host/release"

artifacts="$fuzz_target_dir/artifacts"
results="$fuzz_target_dir/fuzz-results.txt"
mkdir -p "$artifacts"
: >"$results"
record() { echo "$*" >>"$results"; }
record "runs $runs"
record "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || uname -m)"
record "cores $(nproc)"
record "date $(date -u +%Y-%m-%d)"
record "commit $(git -C "$REPO_ROOT" rev-parse --short HEAD)"
record "dirty $(git -C "$REPO_ROOT" status --porcelain -- fuzz content-sidecar pallets runtime \
	node/src/rpc scripts/fuzz.sh scripts/fuzz-report.py | grep -v '^?? fuzz/corpus/' | wc -l)"
record "rustc $(rustc -V | cut -d' ' -f2)"
record "libfuzzer_sys $(sed -n '/^name = "libfuzzer-sys"$/{n;s/^version = "\(.*\)"$/\1/p}' \
	"$REPO_ROOT/fuzz/Cargo.lock")"
record "build_seconds $build_seconds"
record "build_crates $build_crates"
record "load_start $(cut -d' ' -f1-3 /proc/loadavg)"

# Entries in corpus folder $1.
count() { find "$1" -maxdepth 1 -type f | wc -l; }
failed=()
for target in "${targets[@]}"; do
	corpus="$REPO_ROOT/fuzz/corpus/$target"
	found="$(mktemp -d "${TMPDIR:-/tmp}/pop-fuzz-$target.XXXXXX")"
	mkdir -p "$corpus"
	before="$(count "$corpus")"
	log "$target: $runs executions from $before corpus entries"
	log_file="$fuzz_target_dir/$target.log"
	started=$EPOCHREALTIME
	status=0 crashed=0
	# -timeout: an input taking 30 s (on a shared machine) is a hang and counts as a crash.
	"$bin_dir/$target" -runs="$runs" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$target-" "$found" "$corpus" >"$log_file" 2>&1 || status=$?
	seconds="$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
	executed="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log_file" | tail -n 1)"
	seed="$(sed -n 's/^INFO: Seed: *//p' "$log_file" | head -n 1)"
	rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log_file" | tail -n 1)"
	crash="$(sed -n 's/^.*Test unit written to \(.*\)$/\1/p' "$log_file" | tail -n 1)"
	if ((status != 0)) || [[ -n "$crash" ]]; then
		log "$target: CRASHED after $seconds s (exit $status), input: ${crash:-none written}"
		tail -n 40 "$log_file" >&2
		failed+=("$target")
		crashed=1
	fi
	new="$(count "$found")"
	if [[ "$merge" == 1 ]] && ((new > 0)); then
		"$bin_dir/$target" -merge=1 -timeout=30 -rss_limit_mb=4096 "$corpus" "$found" \
			>"$fuzz_target_dir/$target-merge.log" 2>&1 ||
			{
				log "$target: merging the new inputs failed"
				tail -n 20 "$fuzz_target_dir/$target-merge.log" >&2
				exit 1
			}
	fi
	rm -rf "$found"
	after="$(count "$corpus")"
	record "target name=$target executions=${executed:-0} seconds=$seconds crashes=$crashed" \
		"corpus_before=$before corpus_after=$after found=$new peak_rss_mb=${rss:-0} seed=${seed:-0}"
	log "$target: ${executed:-?} executions in $seconds s; corpus $before -> $after entries"
done

out="$REPO_ROOT/docs/benchmarks.md"
partial=""
# Only a full run (every target, at least the default count) replaces the section.
((runs >= 10000000 && ${#targets[@]} == ${#all[@]})) || { out="-"; partial=1; }
python3 "$REPO_ROOT/scripts/fuzz-report.py" --results "$results" --out "$out"
[[ -n "$partial" ]] || log "wrote docs/benchmarks.md"
if ((${#failed[@]})); then
	log "crashed: ${failed[*]} (inputs under $artifacts)"
	exit 1
fi
