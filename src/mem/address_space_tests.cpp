// KTEST cases of the address-space API (address_space.cpp) on the kernel's
// own page tables, in the scratch region (nothing else lives there).

#include "ktest/expect_fault.h"
#include "arch/x86_64/cpu_features.h"
#include "ktest/ktest.h"
#include "mem/address_space.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"
#include "mem/physical_memory.h"

namespace {

using mem::MapError;
using arch::PhysAddr;
using arch::Protection;
using arch::VirtAddr;

const arch::VirtAddr scratch(arch::layout::scratch_region_base);

mem::AddressSpace& kernel_space()
{
    return mem::kernel_address_space();
}

arch::PhysAddr take_frame()
{
    auto frame = mem::physical::allocate();
    return frame ? *frame : arch::PhysAddr();
}

// What the CPU enforces: without NX, every page is executable.
arch::Protection enforced(arch::Protection requested)
{
    return arch::enforced_protection(requested, arch::no_execute_enabled());
}

template <typename T>
bool failed_with(const kstd::Expected<T, MapError>& result, MapError error)
{
    return !result.has_value() && result.error() == error;
}

// Entries are the hardware's bits (SDM vol. 3, table 4-20).
static_assert(arch::PageTableEntry(arch::PhysAddr(0x12'3000), arch::leaf_flags(arch::Protection::read_write(), true)).raw()
              == (0x12'3003ull | (1ull << 63)));
static_assert(arch::PageTableEntry(arch::PhysAddr(0x12'3000), arch::leaf_flags(arch::Protection::read_execute(), true)).raw()
              == 0x12'3001ull);
// Without EFER.NXE, bit 63 is reserved: a non-executable request maps executable.
static_assert(arch::PageTableEntry(arch::PhysAddr(0x12'3000), arch::leaf_flags(arch::Protection::read_write(), false)).raw()
              == 0x12'3003ull);
static_assert(arch::PageTableEntry(0x8000'0000'0020'0083ull).huge());
static_assert(arch::PageTableEntry(0x8000'0000'0020'0083ull).address() == arch::PhysAddr(0x20'0000));

} // namespace

KTEST(address_space, map_write_read_unmap_then_the_next_access_faults)
{
    // The scratch region's PDPT stays once made (PDPTs under the kernel's
    // PML4 entries are never freed); make it first so the counts below see
    // only the PT and the PD.
    ASSERT_TRUE(kernel_space().map_fresh(scratch, 4096, arch::Protection::read_write()).has_value());
    kernel_space().unmap_and_free(scratch, 4096);
    const uint64_t tables_before = kernel_space().table_frames();
    const uint64_t free_before = mem::physical::statistics().free_frames;
    const arch::PhysAddr frame = take_frame();
    ASSERT_NE(frame.value(), 0u);
    const arch::VirtAddr page = scratch + 0x5000;
    ASSERT_TRUE(kernel_space().map(page, frame, arch::Protection::read_write()).has_value());
    EXPECT_GT(kernel_space().table_frames(), tables_before, "a PT and a PD were made for the scratch region");

    volatile uint64_t* through_page = page.as_pointer<volatile uint64_t>();
    through_page[7] = 0x1234'5678'9ABC'DEF0;
    EXPECT_EQ(through_page[7], 0x1234'5678'9ABC'DEF0u);
    EXPECT_EQ(MUST(mem::phys_to_pointer<volatile uint64_t>(frame))[7], 0x1234'5678'9ABC'DEF0u,
              "the direct map sees the same frame");
    auto translated = kernel_space().translate(page + 0x38);
    ASSERT_TRUE(translated.has_value());
    EXPECT_EQ(translated->physical, frame + 0x38);
    EXPECT_EQ(translated->page_bytes, 4096u);
    EXPECT_TRUE(translated->protection == enforced(arch::Protection::read_write()));

    auto unmapped = kernel_space().unmap(page);
    ASSERT_TRUE(unmapped.has_value());
    EXPECT_EQ(*unmapped, frame);
    EXPECT_EQ(kernel_space().table_frames(), tables_before, "the empty PT and PD were freed");
    EXPECT_FAULT(PageFault, (void)*ktest::opaque(through_page));
    EXPECT_EQ(ktest::last_fault().cr2, page);
    EXPECT_EQ(ktest::last_fault().frame.error_code & 1, 0u, "not present");
    EXPECT_TRUE(failed_with(kernel_space().translate(page), MapError::NotMapped));
    mem::physical::free(frame);
    EXPECT_EQ(mem::physical::statistics().free_frames, free_before, "every frame came back");
}

KTEST(address_space, read_only_and_no_execute_pages_fault_on_write_and_fetch)
{
    const arch::PhysAddr frame = take_frame();
    ASSERT_NE(frame.value(), 0u);
    const arch::VirtAddr page = scratch + 0x9000;
    ASSERT_TRUE(kernel_space().map(page, frame, arch::Protection::read_write()).has_value());
    auto* bytes = page.as_pointer<volatile uint8_t>();
    bytes[0] = 0xC3; // RET
    ASSERT_TRUE(kernel_space().protect(page, arch::Protection::read_only()).has_value());
    EXPECT_EQ(bytes[0], 0xC3u, "still readable");
    EXPECT_FAULT(PageFault, *ktest::opaque(bytes) = 1);
    EXPECT_EQ(ktest::last_fault().frame.error_code & 3, 3u, "present + write");
    auto code = reinterpret_cast<void (*)()>(page.value()); // a function pointer to the RET written above
    if (arch::no_execute_enabled()) {
        EXPECT_FAULT(PageFault, ktest::opaque(code)());
        EXPECT_EQ(ktest::last_fault().frame.error_code & 0x11, 0x11u, "present + instruction fetch");
        EXPECT_EQ(ktest::last_fault().cr2, page);
    }
    ASSERT_TRUE(kernel_space().protect(page, {.writable = false, .executable = true}).has_value());
    ktest::opaque(code)(); // now it may run: the RET returns
    kernel_space().unmap_and_free(page, 4096);
    EXPECT_TRUE(failed_with(kernel_space().translate(page), MapError::NotMapped));
}

KTEST(address_space, errors_are_values)
{
    const arch::PhysAddr frame = take_frame();
    ASSERT_NE(frame.value(), 0u);
    const arch::VirtAddr page = scratch + 0x2000;
    EXPECT_TRUE(failed_with(kernel_space().map(arch::VirtAddr(0x0000'8000'0000'0000), frame, arch::Protection::read_write()),
                            MapError::NotCanonical));
    EXPECT_TRUE(failed_with(kernel_space().map(page + 8, frame, arch::Protection::read_write()), MapError::Misaligned));
    ASSERT_TRUE(kernel_space().map(page, frame, arch::Protection::read_write()).has_value());
    EXPECT_TRUE(failed_with(kernel_space().map(page, frame, arch::Protection::read_only()), MapError::AlreadyMapped));
    EXPECT_TRUE(failed_with(kernel_space().unmap(page + 4096), MapError::NotMapped));
    EXPECT_TRUE(failed_with(kernel_space().protect(page + 4096, arch::Protection::read_only()), MapError::NotMapped));
    kernel_space().unmap_and_free(page, 4096);
}

KTEST(address_space, map_range_uses_2_mib_pages_where_aligned)
{
    auto run = mem::physical::allocate_run(10); // 4 MiB, 4 MiB aligned
    ASSERT_TRUE(run.has_value());
    const uint64_t tables_before = kernel_space().table_frames();
    const arch::VirtAddr start = scratch + (4ull << 20) + 0x1000; // 4 KiB pages up to the next 2 MiB boundary
    const uint64_t bytes = (4ull << 20) - 0x1000;
    ASSERT_TRUE(kernel_space().map_range(start, *run + 0x1000, bytes, arch::Protection::read_write()).has_value());
    auto first = kernel_space().translate(start);
    auto second = kernel_space().translate(scratch + (6ull << 20));
    ASSERT_TRUE(first.has_value() && second.has_value());
    EXPECT_EQ(first->page_bytes, 4096u);
    EXPECT_EQ(second->page_bytes, 2u << 20);
    EXPECT_EQ(second->physical, *run + (2ull << 20));
    start.as_pointer<volatile uint32_t>()[0] = 77;
    EXPECT_EQ(MUST(mem::phys_to_pointer<volatile uint32_t>(*run + 0x1000))[0], 77u);
    EXPECT_TRUE(failed_with(kernel_space().unmap(scratch + (6ull << 20)), MapError::LargePage));
    ASSERT_TRUE(kernel_space().unmap_range(start, bytes).has_value());
    EXPECT_FALSE(kernel_space().translate(start).has_value());
    EXPECT_FALSE(kernel_space().translate(scratch + (6ull << 20)).has_value());
    EXPECT_EQ(kernel_space().table_frames(), tables_before);
    mem::physical::free_run(*run, 10);
}

KTEST(address_space, map_fresh_maps_distinct_frames_and_gives_them_back)
{
    const uint64_t free_before = mem::physical::statistics().free_frames;
    const arch::VirtAddr start = scratch + (16ull << 20);
    ASSERT_TRUE(kernel_space().map_fresh(start, 8 * 4096, arch::Protection::read_write()).has_value());
    for (uint64_t i = 0; i < 8; ++i)
        start.as_pointer<volatile uint64_t>()[i * 512] = i;
    for (uint64_t i = 0; i < 8; ++i)
        EXPECT_EQ(start.as_pointer<volatile uint64_t>()[i * 512], i, "page {}", i);
    kernel_space().unmap_and_free(start, 8 * 4096);
    EXPECT_EQ(mem::physical::statistics().free_frames, free_before);
}

KTEST(address_space, map_fresh_of_more_pages_than_free_frames_fails_at_once)
{
    const uint64_t free_before = mem::physical::statistics().free_frames;
    const uint64_t tables_before = kernel_space().table_frames();
    const arch::VirtAddr start = scratch + (64ull << 20);
    auto mapped = kernel_space().map_fresh(start, (free_before + 1) * 4096, arch::Protection::read_write());
    ASSERT_FALSE(mapped.has_value());
    EXPECT_EQ(static_cast<int>(mapped.error()), static_cast<int>(MapError::OutOfFrames));
    EXPECT_FALSE(kernel_space().translate(start).has_value(), "nothing was mapped");
    EXPECT_EQ(mem::physical::statistics().free_frames, free_before);
    EXPECT_EQ(kernel_space().table_frames(), tables_before, "no page table was made");
}

KTEST(address_space, a_failed_map_range_leaves_nothing_behind)
{
    const arch::PhysAddr frame = take_frame();
    ASSERT_NE(frame.value(), 0u);
    const arch::VirtAddr start = scratch + (32ull << 20);
    ASSERT_TRUE(kernel_space().map_fresh(scratch, 4096, arch::Protection::read_write()).has_value()); // the PDPT exists
    const uint64_t tables_before = kernel_space().table_frames();
    ASSERT_TRUE(kernel_space().map(start + 2 * 4096, frame, arch::Protection::read_only()).has_value());
    auto range = kernel_space().map_range(start, frame, 4 * 4096, arch::Protection::read_write());
    ASSERT_FALSE(range.has_value());
    EXPECT_EQ(static_cast<int>(range.error()), static_cast<int>(MapError::AlreadyMapped));
    EXPECT_FALSE(kernel_space().translate(start).has_value(), "the first pages were unmapped again");
    EXPECT_FALSE(kernel_space().translate(start + 4096).has_value());
    auto kept = kernel_space().translate(start + 2 * 4096);
    ASSERT_TRUE(kept.has_value(), "the page that was there stays");
    EXPECT_TRUE(kept->protection == enforced(arch::Protection::read_only()));
    auto unmapped = kernel_space().unmap(start + 2 * 4096);
    ASSERT_TRUE(unmapped.has_value());
    EXPECT_EQ(*unmapped, frame);
    EXPECT_EQ(kernel_space().table_frames(), tables_before);
    kernel_space().unmap_and_free(scratch, 4096);
    mem::physical::free(frame);
}

