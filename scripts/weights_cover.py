#!/usr/bin/env python3
"""Makes a generated `weights.rs` cover every point its benchmarks measured.

`pop-node benchmark pallet` fits a line through the samples (median slopes), so a slow sample
can lie above the generated weight: the call would be charged less than it was seen to cost.
For each benchmark this script takes the slowest repeat at every measured point, compares it
with the generated weight's computation time there (database reads and writes are charged on
top and are not part of the measured time), and raises the weight's base by the largest
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
from collections import defaultdict

# RocksDbWeight, which the runtime charges storage at: nanoseconds per read and per write.
DB_READ_NS, DB_WRITE_NS = 25_000, 100_000

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


def compute_ns(weight, point):
    """The weight's computation time at `point`, storage excluded."""
    return weight["base"] + sum(s * point.get(c, 0) for c, s in weight["slopes"].items())


def charged_ns(weight, point):
    """Everything the weight charges at `point`, storage at RocksDB's cost."""
    reads = weight["reads"] + sum(s * point.get(c, 0) for c, s in weight["read_slopes"].items())
    writes = weight["writes"] + sum(s * point.get(c, 0)
                                    for c, s in weight["write_slopes"].items())
    return compute_ns(weight, point) + reads * DB_READ_NS + writes * DB_WRITE_NS


def slowest(results_path):
    """Benchmark name to {point: the slowest repeat's time in ns}; a point is a tuple of
    (component, value) pairs."""
    with open(results_path) as f:
        batches = json.load(f)
    out = defaultdict(dict)
    for batch in batches:
        for result in batch["time_results"]:
            point = tuple((c, v) for c, v in result["components"])
            worst = out[batch["benchmark"]].get(point, 0)
            out[batch["benchmark"]][point] = max(worst, result["extrinsic_time"])
    return out


def raise_base(text, name, by):
    """Adds `by` ns to the base of every implementation of `name` in the file."""
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
    for name, points in sorted(slowest(args.results).items()):
        weight = after[name]
        shortfall = max(t - compute_ns(weight, dict(p)) for p, t in points.items())
        raised = math.ceil(max(shortfall, 0) / 1_000) * 1_000
        if raised:
            text = raise_base(text, name, raised)
            weight["base"] += raised
        largest = dict(max(points, key=lambda p: tuple(v for _, v in p)))
        slowest_point = max(points.items(), key=lambda item: item[1] - compute_ns(weight,
                                                                                 dict(item[0])))
        rows.append({
            "pallet": args.pallet,
            "call": name,
            "points": len(points),
            "largest": largest,
            "raised_ns": raised,
            "tightest_point": dict(slowest_point[0]),
            "tightest_measured_ns": slowest_point[1],
            "tightest_compute_ns": compute_ns(weight, dict(slowest_point[0])),
            "covered": all(t <= compute_ns(weight, dict(p)) for p, t in points.items()),
            "before_ns": charged_ns(before[name], largest) if name in before else None,
            "after_ns": charged_ns(weight, largest),
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
