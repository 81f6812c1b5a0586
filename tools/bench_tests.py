#!/usr/bin/env python3
"""bench_tests.py: how long a test binary takes, next to the floor.

The floor is the trivial kernel of tests/floor (prints one KTAP result and
exits) booted with a bare `qemu-system-x86_64 -kernel floor.elf`, no runner:
the least any test can cost. Boots it, the same floor through the runner
(from its ELF, and from its GRUB ISO) and every test kernel (unit,
integration, should-panic; through the runner, from their ELF, as CTest does)
several times, interleaved so that machine noise hits all of them alike, and
reports each one's median wall time (the process's, start to exit) and its
ratio to the floor's median. Then times one whole `ctest -j` run.
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
sys.path.insert(0, str(ROOT / "tools"))
from ktest_runner.qemu import qemu_base_command  # noqa: E402  (the runner's own QEMU command line)


def runner_args_of(source: Path) -> list[str]:
    """The `// ktest-runner-args:` lines of a test file, as CTest passes them."""
    args: list[str] = []
    for line in source.read_text().splitlines():
        if line.startswith("// ktest-runner-args:"):
            args += shlex.split(line.split(":", 1)[1])
    return args


def boot_seconds(image: Path, extra: list[str]) -> float | None:
    """Wall time of one run, process start to exit: the runner's (Python
    start-up included), or bare QEMU's for the floor (extra == None)."""
    command = qemu_base_command(image, "tcg") + ["-display", "none", "-monitor", "none", "-serial", "null"] \
        if extra is None else \
        [sys.executable, str(RUNNER), str(image), "--quiet", "--color", "never"] + extra
    start = time.monotonic()
    status = subprocess.run(command, capture_output=True, timeout=300).returncode
    seconds = time.monotonic() - start
    passed = status == 33 if extra is None else status == 0
    return seconds if passed else None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", type=Path, default=ROOT / "build")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--write", type=Path)
    args = p.parse_args()
    build = args.build.resolve()

    binaries: dict[str, tuple[Path, list[str] | None]] = {
        "floor": (build / "tests/floor/floor.elf", None),
        "floor (runner)": (build / "tests/floor/floor.elf", []),
        "floor (runner, GRUB ISO)": (build / "tests/floor/floor.iso", []),
        "unit.ktest": (build / "ktest/ktest-kernel.elf", []),
        "unit.ktest (GRUB ISO)": (build / "ktest/ktest-kernel.iso", []),
    }
    for elf in sorted((build / "tests").glob("*.elf")):
        kind, _, stem = elf.stem.partition("-")
        if kind == "integration":
            binaries[f"integration.{stem}"] = (elf, runner_args_of(ROOT / "tests/integration" / f"{stem}.cpp"))
        elif kind == "should_panic":
            binaries[f"should_panic.{stem}"] = (elf, ["--expect", "should-panic"] +
                                                runner_args_of(ROOT / "tests/should_panic" / f"{stem}.cpp"))
    missing = [name for name, (image, _) in binaries.items() if not image.exists()]
    if missing:
        print(f"bench-tests: build first; missing {missing}")
        return 1

    times: dict[str, list[float]] = {name: [] for name in binaries}
    for run in range(args.runs):
        for name, (image, extra) in binaries.items():
            seconds = boot_seconds(image, extra)
            if seconds is not None:
                times[name].append(seconds)
        print(f"bench-tests: round {run + 1}/{args.runs} done", flush=True)

    start = time.monotonic()
    ctest = subprocess.run(["ctest", "--test-dir", str(build), f"-j{os.cpu_count() or 2}"],
                           capture_output=True, text=True)
    ctest_seconds = time.monotonic() - start
    summary = re.search(r"(\d+)% tests passed, (\d+) tests failed out of (\d+)", ctest.stdout)

    floor = statistics.median(times["floor"])
    test_names = [k for k in times if not k.startswith("floor") and "GRUB" not in k and times[k]]
    test_medians = [statistics.median(times[k]) for k in test_names]
    trivial = [statistics.median(times[k]) for k in test_names if k.startswith("should_panic.")]
    lines = [
        f"Measured by `make bench-tests` on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
        f"QEMU TCG, {args.runs} interleaved runs per binary (median wall time of the process, start to exit; "
        "the floor is bare `qemu-system-x86_64 -kernel floor.elf`, every other row goes through the runner).",
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
        f"- A trivial test binary (the median should-panic kernel: one case, then exit): "
        f"**{statistics.median(trivial):.3f} s**, {statistics.median(trivial) / floor:.2f}x the floor "
        f"({floor:.3f} s); goal: within 1.5x." if trivial else "- (no should-panic kernel built)",
        f"- Median over the test binaries: {overall:.3f} s, {overall / floor:.2f}x the floor; "
        f"worst: {max(test_medians) / floor:.2f}x (the unit kernel runs every case).",
        f"- Whole `ctest -j{os.cpu_count()}` phase (every test, detectors included): **{ctest_seconds:.1f} s**"
        + (f" ({summary.group(3)} tests, {summary.group(2)} failed)" if summary else "") + "; goal: under 10 s.",
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
