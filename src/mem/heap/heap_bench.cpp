// KBENCH benchmarks of the three heap designs side by side: TSC cycles per
// allocate+free, run by the benchmark kernel (`make bench`; the tables in
// docs/performance.md compare them). Each design runs as a mem::HeapInstance
// (its own regions of kernel memory, grown by mapping frames) through the
// HeapAllocator interface, a virtual call as operator new makes through the
// kernel heap. The warm-up round maps what the heap needs, so the numbers
// are the steady state; mapping fresh memory is first_touch_4096.

#include <cstdint>
#include "ktest/bench.h"
#include "mem/kernel_heap.h"

namespace {

using mem::HeapDesign;
using mem::heap::HeapAllocator;

struct DesignCase {
    HeapDesign design;
    const char* name;
};
constexpr DesignCase every_design[] = {
    {HeapDesign::Bump, "bump"}, {HeapDesign::LinkedList, "linked"}, {HeapDesign::FixedSizeBlocks, "fixed"}};
// Bump cannot churn: with blocks always live it never reuses memory.
constexpr DesignCase reusing_designs[] = {{HeapDesign::LinkedList, "linked"}, {HeapDesign::FixedSizeBlocks, "fixed"}};

struct SizedCase {
    HeapDesign design;
    size_t size;
    const char* name;
};
constexpr SizedCase sized_cases[] = {
    {HeapDesign::Bump, 16, "bump_16"},          {HeapDesign::Bump, 64, "bump_64"},
    {HeapDesign::Bump, 256, "bump_256"},        {HeapDesign::Bump, 4096, "bump_4096"},
    {HeapDesign::LinkedList, 16, "linked_16"},  {HeapDesign::LinkedList, 64, "linked_64"},
    {HeapDesign::LinkedList, 256, "linked_256"}, {HeapDesign::LinkedList, 4096, "linked_4096"},
    {HeapDesign::FixedSizeBlocks, 16, "fixed_16"}, {HeapDesign::FixedSizeBlocks, 64, "fixed_64"},
    {HeapDesign::FixedSizeBlocks, 256, "fixed_256"}, {HeapDesign::FixedSizeBlocks, 4096, "fixed_4096"},
};

template <typename T>
T* escape(T* pointer)
{
    asm volatile("" : : "r"(pointer) : "memory"); // the asm may read what the pointer reaches: the block is used
    return pointer;
}

// xorshift64: the same pseudo-random sizes for every design and round.
struct Random {
    uint64_t state = 0x9E37'79B9'7F4A'7C15;
    uint64_t next()
    {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
};

// 16 B .. 4 KiB, skewed small as kernel objects are: a power of two from
// 16 to 4096 picked uniformly by its exponent, then a random size below it.
size_t mixed_size(Random& random)
{
    const unsigned exponent = 4 + random.next() % 9; // 16 .. 4096
    const size_t top = size_t{1} << exponent;
    return top / 2 + random.next() % (top / 2) + 1;
}

constexpr unsigned live_slots = 1024;
void* g_slots[live_slots];

void* allocate(HeapAllocator& heap, size_t size)
{
    auto memory = heap.allocate(size);
    ASSERT_OK(memory);
    return escape(*memory);
}

void deallocate(HeapAllocator& heap, void* pointer)
{
    ASSERT_OK(heap.deallocate(pointer));
}

} // namespace

// allocate+free of one size, back to back.
KBENCH_P(heap, pair, sized_cases)
{
    mem::HeapInstance instance(param.design);
    HeapAllocator& heap = instance.allocator();
    bench.run(20000, [&] { deallocate(heap, allocate(heap, param.size)); });
}

// 1024 blocks of one size allocated, then all freed (in allocation order).
KBENCH_P(heap, batch, sized_cases)
{
    mem::HeapInstance instance(param.design);
    HeapAllocator& heap = instance.allocator();
    const uint64_t count = bench.iterations(live_slots);
    bench.rounds(count, [&](ktest::BenchTimer& timer) {
        timer.start();
        for (uint64_t i = 0; i < count; ++i)
            g_slots[i] = allocate(heap, param.size);
        for (uint64_t i = 0; i < count; ++i)
            deallocate(heap, g_slots[i]);
        timer.stop();
    });
}

// 1024 live blocks of mixed sizes; each step frees a random one and
// allocates a new one of a random size.
KBENCH_P(heap, churn_mixed, reusing_designs)
{
    mem::HeapInstance instance(param.design);
    HeapAllocator& heap = instance.allocator();
    const uint64_t steps = bench.iterations(20000);
    bench.rounds(steps, [&](ktest::BenchTimer& timer) {
        Random random;
        for (void*& slot : g_slots)
            slot = allocate(heap, mixed_size(random));
        timer.start();
        for (uint64_t i = 0; i < steps; ++i) {
            void*& slot = g_slots[random.next() % live_slots];
            deallocate(heap, slot);
            slot = allocate(heap, mixed_size(random));
        }
        timer.stop();
        for (void* slot : g_slots)
            deallocate(heap, slot);
    });
}

// Growth: the first 1024 x 4 KiB in a fresh heap map 4 MiB of new frames
// (allocation only). Each round takes two fresh 64 GiB regions of the heap
// area, which are never reused: 5 repetitions, not 11.
KBENCH_P(heap, first_touch_4096, every_design)
{
    bench.limit_repetitions(5);
    const uint64_t count = bench.iterations(live_slots);
    bench.rounds(count, [&](ktest::BenchTimer& timer) {
        mem::HeapInstance instance(param.design);
        HeapAllocator& heap = instance.allocator();
        timer.start();
        for (uint64_t i = 0; i < count; ++i)
            g_slots[i] = allocate(heap, 4096);
        timer.stop();
        for (uint64_t i = 0; i < count; ++i)
            deallocate(heap, g_slots[i]);
    });
}
