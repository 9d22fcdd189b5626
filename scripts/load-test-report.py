#!/usr/bin/env python3
"""Writes the load test section of docs/benchmarks.md from the results of
scripts/load-test.sh.

The results file has one measurement or fact per line: `key value...`, where `load`,
`machine`, `challenges` and `sample` lines carry `name=value` pairs (a value may be empty when the node did not
answer a sample). The text between the section's markers in the output file is replaced (other
text stays); with `--out -` the section is printed instead.
"""
import argparse

from benchmarks_doc import write_section

START, END = "<!-- load:start -->", "<!-- load:end -->"
BLOCK_SECONDS = 3
# What a viewer's connection may cost the sidecar (KiB): hyper's read and write buffers (8 KiB
# to start, more only for larger requests than a viewer sends) and the connection's task.
VIEWER_KIB_BOUND = 64


def read(path):
    facts, samples, error_lines = {}, [], []
    with open(path) as f:
        for line in f:
            key, _, rest = line.rstrip("\n").partition(" ")
            if key == "sample":
                samples.append(pairs_of(rest))
            elif key == "error_line":
                error_lines.append(rest)
            elif key in ("load", "machine", "challenges"):
                facts[key] = pairs_of(rest)
            else:
                facts[key] = rest
    return facts, samples, error_lines


def pairs_of(text):
    """`name=value` pairs as numbers; an empty value is left out."""
    return {k: float(v) for k, v in (pair.split("=", 1) for pair in text.split()) if v}


def mib(kb):
    return float(kb) / 1024


def ms(us):
    return f"{us / 1000:,.1f}"


def size_label(size):
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit:
            return f"{size / unit:g} {name}"
    return f"{size} B"


def longest_without_finality(samples):
    """The longest time (s) between two samples at which the finalized number rose, counting
    the start and the end of the sampling, or None without samples."""
    seen = [(s["t"], s["finalized"]) for s in samples if "finalized" in s]
    if not seen:
        return None
    longest, since, last = 0.0, seen[0][0], seen[0][1]
    for t, number in seen[1:]:
        if number > last:
            longest, since, last = max(longest, t - since), t, number
    return max(longest, seen[-1][0] - since)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    facts, samples, error_lines = read(args.results)
    load, machine = facts["load"], facts["machine"]
    viewers = int(facts["viewers"])
    seconds = load["seconds"]
    requests, errors = int(load["requests"]), int(load["errors"])
    cores = int(facts["cores"])
    dirty = " with uncommitted changes to the sidecar or this test" if int(facts["dirty"]) else ""

    lines = [
        START,
        f"## Content sidecar: {viewers:,} concurrent viewers beside a live node",
        "",
        f"Measured {facts['date']} at commit `{facts['commit']}`{dirty} on {facts['cpu']} "
        f"({cores} cores, {mib(facts['memory_kb']) / 1024:.0f} GiB) by `scripts/load-test.sh`: "
        f"one release `pop-sidecar` {facts['sidecar_version']} (`RUST_LOG={facts['rust_log']}`) "
        f"beside a live `pop-node --dev` {facts['node_version']} (one validator, "
        f"{BLOCK_SECONDS} s blocks, GRANDPA), and the load generator (`viewer_load` in "
        "`content-sidecar/examples`, tokio and hyper, one keep-alive connection per viewer) on "
        "the same machine over loopback. "
        f"{facts['items']} items of {size_label(int(facts['item_size']))} of random bytes were "
        "uploaded through tus, registered free on chain, confirmed by the sidecar and located "
        "with `content_locate`, as a creator and a dapp do. Then "
        f"{viewers:,} viewers joined over {float(facts['ramp']):g} s and for "
        f"{float(facts['duration']):g} s each read random ranges of random items "
        f"({size_label(int(load['min_range']))} to {size_label(int(load['max_range']))}, "
        "log-uniform, like HLS segments, at any offset), the next request as soon as the last "
        f"one ended: {viewers:,} requests in flight at all times, far more than an audience "
        "of that size asks for (a player fetches a segment every few seconds). The sidecar's "
        f"limit of open files: {int(facts['fd_limit']):,}. Load average (1, 5, 15 min) before the run: "
        f"{facts['load_start']}.",
        "",
        "| viewers | requests | requests/s | MB/s | time to first byte p50 / p90 / p99 / max "
        "(ms) | whole response p50 / p99 (ms) | errors |",
        "|---:|---:|---:|---:|---|---|---:|",
        f"| {viewers:,} | {requests:,} | {requests / seconds:,.0f} | "
        f"{load['bytes'] / seconds / 1e6:,.0f} | "
        + " / ".join(ms(load[f"ttfb_{q}_us"]) for q in ("p50", "p90", "p99", "max"))
        + f" | {ms(load['total_p50_us'])} / {ms(load['total_p99_us'])} | {errors:,} |",
        "",
        "Time to first byte runs from handing a request to its open connection until the "
        "response head and the first body bytes have arrived; the whole response, until the "
        f"last byte. Rates are over {seconds:.1f} s, from the first viewer's start to the last "
        "response (requests started before the end are finished and counted); MB are 10^6 "
        "bytes of body. Every response was checked: `206`, the `Content-Range` asked for, "
        f"exactly the bytes asked for; {int(load['verified']):,} bodies (every "
        f"{int(load['verify_every'])}th request) "
        "were also compared byte for byte with the item. Connecting took "
        f"{ms(load['connect_p50_us'])} ms at the median and {ms(load['connect_max_us'])} ms at "
        f"most ({int(load['connections']):,} connections). With a request always outstanding "
        "per viewer, the mean time a request takes is the number of viewers over the request "
        f"rate (Little's law): {1000 * viewers / (requests / seconds):,.0f} ms here, against "
        f"{ms(load['total_mean_us'])} ms measured; a request's time is mostly its wait for "
        "the cores, which the sidecar shares with the viewers and whatever else runs.",
        "",
    ]

    # Errors.
    if errors == 0:
        lines.append("No request failed.")
    else:
        kinds = ", ".join(
            f"{int(v):,} {k.removeprefix('errors_')}"
            for k, v in sorted(load.items())
            if k.startswith("errors_") and v
        )
        lines.append(
            f"{errors:,} of {requests + errors:,} requests failed ({kinds}); the first:"
        )
        lines += ["", *[f"    {line}" for line in error_lines]]
    lines.append("")

    # CPU.
    total = machine["total_s"]
    generator = load["cpu_user_s"] + load["cpu_system_s"]
    busy = total - machine["idle_s"]
    other = max(busy - machine["sidecar_cpu_s"] - machine["node_cpu_s"] - generator, 0)
    share = lambda s: f"{100 * s / total:.0f}%"
    lines += [
        f"CPU during the run ({cores} cores, {total:,.0f} s of CPU time in all): the sidecar "
        f"used {machine['sidecar_cpu_s']:,.1f} s ({share(machine['sidecar_cpu_s'])}), the "
        f"load generator {generator:,.1f} s ({share(generator)}), the node "
        f"{machine['node_cpu_s']:,.1f} s ({share(machine['node_cpu_s'])}); other work "
        f"(other programs on this shared machine, the samplers, kernel work charged to no "
        f"process) {share(other)}, idle {share(machine['idle_s'])}. The generator and the "
        "sidecar compete for the same cores, so the rates and latencies are those of a sidecar "
        "with at most what the generator leaves it"
        + (
            f"; other work took {share(other)}, so they are less sure than on an idle machine."
            if other / total > 0.05
            else "."
        ),
        "",
    ]

    # Memory.
    rss = [(s["t"], s["rss_kb"]) for s in samples if "rss_kb" in s]
    half = rss[-1][0] / 2 if rss else 0
    # One sample about every ten seconds, to show the course.
    course, next_t = [], 0.0
    for t, kb in rss:
        if t >= next_t:
            course.append(f"{mib(kb):,.0f}")
            next_t = t + 10
    per_viewer = (float(facts["hwm_kb"]) - float(facts["rss_before_kb"])) / viewers
    rise = mib(rss[-1][1] - min((kb for t, kb in rss if t > half), default=rss[-1][1])) if rss else 0
    threads = max((s["threads"] for s in samples if "threads" in s), default=0)
    fds = max((s["fds"] for s in samples if "fds" in s), default=0)
    lines += [
        f"Memory of the sidecar (resident set): {mib(facts['rss_before_kb']):,.0f} MiB before "
        f"the viewers came, a peak of {mib(facts['hwm_kb']):,.0f} MiB during the run (VmHWM, "
        f"reset after the uploads), {mib(facts['rss_end_kb']):,.0f} MiB at the end of the run "
        f"and {mib(facts['rss_idle_kb']):,.0f} MiB 5 s after the viewers left. Every ten "
        f"seconds or so: {', '.join(course)} MiB; over the second half of the run it rose by "
        f"{rise:,.0f} MiB. The peak is {per_viewer:,.0f} KiB per viewer above the start. A "
        "response in flight holds no content bytes in the sidecar's memory: its body is a "
        "reference to the item's memory map, which the connection sends from the page cache "
        "with `sendfile` without touching the mapped pages (so they are the page cache's, not "
        "the sidecar's resident set). What a viewer costs is its connection: hyper's buffers "
        "and the task, taken here as at most "
        f"{VIEWER_KIB_BOUND} KiB: "
        + (
            "the peak is within it."
            if per_viewer <= VIEWER_KIB_BOUND
            else "the peak is **above** it, so something else grows with the viewers."
        )
        + f" Threads: {int(facts['threads_before'])} before, up to {int(threads)} during the run "
        f"(tokio's blocking pool opens and maps items not kept open), "
        f"{int(facts['threads_idle'])} after; open files and sockets: up to {int(fds):,} (each "
        f"viewer holds a socket; the store keeps at most {int(facts['kept_open'])} items open, "
        "shared by the responses that send them).",
        "",
    ]

    # Chain.
    before, after = int(facts["finalized_before"]), int(facts["finalized_after"])
    longest = longest_without_finality(samples)
    missed = sum(1 for s in samples if "finalized" not in s)
    lines += [
        f"The node went on: it finalized {after - before} blocks during the run (#{before} "
        f"before the viewers, #{after} after; one block every {BLOCK_SECONDS} s would be "
        f"{seconds / BLOCK_SECONDS:.0f})"
        + (
            f", and in the samples taken every second the longest time without a newly "
            f"finalized block was {longest:.0f} s"
            if longest is not None
            else ""
        )
        + (
            f"; {missed} of {len(samples)} samples got no answer from the node in 5 s."
            if missed
            else "."
        )
        if after > before
        else f"The node finalized nothing during the run (#{before} before and after).",
        "",
    ]

    # Challenges.
    c = {k: int(v) for k, v in facts["challenges"].items()}
    failed = c["missed"] + c["rejected"]
    still_open = c["issued"] - c["accepted"] - failed
    lines += [
        f"Storage challenges: from the end of the uploads until "
        f"{facts['challenge_deadline']} blocks (a challenge's deadline) after the viewers left, "
        f"{c['blocks']} blocks in all, the chain issued the sidecar's masternode "
        f"{c['issued']} challenges; {c['accepted']} proofs were accepted, {c['rejected']} "
        f"rejected, {c['missed']} challenges missed, {c['faults']} faults recorded "
        f"({c['excused']} excused)"
        + (
            f", and {still_open} were still open, not yet due, when counting stopped"
            if still_open > 0
            else ""
        )
        + ": "
        + (
            "no challenge was missed or failed."
            if failed == 0 and c["faults"] == 0
            else f"**the sidecar failed {failed} challenges under this load.**"
        ),
        END,
    ]
    section = "\n".join(lines)

    write_section(args.out, START, END, section)


if __name__ == "__main__":
    main()
