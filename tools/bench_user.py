#!/usr/bin/env python3
"""bench_user.py: user-mode benchmarks, Kestrel and Linux side by side.

Boots the user-mode benchmark kernel (bench/user_bench.cpp: it runs
/bench/usermode_bench from the initial ramdisk) and Debian's Linux with the
very same binary as /init of a small initramfs, in the same QEMU (TCG,
`-M pc -m 256M -smp 1`, no network card, no display), alternately --runs
times each, and reads the `BENCH <name> <ns/op> ...` lines the program
prints on COM1 (user/bench/usermode_bench.c). Per figure: the median over
the boots of each boot's median, both kernels, and the ratio ours / Linux
(the goal of issue 10: at most 0.5x).

Linux is Debian's `linux-image-amd64` (whatever package it depends on),
fetched with `apt-get download` into ${KESTREL_CACHE:-~/.cache/kestrel}/
linux-image/ and unpacked there with `dpkg-deb -x`, never installed; once
there it is reused. Without it (no network, no apt) our column is still
shown, the tool says what is missing and exits 0, and FILE below is left
alone. --json writes everything (build/bench/user_bench.json by default);
with --write FILE the table replaces the part of FILE between
<!-- bench-user:begin --> and <!-- bench-user:end --> (added at the end if
the markers are missing).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bench_boot import DONE_RE, figures_of, run_boot, summarize
from doc_section import write_section  # tools/, the script's own folder, is on sys.path

ROOT = Path(__file__).resolve().parent.parent
UNAME_RE = re.compile(r"^# usermode_bench on (.*?)\s*$", re.M)
NOTE_RE = re.compile(r"^# (sched_yield_ns: .*?)\s*$", re.M)
# The same machine for both kernels, started here rather than through
# tools/runner.py, whose `-d int` logs every exception (every page fault).
# Our isa-debug-exit device is there for Linux too, which never touches it.
QEMU = ["qemu-system-x86_64", "-accel", "tcg", "-M", "pc", "-m", "256M", "-smp", "1", "-nic", "none",
        "-display", "none", "-monitor", "none", "-no-reboot", "-serial", "stdio",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
LINUX_CMDLINE = "console=ttyS0 quiet panic=-1"
EXIT_PASSED = 33  # our test kernels' isa-debug-exit status for "passed"
FIGURES = [("getppid_ns", "getppid round trip"),
           ("syscall_enosys_ns", "a system call that does nothing (number 1000: ENOSYS), the way in and out"),
           ("page_fault_ns", "page fault, first touch of anonymous memory (per 4 KiB page)"),
           ("pipe_switch_ns", "context switch, pipe ping-pong between two processes (per switch)"),
           ("sched_yield_ns", "sched_yield between two processes (per yield)"),
           ("fork_exit_wait_ns", "fork + exit + wait (per cycle)"),
           ("exec_musl_ns", "fork + execve + exit + wait of a small static musl program (this one, 70 KB)"),
           ("exec_busybox_ns", "fork + execve + exit + wait of Debian's static glibc busybox (`busybox true`, 2 MB)"),
           ("malloc_free_ns", "malloc(64) + free, alone (musl maps and unmaps a page each time)"),
           ("malloc_free_warm_ns", "malloc(64) + free beside a live block (user code only: the control)")]
# Not goals of the issue: the floor under every call, and user code alone
# (which should cost the same on both kernels: a check on the comparison).
INFO = {"syscall_enosys_ns": "floor", "malloc_free_warm_ns": "control"}
GOAL = 0.5


def cache_dir() -> Path:
    return Path(os.environ.get("KESTREL_CACHE", Path.home() / ".cache" / "kestrel")) / "linux-image"


def run_quiet(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


def apt_download(package: str, where: Path) -> Path:
    """The .deb of `package` in `where`, downloaded unless it is there."""
    found = sorted(where.glob(f"{package}_*.deb"))
    if found:
        return found[-1]
    # As root apt would drop to its sandbox user, who cannot write here.
    sandbox = ["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []
    proc = run_quiet(["apt-get", *sandbox, "download", package], cwd=where)
    if proc.returncode != 0 and os.geteuid() == 0:
        run_quiet(["apt-get", "update"])  # stale or missing package lists
        proc = run_quiet(["apt-get", *sandbox, "download", package], cwd=where)
    found = sorted(where.glob(f"{package}_*.deb"))
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"apt-get download {package} failed: {(proc.stderr or proc.stdout).strip()[-300:]}")
    return found[-1]


def fetch_linux() -> Path:
    """The path of Debian's vmlinuz, fetched and unpacked into the cache on first use."""
    where = cache_dir()
    unpacked = where / "unpacked"
    kernels = sorted(unpacked.glob("boot/vmlinuz-*"))
    if kernels:
        return kernels[-1]
    for tool in ("apt-get", "dpkg-deb"):
        if not shutil.which(tool):
            raise RuntimeError(f"{tool} is not installed (Debian's packaging tools fetch Linux)")
    where.mkdir(parents=True, exist_ok=True)
    print(f"bench-user: fetching Debian's linux-image-amd64 into {where}", flush=True)
    meta = apt_download("linux-image-amd64", where)
    # The metapackage holds no kernel: it depends on the versioned package that does.
    depends = run_quiet(["dpkg-deb", "-f", str(meta), "Depends"]).stdout
    names = re.findall(r"(linux-image-[\w.+-]+)", depends)
    if not names:
        raise RuntimeError(f"{meta.name} names no kernel package (Depends: {depends.strip()!r})")
    deb = apt_download(names[0], where)
    staging = where / "unpacked.new"
    shutil.rmtree(staging, ignore_errors=True)
    proc = run_quiet(["dpkg-deb", "-x", str(deb), str(staging)])
    if proc.returncode != 0:
        raise RuntimeError(f"dpkg-deb -x {deb.name} failed: {proc.stderr.strip()[-300:]}")
    staging.rename(unpacked)
    kernels = sorted(unpacked.glob("boot/vmlinuz-*"))
    if not kernels:
        raise RuntimeError(f"{deb.name} holds no boot/vmlinuz-*")
    return kernels[-1]


def newc_entry(name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0), ino: int = 0) -> bytes:
    """One cpio "newc" record (what `cpio -o -H newc` writes), owned by root."""
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    header = b"070701" + b"".join(f"{f:08x}".encode() for f in fields) + name.encode() + b"\0"
    header += b"\0" * (-len(header) % 4)
    return header + data + b"\0" * (-len(data) % 4)


def make_initramfs(program: Path, out: Path, busybox: Path | None) -> None:
    """/init = the benchmark program, /dev/console (character device 5,1)
    for its standard output, and /bin/busybox (exec_busybox_ns) when there
    is one. Written here rather than by cpio so that the device node needs
    no root and no mknod."""
    archive = (newc_entry("dev", 0o040755, ino=1)
               + newc_entry("dev/console", 0o020600, rdev=(5, 1), ino=2)
               + newc_entry("init", 0o100755, program.read_bytes(), ino=3))
    if busybox is not None and busybox.exists():
        archive += newc_entry("bin", 0o040755, ino=4) + newc_entry("bin/busybox", 0o100755, busybox.read_bytes(), ino=5)
    archive += newc_entry("TRAILER!!!", 0)
    out.write_bytes(archive)


def boot(command: list[str], expect_status: int, label: str) -> dict:
    proc, serial, wall = run_boot(command, "bench-user", label, 300)
    figures = figures_of(serial)
    done = DONE_RE.search(serial)
    if proc.returncode != expect_status or not done or "BENCH_ERROR" in serial:
        sys.stderr.write(serial[-3000:] + proc.stderr.decode(errors="replace")[-1000:])
        raise SystemExit(f"bench-user: {label} did not finish the benchmarks (QEMU exit {proc.returncode})")
    uname = UNAME_RE.search(serial)
    return {"figures": figures, "program_ms": int(done.group(1)), "boot_s": round(wall, 2),
            "uname": uname.group(1) if uname else "", "notes": NOTE_RE.findall(serial)}


def fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def cell(figure: dict | None) -> str:
    if not figure:
        return "n/a"
    if len(figure["boot_medians"]) == 1:
        return fmt(figure["median"])
    return f"{fmt(figure['median'])} ({fmt(figure['low'])}-{fmt(figure['high'])})"


def table(ours: dict[str, dict], linux: dict[str, dict] | None) -> list[str]:
    lines = ["| ns per operation: median over boots (lowest-highest boot) | Kestrel | Linux | Kestrel / Linux "
             "| goal: at most 0.5x |", "|---|---:|---:|---:|---|"]
    for name, label in FIGURES:
        mine = ours.get(name, {}).get("median")
        theirs = linux.get(name, {}).get("median") if linux else None
        ratio = mine / theirs if mine is not None and theirs else None
        verdict = (INFO[name] if name in INFO else "n/a" if ratio is None
                   else "met" if ratio <= GOAL else "not met")
        lines.append(f"| {label} (`{name}`) | {cell(ours.get(name))} | {cell(linux.get(name) if linux else None)} | "
                     f"{'n/a' if ratio is None else f'{ratio:.2f}x'} | {verdict} |")
    return lines


def qemu_version() -> str:
    try:
        return run_quiet(["qemu-system-x86_64", "--version"]).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "unknown QEMU"


def doc_text(result: dict) -> str:
    ours, linux = result["kestrel"]["summary"], result["linux"]["summary"]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cpu = os.popen("grep -m1 'model name' /proc/cpuinfo").read().split(":")[-1].strip() or "unknown CPU"
    runs = result["runs"]
    text = [f"Measured by `make bench` (`tools/bench_user.py`) on {result['date']} ({cpu}, {os.cpu_count()} CPUs, "
            f"host load average at the end {load}): `/bench/usermode_bench`, the same static musl binary on both "
            f"kernels, each booted {runs} times, alternately, in `{' '.join(QEMU[:13])}` "
            f"({result['qemu']}); Linux: `{result['linux_kernel']}` with `-append "
            f"\"{LINUX_CMDLINE}\"` and the program as /init. Each boot's figure is the median of 5 timed loops "
            "of about 50 ms (CLOCK_MONOTONIC); the table shows the median over the boots. All figures: "
            "`build/bench/user_bench.json`.", ""]
    text += table(ours, linux)
    ratios = {name: ours[name]["median"] / linux[name]["median"] for name, _ in FIGURES
              if name not in INFO and name in ours and name in linux and linux[name]["median"]}
    met = [n for n, r in ratios.items() if r <= GOAL]
    text += ["", f"- Goal (each at most 0.5x Linux): met for {len(met)} of {len(ratios)} figures"
                 + (f" ({', '.join(f'`{n}`' for n in met)})." if met else ".")]
    return "\n".join(text)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    build = ROOT / "build"
    p.add_argument("--kernel", type=Path, default=build / "bench" / "user-bench-kernel.elf")
    p.add_argument("--initrd", type=Path, default=build / "user" / "initrd.cpio")
    p.add_argument("--program", type=Path, default=build / "user" / "root" / "bench" / "usermode_bench")
    p.add_argument("--busybox", type=Path,
                   default=Path(os.environ.get("KESTREL_CACHE", Path.home() / ".cache" / "kestrel")) / "busybox-static" / "bin" / "busybox",
                   help="Debian's static busybox for Linux's /bin/busybox (tools/setup.sh fetches it)")
    p.add_argument("--runs", type=int, default=5, help="boots of each kernel, alternately (default 5)")
    p.add_argument("--no-linux", action="store_true", help="our column only")
    p.add_argument("--json", type=Path, default=build / "bench" / "user_bench.json")
    p.add_argument("--write", type=Path, help="Markdown file whose bench-user section gets the table")
    args = p.parse_args()
    for path in (args.kernel, args.initrd, args.program):
        if not path.exists():
            print(f"bench-user: build first; missing {path}")
            return 1

    vmlinuz, missing = None, ""
    if args.no_linux:
        missing = "--no-linux"
    else:
        try:
            vmlinuz = fetch_linux()
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            missing = f"could not fetch Debian's kernel ({error})"
            print(f"bench-user: Linux will not be measured: {missing}", flush=True)
    ours_command = QEMU + ["-kernel", str(args.kernel), "-initrd", str(args.initrd)]
    linux_command = None
    if vmlinuz:
        initramfs = args.json.parent / "linux-initramfs.cpio"
        initramfs.parent.mkdir(parents=True, exist_ok=True)
        make_initramfs(args.program, initramfs, args.busybox)
        linux_command = QEMU + ["-kernel", str(vmlinuz), "-initrd", str(initramfs), "-append", LINUX_CMDLINE]
        print(f"bench-user: Linux is {vmlinuz}", flush=True)

    ours_boots, linux_boots = [], []
    for run in range(args.runs):
        # Alternately, so that the host's load falls on both columns alike.
        ours_boots.append(boot(ours_command, EXIT_PASSED, "Kestrel"))
        print(f"bench-user: Kestrel boot {run + 1}/{args.runs}: {ours_boots[-1]['boot_s']} s", flush=True)
        if linux_command:
            linux_boots.append(boot(linux_command, 0, "Linux"))
            print(f"bench-user: Linux boot {run + 1}/{args.runs}: {linux_boots[-1]['boot_s']} s", flush=True)

    result = {"date": datetime.date.today().isoformat(), "runs": args.runs, "unit": "ns per operation",
              "qemu": qemu_version(), "qemu_command": QEMU, "linux_cmdline": LINUX_CMDLINE,
              "linux_kernel": vmlinuz.name if vmlinuz else "",
              "kestrel": {"summary": summarize(ours_boots, [name for name, _ in FIGURES]), "boots": ours_boots},
              "linux": {"summary": summarize(linux_boots, [name for name, _ in FIGURES]), "boots": linux_boots} if linux_boots else None}
    if missing:
        result["linux_missing"] = missing
    print("\n".join(table(result["kestrel"]["summary"], result["linux"]["summary"] if result["linux"] else None)))
    if missing:
        print(f"bench-user: the Linux column is missing: {missing}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(f"bench-user: wrote {args.json}")
    if args.write and missing:
        # The section is a comparison: one column alone would replace it with less.
        print(f"bench-user: {args.write} left as it was (no Linux column)")
    elif args.write:
        write_section(args.write, "bench-user", doc_text(result))
        print(f"bench-user: wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
