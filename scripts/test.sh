#!/usr/bin/env bash
# Runs every test: installs prerequisites, builds the workspace in release mode and every test
# binary, then runs the suites side by side (the end-to-end ones mostly wait for blocks):
# - the fuzz targets' corpus replayed (before the suites: it builds);
# - Rust: unit tests, pallet integration tests and end-to-end tests on real pop-node and
#   pop-sidecar processes, under cargo-nextest (each test a process with a deadline);
# - checks: the pallet benchmarks, run once each as tests, and pop-try-state's own tests;
# - the Polkadot.js tests, which also run pop-try-state on a live chain's state;
# - then, alone (Chromium, ffmpeg and three processes would starve the suites above), the web
#   app's unit tests and its end-to-end test in headless Chromium;
# - last, alone too (seven processes), the alert rules' unit tests and the local network's test:
#   local-net.sh --monitor and demo.sh, checked end to end.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$REPO_ROOT/scripts/setup.sh"
# The Polkadot.js tests' npm packages download while Rust compiles (into a log in the target
# folder, which a fresh machine does not have yet).
mkdir -p "$CARGO_TARGET_DIR"
(cd "$REPO_ROOT/tests/polkadotjs" && npm ci --no-audit --no-fund --loglevel=error) \
	>"$CARGO_TARGET_DIR/npm-ci.log" 2>&1 &
npm_ci=$!
# Binaries first, then test binaries. One cargo run for both measured slower from cold (45 min
# 17 s against 42 min 46 s): the test targets queued ahead of binaryen's C++ build, which the
# runtime's wasm build, and so the node, wait for.
build_release

cd "$REPO_ROOT"
nextest=(cargo nextest run --release --locked --no-tests=fail)
# The pallet benchmarks (run once each as tests) and pop-try-state need the frame stack built
# with features the node must never carry, `runtime-benchmarks` and `try-runtime`. One feature
# set serves both, built natively without wasm, so that stack compiles once more, not twice
# (3 min 50 s each here). The runtime in pop-try-state then also carries the benchmark helpers;
# they add calls for benchmarks and change no state transition that try-state checks.
pallets=(pallet-masternodes pallet-delegation pallet-rewards pallet-pop-token pallet-content)
features="pop-try-state/try-runtime,pop-runtime/runtime-benchmarks$(printf ',%s/runtime-benchmarks' "${pallets[@]}")"
checks=(-p pop-try-state $(printf -- '-p %s ' "${pallets[@]}") --features "$features")

log "building test binaries"
"${nextest[@]}" --workspace --no-run
log "building the benchmark and try-runtime checks"
export SKIP_WASM_BUILD=1
"${nextest[@]}" "${checks[@]}" --no-run
cargo build --release --locked "${checks[@]}"
unset SKIP_WASM_BUILD
export POP_TRY_STATE_BIN="$CARGO_TARGET_DIR/release/pop-try-state"
# The short fuzzing pass: every committed corpus entry through its target's checks, without the
# fuzzer (seconds to run; scripts/fuzz.sh fuzzes).
"$REPO_ROOT/scripts/fuzz-replay.sh"
wait "$npm_ci" || { cat "$CARGO_TARGET_DIR/npm-ci.log"; log "npm ci failed"; exit 1; }

logs="$(mktemp -d)"
declare -A suites=(
	[rust]="${nextest[*]} --workspace"
	[checks]="SKIP_WASM_BUILD=1 ${nextest[*]} ${checks[*]@Q} -E 'test(/bench_/) | package(pop-try-state)'"
	[polkadotjs]="cd tests/polkadotjs && npm test"
)
log "running ${!suites[*]} side by side (logs in $logs)"
declare -A pids
started=$SECONDS
for suite in "${!suites[@]}"; do
	bash -c "${suites[$suite]}" >"$logs/$suite.log" 2>&1 &
	pids[$suite]=$!
done
failed=()
for suite in rust checks polkadotjs; do
	status=0
	wait "${pids[$suite]}" || status=$?
	log "$suite: $([ "$status" -eq 0 ] && echo passed || echo "FAILED ($status)") after $((SECONDS - started)) s"
	cat "$logs/$suite.log"
	[ "$status" -eq 0 ] || failed+=("$suite")
done
if ((${#failed[@]})); then
	log "failed: ${failed[*]}"
	exit 1
fi
log "running the web app's tests in Chromium"
"$REPO_ROOT/scripts/browser-test.sh" || { log "failed: browser"; exit 1; }
log "running the local network's test"
"$REPO_ROOT/scripts/network-test.sh" || { log "failed: network"; exit 1; }
log "all suites passed in $((SECONDS - started)) s"
