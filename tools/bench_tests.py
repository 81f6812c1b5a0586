#!/usr/bin/env python3
"""bench_tests.py: how long a test binary takes, next to the floor.

Boots every test kernel (unit, integration, should-panic) and the floor
kernel (tests/floor: boots through the same GRUB ISO and runner path and
exits at once) several times, interleaved so that machine noise hits all of
them alike, and reports each one's median wall time from QEMU start to exit
and its ratio to the floor's median. Then times one whole `ctest -j` run.
With --write FILE, the table replaces the part of FILE between
<!-- bench-tests:begin --> and <!-- bench-tests:end -->.
"""
import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tools" / "runner.py"
TIME_RE = re.compile(r"in ([\d.]+) s \(QEMU start to exit\)")


def runner_args_of(source: Path) -> list[str]:
    """The `// ktest-runner-args:` lines of a test file, as CTest passes them."""
    args: list[str] = []
    for line in source.read_text().splitlines():
        if line.startswith("// ktest-runner-args:"):
            args += shlex.split(line.split(":", 1)[1])
    return args


def boot_seconds(iso: Path, extra: list[str]) -> float | None:
    out = subprocess.run([sys.executable, str(RUNNER), str(iso), "--quiet", "--color", "never"] + extra,
                         capture_output=True, text=True, timeout=300).stdout
    match = TIME_RE.search(out)
    return float(match.group(1)) if match else None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", type=Path, default=ROOT / "build")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--write", type=Path)
    args = p.parse_args()
    build = args.build.resolve()

    binaries = {"floor": (build / "tests/floor/floor.iso", []),
                "unit.ktest": (build / "ktest/ktest-kernel.iso", [])}
    for iso in sorted((build / "tests").glob("*.iso")):
        kind, _, stem = iso.stem.partition("-")
        if kind == "integration":
            binaries[f"integration.{stem}"] = (iso, runner_args_of(ROOT / "tests/integration" / f"{stem}.cpp"))
        elif kind == "should_panic":
            binaries[f"should_panic.{stem}"] = (iso, ["--expect", "should-panic"] +
                                                runner_args_of(ROOT / "tests/should_panic" / f"{stem}.cpp"))
    missing = [name for name, (iso, _) in binaries.items() if not iso.exists()]
    if missing:
        print(f"bench-tests: build first; missing {missing}")
        return 1

    times: dict[str, list[float]] = {name: [] for name in binaries}
    for run in range(args.runs):
        for name, (iso, extra) in binaries.items():
            seconds = boot_seconds(iso, extra)
            if seconds is not None:
                times[name].append(seconds)
        print(f"bench-tests: round {run + 1}/{args.runs} done", flush=True)

    start = time.monotonic()
    ctest = subprocess.run(["ctest", "--test-dir", str(build), f"-j{os.cpu_count() or 2}"],
                           capture_output=True, text=True)
    ctest_seconds = time.monotonic() - start
    summary = re.search(r"(\d+)% tests passed, (\d+) tests failed out of (\d+)", ctest.stdout)

    floor = statistics.median(times["floor"])
    test_medians = [statistics.median(v) for k, v in times.items() if k != "floor" and v]
    lines = [
        f"Measured by `make bench-tests` on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
        f"QEMU TCG, {args.runs} interleaved runs per binary (median wall time, QEMU start to exit).",
        "",
        "| binary | median (s) | ratio to floor |",
        "|---|---:|---:|",
    ]
    for name, values in times.items():
        if values:
            median = statistics.median(values)
            lines.append(f"| {name} | {median:.3f} | {median / floor:.2f}x |")
    overall = statistics.median(test_medians)
    lines += [
        "",
        f"- Median over the test binaries: **{overall:.3f} s**, {overall / floor:.2f}x the floor "
        f"({floor:.3f} s); goal: within 1.5x.",
        f"- Worst test binary: {max(test_medians) / floor:.2f}x the floor.",
        f"- Whole `ctest -j{os.cpu_count()}` phase (every test, detectors included): **{ctest_seconds:.1f} s**"
        + (f" ({summary.group(3)} tests, {summary.group(2)} failed)" if summary else "") + "; goal: under 30 s.",
    ]
    table = "\n".join(lines)
    print(table)
    if args.write:
        text = args.write.read_text() if args.write.exists() else ""
        begin, end = "<!-- bench-tests:begin -->", "<!-- bench-tests:end -->"
        block = f"{begin}\n{table}\n{end}"
        if begin in text and end in text:
            text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
        else:
            text += ("\n" if text else "") + block + "\n"
        args.write.write_text(text)
        print(f"bench-tests: wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
