// The heap designs and glibc malloc, side by side in one process: alloc/free
// pairs of one size, the same in a fragmented heap, and mixed-size churn.
// Each design is called through the HeapAllocator interface (a virtual call,
// as the kernel will call it); glibc through malloc/free.

#include <benchmark/benchmark.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>
#include "mem/frame_allocator.h"
#include "mem/heap/bump_allocator.h"
#include "mem/heap/fixed_region_backend.h"
#include "mem/heap/fixed_size_block_allocator.h"
#include "mem/heap/linked_list_allocator.h"

namespace {

using mem::heap::HeapAllocator;

// Makes the compiler assume `value` is read here. Google Benchmark 1.7's
// DoNotOptimize(T&) ("+m,r" read-write operand) made GCC 12 drop the store
// `live[slot] = allocate(...)` before it in steady_churn, so the blocks were
// freed twice; the read-only form says all that is needed.
template <typename T>
void keep(const T& value)
{
    benchmark::DoNotOptimize(value);
}

// Makes the compiler forget where `pointer` points, so calls through it stay
// virtual calls, as in the kernel, where the design is chosen at boot.
template <typename T>
void hide(T*& pointer)
{
    // An empty asm that may have changed the register holding the pointer.
    asm volatile("" : "+r"(pointer));
}

// A lazily committed host buffer for a backend.
struct Region {
    explicit Region(size_t bytes) : data(static_cast<std::byte*>(std::aligned_alloc(1 << 16, bytes))), size(bytes) {}
    ~Region() { std::free(data); }
    std::span<std::byte> span() const { return {data, size}; }
    std::byte* data;
    size_t size;
};

constexpr size_t region_bytes = size_t{1} << 30;

// glibc behind the same shape of interface, so every benchmark body is one
// template.
struct Glibc {
    void* allocate(size_t size) { return std::malloc(size); }
    void deallocate(void* pointer) { std::free(pointer); }
};

// One of our designs, reached through a HeapAllocator reference.
struct Design {
    HeapAllocator* heap;
    void* allocate(size_t size)
    {
        auto memory = heap->allocate(size);
        if (!memory)
            fail(memory.error());
        return *memory;
    }
    void deallocate(void* pointer)
    {
        if (auto freed = heap->deallocate(pointer); !freed)
            fail(freed.error());
    }
    [[noreturn]] static void fail(const mem::heap::HeapError& error)
    {
        char text[256];
        std::fprintf(stderr, "heap error: %.*s\n", static_cast<int>(kstd::format_into(text, "{}", error).text.size()), text);
        std::abort();
    }
};

// Owns a design's backends and allocator for one benchmark run.
struct BumpHeap {
    Region region{region_bytes};
    mem::heap::FixedRegionBackend backend{region.span()};
    mem::heap::BumpAllocator allocator{backend};
};
struct LinkedListHeap {
    Region region{region_bytes};
    mem::heap::FixedRegionBackend backend{region.span()};
    mem::heap::LinkedListAllocator allocator{backend};
};
struct FixedSizeBlockHeap {
    Region small{region_bytes}, large{region_bytes};
    mem::heap::FixedRegionBackend small_backend{small.span()}, large_backend{large.span()};
    mem::heap::FixedSizeBlockAllocator allocator{small_backend, large_backend};
};

template <typename Body>
void with_allocator(int which, Body body)
{
    switch (which) {
    case 0: {
        Glibc glibc;
        body(glibc);
        return;
    }
    case 1: {
        auto heap = std::make_unique<BumpHeap>();
        Design design{&heap->allocator};
        hide(design.heap);
        body(design);
        return;
    }
    case 2: {
        auto heap = std::make_unique<LinkedListHeap>();
        Design design{&heap->allocator};
        hide(design.heap);
        body(design);
        return;
    }
    default: {
        auto heap = std::make_unique<FixedSizeBlockHeap>();
        Design design{&heap->allocator};
        hide(design.heap);
        body(design);
        return;
    }
    }
}

const char* const allocator_names[] = {"glibc", "bump", "linked_list", "fixed_size_block"};

// alloc + free of one size, in a loop.
void pair(benchmark::State& state, int which, size_t size)
{
    with_allocator(which, [&](auto& allocator) {
        for (auto _ : state) {
            void* pointer = allocator.allocate(size);
            keep(pointer);
            allocator.deallocate(pointer);
        }
    });
    state.SetItemsProcessed(state.iterations());
}

// The same pairs in a heap that already holds 20000 small blocks, every
// other one freed: a realistic heap after a while, where a first-fit search
// meets many small holes.
void fragmented_pair(benchmark::State& state, int which, size_t size)
{
    if (which == 1) {
        state.SkipWithError("the bump allocator reuses nothing while blocks live");
        return;
    }
    with_allocator(which, [&](auto& allocator) {
        std::mt19937_64 random(1);
        std::vector<void*> blocks;
        for (int i = 0; i < 20000; ++i)
            blocks.push_back(allocator.allocate(std::uniform_int_distribution<size_t>(16, 48)(random)));
        for (size_t i = 0; i < blocks.size(); i += 2)
            allocator.deallocate(blocks[i]);
        for (auto _ : state) {
            void* pointer = allocator.allocate(size);
            keep(pointer);
            allocator.deallocate(pointer);
        }
        for (size_t i = 1; i < blocks.size(); i += 2)
            allocator.deallocate(blocks[i]);
    });
    state.SetItemsProcessed(state.iterations());
}

// Sizes for churn: mostly small, some up to 4 KiB; or small objects only
// (up to 256 bytes, what a kernel allocates most: list nodes, descriptors).
std::vector<size_t> churn_sizes(size_t count, bool small_only = false)
{
    static constexpr size_t sizes[] = {16, 24, 32, 48, 64, 64, 96, 128, 128, 200, 256, 512, 1024, 2048, 4096};
    static constexpr size_t small_sizes = 11; // the first 11 are up to 256 bytes
    std::mt19937_64 random(2);
    std::vector<size_t> result(count);
    for (size_t& size : result)
        size = sizes[std::uniform_int_distribution<size_t>(0, (small_only ? small_sizes : std::size(sizes)) - 1)(random)];
    return result;
}

// Mixed-size batches: 1024 allocations of mixed sizes, then all freed in a
// shuffled order. Counted per allocation+free.
void batch_churn(benchmark::State& state, int which)
{
    const std::vector<size_t> sizes = churn_sizes(1024);
    std::vector<size_t> order(sizes.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(3));
    std::vector<void*> blocks(sizes.size());
    with_allocator(which, [&](auto& allocator) {
        for (auto _ : state) {
            for (size_t i = 0; i < sizes.size(); ++i)
                blocks[i] = allocator.allocate(sizes[i]);
            keep(blocks.data());
            benchmark::ClobberMemory();
            for (size_t i : order)
                allocator.deallocate(blocks[i]);
        }
    });
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(sizes.size()));
}

// Steady-state churn: 1024 live blocks; each step frees a pseudo-random one
// and allocates a block of the next size in its place.
void steady_churn(benchmark::State& state, int which, bool small_only)
{
    if (which == 1) {
        state.SkipWithError("the bump allocator reuses nothing while blocks live");
        return;
    }
    const std::vector<size_t> sizes = churn_sizes(1 << 16, small_only);
    std::vector<uint16_t> victims(1 << 16);
    std::mt19937_64 random(4);
    for (uint16_t& victim : victims)
        victim = static_cast<uint16_t>(std::uniform_int_distribution<int>(0, 1023)(random));
    with_allocator(which, [&](auto& allocator) {
        std::vector<void*> live(1024);
        for (size_t i = 0; i < live.size(); ++i)
            live[i] = allocator.allocate(sizes[i]);
        size_t step = 0;
        for (auto _ : state) {
            const size_t slot = victims[step & 0xffff];
            allocator.deallocate(live[slot]);
            live[slot] = allocator.allocate(sizes[step & 0xffff]);
            keep(live[slot]);
            ++step;
        }
        for (void* pointer : live)
            allocator.deallocate(pointer);
    });
    state.SetItemsProcessed(state.iterations());
}

// The buddy frame allocator over 1 GiB of made-up memory.
void frame_pair(benchmark::State& state, unsigned order)
{
    const mem::PhysRange span{arch::PhysAddr(0), arch::PhysAddr(size_t{1} << 30)};
    std::vector<std::byte> metadata(mem::FrameAllocator::metadata_bytes(span));
    mem::FrameAllocator frames;
    if (!frames.initialize(span, metadata) || !frames.add_free_range(span))
        std::abort();
    // Some frames in use, so the free lists are not trivially one run.
    std::vector<arch::PhysAddr> held;
    for (int i = 0; i < 1000; ++i)
        held.push_back(frames.allocate().value());
    for (size_t i = 0; i < held.size(); i += 2)
        if (!frames.free(held[i]))
            std::abort();
    for (auto _ : state) {
        const arch::PhysAddr frame = frames.allocate_run(order).value();
        keep(frame);
        if (!frames.free_run(frame, order))
            std::abort();
    }
    state.SetItemsProcessed(state.iterations());
}

void register_all()
{
    for (int which = 0; which < 4; ++which) {
        const std::string name = allocator_names[which];
        for (size_t size : {16, 64, 256, 4096})
            benchmark::RegisterBenchmark(("pair/" + std::to_string(size) + "/" + name).c_str(), pair, which, size);
        benchmark::RegisterBenchmark(("fragmented_pair/64/" + name).c_str(), fragmented_pair, which, size_t{64});
        benchmark::RegisterBenchmark(("batch_churn/" + name).c_str(), batch_churn, which);
        benchmark::RegisterBenchmark(("steady_churn/" + name).c_str(), steady_churn, which, false);
        benchmark::RegisterBenchmark(("steady_churn_small/" + name).c_str(), steady_churn, which, true);
    }
    benchmark::RegisterBenchmark("frame_pair/order0/buddy", frame_pair, 0u);
    benchmark::RegisterBenchmark("frame_pair/order9/buddy", frame_pair, 9u);
}

} // namespace

int main(int argc, char** argv)
{
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
