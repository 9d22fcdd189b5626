# Shared settings for every script. Source it; do not run it.
# Build output lives outside the clone so later runs on the same machine are incremental.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pop-network/target}"
export POP_NODE_BIN="${POP_NODE_BIN:-$CARGO_TARGET_DIR/release/pop-node}"
export POP_SIDECAR_BIN="${POP_SIDECAR_BIN:-$CARGO_TARGET_DIR/release/pop-sidecar}"
# The wasm runtime is built by substrate-wasm-builder in release mode regardless of this profile.
export CARGO_INCREMENTAL=0
log() { printf '\033[1m[pop]\033[0m %s\n' "$*" >&2; }
# Installs the Debian packages named, if any (with sudo unless root).
apt_install() {
	(($#)) || return 0
	log "installing apt packages: $*"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
# Installs the npm packages of package folder `$1` from its lockfile (`npm ci`), unless its
# node_modules already matches the lockfile (npm's record of the last install is newer).
npm_ci() {
	[[ "$1/node_modules/.package-lock.json" -nt "$1/package-lock.json" ]] && return 0
	log "installing the npm packages of ${1#"$REPO_ROOT/"}"
	(cd "$1" && npm ci --no-audit --no-fund --loglevel=error) >&2
}
# Keep the runtime wasm independent of where the clone and target folder live, so chain specs
# (which embed the wasm) are byte-for-byte reproducible on every machine with this toolchain.
# The wasm builder looks for Cargo.lock above its OUT_DIR; with the target folder outside the
# clone it must be told where the workspace is, or it would resolve dependencies afresh.
export WASM_BUILD_WORKSPACE_HINT="$REPO_ROOT"
export WASM_BUILD_RUSTFLAGS="--remap-path-prefix=$REPO_ROOT=/pop-network --remap-path-prefix=$CARGO_TARGET_DIR=/target"

# Builds every workspace binary in release mode; one feature set for build and test so the
# heavy polkadot-sdk dependencies compile once.
build_release() {
	log "building the workspace (release) into $CARGO_TARGET_DIR"
	cargo build --release --workspace --locked --manifest-path "$REPO_ROOT/Cargo.toml"
}
