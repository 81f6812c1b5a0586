#!/usr/bin/env python3
"""Writes the disk images of the driver tests (tests/integration/ata_disk.cpp,
virtio_disk.cpp). Every sector holds the pattern tests/disk_pattern.h checks:
"LBA nnnnnnnnnnn\\n", then byte i is (7 * lba + i) & 0xFF.

    make_test_disk.py mbr PATH            8192 sectors, an MBR in sector 0: partition 1 at
                                          2048 (4096 sectors, bootable), an extended one at 6144
    make_test_disk.py plain PATH SECTORS  the pattern alone
    make_test_disk.py sparse PATH         200 GiB, sparse: the pattern only around 2^28 (LBA48)
"""
import struct
import sys


def sector(lba: int) -> bytes:
    head = b"LBA %011d\n" % lba
    return head + bytes((7 * lba + i) & 0xFF for i in range(len(head), 512))


def main() -> int:
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, "wb") as out:
        if kind == "mbr":
            mbr = bytearray(sector(0))
            mbr[0x1BE:510] = bytes(64)  # four entries, the unused two empty
            for slot, (status, partition_type, first, count) in enumerate(
                    [(0x80, 0x83, 2048, 4096), (0x00, 0x05, 6144, 2048)]):
                at = 0x1BE + 16 * slot
                mbr[at:at + 16] = bytes([status, 0, 0, 0, partition_type, 0, 0, 0]) + struct.pack("<II", first, count)
            mbr[510:512] = b"\x55\xaa"
            out.write(bytes(mbr))
            for lba in range(1, 8192):
                out.write(sector(lba))
        elif kind == "plain":
            for lba in range(int(sys.argv[3])):
                out.write(sector(lba))
        elif kind == "sparse":
            sectors = 200 << 21
            out.truncate(sectors * 512)
            for lba in (0, (1 << 28) - 1, 1 << 28, (1 << 28) + 5, sectors - 1):
                out.seek(lba * 512)
                out.write(sector(lba))
        else:
            print(f"make_test_disk: no kind {kind!r} (mbr, plain, sparse)", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
