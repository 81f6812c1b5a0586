// KTEST cases for the boot information this kernel really got: from GRUB
// (multiboot2) when booted from an ISO, from QEMU's option ROM (PVH) when
// booted with -kernel. CTest runs the unit kernel both ways.

#include "boot/boot_loader.h"
#include <cstdint>
#include "arch/x86_64/boot_map.h"
#include "ktest/ktest.h"

KTEST(boot_info, the_structure_the_loader_gave_us)
{
    const boot::BootInfo& info = boot::boot_info();
    if (info.protocol == boot::BootProtocol::Multiboot2) {
        EXPECT_TRUE(info.bootloader_name.starts_with("GRUB"), "loader: {}", info.bootloader_name);
    } else {
        EXPECT_EQ(info.protocol, boot::BootProtocol::Pvh);
        EXPECT_STREQ(info.bootloader_name, "QEMU -kernel (PVH)");
    }
    ASSERT_TRUE(info.has_memory_map);
    EXPECT_GE(info.memory_region_count, 3u);
    // QEMU gives this machine 128 MiB; a little is reserved by the firmware.
    EXPECT_GT(info.usable_bytes(), 120ull << 20);
    EXPECT_LE(info.usable_bytes(), 128ull << 20);
}

KTEST(boot_info, the_structures_read_later_are_kept_from_the_frame_allocator)
{
    const boot::BootInfo& info = boot::boot_info();
    ASSERT_GE(info.kept_count, 1u, "the boot information itself is kept");
    for (const boot::KeptRange& kept : info.kept_ranges()) {
        EXPECT_LT(kept.start, kept.end);
        EXPECT_GT(kept.start.value(), 0u, "a null structure is never kept");
    }
    // The command line (if any) lies inside a kept range: its view stays valid.
    if (!info.command_line.empty()) {
        // The view points into the boot window; its address as a number.
        const arch::VirtAddr text(reinterpret_cast<uintptr_t>(info.command_line.data()));
        bool inside = false;
        for (const boot::KeptRange& kept : info.kept_ranges()) {
            auto start = arch::boot_map_virtual(kept.start);
            inside = inside || (start && text >= *start && text - *start < kept.end - kept.start);
        }
        EXPECT_TRUE(inside, "command line at {}", text);
    }
}
