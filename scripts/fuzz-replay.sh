#!/usr/bin/env bash
# CI's short fuzzing pass: every committed corpus entry (fuzz/corpus/<target>) through its fuzz
# target's checks, as plain tests built without the fuzzer's instrumentation
# (fuzz/tests/corpus.rs). It catches a change that breaks a parser on an input the fuzzer once
# found, in seconds; the fuzzing itself is scripts/fuzz.sh.
#
# The build uses the workspace's target folder with an explicit --target: build scripts and proc
# macros go where the workspace's release build put them, and most are the same units (313 of 344
# by cargo's unit graph, binaryen's C++ among them), so they are not built again; the crates built
# for the target go to a folder of their own and never replace the workspace's, whose runtime is
# built with wasm (here SKIP_WASM_BUILD=1: the native runtime is all the checks need).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

host="$(rustc -vV | sed -n 's/^host: //p')"
test=(cargo test --release --locked --manifest-path "$REPO_ROOT/fuzz/Cargo.toml" --target "$host"
	--test corpus)
export SKIP_WASM_BUILD=1
log "building the fuzz corpus replay into $CARGO_TARGET_DIR/$host"
"${test[@]}" --no-run
log "replaying the fuzz corpus"
timeout 600 "${test[@]}"
