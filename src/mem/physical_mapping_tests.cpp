// KTEST cases of mem/physical_mapping.h: mappings outside the direct map
// with the caching asked for, and physical_bytes' choice between the two.

#include "ktest/ktest.h"
#include "arch/x86_64/memory_layout.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"
#include "mem/physical_mapping.h"

namespace {

// The BIOS area below 1 MiB: always there, never handed out as a frame,
// and in the direct map (which covers the first MiB whole).
constexpr arch::PhysAddr bios_area(0xF0000);

bool in_physical_mappings(arch::VirtAddr address)
{
    return address.value() >= arch::layout::physical_mapping_base
           && address.value() < arch::layout::physical_mapping_base + arch::layout::physical_mapping_size;
}

} // namespace

KTEST(physical_mapping, an_uncached_mapping_shows_the_same_bytes_with_pcd_and_pwt)
{
    arch::Protection uncached = arch::Protection::read_only();
    uncached.caching = arch::Caching::Uncached;
    auto mapped = mem::map_physical(bios_area + 0x10, 64, uncached);
    ASSERT_OK(mapped);
    EXPECT_TRUE(in_physical_mappings(*mapped));
    EXPECT_EQ(mapped->value() & 0xFFF, 0x10u, "the address of the byte asked for, inside its page");
    auto translated = mem::kernel_address_space().translate(*mapped);
    ASSERT_OK(translated);
    EXPECT_EQ(translated->physical.value(), bios_area.value() + 0x10);
    EXPECT_TRUE(translated->protection.caching == arch::Caching::Uncached, "PCD and PWT set in the leaf");
    EXPECT_FALSE(translated->protection.writable);
    // The same bytes as the direct map's view of them.
    EXPECT_MEMEQ(mapped->as_pointer<const std::byte>(), mem::direct_map_address(bios_area + 0x10).as_pointer<const std::byte>(), 64);
}

KTEST(physical_mapping, write_combining_reads_back_as_such)
{
    arch::Protection combining = arch::Protection::read_write();
    combining.caching = arch::Caching::WriteCombining;
    auto mapped = mem::map_physical(bios_area, 4096, combining);
    ASSERT_OK(mapped);
    auto translated = mem::kernel_address_space().translate(*mapped);
    ASSERT_OK(translated);
    EXPECT_TRUE(translated->protection.caching == arch::Caching::WriteCombining, "PWT alone: PAT entry 1");
}

KTEST(physical_mapping, physical_bytes_uses_the_direct_map_where_it_covers_the_range)
{
    const uint64_t before = mem::physical_mapping_bytes();
    auto bytes = mem::physical_bytes(bios_area, 256);
    ASSERT_OK(bytes);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(bytes->data()), mem::direct_map_address(bios_area).value());
    EXPECT_EQ(mem::physical_mapping_bytes(), before, "nothing new mapped");
}

KTEST(physical_mapping, empty_and_wrapping_ranges_are_refused)
{
    EXPECT_FALSE(mem::map_physical(bios_area, 0, arch::Protection::read_only()).has_value());
    EXPECT_FALSE(mem::map_physical(arch::PhysAddr(~0ull - 10), 100, arch::Protection::read_only()).has_value());
    EXPECT_FALSE(mem::physical_bytes(arch::PhysAddr(~0ull - 10), 100).has_value());
}
