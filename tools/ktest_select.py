#!/usr/bin/env python3
"""ktest_select.py [--build DIR] GLOBS: run the KTEST cases GLOBS selects, in
whichever kernels hold them (`make test T='vga_text.*'` calls this).

GLOBS is ktest's filter syntax: comma-separated globs on suite.case, '-glob'
excludes (see ktest/options.h). The kernels and their runner arguments come
from CTest itself (`ctest --show-only=json-v1`): every unit, integration and
should-panic test that boots an image through tools/runner.py. Each image is
asked which of its cases the globs select (`runner.py --list --filter`, so
the kernel's own glob code decides) and those that have any are run with the
filter and their CTest arguments. Exit 0 when every run passes and at least
one case was selected.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tools" / "runner.py"
KINDS = ("unit", "integration", "should_panic")
# Arguments of a CTest command that are about that test's bookkeeping, not
# about how the kernel must be run.
DROPPED_WITH_VALUE = {"--junit", "--seed", "--log", "--json", "--expect-output", "--expect-passed", "--expect-case",
                      "--expect-failure-at", "--expect-failure-marked"}
DROPPED = {"--shuffle"}


def ctest_kernels(build: Path) -> dict[str, tuple[str, list[str]]]:
    """image -> (test name, runner arguments), from CTest's own list: the
    first test of each image (unit.ktest before its shuffled variants)."""
    listing = subprocess.run(["ctest", "--test-dir", str(build), "--show-only=json-v1"],
                             capture_output=True, text=True, check=True).stdout
    kernels: dict[str, tuple[str, list[str]]] = {}
    for test in json.loads(listing)["tests"]:
        command = test.get("command") or []
        labels = next((p["value"] for p in test.get("properties", []) if p["name"] == "LABELS"), [])
        if len(command) < 3 or Path(command[1]).name != "runner.py" or not set(labels) & set(KINDS):
            continue
        image, rest = command[2], command[3:]
        if not image.endswith(".elf") or image in kernels:
            continue
        args, i = [], 0
        while i < len(rest):
            if rest[i] in DROPPED_WITH_VALUE:
                i += 2
                continue
            if rest[i] not in DROPPED and not rest[i].startswith("--qemu-arg"):
                args.append(rest[i])
            i += 1
        kernels[image] = (test["name"], args)
    return kernels


def selected_cases(image: str, globs: str) -> list[str]:
    """The kernel's own answer: its '# case suite.name ...' lines in list mode."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "list.log"
        subprocess.run([sys.executable, str(RUNNER), image, "--list", "--filter", globs, "--quiet",
                        "--log", str(log)], capture_output=True, timeout=120)
        lines = log.read_text().splitlines() if log.exists() else []
    return [line.split()[2] for line in lines if line.startswith("# case ")]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", type=Path, default=ROOT / "build")
    p.add_argument("--tests", help="consider only these CTest tests (comma-separated names)")
    p.add_argument("globs")
    args = p.parse_args()
    kernels = ctest_kernels(args.build)
    if args.tests:
        wanted = set(args.tests.split(","))
        kernels = {image: entry for image, entry in kernels.items() if entry[0] in wanted}
    if not kernels:
        print(f"ktest-select: CTest in {args.build} lists no kernel tests; build first (make build)")
        return 2
    with ThreadPoolExecutor() as pool:
        found = dict(zip(kernels, pool.map(lambda image: selected_cases(image, args.globs), kernels)))
    chosen = {image: cases for image, cases in found.items() if cases}
    if not chosen:
        print(f"ktest-select: no case in any of the {len(kernels)} test kernels matches '{args.globs}'")
        return 1
    failures = 0
    for image, cases in chosen.items():
        name, extra = kernels[image]
        print(f"ktest-select: {name} ({Path(image).name}): {len(cases)} case(s)", flush=True)
        status = subprocess.run([sys.executable, str(RUNNER), image, "--filter", args.globs, *extra]).returncode
        failures += status != 0
    total = sum(len(c) for c in chosen.values())
    print(f"ktest-select: {total} case(s) in {len(chosen)} kernel(s); "
          + ("all passed" if not failures else f"{failures} kernel run(s) FAILED"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
