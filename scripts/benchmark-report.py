#!/usr/bin/env python3
"""Writes the staking and proof sections of docs/benchmarks.md from `pop-node benchmark pallet`
JSON.

Reads the raw samples of `pallet_delegation::rotate_era` (components m = registered
masternodes, d = backers), `pallet_rewards::claim` (n = the claimant's delegations) and
`pallet_content::submit_proof` (d = siblings in the Merkle path), and replaces the text between
each section's markers in the output file (other text stays).
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
from collections import defaultdict

from benchmarks_doc import cpu_name, replace_sections

START, END = "<!-- staking:start -->", "<!-- staking:end -->"
PROOF_START, PROOF_END = "<!-- proofs:start -->", "<!-- proofs:end -->"
COVER_START, COVER_END = "<!-- weights:start -->", "<!-- weights:end -->"
BLOCK_NS = 2_000_000_000  # the runtime's block weight: two seconds of compute


def samples(path, benchmark):
    with open(path) as f:
        batches = json.load(f)
    by_components = defaultdict(list)
    for batch in batches:
        if batch["benchmark"] != benchmark:
            continue
        # Times come from the timing runs, storage access counts from the separate DB runs.
        accesses = {tuple(v for _, v in r["components"]): r for r in batch["db_results"]}
        for result in batch["time_results"]:
            key = tuple(value for _, value in result["components"])
            db = accesses.get(key, {})
            result = dict(result, reads=db.get("reads", 0), writes=db.get("writes", 0))
            by_components[key].append(result)
    if not by_components:
        raise SystemExit(f"{path}: no samples of {benchmark}")
    return by_components


def median_us(results):
    return statistics.median(r["extrinsic_time"] for r in results) / 1_000


def least_squares(rows):
    """Fits time = a + b·x + c·y to (x, y, time) rows; returns (a, b, c)."""
    n = len(rows)
    sx = sum(r[0] for r in rows); sy = sum(r[1] for r in rows); st = sum(r[2] for r in rows)
    sxx = sum(r[0] ** 2 for r in rows); syy = sum(r[1] ** 2 for r in rows)
    sxy = sum(r[0] * r[1] for r in rows)
    sxt = sum(r[0] * r[2] for r in rows); syt = sum(r[1] * r[2] for r in rows)
    matrix = [[n, sx, sy, st], [sx, sxx, sxy, sxt], [sy, sxy, syy, syt]]
    for col in range(3):  # Gauss-Jordan elimination
        pivot = max(range(col, 3), key=lambda r: abs(matrix[r][col]))
        matrix[col], matrix[pivot] = matrix[pivot], matrix[col]
        for row in range(3):
            if row != col and matrix[col][col]:
                factor = matrix[row][col] / matrix[col][col]
                matrix[row] = [a - factor * b for a, b in zip(matrix[row], matrix[col])]
    return tuple(matrix[i][3] / matrix[i][i] if matrix[i][i] else 0.0 for i in range(3))


def cover_section(cover):
    """The section on how each call's weight covers its measurements, and what changed."""
    def point(p):
        return ", ".join(f"{c}={v:,}" for c, v in p.items()) or "-"

    def qualified(row):
        return f"{row['pallet']}::{row['call']}"

    raised = [r for r in cover if r["raised_ps"]]
    grown = [r for r in cover if r["before_ps"] and r["after_ps"] > r["before_ps"]]
    lines = [
        COVER_START,
        "## Weights against every measurement",
        "",
        "`scripts/weights_cover.py` compares each generated weight's computation time with every "
        "point its benchmark measured (the median of the point's repeats), and raises the "
        "weight's base by the largest shortfall, so no call is charged less than it was measured "
        "to cost at any point. Storage "
        "is charged on top at RocksDB's cost (25 µs a read, 100 µs a write). Before and after: "
        "the whole charge at the largest measured point, the weights file as it was against "
        "the one written.",
        "",
        "| call | points | base raised (µs) | tightest point | measured (µs) | charged (µs) "
        "| before (µs) | after (µs) |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in cover:
        before = f"{r['before_ps'] / 1e6:,.1f}" if r["before_ps"] else "new"
        lines.append(
            f"| `{r['pallet']}::{r['call']}` | {r['points']} | {r['raised_ps'] / 1e6:,.1f} | "
            f"{point(r['tightest_point'])} | {r['tightest_measured_ps'] / 1e6:,.1f} | "
            f"{r['tightest_compute_ps'] / 1e6:,.1f} | {before} | {r['after_ps'] / 1e6:,.1f} |")
    covered = sum(r["covered"] for r in cover)
    lines += [
        "",
        f"{covered} of {len(cover)} weights are at or above every measured point; the fit "
        f"alone fell short for {len(raised)} of them"
        + (f" ({', '.join(qualified(r) for r in raised)})" if raised else "")
        + f". {len(grown)} calls are charged more at their largest point than before.",
        COVER_END,
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--era", required=True)
    parser.add_argument("--claim", required=True)
    parser.add_argument("--content", required=True)
    parser.add_argument("--cover", required=True)
    parser.add_argument("--steps", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    era = samples(args.era, "rotate_era")
    claim = samples(args.claim, "claim")
    max_m = max(m for m, _ in era)
    max_d = max(d for _, d in era)
    fit = least_squares([(m, d, r["extrinsic_time"]) for (m, d), rs in era.items() for r in rs])
    worst = max(median_us(rs) for rs in era.values())
    with open(args.cover) as f:
        cover = json.load(f)
    era_cover = next(r for r in cover if r["call"] == "rotate_era")
    era_raise = (f"its base was raised by {era_cover['raised_ps'] / 1e6:,.0f} µs to reach the "
                 "slowest point" if era_cover["raised_ps"] else "the fit alone reaches every "
                 "point")
    era_margin = era_cover["tightest_compute_ps"] / era_cover["tightest_measured_ps"] - 1
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()

    lines = [START, "## Staking: era transition and claim", ""]
    lines += [
        f"Measured {datetime.date.today()} at commit `{commit}` on {cpu_name()} "
        f"({os.cpu_count()} cores) by `scripts/benchmark.sh` (`pop-node benchmark pallet`, wasm "
        f"compiled, dev genesis; steps/repeats {args.steps}). Times are the median execution "
        "time of the benchmarked code in the runtime; storage reads and writes are charged on "
        "top by the generated `weights.rs` at the database's cost.",
        "",
        f"### Era transition (`pallet_delegation::rotate_era`), {max_m} masternodes, up to "
        f"{max_d:,} backers",
        "",
        "The payout of the ending era over the active set (every active masternode earned "
        "points and has backers), the election over every registered masternode, and the "
        "status update of each.",
        "",
        "| masternodes | backers | time (µs) | reads | writes |",
        "|---:|---:|---:|---:|---:|",
    ]
    for (m, d), rs in sorted(era.items()):
        if m == max_m or d == max_d:
            lines.append(f"| {m:,} | {d:,} | {median_us(rs):,.0f} | {rs[0]['reads']} | "
                         f"{rs[0]['writes']} |")
    backed = sorted((d, rs) for (m, d), rs in era.items() if m == max_m and d > 0)
    accesses = {(rs[0]["reads"], rs[0]["writes"]) for _, rs in backed}
    low, high = median_us(backed[0][1]), median_us(backed[-1][1])
    same = (f"the same storage accesses ({backed[0][1][0]['reads']} reads, "
            f"{backed[0][1][0]['writes']} writes)" if len(accesses) == 1
            else "storage accesses that differ (see the table)")
    lines += [
        "",
        f"With {max_m:,} masternodes, every count of backers from {backed[0][0]:,} to "
        f"{backed[-1][0]:,} makes {same} and takes {low:,.0f} to {high:,.0f} µs "
        f"({(high - low) / low:+.0%} for {backed[-1][0] // max(backed[0][0], 1)}× the "
        "backers): no step of the transition walks backers; what remains is the cost of "
        "reading a larger state trie. The row without backers is cheaper because no "
        "masternode then has a reward accumulator to update. Least-squares fit over all "
        f"samples: {fit[0] / 1000:,.0f} µs + {fit[1] / 1000:,.2f} µs per masternode + "
        f"{fit[2]:,.1f} ns per backer. The generated weight is at or above every measured "
        f"point, each the median of its repeats ({era_raise}); where it is closest, at "
        f"{era_cover['tightest_point'].get('m', 0):,} masternodes and "
        f"{era_cover['tightest_point'].get('d', 0):,} backers, it charges "
        f"{era_margin:+.1%} over the measured time, before storage.",
        "",
        f"The worst case ({worst:,.0f} µs before storage costs) is "
        f"{worst * 1000 / BLOCK_NS:.1%} of the two-second block; `integrity_test` checks that "
        "the generated weight of the worst case, storage included, fits in a block, which "
        "`pallet_session` charges whole for a session change. The measured election flips "
        "the status of every active masternode and of as many idle ones.",
        "",
        "### Claim (`pallet_rewards::claim`)",
        "",
        "A claim settles each of the claimant's own delegations (at most 16) and transfers "
        "once from the pot. It reads no list and no history: eras, masternodes and other "
        "backers do not enter it.",
        "",
        "| claimant's delegations | time (µs) | reads | writes |",
        "|---:|---:|---:|---:|",
    ]
    for (n,), rs in sorted(claim.items()):
        lines.append(f"| {n} | {median_us(rs):,.1f} | {rs[0]['reads']} | {rs[0]['writes']} |")
    lines.append(END)
    staking = "\n".join(lines)

    proofs = samples(args.content, "submit_proof")
    deepest = max(d for (d,) in proofs)
    lines = [
        PROOF_START,
        "## Content: verifying a storage proof on chain",
        "",
        f"`pallet_content::submit_proof` measured with the staking numbers above (same run). "
        "Each sample verifies a valid proof of one 1 KiB leaf with `d` sibling hashes "
        "(`sp_io::hashing::sha2_256` host calls), credits proof points and emits the event. "
        f"An item of 2^d KiB needs d siblings; the runtime's largest item (64 GiB) needs "
        f"{deepest}.",
        "",
        "| siblings d | item size | time (µs) | reads | writes |",
        "|---:|---:|---:|---:|---:|",
    ]
    for (d,), rs in sorted(proofs.items()):
        size = 1024 << d
        label = next(f"{size / u:g} {n}" for u, n in ((1 << 30, "GiB"), (1 << 20, "MiB"),
                                                        (1 << 10, "KiB"), (1, "B")) if size >= u)
        lines.append(f"| {d} | {label} | {median_us(rs):,.1f} | {rs[0]['reads']} | "
                     f"{rs[0]['writes']} |")
    worst = median_us(proofs[(deepest,)])
    lines += [
        "",
        f"The deepest proof takes {worst:,.0f} µs before storage costs, "
        f"{worst * 1000 / BLOCK_NS:.3%} of the block. Proofs are operational transactions "
        "and free when valid, so they are not crowded out by full blocks.",
        PROOF_END,
    ]
    proof_section = "\n".join(lines)

    replace_sections(args.out, ((START, END, staking), (PROOF_START, PROOF_END, proof_section),
                                (COVER_START, COVER_END, cover_section(cover))))


if __name__ == "__main__":
    main()
