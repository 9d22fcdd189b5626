#!/usr/bin/env bash
# Measures transcoding for adaptive streams (DESIGN.md, "Targets": a 1080p30 source's whole
# ladder faster than real time on two cores) and writes the media section of docs/benchmarks.md.
#
# A 1080p30 source is generated with ffmpeg (testsrc2 with moving grain, so the encoder has
# detail to spend bits on; H.264 at CRF 18 and AAC, like a phone's upload), then
# `pop_sidecar::media::transcode` makes its whole ladder once per pair of libx264 presets (one
# for rungs of 720 lines and more, one for the smaller), in turn, by the `transcode_bench`
# example (content-sidecar/examples): wall and CPU time, bytes per minute of each rendition, and
# the PSNR of each rendition's middle segment against the source.
#
#   scripts/media-benchmark.sh           # a 60 s source, four pairs: about ten minutes
#   QUICK=1 scripts/media-benchmark.sh   # 10 s, the default pair: prints the section only
#
# The machine should be otherwise idle: the load average at the start, and the share of CPU
# other work took during each run, are recorded.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export LC_ALL=C

# Pairs of presets (large rungs/small rungs), cheapest first.
if [[ -n "${QUICK:-}" ]]; then
	seconds=10 presets=(default)
else
	seconds=60 presets=(ultrafast/ultrafast default superfast/veryfast veryfast/veryfast)
fi

{ command -v ffmpeg && command -v ffprobe; } >/dev/null 2>&1 || apt_install ffmpeg

log "building the transcode_bench example (release) into $CARGO_TARGET_DIR"
cargo build --release --locked -p pop-sidecar --example transcode_bench \
	--manifest-path "$REPO_ROOT/Cargo.toml"
helper="$CARGO_TARGET_DIR/release/examples/transcode_bench"

work="$(mktemp -d "${TMPDIR:-/tmp}/pop-media-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The presets media::transcode uses unless told otherwise.
preset_const() {
	sed -n "s/^pub const $1: &str = \"\(.*\)\";\$/\1/p" \
		"$REPO_ROOT/content-sidecar/src/media/transcode.rs"
}
default_preset="$(preset_const PRESET_LARGE)/$(preset_const PRESET_SMALL)"
[[ "$default_preset" =~ ^[a-z]+/[a-z]+$ ]] || { log "error: no presets in media/transcode.rs"; exit 1; }
presets=("${presets[@]/default/$default_preset}")

results="$CARGO_TARGET_DIR/media-benchmark${QUICK:+-quick}-results.txt"
: >"$results"
record() { echo "$*" >>"$results"; }
record "seconds $seconds"
record "default_preset $default_preset"
record "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || uname -m)"
record "cores $(nproc)"
record "date $(date -u +%Y-%m-%d)"
record "commit $(git -C "$REPO_ROOT" rev-parse --short HEAD)"
# Changes not committed to what is measured here, or to how.
record "dirty $(git -C "$REPO_ROOT" status --porcelain -- content-sidecar/src/media \
	content-sidecar/examples/transcode_bench.rs scripts/media-benchmark.sh \
	scripts/media-benchmark-report.py | wc -l)"
record "ffmpeg $(ffmpeg -version | head -n 1 | cut -d' ' -f3)"

source_file="$work/source-1080p30.mp4"
log "generating a ${seconds} s 1080p30 source"
ffmpeg -hide_banner -nostdin -v error -y \
	-f lavfi -i "testsrc2=size=1920x1080:rate=30,noise=alls=4:allf=t+u" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$seconds" \
	-c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 192k "$source_file"
record "source_bytes $(stat -c %s "$source_file")"
record "load_start $(cut -d' ' -f1-3 /proc/loadavg)"

for preset in "${presets[@]}"; do
	log "transcoding the ladder with libx264 preset $preset"
	# One line of JSON on standard output, a summary on standard error.
	record "run $("$helper" "$source_file" "$work/out" "$preset")"
	rm -rf "$work/out"
done

out="$REPO_ROOT/docs/benchmarks.md"
[[ -z "${QUICK:-}" ]] || out="-"
python3 "$REPO_ROOT/scripts/media-benchmark-report.py" --results "$results" --out "$out"
[[ -n "${QUICK:-}" ]] || log "wrote docs/benchmarks.md"
