#!/usr/bin/env python3
"""Writes the sidecar section of docs/benchmarks.md from the results of
scripts/sidecar-benchmark.sh.

The results file has one measurement or fact per line: `key value...`, where `stream` and
`proof` lines carry `name=value` pairs. The text between the section's markers in the output
file is replaced (other text stays); with `--out -` the section is printed instead.
"""
import argparse
import os
import statistics
from collections import defaultdict

from benchmarks_doc import write_section

START, END = "<!-- sidecar:start -->", "<!-- sidecar:end -->"
# Streaming (1 MiB ranges, 64 connections): the median over the rounds at least STREAM_TARGET×
# nginx, and no round below STREAM_FLOOR× nginx's in the same round.
STREAM_TARGET, STREAM_FLOOR, UPLOAD_TARGET = 1.0, 0.9, 0.9
PROOF_BYTES_TARGET, PROOF_US_TARGET = 2048, 5000
# The mode the streaming target is about.
TARGET_MODE = "ranges"
# The sidecars' labels in the results, and their names in the tables.
SERVERS = (("nginx", "nginx"), ("sidecar", "pop-sidecar"), ("sidecar-before", "pop-sidecar before"))


def read(path):
    facts, runs, streams, modes = {}, defaultdict(list), defaultdict(lambda: defaultdict(list)), {}
    with open(path) as f:
        for line in f:
            key, _, rest = line.strip().partition(" ")
            if key == "stream":
                mode, label, pairs = rest.split(" ", 2)
                streams[mode][label].append(pairs_of(pairs))
            elif key == "mode":
                name, _, pairs = rest.partition(" ")
                modes[name] = pairs_of(pairs)
            elif key in ("proof", "openssl", "upload", "hashing", "leaves"):
                runs[key].append(pairs_of(rest))
            else:
                facts[key] = rest
    return facts, runs, streams, modes


def pairs_of(text):
    return {k: float(v) for k, v in (pair.split("=") for pair in text.split())}


def size_label(size):
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit:
            return f"{size / unit:g} {name}"
    return f"{size} B"


def verdict(met):
    return "**met**" if met else "**missed**"


def rate(run):
    """MB/s (10^6 bytes) of a wrk run."""
    return run["bytes"] / run["duration_us"]


def cpu_per_gb(run, key="server_cpu_s"):
    return run[key] / (run["bytes"] / 1e9)


def cpu_ms_per_request(run):
    return 1000 * run["server_cpu_s"] / run["requests"]


def median_of(rows, value):
    return statistics.median(value(r) for r in rows)


def mode_title(name, mode):
    low, high = int(mode["span_min"]), int(mode["span_max"])
    ranges = (
        f"{size_label(low)} ranges"
        if low == high
        else f"HLS-like ranges ({size_label(low)} to {size_label(high)})"
    )
    return f"{ranges}, {int(mode['connections'])} connections"


def header(facts, runs, streams):
    dirty = " with uncommitted changes to the sidecar or this benchmark" if int(facts["dirty"]) else ""
    sha = ", SHA-NI" if facts["sha_ni"] == "yes" else ", no SHA-NI"
    measured = runs["upload"] + [
        r for servers in streams.values() for rows in servers.values() for r in rows
    ]
    other = max(r["other_pct"] for r in measured)
    baseline = (
        f", and as a baseline an older `pop-sidecar` (`{os.path.basename(facts['baseline'])}`, "
        "\"pop-sidecar before\" below) on the same data dir and port, the two sidecars taking "
        "turns"
        if "baseline" in facts
        else ""
    )
    return [
        START,
        "## Content sidecar: streaming, upload ingest, proofs",
        "",
        f"Measured {facts['date']} at commit `{facts['commit']}`{dirty} on {facts['cpu']} "
        f"({facts['cores']} cores{sha}) by `scripts/sidecar-benchmark.sh`, in one run: the "
        f"release `pop-sidecar` (no node, `RUST_LOG=warn`) against nginx {facts['nginx']} "
        f"(`sendfile on`, `access_log off`, one worker per core, `reuseport`){baseline}, wrk "
        f"{facts['wrk']}, curl {facts['curl']} and OpenSSL {facts['openssl_version']}, everything "
        f"over loopback on this one machine, files on {facts['fs']} and in the page cache. Load "
        f"average (1, 5, 15 min) before the run: {facts['load_start']}. \"Other\" below is the "
        "share of the machine's CPU that went to neither the server nor this benchmark's own "
        "clients during a measurement (other programs, and kernel work charged to no process)"
        + (
            f"; it reached {other:.0f}% in this run, so the comparisons are less sure than on "
            "an idle machine: each side competes with that work for the cores, and the kernel "
            "shares them out by runnable threads, not by program."
            if other > 5
            else "."
        ),
        "",
    ]


def streaming(facts, streams, modes):
    size = int(facts["size"])
    described = "; ".join(
        f"{mode_title(name, m)}, {m['seconds']:g} s × {int(m['rounds'])} "
        f"round{'s' if m['rounds'] > 1 else ''}"
        for name, m in modes.items()
    )
    lines = [
        "### Streaming",
        "",
        f"wrk ({facts['cores']} threads) GETs random ranges (`Range: bytes=a-b`, any offset) of "
        f"a {size_label(size)} random file, in these modes: {described}. HLS-like lengths are "
        "log-uniform between the two bounds, as segments of a few seconds at varied bitrates "
        "would be. Each thread's random sequence is seeded, so every server gets the same "
        "requests. Within a round the modes follow each other, and in each mode the servers "
        "take turns, each after an unmeasured warm-up when it starts. MB/s are 10^6 bytes "
        "(response headers included, a few hundred bytes per range) per second as wrk counts "
        "them. CPU is user and system time of the server's processes and of wrk; over loopback "
        "the kernel charges much of the reader's TCP work to the sender, so the split between "
        "the two is rough. Idle is the share of both cores' time nobody used. nginx listens with "
        "`reuseport`: without it, one of its two workers at times took all the connections and "
        "the other idled.",
        "",
    ]
    for name, mode in modes.items():
        lines += stream_mode(name, mode, streams[name])
    return lines + [
        "wrk runs on the same two cores as the server, so the client's work is part of every "
        "number.",
        "",
    ]


def stream_mode(name, mode, servers):
    target = name == TARGET_MODE
    lines = [
        f"#### {mode_title(name, mode)}" + (" (the target)" if target else ""),
        "",
        "| server | round | MB/s | requests/s | latency mean / p50 / p99 / max (ms) | server CPU "
        "ms per request | CPU s per GB, server / wrk | idle / other | errors |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    present = [(label, title) for label, title in SERVERS if servers.get(label)]
    for label, title in present:
        for i, r in enumerate(servers[label], 1):
            seconds = r["duration_us"] / 1e6
            latency = " / ".join(
                f"{r[k] / 1000:.1f}"
                for k in ("latency_mean_us", "latency_p50_us", "latency_p99_us", "latency_max_us")
            )
            lines.append(
                f"| {title} | {i} | {rate(r):,.0f} | {r['requests'] / seconds:,.0f} | {latency} | "
                f"{cpu_ms_per_request(r):.2f} | {cpu_per_gb(r):.2f} / "
                f"{cpu_per_gb(r, 'client_cpu_s'):.2f} | "
                f"{r['idle_pct']:.0f}% / {r['other_pct']:.0f}% | {int(r['errors'])} |"
            )
    nginx = servers["nginx"]
    nginx_rate = median_of(nginx, rate)
    figures = []
    for label, title in present:
        rows = servers[label]
        figures.append(
            f"{title} {median_of(rows, rate):,.0f} MB/s, "
            f"{median_of(rows, lambda r: r['requests'] / (r['duration_us'] / 1e6)):,.0f} "
            f"requests/s, {median_of(rows, cpu_ms_per_request):.2f} ms of server CPU per request, "
            f"{median_of(rows, cpu_per_gb):.2f} CPU s per GB"
        )
    lines += ["", "Medians over the rounds: " + "; ".join(figures) + "."]
    for label, title in present[1:]:
        rows = servers[label]
        ratio = median_of(rows, rate) / nginx_rate
        # Each round against nginx's in the same round.
        per_round = [rate(r) / rate(n) for r, n in zip(rows, nginx)]
        lowest = min(per_round)
        sentence = (
            f"{title}: {ratio:.2f}× nginx at the median (rounds: "
            f"{', '.join(f'{x:.2f}×' for x in per_round)}, the lowest {lowest:.2f}×)"
        )
        if target and label == "sidecar":
            met = ratio >= STREAM_TARGET and lowest >= STREAM_FLOOR
            sentence += (
                f", against the target of ≥ {STREAM_TARGET:.1f}× at the median "
                f"({'yes' if ratio >= STREAM_TARGET else 'no'}) with no round below "
                f"{STREAM_FLOOR:g}× ({'yes' if lowest >= STREAM_FLOOR else 'no'}): {verdict(met)}"
            )
        lines.append("")
        lines.append(sentence + ".")
    if servers.get("sidecar-before") and servers.get("sidecar"):
        before, now = servers["sidecar-before"], servers["sidecar"]
        gain = median_of(now, rate) / median_of(before, rate) - 1
        lines += [
            "",
            f"Before and after in this run: {median_of(before, rate):,.0f} → "
            f"{median_of(now, rate):,.0f} MB/s ({gain:+.0%}), server CPU "
            f"{median_of(before, cpu_per_gb):.2f} → {median_of(now, cpu_per_gb):.2f} s per GB "
            f"(nginx {median_of(nginx, cpu_per_gb):.2f}), "
            f"{median_of(before, cpu_ms_per_request):.2f} → "
            f"{median_of(now, cpu_ms_per_request):.2f} ms per request; p99 latency "
            f"{median_of(before, lambda r: r['latency_p99_us']) / 1000:.1f} → "
            f"{median_of(now, lambda r: r['latency_p99_us']) / 1000:.1f} ms.",
        ]
    errors = int(sum(r["errors"] for rows in servers.values() for r in rows))
    if errors:
        lines += ["", f"wrk counted {errors} errors in this mode (see the table)."]
    lines.append("")
    return lines


def sha256_blocks(length):
    """Compression blocks SHA-256 runs over `length` bytes: the message, 0x80 and the 64-bit
    length, in 64-byte blocks."""
    return -(-(length + 9) // 64)


def leaf_medians(runs):
    """Per leaf size (bytes), the medians of the `leaves` runs, in order of leaf size."""
    by_leaf = defaultdict(list)
    for r in runs["leaves"]:
        by_leaf[int(r["leaf_bytes"])].append(r)
    return {
        leaf: {key: statistics.median(r[key] for r in rows) for key in rows[0]}
        for leaf, rows in sorted(by_leaf.items())
    }


def ingest(facts, runs):
    size = int(facts["size"])
    mb, gb = size / 1e6, size / 1e9
    uploads, digests = runs["upload"], runs["openssl"]
    upload = statistics.median(r["seconds"] for r in uploads)
    openssl = statistics.median(r["seconds"] for r in digests)
    ratio = openssl / upload
    commitment = statistics.median(r["commitment_s"] for r in runs["hashing"])
    pooled = statistics.median(r["commitment_pooled_s"] for r in runs["hashing"])
    plain = statistics.median(r["sha256_s"] for r in runs["hashing"])
    sidecar_cpu = statistics.median(r["sidecar_cpu_s"] for r in uploads)
    curl_cpu = statistics.median(r["curl_cpu_s"] for r in uploads)
    blocks = leaf_medians(runs)[1024]["blocks_per_kib"]
    plain_blocks = sha256_blocks(size) / (size / 1024)
    listed = lambda rs, key, fmt: ", ".join(fmt.format(r[key]) for r in rs)
    return [
        "### Upload ingest",
        "",
        f"The same {size_label(size)} file uploaded through tus by curl: `POST /uploads`, then "
        "one `PATCH` streaming the whole file (`curl -T`), timed until the `204` with "
        "`Pop-Content-Id`. That includes the content commitment (SHA-256 of every 1 KiB leaf "
        "and the tree above), writing the partial file, its fsyncs, and storing the item "
        "(fsync, chunk-root file, renames, directory fsync). The anchor is `openssl dgst "
        f"-sha256` of the file. Runs alternate, {len(uploads)} each, the file read into the "
        "page cache before each (the file was written to disk and dropped from the cache after "
        "it was made, so both read it as a file read from disk); the item is deleted (tus "
        "`DELETE`) between uploads. One "
        "unmeasured upload goes first: on this VM the first write to blocks the file system never "
        "used runs at about a third of later writes' speed (`dd` with `fdatasync`: 0.72 against "
        "2.3 GB/s), which is the host allocating storage rather than the sidecar's work.",
        "",
        "| | runs (s) | median (s) | MB/s |",
        "|---|---|---:|---:|",
        f"| tus upload to pop-sidecar | {listed(uploads, 'seconds', '{:.2f}')} | {upload:.2f} | "
        f"{mb / upload:,.0f} |",
        f"| `openssl dgst -sha256` | {listed(digests, 'seconds', '{:.2f}')} | {openssl:.2f} | "
        f"{mb / openssl:,.0f} |",
        "",
        f"Upload ingest runs at {ratio:.2f}× the speed of `openssl dgst -sha256` against the "
        f"target of ≥ {UPLOAD_TARGET:g}×: {verdict(ratio >= UPLOAD_TARGET)}. During the uploads "
        f"the sidecar used {listed(uploads, 'sidecar_cpu_s', '{:.2f}')} s of CPU (median "
        f"{sidecar_cpu / gb:.2f} CPU s per GB), curl {listed(uploads, 'curl_cpu_s', '{:.2f}')} s "
        f"({curl_cpu / gb:.2f} CPU s per GB); the machine was idle "
        f"{listed(uploads, 'idle_pct', '{:.0f}%')} of the time, other work took "
        f"{listed(uploads, 'other_pct', '{:.0f}%')}. curl, the kernel's loopback and the "
        f"sidecar share the two cores. The commitment hashes {blocks:.2f} SHA-256 blocks per KiB "
        f"where a plain digest hashes {plain_blocks:.2f}, so the sidecar hashes whole 256 KiB "
        "chunks (aligned subtrees) side by side on a pool of one thread per core, and it keeps "
        "freed receive buffers for reuse rather than have glibc return them to the kernel and "
        "fault them in again. With the file in memory, the commitment "
        f"takes {commitment:.2f} s on one thread and {pooled:.2f} s on the pool, a plain SHA-256 "
        f"(the `sha2` crate the sidecar uses) {plain:.2f} s (medians of "
        f"{len(runs['hashing'])}).",
        "",
    ]


def ingest_budget(facts, runs):
    """Whether the commitment's cost forbids the ingest target on this machine, and which leaf
    size would fit it, from the uploads' CPU and the `leaves` runs."""
    size, cores = int(facts["size"]), int(facts["cores"])
    uploads = runs["upload"]
    upload = statistics.median(r["seconds"] for r in uploads)
    openssl = statistics.median(r["seconds"] for r in runs["openssl"])
    met = openssl / upload >= UPLOAD_TARGET
    sidecar_cpu = statistics.median(r["sidecar_cpu_s"] for r in uploads)
    curl_cpu = statistics.median(r["curl_cpu_s"] for r in uploads)
    allowed = openssl / UPLOAD_TARGET
    budget = allowed * cores - curl_cpu
    leaves = leaf_medians(runs)
    today = leaves[1024]
    plain = statistics.median(r["sha256_s"] for r in runs["hashing"])
    plain_blocks = sha256_blocks(size) / (size / 1024)
    commitment = today["one_thread_s"]
    rest = sidecar_cpu - commitment
    rows, fitting = [], []
    for leaf, r in leaves.items():
        projected = rest + r["one_thread_s"]
        fits = projected <= budget and r["pool_s"] <= allowed
        small = r["proof_bytes"] <= PROOF_BYTES_TARGET
        if fits:
            fitting.append((leaf, small, r["proof_bytes"]))
        rows.append(
            f"| {size_label(leaf)} | {r['blocks_per_kib']:.2f} | {r['one_thread_s']:.2f} / "
            f"{r['pool_s']:.2f} | {int(r['proof_bytes']):,} ({'≤' if small else '>'} "
            f"{PROOF_BYTES_TARGET:,}) | {projected:.2f} ({'≤' if projected <= budget else '>'} "
            f"{budget:.2f}) | {'yes' if fits else 'no'} |"
        )
    title = (
        f"### Ingest: {UPLOAD_TARGET:g}× met"
        if met
        else f"### Ingest: why not {UPLOAD_TARGET:g}×"
    )
    lines = [
        title,
        "",
        f"At {UPLOAD_TARGET:g}× `openssl dgst -sha256` ({openssl:.2f} s) an upload may take "
        f"{allowed:.2f} s; on {cores} cores that is {allowed * cores:.2f} CPU s, of which curl "
        f"took {curl_cpu:.2f} s (median of the uploads), leaving the sidecar {budget:.2f} CPU s. "
        f"It used {sidecar_cpu:.2f} s (median), "
        + (f"{sidecar_cpu - budget:.2f} s over. " if sidecar_cpu > budget else "within it. ")
        + f"Its commitment alone costs {commitment:.2f} s on one thread, {commitment / sidecar_cpu:.0%} "
        f"of that; the rest ({rest:.2f} s: reading the socket, writing and syncing the file, "
        "storing the item) "
        + (
            f"alone exceeds the budget by {rest - budget:.2f} s, so no commitment, however cheap, "
            "would reach the target on this machine as it is."
            if rest > budget
            else f"leaves {budget - rest:.2f} CPU s for the commitment, "
            f"{size / 1e6 / (budget - rest):,.0f} MB/s on one thread."
        ),
        "",
        f"Below, the commitment's tree with leaves of each size (chunks of 256 KiB kept, so "
        f"fewer, larger leaves per chunk), the {size_label(size)} file in memory, "
        + ("one run" if len(runs["leaves"]) == len(leaves) else
           f"medians of {len(runs['leaves']) // len(leaves)} runs")
        + ": SHA-256 blocks per KiB counted through the "
        f"tree, hashing time on one thread and on the pool ({int(today['pool_threads'])} "
        "threads), the encoded `LeafProof` of an item of this size (its longest path; at 1 KiB "
        "checked against a real proof), and the sidecar's CPU per upload had its commitment "
        "been that tree's (the measured CPU less the 1 KiB commitment's one-thread time, plus this "
        "one's). A leaf size fits when that CPU is within the budget and the pool hashes the "
        "file within the time allowed.",
        "",
        "| leaf | SHA-256 blocks per KiB | hashing s, one thread / pool | proof bytes | sidecar "
        "CPU s per upload (budget) | fits |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ]
    both = [leaf for leaf, small, _ in fitting if small]
    if both:
        conclusion = (
            f"{' and '.join(size_label(leaf) for leaf in both)} leaves fit the ingest budget with "
            f"proofs ≤ {PROOF_BYTES_TARGET:,} bytes"
            + (": the leaf size is not what stands in the way." if 1024 in both else ".")
        )
    elif fitting:
        leaf, _, proof = min(fitting, key=lambda f: f[2])
        conclusion = (
            f"Only leaves whose proofs exceed {PROOF_BYTES_TARGET:,} bytes fit the ingest budget; "
            f"the smallest such is {size_label(leaf)}, with {int(proof):,}-byte proofs. Reaching "
            f"{UPLOAD_TARGET:g}× by leaf size needs the proof target raised to that."
        )
    else:
        largest = max(leaves)
        conclusion = (
            f"No leaf size fits: even {size_label(largest)} leaves "
            f"({leaves[largest]['blocks_per_kib']:.2f} blocks per KiB) would leave the sidecar at "
            f"{rest + leaves[largest]['one_thread_s']:.2f} CPU s against {budget:.2f}. "
            + (
                "The rest of the sidecar's work is what exceeds the budget; that, not the "
                "commitment, is where a design change must save."
                if rest > budget
                else f"The commitment would have to cost at most {budget - rest:.2f} CPU s per "
                f"{size_label(size)}, less than any of these leaf sizes costs (a plain SHA-256 of "
                f"the file, {plain_blocks:.2f} blocks per KiB, takes {plain:.2f} s): larger "
                "leaves alone cannot reach the target"
                + (
                    "; a cheaper hash could."
                    if plain <= budget - rest
                    else ", nor can any SHA-256 tree on this machine."
                )
            )
        )
    if not met and sidecar_cpu <= budget:
        # The CPU would allow the target, so the upload's time goes to waiting.
        conclusion += (
            f" Yet the sidecar's CPU fits the budget today, and the upload still took "
            f"{upload:.2f} s against {allowed:.2f}: on average it kept "
            f"{sidecar_cpu / upload:.2f} of {cores} cores busy and curl {curl_cpu / upload:.2f}, "
            "so the time is lost waiting (the fsyncs, or stages that do not overlap), which no "
            "leaf size changes."
        )
    lines += [("The target is met in this run. " if met else "") + conclusion, ""]
    return lines


def storage_proofs(proofs):
    lines = [
        "### Storage proofs",
        "",
        f"`pop_sidecar::blob_store::BlobStore::prove` for items of each size stored in a `BlobStore`: it reads "
        "the chunk-root file, checks it against the id, reads the 256 KiB chunk holding the "
        "leaf, hashes its 256 leaves and builds the path. Times over "
        f"{int(proofs[0]['samples'])} random leaves per item (the last leaf among them), the "
        "item in the page cache, after ten unmeasured proofs; every proof is checked with "
        "`LeafProof::verify`. Size is the SCALE encoding of `LeafProof`, the argument "
        "`submit_proof` takes beside the challenge id.",
        "",
        "| item | leaves | proof (bytes) | median (µs) | p90 (µs) | max (µs) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for p in proofs:
        low, high = int(p["proof_bytes_min"]), int(p["proof_bytes_max"])
        encoded = f"{high:,}" if low == high else f"{low:,}–{high:,}"
        lines.append(
            f"| {size_label(int(p['size']))} | {int(p['leaves']):,} | {encoded} | "
            f"{p['median_us']:,.0f} | {p['p90_us']:,.0f} | {p['max_us']:,.0f} |"
        )
    largest = max(p["proof_bytes_max"] for p in proofs)
    slowest = max(p["median_us"] for p in proofs)
    slowest_max = max(p["max_us"] for p in proofs)
    return lines + [
        "",
        f"The largest proof is {int(largest):,} bytes against the target of ≤ "
        f"{PROOF_BYTES_TARGET:,}: {verdict(largest <= PROOF_BYTES_TARGET)}. The slowest median "
        f"is {slowest / 1000:.2f} ms (slowest single proof {slowest_max / 1000:.2f} ms) against "
        f"≤ {PROOF_US_TARGET / 1000:g} ms: {verdict(slowest <= PROOF_US_TARGET)}. Verification "
        "on chain is in the proof section above.",
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    facts, runs, streams, modes = read(args.results)
    lines = (
        header(facts, runs, streams)
        + streaming(facts, streams, modes)
        + ingest(facts, runs)
        + ingest_budget(facts, runs)
        + storage_proofs(runs["proof"])
        + [END]
    )
    write_section(args.out, START, END, "\n".join(lines))


if __name__ == "__main__":
    main()
