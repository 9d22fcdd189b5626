#!/usr/bin/env bash
# Runs every test: installs prerequisites, builds the workspace in release mode, runs the Rust
# unit and end-to-end tests (real pop-node processes), then the Polkadot.js tests.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$REPO_ROOT/scripts/setup.sh"
build_release

log "Rust tests"
cargo test --release --workspace --locked --no-fail-fast --manifest-path "$REPO_ROOT/Cargo.toml"

log "Pallet benchmarks, run once each as tests"
cargo test --release --locked --manifest-path "$REPO_ROOT/Cargo.toml" --features runtime-benchmarks \
	-p pallet-masternodes -p pallet-delegation -p pallet-rewards -p pallet-pop-token -p pallet-content --lib bench_

log "Polkadot.js tests"
cd "$REPO_ROOT/tests/polkadotjs"
npm ci --no-audit --no-fund --loglevel=error
npm test
