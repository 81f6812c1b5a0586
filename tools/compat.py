#!/usr/bin/env python3
"""Debian's static busybox on Kestrel against the same binary on the host
(issue 14's acceptance, CTest label `compat`).

Each case is a small shell file, tests/compat/cases/NAME.sh, that busybox's
own shell runs in a work folder holding tests/compat/work/'s files. Both
sides run the very same busybox binary (tools/setup.sh fetched Debian's
busybox-static package), so whatever the host prints is what Kestrel must
print: the expected output is made here, at test time, never written by hand.

    compat.py run --kernel build/kernel.elf --initrd build/user/initrd.cpio \\
                  --busybox ~/.cache/kestrel/busybox-static/bin/busybox --out build/compat
        1. the host: each case in a fresh copy of the work folder;
           standard output, standard error and the exit status kept;
        2. a FAT disk made by the host's mkfs.fat, filled by mtools (the
           work folder, the cases, a driver script);
        3. the product kernel boots with it (init=/usr/bin/sh -- /disk0/run.sh):
           the driver runs each case in /disk0/work with its output sent to
           files on the disk, then powers the machine off;
        4. mtools copies those files back out, beside the host's.
    compat.py selftest
        proves `check` fires: a one-byte difference in output, in errors or
        in the status, and a missing expected line, each fail; a match passes.
    compat.py check --out build/compat NAME
        compares one case: the guest's output, errors and status must be
        the host's byte for byte; or, with a NAME.expect beside the case
        (ps, whose processes differ), every regular expression in it must
        match some line of the guest's output.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "compat" / "cases"
WORK = ROOT / "tests" / "compat" / "work"
# What init's environment is on Kestrel (kernel/main.cpp); the host gets
# the same but a PATH that holds only busybox.
ENVIRONMENT = {"HOME": "/", "TERM": "linux", "LC_ALL": "C"}


def case_names() -> list:
    return sorted(p.stem for p in CASES.glob("*.sh"))


def mtools_env() -> dict:
    return dict(os.environ, MTOOLS_SKIP_CHECK="1", MTOOLS_NO_VFAT="0",
                PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def run_on_host(busybox: Path, out: Path) -> None:
    host = out / "host"
    shutil.rmtree(host, ignore_errors=True)
    host.mkdir(parents=True)
    bin_dir = out / "host-bin"
    shutil.rmtree(bin_dir, ignore_errors=True)
    bin_dir.mkdir()
    (bin_dir / "busybox").symlink_to(busybox.resolve())
    env = dict(ENVIRONMENT, PATH=str(bin_dir))
    for name in case_names():
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch) / "work"
            shutil.copytree(WORK, work)
            done = subprocess.run([str(busybox), "sh", str(CASES / f"{name}.sh")], cwd=work, env=env,
                                  stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        (host / f"{name}.out").write_bytes(done.stdout)
        (host / f"{name}.err").write_bytes(done.stderr)
        (host / f"{name}.st").write_text(f"{done.returncode}\n")


def driver_script() -> str:
    # Run by busybox's sh on Kestrel: each case with its output in files on
    # the FAT disk, then the machine off (/bin/poweroff syncs the disks first).
    lines = ["# Made by tools/compat.py: each case, its output to /disk0/out, then power off.",
             "cd /disk0/work || exit 1"]
    for name in case_names():
        lines.append(f"/bin/busybox sh /disk0/cases/{name}.sh > /disk0/out/{name}.out 2> /disk0/out/{name}.err"
                     " < /dev/null")
        lines.append(f"echo $? > /disk0/out/{name}.st")
    lines.append("/bin/poweroff")
    return "\n".join(lines) + "\n"


def make_disk(image: Path, scratch: Path) -> None:
    env = mtools_env()
    with open(image, "wb") as f:
        f.truncate(16 << 20)
    subprocess.run(["mkfs.fat", "-F", "16", "-n", "COMPAT", str(image)], check=True, env=env, capture_output=True)
    (scratch / "run.sh").write_text(driver_script())
    for folder in ("::/work", "::/cases", "::/out"):
        subprocess.run(["mmd", "-i", str(image), folder], check=True, env=env)
    subprocess.run(["mcopy", "-i", str(image), str(scratch / "run.sh"), "::/run.sh"], check=True, env=env)
    for source in sorted(WORK.iterdir()):
        subprocess.run(["mcopy", "-i", str(image), str(source), f"::/work/{source.name}"], check=True, env=env)
    for source in sorted(CASES.glob("*.sh")):
        subprocess.run(["mcopy", "-i", str(image), str(source), f"::/cases/{source.name}"], check=True, env=env)


def run_on_kestrel(kernel: Path, initrd: Path, out: Path, timeout: int) -> bool:
    guest = out / "guest"
    shutil.rmtree(guest, ignore_errors=True)
    guest.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        image = scratch / "compat.img"
        make_disk(image, scratch)
        runner = [sys.executable, str(ROOT / "tools" / "runner.py"), str(kernel), "--timeout", str(timeout),
                  "--qemu-arg=-initrd", f"--qemu-arg={initrd}",
                  "--qemu-arg=-drive", f"--qemu-arg=file={image},format=raw,if=virtio",
                  "--qemu-arg=-append", "--qemu-arg=init=/usr/bin/sh -- /disk0/run.sh",
                  "--log", str(out / "guest.log"), "--expect-exit", "0",
                  "--match", "^kernel: syncing the file systems, then powering off$"]
        booted = subprocess.run(runner)
        if booted.returncode != 0:
            print(f"compat: the guest's run failed (its COM1 log: {out / 'guest.log'})")
        env = mtools_env()
        listing = subprocess.run(["mdir", "-b", "-i", str(image), "::/out"], env=env, capture_output=True, text=True)
        for line in listing.stdout.splitlines():
            name = line.rsplit("/", 1)[-1]
            if name:
                subprocess.run(["mcopy", "-n", "-i", str(image), f"::/out/{name}", str(guest / name)], env=env)
        fsck = subprocess.run(["fsck.fat", "-n", str(image)], env=env, capture_output=True, text=True)
        (out / "fsck.txt").write_text(fsck.stdout + fsck.stderr)
        if fsck.returncode != 0:
            print("compat: fsck.fat finds the disk the guest wrote damaged:\n" + fsck.stdout)
            return False
    return booted.returncode == 0


def check(out: Path, name: str) -> int:
    host, guest = out / "host", out / "guest"
    if not (guest / f"{name}.st").exists():
        print(f"compat {name}: no result from the guest (did the run fail? see {out / 'guest.log'})")
        return 1
    output = (guest / f"{name}.out").read_bytes()
    expect = CASES / f"{name}.expect"
    if expect.exists():
        lines = output.decode(errors="replace").splitlines()
        failures = 0
        for pattern in expect.read_text().splitlines():
            if not pattern or pattern.startswith("#"):
                continue
            if not any(re.search(pattern, line) for line in lines):
                print(f"compat {name}: no line of the guest's output matches /{pattern}/")
                failures += 1
        status = (guest / f"{name}.st").read_text().strip()
        if status != "0":
            print(f"compat {name}: exit status {status}, not 0")
            failures += 1
        print(f"compat {name}: guest output:\n{output.decode(errors='replace')}")
        return 1 if failures else 0
    failures = 0
    for suffix, what in ((".out", "standard output"), (".err", "standard error"), (".st", "exit status")):
        want = (host / f"{name}{suffix}").read_bytes()
        got = (guest / f"{name}{suffix}").read_bytes() if (guest / f"{name}{suffix}").exists() else b"(missing)"
        if want != got:
            failures += 1
            print(f"compat {name}: the {what} differs from the host's busybox")
            print(f"--- host\n{want.decode(errors='replace')}--- kestrel\n{got.decode(errors='replace')}---")
    if failures == 0:
        print(f"compat {name}: the same output, errors and exit status as the host's busybox "
              f"({len(output)} bytes, status {(host / f'{name}.st').read_text().strip()})")
    return 1 if failures else 0


def selftest() -> int:
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        (out / "host").mkdir()
        (out / "guest").mkdir()
        name = case_names()[0]

        def write(side: str, output: bytes, errors: bytes, status: str) -> None:
            (out / side / f"{name}.out").write_bytes(output)
            (out / side / f"{name}.err").write_bytes(errors)
            (out / side / f"{name}.st").write_text(status)

        write("host", b"same\n", b"", "0\n")
        for what, guest, want in (("the same results", (b"same\n", b"", "0\n"), 0),
                                  ("a one-byte difference in the output", (b"same \n", b"", "0\n"), 1),
                                  ("a difference in the errors", (b"same\n", b"x", "0\n"), 1),
                                  ("another exit status", (b"same\n", b"", "3\n"), 1)):
            write("guest", *guest)
            if check(out, name) != want:
                failures.append(what)
        # The pattern mode (ps.expect): a line the patterns do not find fails.
        expect_cases = sorted(p.stem for p in CASES.glob("*.expect"))
        if expect_cases:
            name = expect_cases[0]
            write("guest", b"nothing like it\n", b"", "0\n")
            if check(out, name) != 1:
                failures.append("output that no expected pattern matches")
    for what in failures:
        print(f"compat selftest: FAILED: check did not tell {what}")
    print("compat selftest: " + ("check tells every difference" if not failures else f"{len(failures)} failed"))
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run every case on the host and on Kestrel")
    run.add_argument("--kernel", type=Path, required=True)
    run.add_argument("--initrd", type=Path, required=True)
    run.add_argument("--busybox", type=Path, required=True)
    run.add_argument("--out", type=Path, required=True)
    run.add_argument("--timeout", type=int, default=240)
    one = sub.add_parser("check", help="compare one case's results")
    one.add_argument("--out", type=Path, required=True)
    one.add_argument("name")
    sub.add_parser("list", help="the cases' names")
    sub.add_parser("selftest", help="prove that check fires on each kind of difference")
    args = parser.parse_args()
    if args.command == "selftest":
        return selftest()
    if args.command == "list":
        print("\n".join(case_names()))
        return 0
    if args.command == "check":
        return check(args.out, args.name)
    for tool in ("mkfs.fat", "mmd", "mcopy", "mdir", "fsck.fat"):
        if shutil.which(tool, path=mtools_env()["PATH"]) is None:
            print(f"compat: {tool} is missing: apt-get install dosfstools mtools", file=sys.stderr)
            return 1
    args.out.mkdir(parents=True, exist_ok=True)
    run_on_host(args.busybox, args.out)
    return 0 if run_on_kestrel(args.kernel, args.initrd, args.out, args.timeout) else 1


if __name__ == "__main__":
    sys.exit(main())
