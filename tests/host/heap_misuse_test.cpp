// Misuse each heap design can see, reported as an error value: bad
// alignments, out of memory, pointers it never handed out, double frees,
// and (for the block allocator) overwritten bookkeeping.

#include <gtest/gtest.h>
#include <string>
#include "heap_designs.h"
#include "mem/heap/heap_address.h"

namespace {

using namespace host_test;

std::string text_of(const HeapError& error)
{
    char buffer[256];
    return std::string(kstd::format_into(buffer, "{}", error).text);
}

template <typename Design>
class HeapMisuse : public ::testing::Test {
protected:
    HeapAllocator& heap() { return design.heap(); }
    Design design{1024 * 1024};
};
TYPED_TEST_SUITE(HeapMisuse, HeapDesigns);

TYPED_TEST(HeapMisuse, freeing_null_does_nothing)
{
    EXPECT_TRUE(this->heap().deallocate(nullptr).has_value());
}

TYPED_TEST(HeapMisuse, bad_alignments_are_rejected)
{
    for (size_t alignment : {size_t{0}, size_t{3}, size_t{24}, size_t{8192}}) {
        auto memory = this->heap().allocate(64, alignment);
        ASSERT_FALSE(memory.has_value()) << alignment;
        EXPECT_EQ(memory.error().kind, HeapErrorKind::BadAlignment);
        EXPECT_EQ(memory.error().alignment, alignment);
    }
    EXPECT_EQ(text_of(this->heap().allocate(64, 3).error()),
              "alignment is not a power of two up to 4096 allocating 64 bytes (alignment 3)");
}

TYPED_TEST(HeapMisuse, out_of_memory_carries_the_size_and_leaves_the_heap_usable)
{
    auto small = this->heap().allocate(100);
    ASSERT_TRUE(small.has_value());
    for (size_t size : {size_t{2} * 1024 * 1024, HeapAllocator::max_size + 1, SIZE_MAX}) {
        auto huge = this->heap().allocate(size);
        ASSERT_FALSE(huge.has_value());
        EXPECT_EQ(huge.error().kind, HeapErrorKind::OutOfMemory);
        EXPECT_EQ(huge.error().size, size);
    }
    EXPECT_EQ(text_of(this->heap().allocate(2 * 1024 * 1024, 64).error()),
              "out of memory allocating 2097152 bytes (alignment 64)");
    auto after = this->heap().allocate(100);
    EXPECT_TRUE(after.has_value());
    EXPECT_TRUE(this->heap().deallocate(*after).has_value());
    EXPECT_TRUE(this->heap().deallocate(*small).has_value());
    EXPECT_EQ(this->heap().statistics().live_allocations, 0u);
    EXPECT_TRUE(this->design.consistent());
}

TYPED_TEST(HeapMisuse, pointers_from_elsewhere_are_rejected)
{
    auto memory = this->heap().allocate(64);
    ASSERT_TRUE(memory.has_value());
    int on_the_stack = 0;
    static int in_data = 0;
    for (void* foreign : {static_cast<void*>(&on_the_stack), static_cast<void*>(&in_data)}) {
        auto freed = this->heap().deallocate(foreign);
        ASSERT_FALSE(freed.has_value());
        EXPECT_EQ(freed.error().kind, HeapErrorKind::NotFromHeap);
        EXPECT_EQ(freed.error().pointer, foreign);
        EXPECT_EQ(text_of(freed.error()),
                  "freeing " + [&] {
                      char buffer[32];
                      return std::string(kstd::format_into(buffer, "{}", foreign).text);
                  }() + ": pointer was not allocated by this heap");
    }
    EXPECT_TRUE(this->heap().deallocate(*memory).has_value());
    EXPECT_TRUE(this->design.consistent());
}

TYPED_TEST(HeapMisuse, double_free_is_reported)
{
    for (size_t size : {size_t{24}, size_t{3000}}) {
        auto memory = this->heap().allocate(size);
        ASSERT_TRUE(memory.has_value());
        ASSERT_TRUE(this->heap().deallocate(*memory).has_value());
        auto again = this->heap().deallocate(*memory);
        ASSERT_FALSE(again.has_value()) << size;
        EXPECT_EQ(again.error().kind, HeapErrorKind::DoubleFree) << size;
        EXPECT_EQ(again.error().pointer, *memory);
    }
    EXPECT_EQ(this->heap().statistics().live_allocations, 0u);
    EXPECT_TRUE(this->design.consistent());
}

// What only the designs that know their blocks can see (the bump allocator
// keeps no per-block record: it cannot tell a block's start from its inside,
// and sees a double free only once there are more frees than allocations).
template <typename Design>
class HeapMisuseOfBlocks : public HeapMisuse<Design> {};
using BlockDesigns = ::testing::Types<LinkedListDesign, FixedSizeBlockDesign>;
TYPED_TEST_SUITE(HeapMisuseOfBlocks, BlockDesigns);

TYPED_TEST(HeapMisuseOfBlocks, interior_pointers_are_rejected)
{
    for (size_t size : {size_t{64}, size_t{5000}}) {
        auto memory = this->heap().allocate(size);
        ASSERT_TRUE(memory.has_value());
        for (size_t offset : {size_t{1}, size_t{16}, size_t{32}}) {
            void* inside = static_cast<char*>(*memory) + offset;
            auto freed = this->heap().deallocate(inside);
            ASSERT_FALSE(freed.has_value()) << size << "+" << offset;
            EXPECT_EQ(freed.error().kind, HeapErrorKind::NotFromHeap) << size << "+" << offset;
        }
        EXPECT_TRUE(this->heap().deallocate(*memory).has_value());
    }
    EXPECT_TRUE(this->design.consistent());
}

TYPED_TEST(HeapMisuseOfBlocks, double_free_is_reported_among_live_neighbours)
{
    // Free a block between two live ones, then its neighbours (so it merges
    // into a larger free block in the linked list), then again.
    for (size_t size : {size_t{48}, size_t{4000}}) {
        void* blocks[5];
        for (void*& block : blocks) {
            auto memory = this->heap().allocate(size);
            ASSERT_TRUE(memory.has_value());
            block = *memory;
        }
        ASSERT_TRUE(this->heap().deallocate(blocks[2]).has_value());
        auto early = this->heap().deallocate(blocks[2]);
        ASSERT_FALSE(early.has_value());
        EXPECT_EQ(early.error().kind, HeapErrorKind::DoubleFree);
        ASSERT_TRUE(this->heap().deallocate(blocks[1]).has_value());
        ASSERT_TRUE(this->heap().deallocate(blocks[3]).has_value());
        for (int victim : {1, 2, 3}) {
            auto late = this->heap().deallocate(blocks[victim]);
            ASSERT_FALSE(late.has_value()) << size << " block " << victim;
            EXPECT_EQ(late.error().kind, HeapErrorKind::DoubleFree) << size << " block " << victim;
        }
        ASSERT_TRUE(this->heap().deallocate(blocks[0]).has_value());
        ASSERT_TRUE(this->heap().deallocate(blocks[4]).has_value());
        EXPECT_TRUE(this->design.consistent());
    }
    EXPECT_EQ(this->heap().statistics().live_allocations, 0u);
}

TEST(BumpAllocator, reuses_all_memory_once_everything_is_freed)
{
    BumpDesign design(64 * 1024);
    HeapAllocator& heap = design.heap();
    auto first = heap.allocate(100);
    auto second = heap.allocate(100);
    ASSERT_TRUE(first.has_value() && second.has_value());
    EXPECT_EQ(heap.statistics().used_bytes, 224u); // two blocks of 112 bytes
    EXPECT_TRUE(heap.deallocate(*second).has_value());
    EXPECT_EQ(heap.statistics().used_bytes, 224u); // nothing is reused while *first lives
    EXPECT_TRUE(heap.deallocate(*first).has_value());
    EXPECT_EQ(heap.statistics().used_bytes, 0u);
    auto again = heap.allocate(100);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *first);
    EXPECT_TRUE(heap.deallocate(*again).has_value());
}

TEST(LinkedListAllocator, freed_neighbours_merge_into_one_block)
{
    LinkedListDesign design(1024 * 1024);
    auto& heap = design.allocator;
    void* blocks[8];
    for (void*& block : blocks)
        block = heap.allocate(1000).value();
    const size_t free_before = heap.free_block_count();
    for (int i : {1, 3, 5, 2, 4}) // 1..5 end up as one free block
        ASSERT_TRUE(heap.deallocate(blocks[i]).has_value());
    EXPECT_EQ(heap.free_block_count(), free_before + 1);
    // The merged block serves one allocation as large as the five.
    auto large = heap.allocate(5 * 1000);
    ASSERT_TRUE(large.has_value());
    EXPECT_EQ(*large, blocks[1]);
    for (void* block : {blocks[0], blocks[6], blocks[7], *large})
        ASSERT_TRUE(heap.deallocate(block).has_value());
    EXPECT_TRUE(heap.check_consistency());
    EXPECT_EQ(heap.free_block_count(), 1u);
}

TEST(FixedSizeBlockAllocator, small_blocks_are_aligned_to_their_class)
{
    FixedSizeBlockDesign design(1024 * 1024);
    for (size_t size = 1; size <= 2048; size = size * 3 / 2 + 1) {
        void* memory = design.allocator.allocate(size, 1).value();
        size_t block = 16;
        while (block < size)
            block *= 2;
        EXPECT_EQ(mem::heap::address_of(memory) % block, 0u) << size;
        EXPECT_TRUE(design.small_region.contains(memory));
        EXPECT_TRUE(design.allocator.deallocate(memory).has_value());
    }
    // Larger requests go to the linked-list allocator's region.
    void* large = design.allocator.allocate(2049).value();
    EXPECT_TRUE(design.large_region.contains(large));
    EXPECT_TRUE(design.allocator.deallocate(large).has_value());
}

TEST(FixedSizeBlockAllocator, empty_slabs_move_to_the_class_that_needs_them)
{
    // Three slabs in all, eight classes wanting one each, one at a time.
    FixedSizeBlockDesign design(3 * mem::heap::FixedSizeBlockAllocator::slab_bytes);
    auto& heap = design.allocator;
    for (size_t size = 16; size <= 2048; size *= 2) {
        void* memory = heap.allocate(size).value();
        EXPECT_TRUE(heap.deallocate(memory).has_value());
    }
    EXPECT_EQ(heap.slab_count(), 3u);
    EXPECT_EQ(heap.empty_slab_count(), 3u);
    EXPECT_TRUE(heap.check_consistency());
    // With all three slabs in use, a fourth class gets nothing.
    void* held[3];
    for (int i = 0; i < 3; ++i)
        held[i] = heap.allocate(size_t{16} << i).value();
    auto none = heap.allocate(1024);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().kind, HeapErrorKind::OutOfMemory);
    for (void* memory : held)
        EXPECT_TRUE(heap.deallocate(memory).has_value());
    EXPECT_TRUE(heap.check_consistency());
}

// What the per-CPU cache frees without the lock: the class of a block that is
// handed out, and -1 for everything deallocate() would refuse or pass on.
TEST(FixedSizeBlockAllocator, allocated_class_of_names_live_small_blocks_only)
{
    using mem::heap::FixedSizeBlockAllocator;
    FixedSizeBlockDesign design(1024 * 1024);
    auto& heap = design.allocator;
    for (size_t size : {size_t{1}, size_t{16}, size_t{17}, size_t{64}, size_t{1000}, size_t{2048}}) {
        void* memory = heap.allocate(size).value();
        EXPECT_EQ(heap.allocated_class_of(memory), static_cast<int>(FixedSizeBlockAllocator::class_index_for(size)))
            << size;
        auto* interior = static_cast<char*>(memory) + 8;
        EXPECT_EQ(heap.allocated_class_of(interior), -1) << size;
        EXPECT_TRUE(heap.deallocate(memory).has_value());
        EXPECT_EQ(heap.allocated_class_of(memory), -1) << size << ": freed";
    }
    // 64 bytes aligned to 256 comes from the 256-byte class.
    void* aligned = heap.allocate(64, 256).value();
    EXPECT_EQ(heap.allocated_class_of(aligned), static_cast<int>(FixedSizeBlockAllocator::class_index_for(256)));
    EXPECT_TRUE(heap.deallocate(aligned).has_value());
    void* large = heap.allocate(4096).value();
    EXPECT_EQ(heap.allocated_class_of(large), -1) << "a large block";
    EXPECT_TRUE(heap.deallocate(large).has_value());
    int outside = 0;
    EXPECT_EQ(heap.allocated_class_of(&outside), -1);
    EXPECT_EQ(heap.allocated_class_of(nullptr), -1);
    // A slab's header block, and a slab whose magic was overwritten.
    void* memory = heap.allocate(64).value();
    auto* slab = static_cast<uint32_t*>(mem::heap::pointer_to(mem::heap::address_of(memory) & ~uintptr_t{32 * 1024 - 1}));
    EXPECT_EQ(heap.allocated_class_of(slab), -1);
    const uint32_t saved = *slab;
    *slab = 0;
    EXPECT_EQ(heap.allocated_class_of(memory), -1);
    *slab = saved;
    EXPECT_TRUE(heap.deallocate(memory).has_value());
}

TEST(FixedSizeBlockAllocator, overwritten_slab_header_is_reported)
{
    FixedSizeBlockDesign design(1024 * 1024);
    auto& heap = design.allocator;
    void* memory = heap.allocate(64).value();
    // White box: the slab header is at the slab's start, magic (a uint32_t) first.
    auto* slab = static_cast<uint32_t*>(mem::heap::pointer_to(mem::heap::address_of(memory) & ~uintptr_t{32 * 1024 - 1}));
    const uint32_t saved = *slab;
    *slab = 0;
    auto freed = heap.deallocate(memory);
    ASSERT_FALSE(freed.has_value());
    EXPECT_EQ(freed.error().kind, HeapErrorKind::Corrupted);
    *slab = saved;
    EXPECT_TRUE(heap.deallocate(memory).has_value());
}

TEST(FixedSizeBlockAllocator, use_after_free_that_breaks_a_free_list_link_is_reported)
{
    FixedSizeBlockDesign design(1024 * 1024);
    auto& heap = design.allocator;
    void* first = heap.allocate(64).value();
    void* second = heap.allocate(64).value();
    EXPECT_TRUE(heap.deallocate(first).has_value());
    EXPECT_TRUE(heap.deallocate(second).has_value()); // second -> first
    // A write through a dangling pointer into the freed block's link.
    *static_cast<uintptr_t*>(second) = 0xdeadbeef;
    auto memory = heap.allocate(64);
    ASSERT_FALSE(memory.has_value());
    EXPECT_EQ(memory.error().kind, HeapErrorKind::Corrupted);
    EXPECT_EQ(memory.error().pointer, second);
    EXPECT_EQ(text_of(memory.error()), "heap metadata is corrupted at " + [&] {
        char buffer[32];
        return std::string(kstd::format_into(buffer, "{}", second).text);
    }());
}

} // namespace
