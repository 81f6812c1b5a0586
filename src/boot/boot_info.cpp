#include "boot/boot_info.h"
#include <span>
#include "arch/x86_64/boot_map.h"
#include "core/panic.h"

namespace boot {

namespace {

BootInfo g_boot_info;

// The boot information as bytes through the boot window, or a panic with
// the reason if it cannot be read.
std::span<const std::byte> boot_info_bytes(arch::PhysAddr address)
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

} // namespace

void load_boot_info(const BootHandoff& handoff)
{
    if (handoff.magic != multiboot2_boot_magic)
        core::panic("not booted by a multiboot2 loader: magic {:#x}, expected {:#x}", handoff.magic,
                    multiboot2_boot_magic);
    auto parsed = parse_multiboot2(boot_info_bytes(handoff.boot_info), g_boot_info);
    if (!parsed)
        core::panic("multiboot2 boot information is malformed: {}", parsed.error());
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
