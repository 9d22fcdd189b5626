"""Writes the web app's section of docs/benchmarks.md from the browser test's metrics.json
(scripts/webapp-benchmark.sh). Every sentence that concludes is computed from the numbers."""
import argparse
import json
import subprocess

from benchmarks_doc import cpu_name, replace_sections

START, END = "<!-- webapp:start -->", "<!-- webapp:end -->"
# DESIGN.md's target for adaptive streams: a video playable within half its length after its
# upload.
PLAYABLE_SHARE_OF_LENGTH = 0.5


def chromium_version():
    try:
        return subprocess.run(["chromium", "--version"], capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "chromium (version unknown)"


def verdict(value, target):
    return (f"within the target of {target:,} ms" if value <= target
            else f"**over** the target of {target:,} ms by {value - target:,} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--metrics", required=True)
    parser.add_argument("--load", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.metrics) as f:
        metrics = json.load(f)

    first = metrics["timeToFirstFrame"]
    playable = metrics["uploadToPlayable"]
    switch = metrics.get("throttledSwitch")
    failover = metrics.get("failover")
    target = int(playable["seconds"] * 1000 * PLAYABLE_SHARE_OF_LENGTH)
    loads = ", ".join(f"{load['firstFrameMs']:,}" for load in first["loads"])
    share = first["medianFromPlayerStartMs"] / first["medianMs"]
    lines = [
        START,
        "## Web app: first frame, upload to playable (`scripts/webapp-benchmark.sh`)",
        "",
        f"Measured on {cpu_name()} (load average {args.load} at the start), {chromium_version()} "
        "headless, against a dev pop-node and two pop-sidecars on loopback, by the browser test "
        "(`tests/browser`).",
        "",
        "| what | measured |",
        "| --- | --- |",
        f"| time to first frame, from the watch page's navigation (median of loads {loads} ms) | "
        f"{first['medianMs']:,} ms |",
        f"| of which from the player's start (holder race, playlists, first segments) | "
        f"{first['medianFromPlayerStartMs']:,} ms |",
        f"| upload complete to transcoded ({playable['video']}) | {playable['transcodedMs']:,} ms |",
        f"| upload complete to registered (one signed batch in a block) | "
        f"{playable['registeredMs']:,} ms |",
        f"| upload complete to playable (the uploader's sidecar serves the master playlist) | "
        f"{playable['playableMs']:,} ms |",
    ]
    if switch:
        lines.append(f"| throttled to {switch['limitBps'] / 1000:,.0f} kbit/s: rendition played | "
                     f"{switch['fromHeight']}p → {switch['toHeight']}p at "
                     f"{switch['atSecond']:.1f} s of the video |")
    if failover:
        lines.append(f"| holder killed mid-play: playback moved to the other holder | at "
                     f"{failover['at']:.1f} s of the video ({failover['reason']}) |")
    lines += [
        "",
        f"Of the first frame's {first['medianMs']:,} ms, {share:.0%} is the player's own work, "
        f"the rest loading the app and connecting to the chain. An upload of {playable['video']} "
        f"was playable after {playable['playableMs'] / 1000:.1f} s, "
        f"{verdict(playable['playableMs'], target)} (half its length, DESIGN.md), "
        f"{playable['transcodedMs'] / playable['playableMs']:.0%} of the wait being transcoding.",
        END,
    ]
    replace_sections(args.out, [(START, END, "\n".join(lines))])


if __name__ == "__main__":
    main()
