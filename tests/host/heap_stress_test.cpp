// Every heap design against a reference model: random sizes and alignments,
// random frees, contents written and checked, no two live blocks overlapping,
// counters exact, and all memory back after everything is freed.

#include <gtest/gtest.h>
#include <algorithm>
#include <cstring>
#include <map>
#include <vector>
#include "heap_designs.h"
#include "mem/heap/heap_address.h"
#include "test_seed.h"

namespace {

using namespace host_test;

struct LiveBlock {
    size_t size;
    uint8_t pattern;
};

// The model: live blocks by address, with what was written into them.
class Model {
public:
    explicit Model(HeapAllocator& heap) : m_heap(heap) {}

    // Checks the new block against the rules (a fatal failure if it breaks one) and fills it.
    void add(void* pointer, size_t size, size_t alignment, uint8_t pattern)
    {
        const auto address = mem::heap::address_of(pointer);
        const size_t effective = alignment < 16 ? 16 : alignment;
        ASSERT_EQ(address % effective, 0u) << "size " << size << " alignment " << alignment;
        const size_t extent = size == 0 ? 1 : size;
        auto next = m_live.lower_bound(address);
        if (next != m_live.end()) {
            ASSERT_GE(next->first, address + extent) << "overlaps the next block";
        }
        if (next != m_live.begin()) {
            auto previous = std::prev(next);
            ASSERT_LE(previous->first + std::max<size_t>(previous->second.size, 1), address) << "overlaps the previous block";
        }
        std::memset(pointer, pattern, size);
        m_live.emplace(address, LiveBlock{size, pattern});
        m_bytes += size;
    }

    void check_contents(uintptr_t address, const LiveBlock& block) const
    {
        const auto* bytes = static_cast<const uint8_t*>(mem::heap::pointer_to(address));
        for (size_t i = 0; i < block.size; ++i)
            ASSERT_EQ(bytes[i], block.pattern) << "byte " << i << " of a " << block.size << "-byte block changed";
    }

    void free(std::map<uintptr_t, LiveBlock>::iterator victim)
    {
        check_contents(victim->first, victim->second);
        auto freed = m_heap.deallocate(mem::heap::pointer_to(victim->first));
        ASSERT_TRUE(freed.has_value()) << "deallocate failed";
        m_bytes -= victim->second.size;
        m_live.erase(victim);
    }

    void free_random(Random& random)
    {
        auto victim = m_live.begin();
        std::advance(victim, uniform<size_t>(random, 0, m_live.size() - 1));
        free(victim);
    }

    void free_all(Random& random)
    {
        std::vector<uintptr_t> order;
        for (const auto& entry : m_live)
            order.push_back(entry.first);
        std::shuffle(order.begin(), order.end(), random);
        for (uintptr_t address : order)
            free(m_live.find(address));
    }

    void check_counters() const
    {
        const auto statistics = m_heap.statistics();
        ASSERT_EQ(statistics.live_allocations, m_live.size());
        ASSERT_GE(statistics.used_bytes, m_bytes);
        ASSERT_LE(statistics.used_bytes, statistics.backend_bytes);
    }

    size_t count() const { return m_live.size(); }
    bool empty() const { return m_live.empty(); }

private:
    HeapAllocator& m_heap;
    std::map<uintptr_t, LiveBlock> m_live;
    size_t m_bytes = 0;
};

// Mostly small blocks, some medium, a few large; mostly default alignment.
size_t random_size(Random& random)
{
    const int roll = uniform(random, 0, 99);
    if (roll < 55)
        return uniform<size_t>(random, 0, 128);
    if (roll < 85)
        return uniform<size_t>(random, 129, 2048);
    if (roll < 97)
        return uniform<size_t>(random, 2049, 16384);
    return uniform<size_t>(random, 16385, 128 * 1024);
}

size_t random_alignment(Random& random)
{
    if (uniform(random, 0, 99) < 70)
        return 16;
    return size_t{1} << uniform(random, 0, 12);
}

template <typename Design>
class HeapStress : public ::testing::Test {};
TYPED_TEST_SUITE(HeapStress, HeapDesigns);

TYPED_TEST(HeapStress, random_operations_against_a_model)
{
    Random random(test_seed(std::string("HeapStress.random_operations_against_a_model/") + TypeParam::name));
    TypeParam design(64 * 1024 * 1024);
    HeapAllocator& heap = design.heap();
    Model model(heap);
    uint8_t pattern = 0;
    // Phases of random work, each ending with everything freed: the bump
    // allocator only reuses memory then, and every design must return to
    // zero.
    for (int phase = 0; phase < 8; ++phase) {
        const int steps = uniform(random, 1000, 6000);
        for (int step = 0; step < steps; ++step) {
            if (model.empty() || uniform(random, 0, 99) < 55) {
                const size_t size = random_size(random);
                const size_t alignment = random_alignment(random);
                auto memory = heap.allocate(size, alignment);
                ASSERT_TRUE(memory.has_value()) << "allocate(" << size << ", " << alignment << ") failed at step " << step;
                ASSERT_TRUE(design.owns(*memory));
                model.add(*memory, size, alignment, ++pattern);
                if (::testing::Test::HasFatalFailure())
                    return;
            } else {
                model.free_random(random);
            }
            ASSERT_NO_FATAL_FAILURE(model.check_counters());
            if (step % 997 == 0) {
                ASSERT_TRUE(design.consistent()) << "phase " << phase << " step " << step;
            }
        }
        ASSERT_TRUE(design.consistent());
        model.free_all(random);
        const auto statistics = heap.statistics();
        EXPECT_EQ(statistics.live_allocations, 0u);
        EXPECT_EQ(statistics.used_bytes, 0u);
        ASSERT_TRUE(design.consistent());
    }
}

// Fill a small heap until it is out of memory, free everything, and do it
// again: each time the counters return to zero exactly and all memory is
// one free block (or, for the block allocator, every slab is empty), and a
// later round fits about as much as the first (first fit over a free list in
// LIFO order places blocks differently once the heap has stopped growing).
TYPED_TEST(HeapStress, allocate_everything_then_free_everything)
{
    Random random(test_seed(std::string("HeapStress.allocate_everything_then_free_everything/") + TypeParam::name));
    TypeParam design(1024 * 1024);
    HeapAllocator& heap = design.heap();
    std::vector<std::pair<size_t, size_t>> requests;
    for (int i = 0; i < 100000; ++i)
        requests.emplace_back(uniform<size_t>(random, 1, 3000), random_alignment(random));

    size_t first_round = 0;
    for (int round = 0; round < 3; ++round) {
        Model model(heap);
        size_t fitted = 0;
        for (const auto& [size, alignment] : requests) {
            auto memory = heap.allocate(size, alignment);
            if (!memory) {
                EXPECT_EQ(memory.error().kind, HeapErrorKind::OutOfMemory);
                EXPECT_EQ(memory.error().size, size);
                EXPECT_EQ(memory.error().alignment, alignment);
                break;
            }
            model.add(*memory, size, alignment, static_cast<uint8_t>(fitted));
            ++fitted;
        }
        ASSERT_LT(fitted, requests.size()) << "the heap never ran out";
        ASSERT_TRUE(design.consistent());
        ASSERT_NO_FATAL_FAILURE(model.check_counters());
        if (round == 0)
            first_round = fitted;
        else
            EXPECT_GE(fitted, first_round * 95 / 100) << "round " << round << " fitted much less";
        model.free_all(random);
        EXPECT_EQ(heap.statistics().live_allocations, 0u);
        EXPECT_EQ(heap.statistics().used_bytes, 0u);
        EXPECT_TRUE(design.fully_free());
        ASSERT_TRUE(design.consistent());
    }
}

// Every power-of-two alignment up to a page, for many sizes.
TYPED_TEST(HeapStress, every_alignment_up_to_a_page_is_honoured)
{
    TypeParam design(64 * 1024 * 1024);
    HeapAllocator& heap = design.heap();
    Model model(heap);
    for (size_t alignment = 1; alignment <= 4096; alignment *= 2) {
        for (size_t size : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{100}, size_t{2048},
                            size_t{2049}, size_t{4095}, size_t{4096}, size_t{5000}, size_t{70000}}) {
            auto memory = heap.allocate(size, alignment);
            ASSERT_TRUE(memory.has_value()) << size << " " << alignment;
            ASSERT_NO_FATAL_FAILURE(model.add(*memory, size, alignment, static_cast<uint8_t>(size)));
        }
    }
    ASSERT_TRUE(design.consistent());
    Random random(1);
    model.free_all(random);
    EXPECT_EQ(heap.statistics().used_bytes, 0u);
}

TYPED_TEST(HeapStress, zero_size_allocations_are_unique)
{
    TypeParam design(1024 * 1024);
    HeapAllocator& heap = design.heap();
    std::vector<void*> pointers;
    for (int i = 0; i < 100; ++i) {
        auto memory = heap.allocate(0);
        ASSERT_TRUE(memory.has_value());
        ASSERT_NE(*memory, nullptr);
        pointers.push_back(*memory);
    }
    std::sort(pointers.begin(), pointers.end());
    EXPECT_EQ(std::adjacent_find(pointers.begin(), pointers.end()), pointers.end());
    for (void* pointer : pointers)
        EXPECT_TRUE(heap.deallocate(pointer).has_value());
    EXPECT_EQ(heap.statistics().live_allocations, 0u);
}

} // namespace
