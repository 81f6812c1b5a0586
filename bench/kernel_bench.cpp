// The in-kernel memory benchmark (`make bench`, tools/bench_kernel.py): TSC
// cycles per operation, inside QEMU, on the kernel's real page tables and
// frames. Not a test: it prints one line per result,
//   bench-result <workload> <design> <cycles per operation>
// and tools/bench_kernel.py turns them into the tables in docs/performance.md.
//
// Each heap design runs as a mem::HeapInstance (its own regions, grown by
// mapping frames) through the HeapAllocator interface (a virtual call, as
// operator new makes through the kernel heap), after a warm-up pass, so the
// numbers are the steady state: mapping fresh memory is timed separately.

#include <cstdint>
#include "arch/x86_64/cpu.h"
#include "core/panic.h"
#include "core/print.h"
#include "ktest/ktest.h"
#include "mem/kernel_address_space.h"
#include "mem/kernel_heap.h"
#include "mem/physical_memory.h"

namespace {

using mem::HeapDesign;

constexpr HeapDesign designs[] = {HeapDesign::Bump, HeapDesign::LinkedList, HeapDesign::FixedSizeBlocks};

std::string_view word_of(HeapDesign design)
{
    switch (design) {
    case HeapDesign::Bump: return "bump";
    case HeapDesign::LinkedList: return "linked";
    case HeapDesign::FixedSizeBlocks: return "fixed";
    }
    return "?";
}

uint64_t cycles()
{
    return arch::read_timestamp_counter();
}

// Cycles per operation as "123.4".
void report(std::string_view workload, std::string_view design, uint64_t total_cycles, uint64_t operations)
{
    const uint64_t tenths = total_cycles * 10 / operations;
    core::println("bench-result {} {} {}.{}", workload, design, tenths / 10, tenths % 10);
}

template <typename T>
T* escape(T* pointer)
{
    asm volatile("" : : "r"(pointer) : "memory"); // the asm may read what the pointer reaches
    return pointer;
}

// xorshift64: the same pseudo-random sizes for every design.
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

void* must(kstd::Expected<void*, mem::heap::HeapError> memory)
{
    if (!memory)
        core::panic("bench: allocation failed: {}", memory.error());
    return *memory;
}

void must_free(mem::heap::HeapAllocator& heap, void* pointer)
{
    if (auto freed = heap.deallocate(pointer); !freed)
        core::panic("bench: free failed: {}", freed.error());
}

// allocate+free of one size, back to back.
uint64_t pairs(mem::heap::HeapAllocator& heap, size_t size, unsigned count)
{
    const uint64_t start = cycles();
    for (unsigned i = 0; i < count; ++i)
        must_free(heap, escape(must(heap.allocate(size))));
    return cycles() - start;
}

// 1024 allocations of one size, then all freed (in allocation order).
uint64_t batch(mem::heap::HeapAllocator& heap, size_t size)
{
    const uint64_t start = cycles();
    for (void*& slot : g_slots)
        slot = escape(must(heap.allocate(size)));
    for (void* slot : g_slots)
        must_free(heap, slot);
    return cycles() - start;
}

// 1024 live blocks of mixed sizes; each step frees a random one and
// allocates a new one of a random size.
uint64_t churn(mem::heap::HeapAllocator& heap, unsigned steps)
{
    Random random;
    for (void*& slot : g_slots)
        slot = escape(must(heap.allocate(mixed_size(random))));
    const uint64_t start = cycles();
    for (unsigned i = 0; i < steps; ++i) {
        void*& slot = g_slots[random.next() % live_slots];
        must_free(heap, slot);
        slot = escape(must(heap.allocate(mixed_size(random))));
    }
    const uint64_t elapsed = cycles() - start;
    for (void* slot : g_slots)
        must_free(heap, slot);
    return elapsed;
}

} // namespace

KTEST(bench, frames)
{
    constexpr unsigned count = 20000;
    uint64_t start = cycles();
    for (unsigned i = 0; i < count; ++i) {
        auto frame = mem::physical::allocate();
        if (!frame)
            core::panic("bench: no frame");
        mem::physical::free(*frame);
    }
    report("frame.alloc_free_pair", "-", cycles() - start, count);

    constexpr unsigned batch_frames = 4096;
    static arch::PhysAddr frames[batch_frames];
    start = cycles();
    for (arch::PhysAddr& frame : frames) {
        auto allocated = mem::physical::allocate();
        if (!allocated)
            core::panic("bench: no frame");
        frame = *allocated;
    }
    const uint64_t allocate_cycles = cycles() - start;
    start = cycles();
    for (arch::PhysAddr frame : frames)
        mem::physical::free(frame);
    report("frame.alloc", "-", allocate_cycles, batch_frames);
    report("frame.free", "-", cycles() - start, batch_frames);

    start = cycles();
    for (unsigned i = 0; i < count / 10; ++i) {
        auto run = mem::physical::allocate_run(9);
        if (!run)
            core::panic("bench: no 2 MiB run");
        mem::physical::free_run(*run, 9);
    }
    report("frame.alloc_free_2mib_run", "-", cycles() - start, count / 10);
}

KTEST(bench, map_unmap)
{
    mem::AddressSpace& space = mem::kernel_address_space();
    const arch::VirtAddr base(arch::layout::scratch_region_base);
    const arch::VirtAddr next_page = base + arch::page_size;
    auto frame = mem::physical::allocate();
    auto anchor = mem::physical::allocate();
    if (!frame || !anchor)
        core::panic("bench: no frame");
    constexpr unsigned count = 5000;

    // A page kept mapped in the same page table, so its tables stay.
    if (!space.map(base, *anchor, arch::Protection::read_write()))
        core::panic("bench: map failed");
    uint64_t start = cycles();
    for (unsigned i = 0; i < count; ++i) {
        if (!space.map(next_page, *frame, arch::Protection::read_write()) || !space.unmap(next_page))
            core::panic("bench: map/unmap failed");
    }
    report("map.map_unmap_4k_pair", "-", cycles() - start, count);

    start = cycles();
    for (unsigned i = 0; i < count; ++i) {
        if (!space.translate(base + 8))
            core::panic("bench: translate failed");
    }
    report("map.translate", "-", cycles() - start, count);
    (void)space.unmap(base);

    // Alone in its tables: every map makes a PT and a PD, every unmap frees them.
    start = cycles();
    for (unsigned i = 0; i < count; ++i) {
        if (!space.map(next_page, *frame, arch::Protection::read_write()) || !space.unmap(next_page))
            core::panic("bench: map/unmap failed");
    }
    report("map.map_unmap_with_tables_pair", "-", cycles() - start, count);

    // Fresh memory: map_fresh (frame + map) and unmap_and_free, per page.
    constexpr uint64_t pages = 256;
    start = cycles();
    for (unsigned i = 0; i < 20; ++i) {
        if (!space.map_fresh(base, pages * arch::page_size, arch::Protection::read_write()))
            core::panic("bench: map_fresh failed");
        space.unmap_and_free(base, pages * arch::page_size);
    }
    report("map.fresh_page_map_unmap_free", "-", cycles() - start, 20 * pages);
    mem::physical::free(*frame);
    mem::physical::free(*anchor);
}

KTEST(bench, heaps)
{
    constexpr unsigned pair_count = 20000;
    constexpr size_t sizes[] = {16, 64, 256, 4096};
    for (HeapDesign design : designs) {
        mem::HeapInstance instance(design);
        mem::heap::HeapAllocator& heap = instance.allocator();
        const std::string_view name = word_of(design);
        for (size_t size : sizes) {
            (void)pairs(heap, size, 100); // warm-up: the heap has its memory mapped
            kstd::StringBuffer<40> workload;
            kstd::format_to(workload, "heap.pair_{}", size);
            report(workload.view(), name, pairs(heap, size, pair_count), pair_count);
        }
        for (size_t size : sizes) {
            (void)batch(heap, size);
            kstd::StringBuffer<40> workload;
            kstd::format_to(workload, "heap.batch_{}", size);
            uint64_t total = 0;
            for (unsigned round = 0; round < 4; ++round)
                total += batch(heap, size);
            report(workload.view(), name, total, 4 * live_slots);
        }
        // Bump cannot churn: with blocks always live it never reuses memory.
        if (design != HeapDesign::Bump) {
            constexpr unsigned steps = 20000;
            (void)churn(heap, 2000);
            report("heap.churn_mixed", name, churn(heap, steps), steps);
        }
    }

    // Growth: the first 1024 x 4 KiB in a fresh heap map 4 MiB of new frames.
    for (HeapDesign design : designs) {
        mem::HeapInstance instance(design);
        const uint64_t start = cycles();
        for (void*& slot : g_slots)
            slot = escape(must(instance.allocator().allocate(4096)));
        report("heap.first_touch_4096", word_of(design), cycles() - start, live_slots);
        for (void* slot : g_slots)
            must_free(instance.allocator(), slot);
    }
}
