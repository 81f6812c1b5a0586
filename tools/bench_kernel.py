#!/usr/bin/env python3
"""bench_kernel.py: the in-kernel memory benchmark, as tables.

Boots bench/kernel_bench.cpp's kernel in QEMU (through tools/runner.py)
several times, collects its `bench-result <workload> <design> <cycles>`
lines, and prints the median cycles per operation: frames, mapping, and
every heap design side by side with the ratios between them. With --write
FILE, the tables replace the part of FILE between
<!-- bench-kernel:begin --> and <!-- bench-kernel:end --> (added at the end
of the file if the markers are missing).
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tools" / "runner.py"
RESULT_RE = re.compile(r"bench-result (\S+) (\S+) ([\d.]+)")
TSC_RE = re.compile(r"TSC ([\d.]+) MHz")
BEGIN, END = "<!-- bench-kernel:begin -->", "<!-- bench-kernel:end -->"
DESIGNS = ["bump", "linked", "fixed"]


def run_once(iso: Path) -> dict[tuple[str, str], float]:
    proc = subprocess.run([sys.executable, str(RUNNER), str(iso), "--color", "never", "--timeout", "300",
                           "--case-timeout", "120"], capture_output=True, text=True, timeout=400)
    results = {}
    for match in RESULT_RE.finditer(proc.stdout):
        results[(match.group(1), match.group(2))] = float(match.group(3))
    if proc.returncode != 0 or not results:
        sys.stderr.write(proc.stdout[-3000:])
        raise SystemExit(f"bench-kernel: the bench kernel failed (runner exit {proc.returncode})")
    return results


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def tables(medians: dict[tuple[str, str], float], runs: int) -> str:
    def get(workload, design="-"):
        return medians.get((workload, design))

    cpu = os.popen("grep -m1 'model name' /proc/cpuinfo").read().split(":")[-1].strip() or "unknown CPU"
    lines = [f"Measured by `make bench` on {datetime.date.today().isoformat()} ({cpu}, QEMU TCG, 128 MiB), "
             f"median of {runs} boots; TSC cycles per operation (under TCG the TSC follows host time, so "
             "compare ratios rather than absolute cycles).", ""]
    lines += ["| frames and pages | cycles/op |", "|---|---:|"]
    for workload, label in [("frame.alloc_free_pair", "frame allocate+free (one 4 KiB frame)"),
                            ("frame.alloc", "frame allocate (4096 in a row)"),
                            ("frame.free", "frame free (4096 in a row)"),
                            ("frame.alloc_free_2mib_run", "2 MiB run (order 9) allocate+free"),
                            ("map.map_unmap_4k_pair", "map+unmap a 4 KiB page (tables exist)"),
                            ("map.map_unmap_with_tables_pair", "map+unmap a 4 KiB page (PT and PD made and freed)"),
                            ("map.translate", "translate (software walk)"),
                            ("map.fresh_page_map_unmap_free", "fresh page: frame+map, then unmap+free")]:
        lines.append(f"| {label} | {fmt(get(workload))} |")
    lines += ["", "| heap workload (cycles per alloc+free) | bump | linked list | fixed-size blocks "
                  "| linked / fixed |", "|---|---:|---:|---:|---:|"]
    rows = [(f"heap.pair_{s}", f"pair, {s} B") for s in (16, 64, 256, 4096)]
    rows += [(f"heap.batch_{s}", f"1024 allocated then freed, {s} B") for s in (16, 64, 256, 4096)]
    rows += [("heap.churn_mixed", "churn: 1024 live, mixed 16 B-4 KiB"),
             ("heap.first_touch_4096", "first 1024 x 4 KiB in a fresh heap (maps frames; alloc only)")]
    for workload, label in rows:
        values = [get(workload, d) for d in DESIGNS]
        lines.append(f"| {label} | " + " | ".join(fmt(v) for v in values)
                     + f" | {ratio(values[1], values[2])} |")
    small = [(get(f"heap.{k}_{s}", "linked"), get(f"heap.{k}_{s}", "fixed"))
             for k in ("pair", "batch") for s in (16, 64, 256)]
    small = [l / f for l, f in small if l and f]
    if small:
        lines += ["", f"- Fixed-size blocks vs linked list for small objects (16-256 B, pairs and batches): "
                      f"{min(small):.2f}x to {max(small):.2f}x (goal: 10x)."]
    churn = (get("heap.churn_mixed", "linked"), get("heap.churn_mixed", "fixed"))
    if all(churn):
        lines.append(f"- Mixed-size churn: linked list {churn[0] / churn[1]:.2f}x the cycles of fixed-size blocks.")
    return "\n".join(lines)


def write_between_markers(path: Path, text: str) -> None:
    content = path.read_text()
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in content and END in content:
        start, end = content.index(BEGIN), content.index(END) + len(END)
        content = content[:start] + block + content[end:]
    else:
        content = content.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(content)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iso", type=Path, default=ROOT / "build" / "bench" / "bench-kernel.iso")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--write", type=Path)
    args = p.parse_args()
    if not args.iso.exists():
        print(f"bench-kernel: build first; missing {args.iso}")
        return 1
    samples: dict[tuple[str, str], list[float]] = {}
    for run in range(args.runs):
        for key, value in run_once(args.iso).items():
            samples.setdefault(key, []).append(value)
        print(f"bench-kernel: boot {run + 1}/{args.runs} done", flush=True)
    medians = {key: statistics.median(values) for key, values in samples.items()}
    text = tables(medians, args.runs)
    print(text)
    if args.write:
        write_between_markers(args.write, text)
        print(f"bench-kernel: wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
