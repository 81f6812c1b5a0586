#!/usr/bin/env python3
"""bench_fs.py: file-system throughput through the VFS beside the disk's own floor.

Makes a FAT32 image (64 MiB, mkfs.fat) and boots the file-system benchmark
kernel (bench/fs_bench.cpp) with it, on virtio-blk and on IDE, alternately
--runs times each, in the QEMU of the user-mode benchmark (TCG,
`-M pc -m 256M -smp 1`, no network card, no display). Each boot prints, on
COM1, `BENCH <name> <median> min=.. max=.. n=.. reps=..` lines: the raw floor
(`raw_read_mb_s`: 8 MiB read by the driver in 64 KiB requests, timed in the
kernel with the TSC) and what /bench/fs_bench (user/bench/fs_bench.c) measured
through the VFS on the same disk: sequential write and read of an 8 MiB file
in 64 KiB requests (MB/s, MB = 10^6 bytes), a cached stat() and a cached
4 KiB pread() (ns). Per bus and figure: the median over the boots of each
boot's median, and the ratio VFS read / raw.

--json writes everything (build/bench/fs_bench.json by default); with --write
FILE the table replaces the part of FILE between <!-- bench-fs:begin --> and
<!-- bench-fs:end --> (added at the end if the markers are missing).
--smoke (CTest's bench.fs_runs): one quick boot (ktest.bench_quick: 256 KiB,
one repetition) on a small FAT16 image over virtio; passes when the kernel
passed and every figure was printed. It judges no timing.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_boot import DONE_RE, figures_of, run_boot, summarize
from doc_section import write_section  # tools/, the script's own folder, is on sys.path

ROOT = Path(__file__).resolve().parent.parent
QEMU = ["qemu-system-x86_64", "-accel", "tcg", "-M", "pc", "-m", "256M", "-smp", "1", "-nic", "none",
        "-display", "none", "-monitor", "none", "-no-reboot", "-serial", "stdio",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
EXIT_PASSED = 33  # our test kernels' isa-debug-exit status for "passed"
FIGURES = ["raw_read_mb_s", "vfs_read_mb_s", "vfs_write_mb_s", "stat_cached_ns", "pread_4k_cached_ns"]
BUSES = ["virtio", "ide"]
IMAGE_MIB, IMAGE_FAT = 64, 32
SMOKE_MIB, SMOKE_FAT = 16, 16
WATCHDOG_MS = 1_800_000


def tool_env() -> dict:
    return dict(os.environ, MTOOLS_SKIP_CHECK="1", PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def make_image(path: Path, mib: int, fat: int) -> None:
    with open(path, "wb") as f:
        f.truncate(mib << 20)
    made = subprocess.run(["mkfs.fat", "-F", str(fat), "-n", "FSBENCH", str(path)], capture_output=True,
                          env=tool_env())
    if made.returncode != 0:
        raise SystemExit(f"bench-fs: mkfs.fat failed (apt-get install dosfstools?): "
                         f"{made.stderr.decode(errors='replace').strip()}")


def qemu_command(kernel: Path, initrd: Path, image: Path, bus: str, quick: bool) -> list[str]:
    drive = f"file={image},format=raw,if={bus}" + (",index=0" if bus == "ide" else "")
    command = QEMU + ["-kernel", str(kernel), "-initrd", str(initrd), "-drive", drive]
    # A full boot takes minutes of TCG (the FAT code's writes): past ktest's
    # watchdog for a slow case, so it gets a longer one.
    return command + ["-append", "ktest.bench_quick" if quick else f"ktest.watchdog_ms={WATCHDOG_MS}"]


def boot(command: list[str], label: str, timeout: int) -> dict:
    proc, serial, wall = run_boot(command, "bench-fs", label, timeout)
    figures = figures_of(serial)
    done = DONE_RE.search(serial)
    missing = [name for name in FIGURES if name not in figures]
    if proc.returncode != EXIT_PASSED or not done or missing or "BENCH_ERROR" in serial:
        sys.stderr.write(serial[-4000:] + proc.stderr.decode(errors="replace")[-1000:])
        raise SystemExit(f"bench-fs: {label} did not finish the benchmarks (QEMU exit {proc.returncode}"
                         + (f"; missing: {', '.join(missing)}" if missing else "") + ")")
    return {"figures": figures, "program_ms": int(done.group(1)), "boot_s": round(wall, 2)}


def fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}" if value < 10 else f"{value:,.1f}"


def cell(figure: dict | None) -> str:
    if not figure:
        return "n/a"
    if len(figure["boot_medians"]) == 1:
        return fmt(figure["median"])
    return f"{fmt(figure['median'])} ({fmt(figure['low'])}-{fmt(figure['high'])})"


def table(summaries: dict[str, dict]) -> list[str]:
    lines = ["| bus | raw read, MB/s | VFS read, MB/s | VFS write, MB/s | VFS read / raw | cached stat, ns "
             "| cached 4 KiB pread, ns |", "|---|---:|---:|---:|---:|---:|---:|"]
    names = {"virtio": "virtio-blk", "ide": "IDE (ATA PIO)"}
    for bus, summary in summaries.items():
        raw, read = summary.get("raw_read_mb_s"), summary.get("vfs_read_mb_s")
        ratio = f"{read['median'] / raw['median']:.2g}x" if raw and read and raw["median"] else "n/a"
        lines.append(f"| {names.get(bus, bus)} | {cell(raw)} | {cell(read)} | {cell(summary.get('vfs_write_mb_s'))} "
                     f"| {ratio} | {cell(summary.get('stat_cached_ns'))} | {cell(summary.get('pread_4k_cached_ns'))} |")
    return lines


def qemu_version() -> str:
    try:
        return subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                              text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "unknown QEMU"


def doc_text(result: dict) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cpu = os.popen("grep -m1 'model name' /proc/cpuinfo").read().split(":")[-1].strip() or "unknown CPU"
    text = [f"Measured by `tools/bench_fs.py` (run by `make bench`) on {result['date']} ({cpu}, {os.cpu_count()} CPUs, "
            f"host load average at the end {load}): a {IMAGE_MIB} MiB FAT32 image made by `mkfs.fat`, fresh for "
            f"every boot, attached as `-drive file=IMAGE,format=raw,if=virtio` or `if=ide,index=0`; the "
            f"benchmark kernel booted {result['runs']} times per bus, alternately, in `{' '.join(QEMU[:13])}` "
            f"({result['qemu']}). Raw: 8 MiB read by the driver from the disk's first sector in 64 KiB "
            "(128-sector) requests, timed with the TSC. VFS: `/bench/fs_bench /disk0`, an 8 MiB file written "
            "in 64 KiB `write()`s then `fsync()`, read back in 64 KiB `read()`s (the buffer cache holds 128 KiB "
            "of it at most), a `stat()` and a 4 KiB `pread()` of its first block, both cached "
            "(CLOCK_MONOTONIC). Each boot's figure is the median of 3 repetitions; the table shows the median "
            "over the boots (lowest-highest boot). MB = 10^6 bytes. All figures: `build/bench/fs_bench.json`.",
            ""]
    text += table({bus: result[bus]["summary"] for bus in BUSES if bus in result})
    return "\n".join(text)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    build = ROOT / "build"
    p.add_argument("--kernel", type=Path, default=build / "bench" / "fs-bench-kernel.elf")
    p.add_argument("--initrd", type=Path, default=build / "user" / "initrd.cpio")
    p.add_argument("--runs", type=int, default=3, help="boots per bus, alternately (default 3)")
    p.add_argument("--buses", default=",".join(BUSES), help="comma-separated: virtio, ide (default both)")
    p.add_argument("--smoke", action="store_true", help="one quick boot on virtio, every figure printed")
    p.add_argument("--json", type=Path, default=build / "bench" / "fs_bench.json")
    p.add_argument("--write", type=Path, help="Markdown file whose bench-fs section gets the table")
    args = p.parse_args()
    for path in (args.kernel, args.initrd):
        if not path.exists():
            print(f"bench-fs: build first; missing {path}")
            return 1

    with tempfile.TemporaryDirectory(prefix="bench-fs-") as work_dir:
        image = Path(work_dir) / "fs.img"
        if args.smoke:
            make_image(image, SMOKE_MIB, SMOKE_FAT)
            result = boot(qemu_command(args.kernel, args.initrd, image, "virtio", True), "the quick boot", 110)
            print("bench-fs smoke: " + ", ".join(f"{n}={result['figures'][n]['median']}" for n in FIGURES))
            print("bench-fs smoke: every figure printed (no timing judged)")
            return 0
        buses = [b for b in args.buses.split(",") if b]
        boots: dict[str, list[dict]] = {bus: [] for bus in buses}
        for run in range(args.runs):
            for bus in buses:
                make_image(image, IMAGE_MIB, IMAGE_FAT)
                boots[bus].append(boot(qemu_command(args.kernel, args.initrd, image, bus, False), bus, 1800))
                figures = boots[bus][-1]["figures"]
                print(f"bench-fs: {bus} boot {run + 1}/{args.runs}: {boots[bus][-1]['boot_s']} s; "
                      + ", ".join(f"{n}={figures[n]['median']}" for n in FIGURES), flush=True)

    result = {"date": datetime.date.today().isoformat(), "runs": args.runs, "qemu": qemu_version(),
              "qemu_command": QEMU, "image": {"mib": IMAGE_MIB, "fat": IMAGE_FAT},
              "units": {"raw_read_mb_s": "MB/s", "vfs_read_mb_s": "MB/s", "vfs_write_mb_s": "MB/s",
                        "stat_cached_ns": "ns", "pread_4k_cached_ns": "ns"}}
    for bus in buses:
        result[bus] = {"summary": summarize(boots[bus], FIGURES), "boots": boots[bus]}
    print("\n".join(table({bus: result[bus]["summary"] for bus in buses})))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(f"bench-fs: wrote {args.json}")
    if args.write:
        write_section(args.write, "bench-fs", doc_text(result))
        print(f"bench-fs: wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
