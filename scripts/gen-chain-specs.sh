#!/usr/bin/env bash
# Regenerates chain-specs/ from the runtime's genesis presets: plain and raw specs of the
# dev, local and production chains, and the digest of the runtime's inputs they were built from. Run it after any change to the runtime or its presets;
# the chain_specs test fails while the committed files are stale.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ -x "$POP_NODE_BIN" ] || "$REPO_ROOT/scripts/build.sh"
out="$REPO_ROOT/chain-specs"
mkdir -p "$out"
for chain in dev local production; do
	"$POP_NODE_BIN" export-chain-spec --chain "$chain" --output "$out/$chain.json" >/dev/null
	"$POP_NODE_BIN" export-chain-spec --chain "$chain" --raw --output "$out/$chain.raw.json" >/dev/null
	log "wrote chain-specs/$chain.json and chain-specs/$chain.raw.json"
done
# What the specs' runtime was built from: the chain_specs test compares it with the sources.
python3 "$REPO_ROOT/scripts/runtime-inputs.py" >"$out/runtime-inputs.sha256"
log "wrote chain-specs/runtime-inputs.sha256"
