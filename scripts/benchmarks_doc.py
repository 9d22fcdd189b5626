"""Writes generated sections into docs/benchmarks.md; shared by the benchmark report scripts."""
import os
import platform
import re

HEADER = (
    "# Benchmarks\n\nEvery number here is produced by a script under `scripts/`; "
    "run it again to refresh it.\n"
)


def replace_sections(path, sections):
    """Puts each `(start, end, text)` between its markers in the file at `path` (`text`
    includes the markers); a section the file lacks is appended. Other text stays."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = HEADER
    for start, end, section in sections:
        if start in text:
            text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: section, text,
                          flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + section
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(text + ("" if text.endswith("\n") else "\n"))


def cpu_name():
    """The machine's CPU model, as /proc/cpuinfo names it."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def write_section(out, start, end, section):
    """Prints `section` when `out` is `-`, else puts it between its markers in the file `out`."""
    if out == "-":
        print(section)
    else:
        replace_sections(out, [(start, end, section)])
