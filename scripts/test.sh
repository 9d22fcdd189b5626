#!/usr/bin/env bash
# Runs every test: installs prerequisites, builds the workspace in release mode and every test
# binary, then runs the suites side by side (the end-to-end ones mostly wait for blocks):
# - Rust: unit tests, pallet integration tests and end-to-end tests on real pop-node and
#   pop-sidecar processes, under cargo-nextest (each test a process with a deadline);
# - the pallet benchmarks, run once each as tests;
# - the try-runtime checks of pop-try-state;
# - the Polkadot.js tests, which also run pop-try-state on a live chain's state.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$REPO_ROOT/scripts/setup.sh"
build_release

cd "$REPO_ROOT"
nextest=(cargo nextest run --release --locked --no-tests=fail)
benchmarks=(--features runtime-benchmarks -p pallet-masternodes -p pallet-delegation
	-p pallet-rewards -p pallet-pop-token -p pallet-content --lib)
# The runtime with `try-runtime` never reaches the node: it is built natively, without wasm.
try_runtime=(-p pop-try-state --features try-runtime)

log "building test binaries"
"${nextest[@]}" --workspace --no-run
"${nextest[@]}" "${benchmarks[@]}" --no-run
SKIP_WASM_BUILD=1 "${nextest[@]}" "${try_runtime[@]}" --no-run
SKIP_WASM_BUILD=1 cargo build --release --locked "${try_runtime[@]}"
export POP_TRY_STATE_BIN="$CARGO_TARGET_DIR/release/pop-try-state"
(cd tests/polkadotjs && npm ci --no-audit --no-fund --loglevel=error)

logs="$(mktemp -d)"
declare -A suites=(
	[rust]="${nextest[*]} --workspace"
	[benchmarks]="${nextest[*]} ${benchmarks[*]} -E 'test(/bench_/)'"
	[try-runtime]="SKIP_WASM_BUILD=1 ${nextest[*]} ${try_runtime[*]}"
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
for suite in rust benchmarks try-runtime polkadotjs; do
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
log "all suites passed in $((SECONDS - started)) s"
