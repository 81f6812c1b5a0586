#include "boot/boot_loader.h"
#include <span>
#include "arch/x86_64/boot_map.h"
#include "boot/multiboot2.h"
#include "boot/pvh.h"
#include "core/panic.h"

namespace boot {

namespace {

BootInfo g_boot_info;

// The multiboot2 boot information as bytes through the boot window, or a
// panic with the reason if it cannot be read.
std::span<const std::byte> multiboot2_bytes(arch::PhysAddr address)
{
    if (address.value() == 0 || !address.is_aligned(8))
        core::panic("multiboot2 boot information address {} is null or not 8-byte aligned", address);
    const auto header = arch::boot_map_virtual(address);
    const auto last = arch::boot_map_virtual(address + (max_boot_info_size - 1));
    if (!header || !last)
        core::panic("multiboot2 boot information at {}: {}", address, (header ? last : header).error());
    // The boot window maps this physical range; the bytes are GRUB's structure.
    const auto* bytes = header->as_pointer<const std::byte>();
    auto total = multiboot2_total_size(std::span<const std::byte>(bytes, 8));
    if (!total)
        core::panic("multiboot2 boot information is malformed: {}", total.error());
    return {bytes, *total};
}

// Physical memory as the PVH parser reads it: the boot window (the first GiB).
class BootWindowMemory final : public PhysicalMemory {
public:
    std::span<const std::byte> read_up_to(arch::PhysAddr address, size_t limit) const override
    {
        auto start = arch::boot_map_virtual(address);
        if (!start)
            return {};
        const uint64_t room = arch::layout::boot_map_size - address.value();
        // The boot window maps [0, boot_map_size) of physical memory read-only
        // for us here; these bytes are the loader's structures.
        return {start->as_pointer<const std::byte>(), static_cast<size_t>(limit < room ? limit : room)};
    }
};

void load_multiboot2(arch::PhysAddr address)
{
    auto parsed = parse_multiboot2(multiboot2_bytes(address), g_boot_info);
    if (!parsed)
        core::panic("multiboot2 boot information is malformed: {}", parsed.error());
    if (!g_boot_info.keep(address, g_boot_info.total_size))
        core::panic("multiboot2 boot information: no room to record its range");
}

void load_pvh(arch::PhysAddr address)
{
    const BootWindowMemory memory;
    auto parsed = parse_pvh(memory, address, g_boot_info);
    if (!parsed)
        core::panic("PVH start_info at {} is malformed: {}", address, parsed.error());
}

} // namespace

void load_boot_info(const BootHandoff& handoff)
{
    switch (handoff.magic) {
    case multiboot2_boot_magic: return load_multiboot2(handoff.boot_info);
    case pvh_boot_magic: return load_pvh(handoff.boot_info);
    default:
        core::panic("not booted by a multiboot2 or PVH loader: magic {:#x}, expected {:#x} or {:#x}", handoff.magic,
                    multiboot2_boot_magic, pvh_boot_magic);
    }
}

const BootInfo& boot_info()
{
    return g_boot_info;
}

std::string_view command_line()
{
    return g_boot_info.command_line;
}

} // namespace boot
