#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test POP Network; skips what is already there.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

need_apt=()
command -v protoc >/dev/null 2>&1 || need_apt+=(protobuf-compiler)
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# The sidecar transcodes and checks videos with ffmpeg and ffprobe, run as processes.
{ command -v ffmpeg && command -v ffprobe; } >/dev/null 2>&1 || need_apt+=(ffmpeg)
apt_install "${need_apt[@]}"

installed_targets="$(rustup target list --installed)"
for target in wasm32v1-none; do
	grep -qx "$target" <<<"$installed_targets" || { log "adding rustup target $target"; rustup target add "$target"; }
done
rustup component list --installed | grep -q '^rust-src' || { log "adding rust-src"; rustup component add rust-src; }
cargo nextest --version >/dev/null 2>&1 || { log "installing cargo-nextest"; cargo install --locked cargo-nextest; }
log "prerequisites present"
