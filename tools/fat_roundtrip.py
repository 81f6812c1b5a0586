#!/usr/bin/env python3
"""The FAT round trip (issue 11, part 7): the host's own tools make a FAT
image, the kernel reads it and writes to it, the host's tools check it.

1. mkfs.fat makes a FAT12, FAT16 or FAT32 image; mmd and mcopy fill it:
   a long name, nested directories, a file of many clusters, an empty file.
2. tests/disk/fat_disk.cpp boots with it (QEMU -drive, IDE) and runs
   /tests/disktest (user/tests/disktest.c): it must see exactly that, then
   creates, appends, renames, truncates and deletes, and syncs.
3. After QEMU has exited, `fsck.fat -n` must find nothing wrong, and mtype
   and mdir must read back exactly what the kernel wrote.

    tools/fat_roundtrip.py --kernel build/tests/fat-disk.elf --initrd build/user/initrd.cpio --fat 16
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = {12: 2, 16: 32, 32: 64}  # MiB: each inside its FAT type's cluster-count range


def pattern(length: int, seed: int) -> bytes:
    return bytes((i * 7 + seed * 13 + i // 251) % 256 for i in range(length))


def run(*command: str, env=None, capture=True) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=False, capture_output=capture, env=env)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kernel", type=Path, required=True)
    p.add_argument("--initrd", type=Path, required=True)
    p.add_argument("--fat", type=int, choices=sorted(SIZES), required=True)
    p.add_argument("--bus", default="ide", choices=["ide", "virtio"], help="the disk's bus: IDE (ATA PIO) or virtio-blk")
    p.add_argument("--power-loss", action="store_true",
                   help="cut QEMU off in the middle of a long write: what was synced before must be whole, "
                        "fsck.fat may find only the damage FAT allows, and the disk must mount again")
    p.add_argument("--damage", choices=["boot-sector", "loop"],
                   help="break the image first: a bad boot sector (the disk must be refused with the reason), "
                        "or a cluster chain that loops (that file fails, the others read on; FAT16/32)")
    args = p.parse_args()
    for tool in ("mkfs.fat", "fsck.fat", "mmd", "mcopy", "mtype", "mdir"):
        if not any((Path(d) / tool).exists() for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"]):
            print(f"fat_roundtrip: {tool} is missing: apt-get install dosfstools mtools", file=sys.stderr)
            return 1
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1", PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    failures = []

    def check(condition: bool, what: str) -> None:
        if not condition:
            failures.append(what)
            print(f"fat_roundtrip: FAILED: {what}")

    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        image = work / f"fat{args.fat}.img"
        with open(image, "wb") as f:
            f.truncate(SIZES[args.fat] << 20)
        made = run("mkfs.fat", "-F", str(args.fat), "-n", "KESTREL", str(image), env=env)
        if made.returncode != 0:
            print(made.stderr.decode(), file=sys.stderr)
            return 1
        files = {"long.txt": b"hello long names\n", "deep.txt": b"deep\n", "empty": b"", "big.bin": pattern(200 * 1024, 1)}
        for name, data in files.items():
            (work / name).write_bytes(data)
        for directory in ("::/docs", "::/a", "::/a/b", "::/a/b/c"):
            run("mmd", "-i", str(image), directory, env=env)
        for source, target in (("long.txt", "::/docs/A long file name.txt"), ("deep.txt", "::/a/b/c/deep.txt"),
                               ("empty", "::/empty"), ("big.bin", "::/big.bin")):
            copied = run("mcopy", "-i", str(image), str(work / source), target, env=env)
            if copied.returncode != 0:
                print(copied.stderr.decode(), file=sys.stderr)
                return 1

        runner = [sys.executable, str(ROOT / "tools" / "runner.py"), str(args.kernel), "--quiet",
                  "--qemu-arg=-initrd", f"--qemu-arg={args.initrd}", "--qemu-arg=-drive",
                  f"--qemu-arg=file={image},format=raw,if={args.bus}" + (",index=0" if args.bus == "ide" else "")]
        if args.damage:
            return damaged_run(args, image, runner, env)
        if args.power_loss:
            return power_loss_run(args, image, runner, env)
        booted = run(*runner, "--filter", "fat_disk.the_hosts_disk_is_read_and_written", capture=False)
        check(booted.returncode == 0, "the kernel's run (disktest) passed")

        fsck = run("fsck.fat", "-n", str(image), env=env)
        check(fsck.returncode == 0, f"fsck.fat -n finds nothing: {fsck.stdout.decode().strip()}")

        def content(path: str):
            out = run("mtype", "-i", str(image), path, env=env)
            return out.stdout if out.returncode == 0 else None

        def copy_out(path: str):
            target = work / "out.bin"
            out = run("mcopy", "-n", "-i", str(image), path, str(target), env=env)
            return target.read_bytes() if out.returncode == 0 else None

        check(content("::/new dir/created by kestrel.txt") == b"written by kestrel\n", "the kernel's new file")
        check(content("::/docs/A long file name.txt") == b"hello long names\nappended\n", "the append")
        check(content("::/moved.txt") == b"deep\n", "the renamed file")
        check(content("::/a/b/c/deep.txt") is None, "the rename's old name is gone")
        check(content("::/empty") is None, "the deleted file is gone")
        listing = run("mdir", "-i", str(image), "::/a/b", env=env).stdout.decode()
        check(" c " not in listing and "<DIR>" in listing, "the removed directory is gone")
        check(copy_out("::/big2.bin") == pattern(100 * 1024, 2), "the 100 KiB written in 3,000-byte pieces")
        check(copy_out("::/big.bin") == pattern(200 * 1024, 1)[:50000], "the truncated file")
    if failures:
        print(f"fat_roundtrip FAT{args.fat}: {len(failures)} check(s) failed")
        return 1
    print(f"fat_roundtrip FAT{args.fat}: the host's fsck.fat and mtools agree with what the kernel did")
    return 0


# What fsck.fat may say after a write was cut off: FAT has no journal, so a
# file being written may have more clusters than its size says (or its
# directory entry may not have reached the disk: lost clusters), the
# free-cluster count in FSInfo may be stale, and the second FAT copy may
# lag the first (they are written one after the other). Anything else is
# damage FAT itself should not have suffered.
ALLOWED_AFTER_POWER_LOSS = ("long write.bin", "File size is", "cluster chain length is", "Truncating file",
                            "lost", "Reclaimed", "Free cluster summary", "unused clusters", "Leaving file",
                            "Perform changes", "fsck.fat", "/dev/", ".img:", "files,", "Dirty bit",
                            "Automatically removing dirty bit", "Freeing", "Drop file", "unused",
                            "FATs differ but appear to be intact", "Using first FAT", "Leaving filesystem unchanged")


def power_loss_run(args, image: Path, runner: list, env) -> int:
    # The writer runs until QEMU is stopped: the runner stops it (SIGKILL to
    # its process group) as soon as 256 KiB of the long write are reported.
    cut = run(*runner, "--filter", "fat_disk.power_loss_writer", "--match", "long write at 256 KiB",
              "--expect-output", "synced.bin is on the disk", capture=False)
    ok = cut.returncode == 0
    if not ok:
        print("fat_roundtrip: FAILED: the writer did not get 256 KiB into its long write before the cut")
    fsck = run("fsck.fat", "-n", str(image), env=env)
    report = (fsck.stdout + fsck.stderr).decode()
    print(report.strip())
    unexpected = [line for line in report.splitlines()
                  if line.strip() and not any(allowed in line for allowed in ALLOWED_AFTER_POWER_LOSS)]
    if unexpected:
        ok = False
        print("fat_roundtrip: FAILED: fsck.fat found more than a cut-off write leaves:", *unexpected, sep="\n  ")
    synced = run("mtype", "-i", str(image), "::/synced.bin", env=env).stdout
    if synced != pattern(64 * 1024, 3):
        ok = False
        print("fat_roundtrip: FAILED: synced.bin is not whole after the power loss")
    again = run(*runner, "--filter", "fat_disk.after_a_power_loss_the_disk_mounts_and_the_synced_file_is_whole",
                capture=False)
    if again.returncode != 0:
        ok = False
        print("fat_roundtrip: FAILED: the next boot did not mount the disk or read synced.bin")
    print(f"fat_roundtrip FAT{args.fat} power loss: {'only the damage FAT allows' if ok else 'FAILED'}")
    return 0 if ok else 1


def damaged_run(args, image: Path, runner: list, env) -> int:
    data = bytearray(image.read_bytes())
    if args.damage == "boot-sector":
        data[11:13] = (384).to_bytes(2, "little")  # bytes per sector: not a power of two
        image.write_bytes(data)
        booted = run(*runner, "--filter", "fat_disk.a_disk_with_a_bad_boot_sector*",
                     "--expect-output", "no FAT file system: FAT: boot sector", capture=False)
        ok = booted.returncode == 0
        print(f"fat_roundtrip FAT{args.fat} bad boot sector: {'refused with the reason' if ok else 'FAILED'}")
        return 0 if ok else 1
    if args.fat == 12:
        print("fat_roundtrip: --damage loop takes FAT16 or FAT32", file=sys.stderr)
        return 2
    # big.bin's first cluster from its root directory entry, then the FAT
    # entry of its third cluster pointed back at the first, in every copy.
    sector = int.from_bytes(data[11:13], "little")
    per_cluster = data[13]
    reserved = int.from_bytes(data[14:16], "little")
    fats = data[16]
    root_entries = int.from_bytes(data[17:19], "little")
    fat_size = int.from_bytes(data[22:24], "little") or int.from_bytes(data[36:40], "little")
    data_start = (reserved + fats * fat_size) * sector + root_entries * 32
    if args.fat == 16:
        root = (reserved + fats * fat_size) * sector
    else:
        root = data_start + (int.from_bytes(data[44:48], "little") - 2) * per_cluster * sector
    first = None
    for offset in range(root, root + 4096, 32):
        if bytes(data[offset:offset + 11]) == b"BIG     BIN":
            first = int.from_bytes(data[offset + 26:offset + 28], "little") | (
                int.from_bytes(data[offset + 20:offset + 22], "little") << 16)
    if first is None:
        print("fat_roundtrip: big.bin's entry not found in the root directory", file=sys.stderr)
        return 1
    width = 2 if args.fat == 16 else 4
    for copy in range(fats):
        at = (reserved + copy * fat_size) * sector + (first + 2) * width
        data[at:at + width] = first.to_bytes(width, "little")
    image.write_bytes(data)
    booted = run(*runner, "--filter", "fat_disk.a_looping_cluster_chain_fails_that_file_only",
                 "--expect-output", "cluster chain of", capture=False)
    docs = run("mtype", "-i", str(image), "::/docs/A long file name.txt", env=env).stdout
    ok = booted.returncode == 0 and docs == b"hello long names\n"
    print(f"fat_roundtrip FAT{args.fat} looping chain: {'that file fails, the rest reads on' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
