// KTEST cases of KASAN's heap layout (kasan_heap.cpp, shadow.cpp) on the
// kernel heap of the unit kernel, which is always built with KASAN. What a
// report says is proven by the detectors (tests/detectors/kasan_catches*.cpp).

#ifdef KESTREL_KASAN

#include <cstdint>
#include "ktest/expect_fault.h"
#include "ktest/ktest.h"
#include "mem/heap/heap_address.h"
#include "mem/kasan/kasan_heap.h"
#include "mem/kasan/shadow.h"
#include "mem/kernel_heap.h"

namespace {

using mem::heap::address_of;

uint8_t shadow(const void* pointer, intptr_t offset)
{
    return mem::kasan::shadow_at(address_of(pointer) + static_cast<uintptr_t>(offset));
}

} // namespace

KTEST(kasan, only_the_requested_bytes_of_a_live_allocation_are_accessible)
{
    char* text = ktest::opaque(new char[20]);
    ASSERT_TRUE(mem::kasan::has_shadow(address_of(text) - 32, 64));
    EXPECT_EQ(shadow(text, -8), mem::kasan::left_red_zone, "the header");
    EXPECT_EQ(shadow(text, -32), mem::kasan::left_red_zone, "the header's first granule");
    EXPECT_EQ(shadow(text, 0), mem::kasan::accessible);
    EXPECT_EQ(shadow(text, 8), mem::kasan::accessible);
    EXPECT_EQ(shadow(text, 16), 4u, "bytes 16-19 of the last granule, not 20-23");
    EXPECT_EQ(shadow(text, 24), mem::kasan::right_red_zone);
    delete[] text;
    EXPECT_EQ(shadow(text, 0), mem::kasan::freed);
    EXPECT_EQ(shadow(text, 16), mem::kasan::freed);
}

KTEST(kasan, a_freed_block_is_not_handed_out_again_at_once)
{
    auto* first = ktest::opaque(new uint64_t(1));
    delete first;
    auto* second = ktest::opaque(new uint64_t(2));
    EXPECT_NE(second, first, "the quarantine holds the freed block");
    EXPECT_EQ(shadow(first, 0), mem::kasan::freed);
    delete second;
}

KTEST(kasan, statistics_count_quarantined_blocks_as_freed)
{
    const mem::KernelHeapStatistics before = mem::kernel_heap::statistics();
    const size_t quarantined_before = mem::kasan::quarantine_statistics().allocations;
    auto* value = ktest::opaque(new uint64_t(3));
    EXPECT_EQ(mem::kernel_heap::statistics().heap.live_allocations, before.heap.live_allocations + 1);
    delete value;
    const mem::KernelHeapStatistics after = mem::kernel_heap::statistics();
    EXPECT_GE(mem::kasan::quarantine_statistics().allocations, quarantined_before > 0 ? quarantined_before : 1u,
              "the block went to the quarantine");
    EXPECT_EQ(after.heap.live_allocations, before.heap.live_allocations);
    EXPECT_EQ(after.heap.used_bytes, before.heap.used_bytes);
}

KTEST(kasan, every_alignment_keeps_the_header_right_before_the_payload)
{
    for (size_t alignment = 16; alignment <= 4096; alignment *= 2) {
        void* memory = ::operator new(24, std::align_val_t(alignment));
        EXPECT_EQ(address_of(memory) % alignment, 0u, "alignment {}", alignment);
        EXPECT_EQ(shadow(memory, -8), mem::kasan::left_red_zone, "alignment {}", alignment);
        EXPECT_EQ(shadow(memory, 16), mem::kasan::accessible, "alignment {}", alignment);
        EXPECT_EQ(shadow(memory, 24), mem::kasan::right_red_zone, "alignment {}", alignment);
        ::operator delete(memory, std::align_val_t(alignment));
    }
}

KTEST(kasan, addresses_outside_the_heap_have_no_shadow)
{
    static uint64_t global;
    uint64_t local = 0;
    EXPECT_FALSE(mem::kasan::has_shadow(address_of(&global), 8));
    EXPECT_FALSE(mem::kasan::has_shadow(address_of(&local), 8));
    EXPECT_FALSE(mem::kasan::has_shadow(arch::layout::heap_region_end - 8, 8), "an unmapped part of the heap area");
}

#endif // KESTREL_KASAN
