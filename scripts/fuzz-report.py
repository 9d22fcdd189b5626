#!/usr/bin/env python3
"""Writes the fuzzing section of docs/benchmarks.md from the results of scripts/fuzz.sh.

The results file has one fact per line, `key value`, and one `target` line per fuzz target
carrying `name=value` pairs. The text between the section's markers in the output file is
replaced (other text stays); with `--out -` the section is printed instead.
"""
import argparse

from benchmarks_doc import write_section

START, END = "<!-- fuzz:start -->", "<!-- fuzz:end -->"
# Executions every target must reach (issue 12: at least 10 million, no crash).
TARGET_EXECUTIONS = 10_000_000

# What each target feeds its parser, for the table (fuzz/src/<target>.rs says what it asserts).
PARSERS = {
    "range": "`Range` / `If-Range` (`streaming::select`)",
    "tus_headers": "tus headers, `Upload-Metadata`, upload ids (`uploads::protocol`)",
    "auth_token": "auth tokens, `Authorization` and `?auth=` (`auth::verify_token`, extractors)",
    "leaf_proof": "`LeafProof` SCALE decoding and `verify` (`pop_primitives::commitment`)",
    "content_locate": "`content_locate` JSON params through jsonrpsee into the node's handler",
    "runtime_call": "`UncheckedExtrinsic` and `RuntimeCall` SCALE decoding (depth limit 256)",
}


def read(path):
    facts, targets = {}, []
    with open(path) as f:
        for line in f:
            key, _, rest = line.strip().partition(" ")
            if key == "target":
                targets.append(dict(pair.split("=", 1) for pair in rest.split()))
            elif key:
                facts[key] = rest
    return facts, targets


def millions(n):
    return f"{n / 1e6:.1f} M"


def duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    facts, targets = read(args.results)

    dirty = " with uncommitted changes to the fuzzed code" if int(facts["dirty"]) else ""
    lines = [
        START,
        "## Fuzzing: every parser that takes outside bytes",
        "",
        f"Measured {facts['date']} at commit `{facts['commit']}`{dirty} on {facts['cpu']} "
        f"({facts['cores']} cores) by `scripts/fuzz.sh`: libFuzzer (libfuzzer-sys "
        f"{facts['libfuzzer_sys']}) on rustc {facts['rustc']} stable, coverage from rustc's "
        "sancov pass (8-bit counters, PC table, compare tracing), debug assertions and "
        "overflow checks on; each target one process on one core, one after the other, from "
        f"its committed corpus (`fuzz/corpus/<target>`), asked for {int(facts['runs']):,} "
        f"executions. The instrumented build took {duration(int(facts['build_seconds']))} "
        f"({int(facts['build_crates'])} crate{'s' if int(facts['build_crates']) != 1 else ''} "
        "compiled); load average (1, 5, 15 min) before the "
        f"runs: {facts['load_start']} (the machine was shared, which slows the runs but does "
        "not change what they found). What each target asserts is in `fuzz/src/<target>.rs`.",
        "",
        "| target | parser | executions | wall time | executions/s | corpus before → after "
        "| peak RSS (MB) | crashes |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for t in targets:
        executions, seconds = int(t["executions"]), float(t["seconds"])
        lines.append(
            f"| `{t['name']}` | {PARSERS.get(t['name'], '')} | {executions:,} | "
            f"{duration(seconds)} | {executions / seconds:,.0f} | {t['corpus_before']} → "
            f"{t['corpus_after']} | {t['peak_rss_mb']} | {t['crashes']} |"
        )

    crashed = [t["name"] for t in targets if int(t["crashes"])]
    short = [t["name"] for t in targets if int(t["executions"]) < TARGET_EXECUTIONS]
    total = sum(int(t["executions"]) for t in targets)
    seconds = sum(float(t["seconds"]) for t in targets)
    least = min(targets, key=lambda t: int(t["executions"]))
    lines.append("")
    if not crashed and not short:
        verdict = (
            f"Every one of the {len(targets)} targets ran at least "
            f"{millions(TARGET_EXECUTIONS)} executions with no crash, hang or failed property"
            + (
                f" (each {int(least['executions']):,})"
                if all(int(t["executions"]) == int(least["executions"]) for t in targets)
                else f" (the fewest: `{least['name']}`, {int(least['executions']):,})"
            )
            + ": the target of issue 12 is **met**."
        )
    else:
        problems = []
        if crashed:
            problems.append("crashed: " + ", ".join(f"`{n}`" for n in crashed))
        if short:
            problems.append(
                f"fewer than {millions(TARGET_EXECUTIONS)} executions: "
                + ", ".join(f"`{n}`" for n in short)
            )
        verdict = "The target of issue 12 is **missed**: " + "; ".join(problems) + "."
    lines.append(
        f"{verdict} In all, {total:,} executions in {duration(seconds)}. The corpus gained "
        f"{sum(int(t['corpus_after']) - int(t['corpus_before']) for t in targets)} entries, "
        "inputs that reached code the committed corpus did not, merged back minimized; CI "
        "replays every entry through the same checks without the fuzzer "
        "(`scripts/fuzz-replay.sh`)."
    )
    lines += ["", END]
    section = "\n".join(lines)

    write_section(args.out, START, END, section)


if __name__ == "__main__":
    main()
