#pragma once
// The kernel heap: one of the three designs of mem/heap/ over regions of
// virtual memory of its own, grown by mapping fresh frames on demand
// (mem/mapped_region_backend.h). operator new and delete reach it through
// runtime::allocate (src/runtime/allocation.cpp).
//
// The design is chosen at build time (cmake -DKERNEL_HEAP=fixed|linked|bump,
// default fixed) and can be overridden at boot with the command-line word
// heap=fixed|linked|bump. Test kernels pick one in code with
// kernel_heap::initialize(design).
//
// Locking: the design runs under one spinlock (rank KernelHeap). In front of
// the fixed-size block design sits a per-CPU cache (mem/heap/cpu_cache.h):
// small allocations and frees touch only this CPU's magazines, with
// preemption off and no lock, and take the lock once per batch. The bump and
// linked-list designs take the lock for every call. Test kernels put KASAN
// (mem/kasan/kasan_heap.h, under a lock of its own) in front of either.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include "arch/x86_64/memory_layout.h"
#include "kstd/expected.h"
#include "mem/address_space.h"
#include "mem/heap/cpu_cache.h"
#include "mem/heap/fixed_size_block_allocator.h"
#include "mem/heap/heap_allocator.h"
#include "mem/mapped_region_backend.h"

namespace mem {

enum class HeapDesign : uint8_t { Bump, LinkedList, FixedSizeBlocks };

std::string_view to_string(HeapDesign design);
// "bump", "linked", "fixed" (the words of the command line and of CMake).
std::optional<HeapDesign> heap_design_from_word(std::string_view word);
// The build's choice (-DKERNEL_HEAP).
HeapDesign default_heap_design();

// One heap of any design over two fresh regions of kernel virtual memory
// (the fixed-size block design uses both: slabs and large blocks; the others
// only the first). The regions come from the heap area and are never reused,
// so a stale pointer into an old heap faults instead of hitting a new one.
class HeapInstance {
public:
    static constexpr uint64_t region_size = arch::layout::heap_region_size; // 64 GiB of address space each

    explicit HeapInstance(HeapDesign design);
    ~HeapInstance();
    HeapInstance(const HeapInstance&) = delete;
    HeapInstance& operator=(const HeapInstance&) = delete;

    heap::HeapAllocator& allocator() { return *m_allocator; }
    const heap::HeapAllocator& allocator() const { return *m_allocator; }
    HeapDesign design() const { return m_design; }
    // The design itself when it is fixed-size blocks (the per-CPU cache
    // needs its size classes), else null.
    heap::FixedSizeBlockAllocator* fixed_size_blocks();
    uint64_t mapped_bytes() const { return m_first.mapped_bytes() + m_second.mapped_bytes(); }
    const MappedRegionBackend& first_region() const { return m_first; }
    const MappedRegionBackend& second_region() const { return m_second; }

private:
    HeapDesign m_design;
    MappedRegionBackend m_first;
    MappedRegionBackend m_second;
    heap::HeapAllocator* m_allocator = nullptr;
    alignas(16) std::byte m_storage[512];
};

struct KernelHeapStatistics {
    // As the heap's users see it: blocks in the per-CPU caches and in KASAN's
    // quarantine are free (the design still counts them as handed out).
    heap::HeapStatistics heap;
    uint64_t mapped_bytes = 0; // virtual memory backed by frames
    HeapDesign design = HeapDesign::FixedSizeBlocks;
    heap::CacheStatistics cpu_caches; // free blocks in the per-CPU caches (fixed-size blocks only)
};

namespace kernel_heap {

// Makes a fresh heap of `design` the kernel heap. The previous one (if any)
// must have no live allocations; its memory is unmapped and freed.
void initialize(HeapDesign design);
bool ready();
HeapDesign design();

[[nodiscard]] kstd::Expected<void*, heap::HeapError> allocate(size_t size, size_t alignment);
[[nodiscard]] kstd::Expected<void, heap::HeapError> deallocate(void* pointer);
KernelHeapStatistics statistics();
// Gives the blocks in this CPU's cache back to the design (statistics() is
// exact without it; this is for a test that wants the design's own view).
void flush_this_cpu_cache();
// The blocks in this CPU's cache (the caller keeps preemption off).
uint64_t this_cpu_cached_blocks();
// Is a per-CPU cache in front of the design (fixed-size blocks)?
bool has_cpu_cache();

} // namespace kernel_heap

} // namespace mem
