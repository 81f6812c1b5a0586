#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus (tests/fuzz/corpus/<target>/*.bin).

Each seed is a valid structure of the kind the kernel is booted with, so the
fuzzer starts from inputs that parse and mutates them from there:

  multiboot2/  boot information as GRUB 2.06 leaves it on QEMU (the tags it
               gives: load base, command line, loader name, modules, basic
               memory, boot device, memory map, framebuffer, ACPI), a minimal
               one, one with larger memory map entries and a tag newer than
               the parser knows, and the most the kernel keeps (128 regions,
               16 modules), with inputs one mutation from the limits.
  elf/         program files as the ELF parser (src/user/elf.cpp) takes them:
               a static executable laid out as GNU ld lays out
               `musl-gcc -static` output (headers, text, rodata, data+bss,
               each on pages of its own; PT_TLS and PT_GNU_STACK beside), a
               static PIE with PT_PHDR, and one with sixteen loadable segments.
  cpio/        initial ramdisks (cpio newc, src/fs/cpio.cpp): real archives
               from GNU cpio (`cpio -o -H newc`, and `-H crc`, over a small tree
               with a symbolic link and a hard link; and an empty one), made
               again only where cpio is installed; and archives written here:
               "./" and absolute names as other writers make them, hard links,
               lower-case hex, and 60 entries. The other files in cpio/ are
               inputs the fuzzer found (its corpus merged, `-merge=1`), kept.
  mbr/         sector 0 of a disk for the MBR parser (src/drivers/partition.cpp),
               then the disk's size in sectors (8 bytes, little-endian): a
               Linux disk with a partition and an extended one ending at the
               disk's last sector, four adjacent partitions, a protective GPT,
               a FAT boot sector (signed, but no table), a large NTFS disk, an
               empty signed table.
  fat/         disks for the FAT file system (src/fs/fat/): FAT12 images of
               40 KiB made by mkfs.fat (dosfstools) and filled by mtools (long
               names, nested directories, a file over several clusters, an
               empty one; one sector per cluster and two FATs, two and one),
               a FAT16 image of 2.5 MiB with its trailing zeros cut off (the
               harness reads a disk whose size is not a multiple of 512 as
               that long as its boot sector says, the rest zeros), an empty
               FAT32 volume of 33 MiB with one FAT cut the same way, and
               corrupted copies: a chain that loops, a cluster out of range,
               a size past the chain, FATs that differ, a truncated image.
               Made again only where mkfs.fat and mtools are installed.
  acpi/        physical memory as tests/fuzz/fuzz_acpi.cpp reads it (a mode
               byte, then {address, size, bytes} records, the RSDP first):
               QEMU's real tables (pc with 1 and 4 CPUs, q35, OVMF), saved
               from a booted QEMU's RAM with pmemsave and made again only
               where QEMU is installed; and tables written here as SeaBIOS and
               OVMF write them (ACPI 1.0 and 2.0+, x2APIC entries), handed
               over as an address, as a copy, or found by the BIOS-area scan,
               and \_S5 packages of other shapes.
  pvh/         physical memory as tests/fuzz/fuzz_pvh.cpp lays it out: the
               input at physical 0x1000, QEMU's hvm_start_info there, and the
               command line, module list, module command lines and memory map
               after it (QEMU 7.2 with -kernel -append -initrd); also no
               memory map (version 0), and full tables (16 modules, 128
               regions of every type).

The files are checked in; run this again after changing it:
    python3 tests/fuzz/make_corpus.py            # every target
    python3 tests/fuzz/make_corpus.py mbr        # just these targets
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# QEMU's e820 map of a 128 MiB pc machine: (base, length, type).
QEMU_E820 = [
    (0x0, 0x9FC00, 1),
    (0x9FC00, 0x400, 2),
    (0xF0000, 0x10000, 2),
    (0x100000, 0x7EE0000, 1),
    (0x7FE0000, 0x20000, 2),
    (0xFFFC0000, 0x40000, 2),
]


def pad8(data):
    return data + b"\0" * (-len(data) % 8)


def cstring(text):
    return text.encode() + b"\0"


# --- multiboot2 (Multiboot2 specification 3.6) ------------------------------

def tag(kind, payload):
    return pad8(struct.pack("<II", kind, 8 + len(payload)) + payload)


def multiboot2(tags):
    body = b"".join(tags) + struct.pack("<II", 0, 8)  # end tag
    return struct.pack("<II", 8 + len(body), 0) + body


def memory_map(regions, entry_size=24):
    entries = b"".join(struct.pack("<QQII", base, length, kind, 0).ljust(entry_size, b"\0")
                       for base, length, kind in regions)
    return tag(6, struct.pack("<II", entry_size, 0) + entries)


def module(start, end, command_line):
    return tag(3, struct.pack("<II", start, end) + cstring(command_line))


def framebuffer_rgb(address, width, height, bpp):
    common = struct.pack("<QIIIBBH", address, width * bpp // 8, width, height, bpp, 1, 0)
    colours = struct.pack("<BBBBBB", 16, 8, 8, 8, 0, 8)  # red, green, blue: position, size
    return tag(8, common + colours)


def grub_on_qemu():
    return multiboot2([
        tag(21, struct.pack("<I", 0x200000)),                    # load base address
        tag(1, cstring("heap=linked ktest.filter=boot.*")),
        tag(2, cstring("GRUB 2.06-13+deb12u1")),
        module(0x7E9000, 0x7EA234, "/boot/initrd.tar"),
        tag(4, struct.pack("<II", 639, 129920)),                 # basic memory info
        tag(5, struct.pack("<III", 0xE0, 0xFFFFFFFF, 0xFFFFFFFF)),  # boot device
        memory_map(QEMU_E820),
        framebuffer_rgb(0xFD000000, 1024, 768, 32),
        tag(14, b"RSD PTR " + bytes(12)),                        # ACPI 1.0 RSDP
    ])


def minimal():
    return multiboot2([])


def larger_entries_and_new_tag():
    return multiboot2([
        tag(1, cstring("")),
        module(0x400000, 0x401000, "first"),
        module(0x402000, 0x402000, ""),
        memory_map(QEMU_E820[:3] + [(0x100000, 0x3FF00000, 1), (0x40000000, 0x1000, 5)], entry_size=32),
        tag(42, b"a tag newer than our specification copy"),
    ])


# --- PVH (xen/include/public/arch-x86/hvm/start_info.h) ---------------------

PVH_BASE = 0x1000  # fuzz_pvh.cpp: memory_base
PVH_MAGIC = 0x336EC578


class Memory:
    """The input bytes, placed at PVH_BASE; start_info first."""

    def __init__(self):
        self.data = bytearray(56)

    def add(self, data):
        self.data += b"\0" * (-len(self.data) % 8)
        address = PVH_BASE + len(self.data)
        self.data += data
        return address


def pvh(version, command_line, modules, regions):
    memory = Memory()
    cmdline_paddr = memory.add(cstring(command_line)) if command_line is not None else 0
    entries = b""
    for start, size, text in modules:
        text_paddr = memory.add(cstring(text)) if text is not None else 0
        entries += struct.pack("<QQQQ", start, size, text_paddr, 0)
    modlist_paddr = memory.add(entries) if modules else 0
    memmap_paddr = memory.add(b"".join(struct.pack("<QQII", b, n, t, 0) for b, n, t in regions)) if regions else 0
    memory.data[0:56] = struct.pack("<IIIIQQQQII", PVH_MAGIC, version, 0, len(modules), modlist_paddr,
                                    cmdline_paddr, 0xF5A00, memmap_paddr, len(regions), 0)
    return bytes(memory.data)


def pvh_qemu():
    return pvh(1, "ktest.filter=pvh.* heap=linked", [(0x7F00000, 0x1234, "initrd.tar")], QEMU_E820)


def pvh_version_zero():
    return pvh(0, None, [], [])


def pvh_three_modules():
    return pvh(1, "", [(0x7E00000, 0x1000, "a"), (0x7E01000, 0, None), (0x7E02000, 0x20, "third module")],
               QEMU_E820[:4])


# 128 regions of every e820 type: the most either parser keeps.
FULL_MAP = [(0x100000 * i, 0x80000, 1 + i % 5) for i in range(128)]


def full_memory_map():
    return multiboot2([memory_map(FULL_MAP)])


def wide_memory_map():
    # 43 entries of 72 bytes: with entry_size 24 (the minimum, a constant the
    # parser compares with, so libFuzzer offers it) the same bytes are 129
    # regions, one over the limit. Growing a 24-byte map to 129 entries needs
    # the tag size and the total size changed together, which 10 minutes of
    # fuzzing never did.
    return multiboot2([memory_map(FULL_MAP[:43], entry_size=72)])


def sixteen_modules():
    # And a 17th in a tag of unknown type: one byte (type 3, which the tag
    # switch compares with) makes it a module, one over the limit.
    modules = [module(0x400000 + 0x1000 * i, 0x400800 + 0x1000 * i, f"m{i}") for i in range(16)]
    spare = tag(42, struct.pack("<II", 0x410000, 0x410800) + cstring("m16"))
    return multiboot2(modules + [spare])


def pvh_full_tables():
    return pvh(1, "x", [(0x7000000 + 0x1000 * i, 0x800, f"m{i}") for i in range(16)], FULL_MAP)


# --- ACPI (src/acpi/; tests/fuzz/fuzz_acpi.cpp) -------------------------------
#
# The input is a mode byte (0: the RSDP's address is handed over, as PVH
# does; 1: a copy of it, as multiboot2's tags; 2: none, scan the BIOS area),
# then records of physical memory: {u64 address, u32 size, size bytes}. The
# first record holds the RSDP.

def acpi_input(mode, records):
    return bytes([mode]) + b"".join(struct.pack("<QI", address, len(data)) + data for address, data in records)


def acpi_checksum_fix(data, at):
    data[at] = 0
    data[at] = (-sum(data)) & 0xFF
    return bytes(data)


def acpi_table(signature, revision, body):
    header = bytearray(signature.encode() + struct.pack("<IBB", 36 + len(body), revision, 0) + b"BOCHS BXPC    "
                       + struct.pack("<I", 1) + b"BXPC" + struct.pack("<I", 1) + body)
    return acpi_checksum_fix(header, 9)


def acpi_rsdp(rsdt, xsdt=None):
    if xsdt is None:
        return acpi_checksum_fix(bytearray(b"RSD PTR \0BOCHS \0" + struct.pack("<I", rsdt)), 8)
    data = bytearray(b"RSD PTR \0BOCHS \2" + struct.pack("<IIQI", rsdt, 36, xsdt, 0))
    data[8] = (-sum(data[:20])) & 0xFF  # the ACPI 1.0 checksum, then the extended one
    return acpi_checksum_fix(data, 32)


def acpi_madt(cpus, x2apic=False):
    body = struct.pack("<II", 0xFEE00000, 1)
    for i in range(cpus):  # type 9 (x2APIC: id, flags, uid) or type 0 (uid, id, flags)
        body += struct.pack("<BBHIII", 9, 16, 0, i, 1, i) if x2apic else struct.pack("<BBBBI", 0, 8, i, i, 1)
    body += struct.pack("<BBBBII", 1, 12, 0, 0, 0xFEC00000, 0)
    for irq, gsi, flags in [(0, 2, 0), (5, 5, 0xD), (9, 9, 0xD), (10, 10, 0xD), (11, 11, 0xD)]:
        body += struct.pack("<BBBBIH", 2, 10, 0, irq, gsi, flags)
    body += struct.pack("<BBBHB", 4, 6, 0xFF, 0, 1)
    return acpi_table("APIC", 1, body)


def acpi_fadt(dsdt, length=116, revision=1):
    body = bytearray(length - 36)
    def at(offset, value, size):
        body[offset - 36:offset - 36 + size] = value.to_bytes(size, "little")
    at(36, 0x7FE0000, 4)
    at(40, dsdt, 4)
    at(46, 9, 2)
    at(48, 0xB2, 4)
    at(52, 0xF1, 1)
    at(64, 0x604, 4)
    at(89, 2, 1)
    at(112, 0x4A5 | (1 << 10), 4)
    if length >= 129:
        at(109, 3, 2)
        at(116, 1, 1)
        at(117, 8, 1)
        at(120, 0xCF9, 8)
        at(128, 0x0F, 1)
    if length >= 184:
        at(140, dsdt, 8)
        at(172, 1, 1)
        at(173, 16, 1)
        at(176, 0x604, 8)
    return acpi_table("FACP", revision, bytes(body))


QEMU_S5 = b"\x08_S5_\x12\x06\x04\x00\x00\x00\x00"


def acpi_synthetic(cpus, v2=False, x2apic=False, s5=QEMU_S5):
    rsdp, rsdt, xsdt, fadt, madt, hpet, dsdt = 0xF59D0, 0x7FE1A49, 0x7FE1B00, 0x7FE18FD, 0x7FE1971, 0x7FE19E9, 0x7FE0040
    hpet_body = struct.pack("<IBBBBQBHB", 0x8086A201, 0, 64, 0, 0, 0xFED00000, 0, 0x80, 0)
    aml = b"\x10\x40\x15\\_SB_" + bytes(8) + s5
    records = [(rsdp, acpi_rsdp(rsdt, xsdt if v2 else None)),
               (rsdt, acpi_table("RSDT", 1, struct.pack("<III", fadt, madt, hpet)))]
    if v2:
        records.append((xsdt, acpi_table("XSDT", 1, struct.pack("<QQQ", fadt, madt, hpet))))
    records += [(fadt, acpi_fadt(dsdt, 276 if v2 else 116, 6 if v2 else 1)), (madt, acpi_madt(cpus, x2apic)),
                (hpet, acpi_table("HPET", 1, hpet_body)), (dsdt, acpi_table("DSDT", 1, aml))]
    return records


def acpi_seeds():
    seeds = {
        "seabios_like_2_cpus.bin": acpi_input(0, acpi_synthetic(2)),
        "ovmf_like_x2apic.bin": acpi_input(0, acpi_synthetic(4, v2=True, x2apic=True)),
        "multiboot2_copy.bin": acpi_input(1, acpi_synthetic(1, v2=True)),
        "bios_scan.bin": acpi_input(2, [(0xF5000, (bytes(0x9D0) + acpi_rsdp(0x7FE1A49)).ljust(4096, b"\0"))]
                                    + acpi_synthetic(2)[1:]),
        "s5_packed_one_element.bin": acpi_input(0, acpi_synthetic(1, s5=b"\x08\\_S5_\x12\x05\x01\x0B\x05\x05")),
        "s5_word_values.bin": acpi_input(0, acpi_synthetic(1, s5=b"\x08_S5_\x12\x4B\x00\x02\x0B\x05\x00\x0C\x06\x00\x00\x00")),
    }
    return seeds


def qemu_acpi_dumps():
    """QEMU's own tables: each configuration booted without a disk (the
    firmware builds the tables, then finds nothing to boot), its RAM saved
    through the monitor (pmemsave), the RSDP found and every table it leads
    to kept at its real address. None where QEMU is not installed."""
    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        return None
    configurations = {
        "qemu_pc_smp1.bin": ["-smp", "1"],
        "qemu_pc_smp4.bin": ["-smp", "4"],
        "qemu_q35_smp2.bin": ["-machine", "q35", "-smp", "2"],
    }
    if os.path.exists("/usr/share/ovmf/OVMF.fd"):
        configurations["ovmf_smp2.bin"] = ["-bios", "/usr/share/ovmf/OVMF.fd", "-smp", "2"]
    seeds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, options in configurations.items():
            dump = os.path.join(tmp, "ram")
            wait = 10 if "-bios" in options else 3
            # A relative file name: the monitor would read "/" as a division.
            script = f"sleep {wait}; echo 'pmemsave 0 0x8000000 ram'; sleep 2; echo quit"
            subprocess.run(f"({script}) | {qemu} -m 128 -display none -monitor stdio -nodefaults "
                           + " ".join(options), shell=True, cwd=tmp, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
            with open(dump, "rb") as file:
                seeds[name] = acpi_input(0, acpi_tables_in(file.read()))
    return seeds


def acpi_tables_in(ram):
    """The RSDP in `ram` (the first with good checksums) and the tables it leads to."""
    at = -1
    while True:
        at = ram.find(b"RSD PTR ", at + 1)
        if at < 0:
            raise ValueError("no RSDP in the RAM dump")
        if sum(ram[at:at + 20]) % 256 == 0 and (ram[at + 15] < 2 or sum(ram[at:at + 36]) % 256 == 0):
            break
    revision = ram[at + 15]
    records = [(at, ram[at:at + (36 if revision >= 2 else 20)])]
    def table(address):
        length = struct.unpack_from("<I", ram, address + 4)[0]
        records.append((address, ram[address:address + length]))
        return ram[address:address + length]
    rsdt, = struct.unpack_from("<I", ram, at + 16)
    xsdt = struct.unpack_from("<Q", ram, at + 24)[0] if revision >= 2 else 0
    root = table(xsdt if xsdt else rsdt)
    size = 8 if xsdt else 4
    for i in range((len(root) - 36) // size):
        address = int.from_bytes(root[36 + i * size:36 + (i + 1) * size], "little")
        entry = table(address)
        if entry[:4] == b"FACP":
            table(struct.unpack_from("<I", entry, 40)[0])  # the DSDT
    return records


PT_LOAD, PT_PHDR, PT_TLS, PT_GNU_STACK = 1, 6, 7, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4


def elf(kind, entry, segments, extra=()):
    """An ELF64 x86-64 file: the header, program headers (extra first, then
    one PT_LOAD per segment), and each segment's bytes at its offset.
    segments: (offset, vaddr, file bytes, memory size, flags)."""
    headers = list(extra) + [(PT_LOAD, flags, offset, vaddr, len(data), memsz, 0x1000)
                             for offset, vaddr, data, memsz, flags in segments]
    phoff, phnum = 64, len(headers)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack("<HHIQQQIHHHHHH", kind, 62, 1, entry, phoff, 0, 0, 64, 56, phnum, 64, 0, 0)
    table = b"".join(struct.pack("<IIQQQQQQ", t, f, o, v, v, fs, ms, a) for t, f, o, v, fs, ms, a in headers)
    end = max(offset + len(data) for offset, _, data, _, _ in segments)
    image = bytearray(max(end, 64 + len(table)))
    image[0:64] = header
    image[64:64 + len(table)] = table
    for offset, _, data, _, _ in segments:
        if offset >= 64 + len(table):
            image[offset:offset + len(data)] = data
    return bytes(image)


# Offsets are kept small (the fuzzers read at most 8 KiB): each segment's
# address has its file offset's place within the page, on a page of its own.
def elf_static_exec():
    text = bytes([0x48, 0x31, 0xFF, 0xB8, 0x3C, 0, 0, 0, 0x0F, 0x05]) * 8  # xor rdi,rdi; mov eax,60; syscall
    segments = [(0, 0x400000, bytes(0x200), 0x200, PF_R),
                (0x200, 0x401200, text, len(text), PF_R | PF_X),
                (0x300, 0x402300, b"kestrel\0" * 4, 32, PF_R),
                (0x380, 0x403380, bytes(range(64)) * 4, 0x2000, PF_R | PF_W)]
    extra = [(PT_TLS, PF_R, 0x380, 0x403380, 16, 32, 8), (PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16)]
    return elf(2, 0x401200, segments, extra)


def elf_static_pie():
    text = bytes([0x90] * 63 + [0xC3])
    segments = [(0, 0, bytes(0x200), 0x200, PF_R), (0x200, 0x1200, text, len(text), PF_R | PF_X),
                (0x240, 0x2240, bytes(64), 0x1000, PF_R | PF_W)]
    extra = [(PT_PHDR, PF_R, 64, 64, 56 * 4, 56 * 4, 8)]
    return elf(3, 0x1210, segments, extra)


def elf_sixteen_segments():
    segments = [(0x400 + 0x40 * i, 0x400000 + 0x1000 * i + 0x400 + 0x40 * i, bytes([i]) * 16, 16,
                 PF_R | (PF_X if i == 0 else 0)) for i in range(16)]
    return elf(2, 0x400400, segments)


# --- cpio newc (cpio(5), "New ASCII Format") ----------------------------------

S_IFREG, S_IFDIR, S_IFLNK = 0o100000, 0o040000, 0o120000


def pad4(data):
    return data + b"\0" * (-len(data) % 4)


def newc_entry(name, mode, data=b"", ino=0, nlink=1, mtime=1700000000, dev=(0, 0), magic=b"070701",
               digits="%08X"):
    """One entry as GNU cpio writes it: the header, the name and its NUL
    padded to 4 bytes, the data padded to 4 bytes (archives start aligned)."""
    name = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, mtime, len(data), dev[0], dev[1], 0, 0, len(name), 0]
    header = magic + b"".join((digits % value).encode() for value in fields)
    return pad4(header + name) + pad4(data)


def newc(entries):
    """The entries, the trailer, zeros to a 512-byte block."""
    archive = b"".join(entries) + newc_entry("TRAILER!!!", 0, ino=0, nlink=1, mtime=0)
    return archive + b"\0" * (-len(archive) % 512)


def cpio_dot_slash_names():
    # As writers that keep find's "./" write them, with an absolute name too.
    return newc([newc_entry(".", S_IFDIR | 0o755, ino=1, nlink=3),
                 newc_entry("./bin", S_IFDIR | 0o755, ino=2, nlink=2),
                 newc_entry("./bin/init", S_IFREG | 0o755, b"\x7fELF" + bytes(60), ino=3),
                 newc_entry("./bin/sh", S_IFLNK | 0o777, b"init", ino=4),
                 newc_entry("/etc", S_IFDIR | 0o755, ino=5, nlink=2),
                 newc_entry("/etc/..rc", S_IFREG | 0o644, b"# not a dot-dot\n", ino=6)])


def cpio_hard_links():
    # Three names of one file, the data with the last (as GNU cpio writes
    # them); the same inode number on another device; an empty linked file.
    shared = dict(ino=7, nlink=3)
    return newc([newc_entry("a", S_IFREG | 0o644, **shared),
                 newc_entry("b", S_IFREG | 0o644, **shared),
                 newc_entry("c", S_IFREG | 0o644, b"shared data\n", **shared),
                 newc_entry("d", S_IFREG | 0o644, ino=7, nlink=2, dev=(8, 1)),
                 newc_entry("e", S_IFREG | 0o644, ino=9, nlink=2),
                 newc_entry("f", S_IFREG | 0o644, ino=9, nlink=2)])


def cpio_lower_case_crc():
    # The CRC variant's magic, lower-case hex digits (the format allows
    # both), and data sizes that end on each alignment.
    return newc([newc_entry("x" * length, S_IFREG | 0o644, b"y" * length, ino=length, magic=b"070702",
                            digits="%08x") for length in range(1, 9)])


def cpio_sixty_entries():
    # Many small entries, to exercise the walks over all of them (the
    # duplicate check, find, hard links).
    entries = [newc_entry(".", S_IFDIR | 0o755, ino=0, nlink=2)]
    entries += [newc_entry(f"f{i:02}", S_IFREG | 0o644, bytes([i]) * (i % 5), ino=i + 1) for i in range(59)]
    return newc(entries)


def gnu_cpio_archives():
    """Real archives from GNU cpio, or None without it: the tree of
    tests/cpio_builder.h's real_archive, every mtime 1700000000, owner
    0:0, inodes renumbered (--reproducible), names sorted."""
    if shutil.which("cpio") is None:
        return None
    archives = {}
    with tempfile.TemporaryDirectory() as tree:
        os.makedirs(os.path.join(tree, "bin"))
        os.makedirs(os.path.join(tree, "etc"))
        with open(os.path.join(tree, "bin", "init"), "w") as file:
            file.write("#!/bin/sh\necho hi\n")
        with open(os.path.join(tree, "etc", "motd"), "w") as file:
            file.write("hello\n")
        os.symlink("init", os.path.join(tree, "bin", "sh"))
        os.link(os.path.join(tree, "etc", "motd"), os.path.join(tree, "etc", "motd.link"))
        for path, mode in ((".", 0o755), ("bin", 0o755), ("etc", 0o755), ("bin/init", 0o755), ("etc/motd", 0o644)):
            os.chmod(os.path.join(tree, path), mode)
        names = ["."]
        for directory, subdirectories, files in os.walk(tree):
            for name in subdirectories + files:
                names.append(os.path.relpath(os.path.join(directory, name), tree))
        for name in names:
            os.utime(os.path.join(tree, name), (1700000000, 1700000000), follow_symlinks=False)
        listing = "".join(name + "\n" for name in sorted(names)).encode()
        for file_name, format_name in (("gnu_cpio_tree.cpio", "newc"), ("gnu_cpio_crc.cpio", "crc")):
            archives[file_name] = subprocess.run(
                ["cpio", "-o", "-H", format_name, "-R", "0:0", "--reproducible", "--quiet"],
                input=listing, cwd=tree, check=True, capture_output=True).stdout
        archives["gnu_cpio_empty.cpio"] = subprocess.run(
            ["cpio", "-o", "-H", "newc", "--quiet"], input=b"", check=True, capture_output=True).stdout
    return archives


# --- MBR (sector 0) -------------------------------------------------------------


def mbr_sector(entries, disk_sectors=None, boot_code=b"\xfa\x31\xc0\x8e\xd8"):
    """Sector 0 with `entries` (status, type, first LBA, count) in slots 1, 2,
    ..., the signature, and the disk's size after it (if given)."""
    sector = bytearray(512)
    sector[:len(boot_code)] = boot_code
    for slot, (status, kind, first, count) in enumerate(entries):
        at = 0x1BE + 16 * slot
        sector[at:at + 16] = bytes([status, 0x20, 0x21, 0x00, kind, 0xFE, 0xFF, 0xFF]) + struct.pack("<II", first, count)
    sector[510:512] = b"\x55\xaa"
    return bytes(sector) + (struct.pack("<Q", disk_sectors) if disk_sectors is not None else b"")


def mbr_fat_boot_sector():
    # A FAT32 volume boot record: jump, OEM name, BPB, code where the table would be.
    sector = bytearray(b"\xeb\x58\x90MSWIN4.1" + bytes(i % 251 for i in range(11, 512)))
    sector[510:512] = b"\x55\xaa"
    return bytes(sector) + struct.pack("<Q", 65536)


SEEDS = {
    "acpi": acpi_seeds(),
    "mbr": {
        "linux_and_extended.bin": mbr_sector([(0x80, 0x83, 2048, 4096), (0x00, 0x05, 6144, 2048)], 8192),
        "four_adjacent.bin": mbr_sector([(0x00, 0x0C, 63, 1985), (0x80, 0x83, 2048, 2048),
                                         (0x00, 0x82, 4096, 2048), (0x00, 0x0F, 6144, 2048)], 8192),
        "protective_gpt.bin": mbr_sector([(0x00, 0xEE, 1, 0xFFFFFFFF)], 1 << 33),
        "fat_boot_sector.bin": mbr_fat_boot_sector(),
        "large_ntfs.bin": mbr_sector([(0x80, 0x07, 2048, 0xFFFFFFFF - 2048)], 0xFFFFFFFF),
        "empty_table.bin": mbr_sector([]),
    },
    "elf": {
        "static_exec.bin": elf_static_exec(),
        "static_pie.bin": elf_static_pie(),
        "sixteen_segments.bin": elf_sixteen_segments(),
    },
    "multiboot2": {
        "grub_on_qemu.bin": grub_on_qemu(),
        "minimal.bin": minimal(),
        "larger_entries_and_new_tag.bin": larger_entries_and_new_tag(),
        "full_memory_map.bin": full_memory_map(),
        "wide_memory_map.bin": wide_memory_map(),
        "sixteen_modules.bin": sixteen_modules(),
    },
    "cpio": {
        "dot_slash_names.cpio": cpio_dot_slash_names(),
        "hard_links.cpio": cpio_hard_links(),
        "lower_case_crc.cpio": cpio_lower_case_crc(),
        "sixty_entries.cpio": cpio_sixty_entries(),
    },
    "pvh": {
        "qemu.bin": pvh_qemu(),
        "version_zero.bin": pvh_version_zero(),
        "three_modules.bin": pvh_three_modules(),
        "full_tables.bin": pvh_full_tables(),
    },
}


def fat_images():
    """FAT images from mkfs.fat and mtools, or None without them."""
    if not all(shutil.which(tool) for tool in ("mkfs.fat", "mmd", "mcopy")):
        return None
    environment = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    images = {}
    with tempfile.TemporaryDirectory() as work:
        files = {
            "Long File Name.txt": b"hello from mtools\n",
            "README.TXT": b"short name\n",
            "empty.txt": b"",
            "several clusters.bin": bytes((i * 7 + 3) % 251 for i in range(3000)),
            "nested file with a long name.md": b"# nested\n",
        }
        for name, data in files.items():
            with open(os.path.join(work, name), "wb") as file:
                file.write(data)

        def make_empty(name, kib, options):
            image = os.path.join(work, name)
            subprocess.run(["mkfs.fat", "--invariant", "-C", image, str(kib)] + options, check=True,
                           capture_output=True)
            with open(image, "rb") as file:
                return bytearray(file.read())

        def make(name, kib, options):
            image = os.path.join(work, name)
            subprocess.run(["mkfs.fat", "--invariant", "-C", image, str(kib)] + options, check=True,
                           capture_output=True)
            run = lambda *command: subprocess.run(list(command), check=True, capture_output=True, env=environment)
            run("mmd", "-i", image, "::/docs", "::/docs/deeper")
            for local, target in (("Long File Name.txt", "::/"), ("README.TXT", "::/docs/"),
                                  ("empty.txt", "::/"), ("several clusters.bin", "::/"),
                                  ("nested file with a long name.md", "::/docs/deeper/")):
                run("mcopy", "-i", image, os.path.join(work, local), target)
            with open(image, "rb") as file:
                return bytearray(file.read())

        tree = make("tree", 40, ["-F", "12", "-s", "1", "-r", "32"])
        images["fat12_tree.img"] = bytes(tree)
        images["fat12_two_sectors_one_fat.img"] = bytes(make("one", 40, ["-F", "12", "-s", "2", "-f", "1", "-r", "16"]))
        fat16 = make("fat16", 2560, ["-F", "16", "-s", "1", "-r", "64"])
        end = len(fat16.rstrip(b"\0"))
        if end % 512 == 0:
            end += 1
        images["fat16_zeros_cut.img"] = bytes(fat16[:end])
        # FAT32 needs 65525 clusters: 33 MiB with one FAT (the second would lie
        # past the input and read as zeros, unlike the first); its root
        # directory's cluster lies past the input too, so it reads empty.
        fat32 = make_empty("fat32", 33 * 1024, ["-F", "32", "-s", "1", "-f", "1"])
        end = len(fat32.rstrip(b"\0"))
        if end % 512 == 0:
            end += 1
        images["fat32_one_fat_zeros_cut.img"] = bytes(fat32[:end])

        # Corrupted copies of the FAT12 tree: the BPB's numbers, then FAT entries in both copies.
        sector = struct.unpack_from("<H", tree, 11)[0]
        reserved = struct.unpack_from("<H", tree, 14)[0]
        fats = tree[16]
        root_entries = struct.unpack_from("<H", tree, 17)[0]
        fat_sectors = struct.unpack_from("<H", tree, 22)[0]
        root = (reserved + fats * fat_sectors) * sector

        def root_entry(short_name):
            for at in range(root, root + root_entries * 32, 32):
                if tree[at:at + 11] == short_name:
                    return at
            raise RuntimeError(f"no {short_name} in the root directory")

        def with_fat(image, cluster, value):
            image = bytearray(image)
            for fat in range(fats):
                at = (reserved + fat * fat_sectors) * sector + cluster + cluster // 2
                pair = struct.unpack_from("<H", image, at)[0]
                pair = (pair & 0xF) | value << 4 if cluster & 1 else (pair & 0xF000) | value
                struct.pack_into("<H", image, at, pair)
            return bytes(image)

        big = root_entry(b"SEVERA~1BIN")
        first = struct.unpack_from("<H", tree, big + 26)[0]
        images["fat12_chain_loops.img"] = with_fat(tree, first + 3, first + 1)
        images["fat12_cluster_out_of_range.img"] = with_fat(tree, first + 2, 0xFF0)
        past = bytearray(tree)
        struct.pack_into("<I", past, big + 28, 9000)
        images["fat12_size_past_chain.img"] = bytes(past)
        differ = bytearray(tree)
        differ[(reserved + fat_sectors) * sector + 5] ^= 0x20
        images["fat12_fats_differ.img"] = bytes(differ)
        images["fat12_truncated.img"] = bytes(tree[:20 * 1024])
    return images


def main():
    fat = fat_images() if len(sys.argv) == 1 or "fat" in sys.argv[1:] else {}
    if fat is None:
        print("fat/*.img: kept as they are (no mkfs.fat or mtools here to make them again)")
    else:
        SEEDS.setdefault("fat", {}).update(fat)
    real = gnu_cpio_archives() if len(sys.argv) == 1 or "cpio" in sys.argv[1:] else {}
    if real is None:
        print("cpio/gnu_cpio_*.cpio: kept as they are (no cpio here to make them again)")
    else:
        SEEDS["cpio"].update(real)
    dumps = qemu_acpi_dumps() if len(sys.argv) == 1 or "acpi" in sys.argv[1:] else {}
    if dumps is None:
        print("acpi/qemu_*.bin, acpi/ovmf_*.bin: kept as they are (no qemu-system-x86_64 here to make them again)")
    else:
        SEEDS["acpi"].update(dumps)
    only = set(sys.argv[1:])
    for target, seeds in SEEDS.items():
        if only and target not in only:
            continue
        directory = os.path.join(HERE, "corpus", target)
        os.makedirs(directory, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(directory, name), "wb") as file:
                file.write(data)
            print(f"{target}/{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
