#pragma once
// Reading QEMU's PVH boot information (the Xen x86/HVM direct boot ABI, which
// QEMU's -kernel follows for an ELF kernel with a XEN_ELFNOTE_PHYS32_ENTRY
// note; see xen/include/public/arch-x86/hvm/start_info.h):
//
//   struct hvm_start_info {            offset
//       u32 magic;                     0   0x336ec578
//       u32 version;                   4   1 adds the memory map
//       u32 flags;                     8
//       u32 nr_modules;                12
//       u64 modlist_paddr;             16  -> nr_modules x {u64 paddr, size, cmdline_paddr, reserved}
//       u64 cmdline_paddr;             24  -> NUL-terminated string, or 0
//       u64 rsdp_paddr;                32
//       u64 memmap_paddr;              40  (version >= 1) -> {u64 addr, size; u32 type, reserved}
//       u32 memmap_entries;            48
//       u32 reserved;                  52
//   };
//
// Unlike multiboot2's one structure, these are separate pieces of physical
// memory, reached through a PhysicalMemory the caller provides (the kernel:
// its boot window; the host tests: a fake). Every address, count and string
// is checked; a bad one gives a PvhError naming the field, never a fault.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "arch/x86_64/address.h"
#include "boot/boot_info.h"
#include "kstd/expected.h"
#include "kstd/format.h"

namespace boot {

inline constexpr uint32_t pvh_start_info_magic = 0x336EC578;
// What boot.asm passes on as the "magic" of a PVH entry (EAX is undefined
// there; boot.asm sets it): the start_info magic itself.
inline constexpr uint32_t pvh_boot_magic = pvh_start_info_magic;
inline constexpr size_t pvh_start_info_size = 56;
inline constexpr size_t pvh_max_string = 4096; // command lines longer than this are rejected

// Physical memory as the parser may read it.
class PhysicalMemory {
public:
    // The readable bytes from `address` on, at most `limit` of them.
    virtual std::span<const std::byte> read_up_to(arch::PhysAddr address, size_t limit) const = 0;
    // The bytes at [address, address + size), or an empty span when any of
    // them cannot be read.
    std::span<const std::byte> read(arch::PhysAddr address, size_t size) const
    {
        auto bytes = read_up_to(address, size);
        return bytes.size() == size ? bytes : std::span<const std::byte>();
    }

protected:
    ~PhysicalMemory() = default;
};

struct PvhError {
    std::string_view what;   // "memory map has more entries than the kernel keeps (128)"
    std::string_view field;  // the start_info field or entry involved: "memmap_paddr", "module 2 cmdline_paddr"
    uint64_t value = 0;      // the offending number
    int64_t entry = -1;      // which module or memory map entry, or -1
};

// Prints "what (field = value, entry N)".
void format_value(kstd::Sink& sink, const PvhError& error, const kstd::FormatSpec& spec);

// Parses the start_info at `start_info` into `out` (cleared first). String
// views in `out` point into `memory`'s bytes; every structure read is
// recorded in out.kept_ranges().
kstd::Expected<void, PvhError> parse_pvh(const PhysicalMemory& memory, arch::PhysAddr start_info, BootInfo& out);

} // namespace boot
