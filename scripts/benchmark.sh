#!/usr/bin/env bash
# Measures POP's pallets with their runtime benchmarks, writes each pallet's `weights.rs`, and
# records the era-transition, claim and proof-verification scaling in docs/benchmarks.md.
#
#   scripts/benchmark.sh                # all of it (about an hour on 2 cores, most of it the build)
#   QUICK=1 scripts/benchmark.sh        # fewer steps and repeats, to try the pipeline
#   REPORT_ONLY=1 scripts/benchmark.sh  # weights and report again from the last run's results
#   ONLY=pallet_content scripts/benchmark.sh  # one pallet's weights alone (no report)
#
# The benchmark node is built with `--features runtime-benchmarks` into its own target folder:
# its runtime differs from the production one, and sharing the folder would rebuild the wasm
# every time the two builds alternate.
set -euo pipefail
source "$(dirname "$0")/common.sh"

"$REPO_ROOT/scripts/setup.sh"
export CARGO_TARGET_DIR="${POP_BENCH_TARGET_DIR:-$CARGO_TARGET_DIR-bench}"
# frame-benchmarking-cli's storage benchmark carries a test runtime we never run; its wasm
# build also cannot find itself in this workspace.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
cargo build --release --locked -p pop-node --features runtime-benchmarks
node_bin="$CARGO_TARGET_DIR/release/pop-node"

if [[ -n "${QUICK:-}" ]]; then
	call_steps=5 call_repeat=2 era_steps=2 era_repeat=1
else
	call_steps=50 call_repeat=20 era_steps=5 era_repeat=2
fi

# Raw results stay beside the build, for scripts/benchmark-report.py to read again.
work="$CARGO_TARGET_DIR/benchmark-results"
if [[ -n "${REPORT_ONLY:-}" ]]; then
	[[ -d "$work" ]] || { echo "no results in $work: run without REPORT_ONLY first" >&2; exit 1; }
	rm -f "$work/cover.json"
else
	rm -rf "$work" && mkdir -p "$work"
fi

# Runs the benchmarks of pallet $1 (extrinsics $2, steps $3, repeats $4) into JSON file $5.
# `ONLY=pallet_content` measures and writes that pallet's weights alone (and not the report,
# which needs every pallet's results).
wanted() { [[ -z "${ONLY:-}" || "$ONLY" == "$1" ]]; }

measure() {
	wanted "$1" || return 0
	[[ -z "${REPORT_ONLY:-}" ]] || return 0
	"$node_bin" benchmark pallet --chain dev --wasm-execution compiled \
		--pallet "$1" --extrinsic "$2" --steps "$3" --repeat "$4" \
		--json-file "$5" >"$5.log" 2>&1 || { tail -40 "$5.log"; return 1; }
}

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || uname -m)"
version="$("$node_bin" --version | cut -d' ' -f2)"

# Writes the weights of pallet $1 into $2 from the JSON results listed after $3, a line on
# how they were measured.
write_weights() {
	local pallet="$1" output="$2" settings="$3"
	shift 3
	wanted "$pallet" || return 0
	printf '%s\n' \
		"//! Measured on $(date -u +%Y-%m-%d) on $cpu with pop-node $version, wasm compiled," \
		"//! dev genesis; $settings." >"$work/header.rs"
	python3 -c 'import json, sys; print(json.dumps([r for f in sys.argv[1:] for r in json.load(open(f))]))' \
		"$@" >"$work/$pallet.json"
	# The weights as they were, once per run (a report-only run compares with the same).
	[[ -n "${REPORT_ONLY:-}" ]] || cp "$output" "$work/$pallet.before.rs"
	"$node_bin" benchmark pallet --json-input "$work/$pallet.json" \
		--template "$REPO_ROOT/scripts/weights-template.hbs" --header "$work/header.rs" \
		--output "$output" >/dev/null
	# The fitted line may pass below a slow sample: raise each base until none is.
	python3 "$REPO_ROOT/scripts/weights_cover.py" --pallet "$pallet" --results "$work/$pallet.json" \
		--weights "$output" --before "$work/$pallet.before.rs" --record "$work/cover.json"
	echo "wrote $output"
}

measure pallet_masternodes '*' "$call_steps" "$call_repeat" "$work/masternodes.json"
write_weights pallet_masternodes "$REPO_ROOT/pallets/masternodes/src/weights.rs" \
	"$call_steps steps × $call_repeat repeats" "$work/masternodes.json"

measure pallet_pop_token '*' "$call_steps" "$call_repeat" "$work/pop-token.json"
write_weights pallet_pop_token "$REPO_ROOT/pallets/pop-token/src/weights.rs" \
	"$call_steps steps × $call_repeat repeats" "$work/pop-token.json"

measure pallet_rewards claim "$call_steps" "$call_repeat" "$work/rewards.json"
write_weights pallet_rewards "$REPO_ROOT/pallets/rewards/src/weights.rs" \
	"$call_steps steps × $call_repeat repeats" "$work/rewards.json"

measure pallet_content '*' "$call_steps" "$call_repeat" "$work/content.json"
write_weights pallet_content "$REPO_ROOT/pallets/content/src/weights.rs" \
	"$call_steps steps × $call_repeat repeats" "$work/content.json"

# The era transition sets up to 100,000 backers per sample, so it gets fewer samples.
measure pallet_delegation delegate,undelegate,redelegate,withdraw_unbonded,withdraw_closed,on_slash \
	"$call_steps" "$call_repeat" "$work/delegation-calls.json"
measure pallet_delegation rotate_era "$era_steps" "$era_repeat" "$work/delegation-era.json"
write_weights pallet_delegation "$REPO_ROOT/pallets/delegation/src/weights.rs" \
	"calls $call_steps steps × $call_repeat repeats, rotate_era $era_steps × $era_repeat" \
	"$work/delegation-calls.json" "$work/delegation-era.json"

[[ -z "${ONLY:-}" ]] || exit 0
python3 "$REPO_ROOT/scripts/benchmark-report.py" \
	--era "$work/delegation-era.json" --claim "$work/rewards.json" --content "$work/content.json" \
	--cover "$work/cover.json" \
	--steps "$call_steps/$call_repeat, era $era_steps/$era_repeat" \
	--out "$REPO_ROOT/docs/benchmarks.md"
echo "wrote docs/benchmarks.md"
