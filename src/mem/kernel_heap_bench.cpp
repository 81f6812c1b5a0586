// KBENCH benchmarks of the kernel heap itself (kernel_heap.cpp): what
// operator new pays, lock and per-CPU cache included, where heap_bench.cpp
// measures each design bare. The benchmark kernel runs the build's default
// design (fixed-size blocks).
//
// kernel_heap.locked_design_pair is the path every allocation took before
// the per-CPU cache: the global kernel-heap spinlock around the design's
// allocate and free, on a heap of the same design. Run in the same boot as
// kernel_heap.pair, it is the same-run "before" figure.

#include <cstdint>
#include <new>
#include "ktest/bench.h"
#include "mem/kernel_heap.h"
#include "sync/spinlock.h"

namespace {

struct SizeCase {
    size_t size;
    const char* name;
};
constexpr SizeCase small_sizes[] = {{16, "16"}, {64, "64"}, {256, "256"}};

template <typename T>
T* escape(T* pointer)
{
    asm volatile("" : : "r"(pointer) : "memory"); // the asm may read what the pointer reaches: the block is used
    return pointer;
}

size_t opaque(size_t size)
{
    asm volatile("" : "+r"(size)); // the compiler cannot fold the size into the call
    return size;
}

} // namespace

// allocate+free through mem::kernel_heap, as runtime::allocate calls it.
KBENCH_P(kernel_heap, pair, small_sizes)
{
    bench.run(20000, [&] {
        auto memory = mem::kernel_heap::allocate(opaque(param.size), 16);
        ASSERT_OK(memory);
        ASSERT_OK(mem::kernel_heap::deallocate(escape(*memory)));
    });
}

// new char[size] and delete[]: the kernel heap plus the runtime's checks.
KBENCH_P(kernel_heap, new_delete, small_sizes)
{
    bench.run(20000, [&] { delete[] escape(new char[opaque(param.size)]); });
}

// The path before the per-CPU cache: a spinlock of the kernel heap's rank
// around the design (a heap of its own, fixed-size blocks).
KBENCH_P(kernel_heap, locked_design_pair, small_sizes)
{
    mem::HeapInstance instance(mem::HeapDesign::FixedSizeBlocks);
    mem::heap::HeapAllocator& heap = instance.allocator();
    sync::Spinlock lock("benchmark heap", sync::LockRank::KernelHeap);
    bench.run(20000, [&] {
        void* block;
        {
            sync::SpinlockGuard guard(lock);
            auto memory = heap.allocate(opaque(param.size), 16);
            ASSERT_OK(memory);
            block = escape(*memory);
        }
        sync::SpinlockGuard guard(lock);
        ASSERT_OK(heap.deallocate(block));
    });
}

