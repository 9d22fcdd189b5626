#!/usr/bin/env python3
"""Makes a generated `weights.rs` cover every point its benchmarks measured.

`pop-node benchmark pallet` fits a line through the samples (median slopes), so a measured
point can lie above the generated weight: the call would be charged less than it was seen to
cost there. For each benchmark this script takes every measured point's time (the median of
its repeats, as the CLI reports it; single repeats swing with the machine's load), compares
it with the generated weight's computation time there (database reads and writes are charged
on top and are not part of the measured time), and raises the weight's base by the largest
shortfall, in both of the file's implementations. It records, per call, the shortfall it
closed and the charge at the largest measured point before (the weights file as it was) and
after, for `benchmark-report.py` to turn into the report.

    weights_cover.py --pallet P --results P.json --weights weights.rs --before old.rs \\
        --record cover.json
"""
import argparse
import json
import math
import re
import statistics
from collections import defaultdict

# Weights count picoseconds; the benchmarks' times are nanoseconds.
PS_PER_NS = 1_000
# RocksDbWeight, which the runtime charges storage at: picoseconds per read and per write.
DB_READ_PS, DB_WRITE_PS = 25_000 * PS_PER_NS, 100_000 * PS_PER_NS

FN = re.compile(r"\tfn (\w+)\(([^)]*)\) -> Weight \{\n(.*?)\n\t\}", re.S)
BASE = re.compile(r"Weight::from_parts\(([\d_]+), (\d+)\)")
SLOPE = re.compile(r"Weight::from_parts\(([\d_]+), 0\)\.saturating_mul\((\w+)\.into\(\)\)")
READS = re.compile(r"\.reads\((\d+)\)")
WRITES = re.compile(r"\.writes\((\d+)\)")
READ_SLOPE = re.compile(r"\.reads\(\((\d+)_u64\)\.saturating_mul\((\w+)\.into\(\)\)\)")
WRITE_SLOPE = re.compile(r"\.writes\(\((\d+)_u64\)\.saturating_mul\((\w+)\.into\(\)\)\)")


def number(text):
    return int(text.replace("_", ""))


def parse(text):
    """The weight functions of the file's first implementation: name to base, slopes and
    storage accesses."""
    start = text.index("impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T>")
    weights = {}
    for name, _, body in FN.findall(text[start:]):
        if name in weights:
            break  # the second implementation repeats the first
        base = BASE.search(body)
        weights[name] = {
            "base": number(base.group(1)),
            "slopes": {c: number(s) for s, c in SLOPE.findall(body)},
            "reads": sum(int(r) for r in READS.findall(body)),
            "writes": sum(int(w) for w in WRITES.findall(body)),
            "read_slopes": {c: int(s) for s, c in READ_SLOPE.findall(body)},
            "write_slopes": {c: int(s) for s, c in WRITE_SLOPE.findall(body)},
        }
    return weights


def compute_ps(weight, point):
    """The weight's computation time at `point` in picoseconds, storage excluded."""
    return weight["base"] + sum(s * point.get(c, 0) for c, s in weight["slopes"].items())


def charged_ps(weight, point):
    """Everything the weight charges at `point`, storage at RocksDB's cost, in picoseconds."""
    reads = weight["reads"] + sum(s * point.get(c, 0) for c, s in weight["read_slopes"].items())
    writes = weight["writes"] + sum(s * point.get(c, 0)
                                    for c, s in weight["write_slopes"].items())
    return compute_ps(weight, point) + reads * DB_READ_PS + writes * DB_WRITE_PS


def measured(results_path):
    """Benchmark name to {point: the median of its repeats' times, in picoseconds}; a point is
    a tuple of (component, value) pairs."""
    with open(results_path) as f:
        batches = json.load(f)
    times = defaultdict(lambda: defaultdict(list))
    for batch in batches:
        for result in batch["time_results"]:
            point = tuple((c, v) for c, v in result["components"])
            times[batch["benchmark"]][point].append(result["extrinsic_time"] * PS_PER_NS)
    return {name: {point: statistics.median(repeats) for point, repeats in points.items()}
            for name, points in times.items()}


def raise_base(text, name, by):
    """Adds `by` picoseconds to the base of every implementation of `name` in the file."""
    def bump(match):
        return BASE.sub(lambda b: f"Weight::from_parts({number(b.group(1)) + by:_}, "
                                  f"{b.group(2)})", match.group(0), count=1)
    pattern = re.compile(r"\tfn " + name + r"\([^)]*\) -> Weight \{\n.*?\n\t\}", re.S)
    text, count = pattern.subn(bump, text)
    assert count >= 2, f"{name}: expected both implementations, found {count}"
    return text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pallet", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--before", required=True)
    parser.add_argument("--record", required=True)
    args = parser.parse_args()

    with open(args.weights) as f:
        text = f.read()
    with open(args.before) as f:
        before = parse(f.read())
    after = parse(text)
    rows = []
    for name, points in sorted(measured(args.results).items()):
        weight = after[name]
        shortfall = max(t - compute_ps(weight, dict(p)) for p, t in points.items())
        # Whole nanoseconds.
        raised = math.ceil(max(shortfall, 0) / PS_PER_NS) * PS_PER_NS
        if raised:
            text = raise_base(text, name, raised)
            weight["base"] += raised
        largest = dict(max(points, key=lambda p: tuple(v for _, v in p)))
        tightest, tightest_time = max(
            points.items(), key=lambda item: item[1] - compute_ps(weight, dict(item[0])))
        rows.append({
            "pallet": args.pallet,
            "call": name,
            "points": len(points),
            "largest": largest,
            "raised_ps": raised,
            "tightest_point": dict(tightest),
            "tightest_measured_ps": tightest_time,
            "tightest_compute_ps": compute_ps(weight, dict(tightest)),
            "covered": all(t <= compute_ps(weight, dict(p)) for p, t in points.items()),
            "before_ps": charged_ps(before[name], largest) if name in before else None,
            "after_ps": charged_ps(weight, largest),
        })
    with open(args.weights, "w") as f:
        f.write(text)
    try:
        with open(args.record) as f:
            record = [r for r in json.load(f) if r["pallet"] != args.pallet]
    except FileNotFoundError:
        record = []
    with open(args.record, "w") as f:
        json.dump(record + rows, f, indent=1)
    uncovered = [r["call"] for r in rows if not r["covered"]]
    if uncovered:
        raise SystemExit(f"{args.pallet}: weights still below a measured point: {uncovered}")


if __name__ == "__main__":
    main()
