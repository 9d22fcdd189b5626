#!/usr/bin/env python3
"""Writes the sidecar section of docs/benchmarks.md from the results of
scripts/sidecar-benchmark.sh.

The results file has one measurement or fact per line: `key value...`, where `stream` and
`proof` lines carry `name=value` pairs. The text between the section's markers in the output
file is replaced (other text stays); with `--out -` the section is printed instead.
"""
import argparse
import statistics
from collections import defaultdict

from benchmarks_doc import write_section

START, END = "<!-- sidecar:start -->", "<!-- sidecar:end -->"
STREAM_TARGET, UPLOAD_TARGET = 0.9, 0.7
PROOF_BYTES_TARGET, PROOF_US_TARGET = 2048, 5000


def read(path):
    facts, runs, streams = {}, defaultdict(list), defaultdict(list)
    with open(path) as f:
        for line in f:
            key, _, rest = line.strip().partition(" ")
            if key == "stream":
                label, _, pairs = rest.partition(" ")
                streams[label].append(pairs_of(pairs))
            elif key in ("proof", "openssl", "upload", "hashing"):
                runs[key].append(pairs_of(rest))
            else:
                facts[key] = rest
    return facts, runs, streams


def pairs_of(text):
    return {k: float(v) for k, v in (pair.split("=") for pair in text.split())}


def size_label(size):
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit:
            return f"{size / unit:g} {name}"
    return f"{size} B"


def verdict(met):
    return "**met**" if met else "**missed**"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    facts, runs, streams = read(args.results)
    proofs = runs["proof"]
    size = int(facts["size"])
    mb = size / 1e6

    dirty = " with uncommitted changes to the sidecar or this benchmark" if int(facts["dirty"]) else ""
    sha = ", SHA-NI" if facts["sha_ni"] == "yes" else ", no SHA-NI"
    measured = runs["upload"] + [r for rows in streams.values() for r in rows]
    other = max(r["other_pct"] for r in measured)
    lines = [
        START,
        "## Content sidecar: streaming, upload ingest, proofs",
        "",
        f"Measured {facts['date']} at commit `{facts['commit']}`{dirty} on {facts['cpu']} "
        f"({facts['cores']} cores{sha}) by `scripts/sidecar-benchmark.sh`, in one run: the "
        f"release `pop-sidecar` (no node, `RUST_LOG=warn`) against nginx {facts['nginx']} "
        f"(`sendfile on`, `access_log off`, one worker per core, `reuseport`), wrk {facts['wrk']}, curl "
        f"{facts['curl']} and OpenSSL {facts['openssl_version']}, everything over loopback on this one "
        f"machine, files on {facts['fs']} and in the page cache. Load average (1, 5, 15 min) "
        f"before the run: {facts['load_start']}. \"Other\" below is the share of the machine's "
        "CPU that went to neither the server nor this benchmark's own clients during a "
        "measurement (other programs, and kernel work charged to no process)"
        + (
            f"; it reached {other:.0f}% in this run, so the comparisons are less sure than on "
            "an idle machine: each side competes with that work for the cores, and the kernel "
            "shares them out by runnable threads, not by program."
            if other > 5
            else "."
        ),
        "",
    ]

    # Streaming.
    def rate(run):
        return run["bytes"] / run["duration_us"]

    nginx, sidecar = streams["nginx"], streams["sidecar"]
    rounds = "one round" if len(nginx) == 1 else f"{len(nginx)} rounds"
    nginx_rate = statistics.median(rate(r) for r in nginx)
    sidecar_rate = statistics.median(rate(r) for r in sidecar)
    ratio = sidecar_rate / nginx_rate
    errors = int(sum(r["errors"] for r in nginx + sidecar))
    lines += [
        "### Streaming",
        "",
        f"{int(facts['connections'])} connections of wrk ({facts['cores']} threads) each GET "
        f"random {size_label(int(facts['span']))} ranges (`Range: bytes=a-b`, any offset, the "
        f"same sequence for both servers) of a {size_label(size)} random file for "
        f"{facts['seconds']} s; the servers take turns, {rounds} each after an unmeasured "
        "warm-up. MB/s are 10^6 bytes (response headers included, a few hundred "
        "bytes per MiB) per second as wrk counts them. CPU is user and system time of the "
        "server's processes and of wrk; over loopback the kernel charges much of the reader's "
        "TCP work to the sender, so the split between the two is rough. Idle is the share of "
        "both cores' time nobody used. nginx listens with `reuseport`: without it, one of its "
        "two workers at times took all 64 connections and the other idled.",
        "",
        "| server | round | MB/s | requests/s | latency mean / p50 / p99 / max (ms) | CPU s "
        "per GB, server / wrk | idle / other | errors |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for label, rows in (("nginx", nginx), ("pop-sidecar", sidecar)):
        for i, r in enumerate(rows, 1):
            seconds = r["duration_us"] / 1e6
            latency = " / ".join(
                f"{r[k] / 1000:.1f}"
                for k in ("latency_mean_us", "latency_p50_us", "latency_p99_us", "latency_max_us")
            )
            gb = r["bytes"] / 1e9
            lines.append(
                f"| {label} | {i} | {rate(r):,.0f} | {r['requests'] / seconds:,.0f} | {latency} | "
                f"{r['server_cpu_s'] / gb:.2f} / {r['client_cpu_s'] / gb:.2f} | "
                f"{r['idle_pct']:.0f}% / {r['other_pct']:.0f}% | {int(r['errors'])} |"
            )
    lines += [
        "",
        f"Median over the rounds: pop-sidecar {sidecar_rate:,.0f} MB/s, nginx "
        f"{nginx_rate:,.0f} MB/s, a ratio of {ratio:.2f}× against the target of ≥ "
        f"{STREAM_TARGET}× nginx: {verdict(ratio >= STREAM_TARGET)}"
        + ("." if errors == 0 else f"; wrk counted {errors} errors (see the table).")
        + " wrk runs on the same two cores as the server, so the client's work is part of "
        "every number.",
        "",
    ]

    # Upload ingest.
    uploads, digests = runs["upload"], runs["openssl"]
    upload = statistics.median(r["seconds"] for r in uploads)
    openssl = statistics.median(r["seconds"] for r in digests)
    ratio = openssl / upload
    commitment = statistics.median(r["commitment_s"] for r in runs["hashing"])
    pooled = statistics.median(r["commitment_pooled_s"] for r in runs["hashing"])
    plain = statistics.median(r["sha256_s"] for r in runs["hashing"])
    listed = lambda rs, key, fmt: ", ".join(fmt.format(r[key]) for r in rs)
    lines += [
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
        f"target of ≥ {UPLOAD_TARGET}×: {verdict(ratio >= UPLOAD_TARGET)}. During the uploads "
        f"the sidecar used {listed(uploads, 'sidecar_cpu_s', '{:.2f}')} s of CPU, curl "
        f"{listed(uploads, 'curl_cpu_s', '{:.2f}')} s; the machine was idle "
        f"{listed(uploads, 'idle_pct', '{:.0f}%')} of the time, other work took "
        f"{listed(uploads, 'other_pct', '{:.0f}%')}. curl, the kernel's loopback and the "
        "sidecar share the two cores. The commitment takes about 19 SHA-256 blocks per KiB where "
        "a plain digest needs 16, so the sidecar hashes whole 256 KiB chunks (aligned subtrees) "
        "side by side on a pool of one thread per core, and it keeps freed receive buffers for "
        "reuse rather than have glibc return them to the kernel and fault them in again. With "
        "the file in memory, the commitment "
        f"takes {commitment:.2f} s on one thread and {pooled:.2f} s on the pool, a plain SHA-256 "
        f"(the `sha2` crate the sidecar uses) {plain:.2f} s (medians of "
        f"{len(runs['hashing'])}).",
        "",
    ]

    # Proofs.
    lines += [
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
    lines += [
        "",
        f"The largest proof is {int(largest):,} bytes against the target of ≤ "
        f"{PROOF_BYTES_TARGET:,}: {verdict(largest <= PROOF_BYTES_TARGET)}. The slowest median "
        f"is {slowest / 1000:.2f} ms (slowest single proof {slowest_max / 1000:.2f} ms) against "
        f"≤ {PROOF_US_TARGET / 1000:g} ms: {verdict(slowest <= PROOF_US_TARGET)}. Verification "
        "on chain is in the proof section above.",
        END,
    ]
    section = "\n".join(lines)

    write_section(args.out, START, END, section)


if __name__ == "__main__":
    main()
