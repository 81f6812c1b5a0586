#pragma once
// The three heap designs, each over its own host buffer, for typed tests:
// every TYPED_TEST runs once per design.

#include <gtest/gtest.h>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include "kstd/allocator.h"
#include "mem/heap/bump_allocator.h"
#include "mem/heap/fixed_region_backend.h"
#include "mem/heap/fixed_size_block_allocator.h"
#include "mem/heap/linked_list_allocator.h"

namespace host_test {

using mem::heap::HeapAllocator;
using mem::heap::HeapError;
using mem::heap::HeapErrorKind;

// A buffer aligned to 64 KiB (more than any slab), freed on destruction.
class HostRegion {
public:
    explicit HostRegion(size_t bytes)
        : m_size(bytes), m_data(static_cast<std::byte*>(std::aligned_alloc(alignment, round_up(bytes))))
    {
        if (m_data == nullptr)
            std::abort();
    }
    HostRegion(const HostRegion&) = delete;
    HostRegion& operator=(const HostRegion&) = delete;
    ~HostRegion() { std::free(m_data); }
    std::span<std::byte> span() const { return {m_data, m_size}; }
    bool contains(const void* pointer) const
    {
        const auto* byte = static_cast<const std::byte*>(pointer);
        return byte >= m_data && byte < m_data + m_size;
    }

private:
    static constexpr size_t alignment = 64 * 1024;
    static size_t round_up(size_t bytes) { return (bytes + alignment - 1) / alignment * alignment; }
    size_t m_size;
    std::byte* m_data;
};

struct BumpDesign {
    static constexpr const char* name = "bump";
    static constexpr bool reuses_freed_blocks = false;
    static constexpr bool detects_interior_pointers = false;
    explicit BumpDesign(size_t bytes) : region(bytes), backend(region.span()), allocator(backend) {}
    HeapAllocator& heap() { return allocator; }
    bool consistent() const { return true; }
    bool owns(const void* pointer) const { return region.contains(pointer); }
    // Nothing allocated, and all memory obtained is available again.
    bool fully_free() const { return allocator.statistics().used_bytes == 0; }

    HostRegion region;
    mem::heap::FixedRegionBackend backend;
    mem::heap::BumpAllocator allocator;
};

struct LinkedListDesign {
    static constexpr const char* name = "linked_list";
    static constexpr bool reuses_freed_blocks = true;
    static constexpr bool detects_interior_pointers = true;
    explicit LinkedListDesign(size_t bytes) : region(bytes), backend(region.span()), allocator(backend) {}
    HeapAllocator& heap() { return allocator; }
    bool consistent() const { return allocator.check_consistency(); }
    bool owns(const void* pointer) const { return region.contains(pointer); }
    bool fully_free() const { return allocator.statistics().used_bytes == 0 && allocator.free_block_count() <= 1; }

    HostRegion region;
    mem::heap::FixedRegionBackend backend;
    mem::heap::LinkedListAllocator allocator;
};

// `bytes` for the small blocks and as much again for the large ones.
struct FixedSizeBlockDesign {
    static constexpr const char* name = "fixed_size_block";
    static constexpr bool reuses_freed_blocks = true;
    static constexpr bool detects_interior_pointers = true;
    explicit FixedSizeBlockDesign(size_t bytes)
        : small_region(bytes), large_region(bytes), small_backend(small_region.span()),
          large_backend(large_region.span()), allocator(small_backend, large_backend)
    {
    }
    HeapAllocator& heap() { return allocator; }
    bool consistent() const { return allocator.check_consistency(); }
    bool owns(const void* pointer) const { return small_region.contains(pointer) || large_region.contains(pointer); }
    bool fully_free() const
    {
        return allocator.statistics().used_bytes == 0 && allocator.empty_slab_count() == allocator.slab_count()
            && allocator.large_blocks().free_block_count() <= 1;
    }

    HostRegion small_region;
    HostRegion large_region;
    mem::heap::FixedRegionBackend small_backend;
    mem::heap::FixedRegionBackend large_backend;
    mem::heap::FixedSizeBlockAllocator allocator;
};

// CTest names the cases after the type: HeapReference.large_vec<host_test::BumpDesign>.
using HeapDesigns = ::testing::Types<BumpDesign, LinkedListDesign, FixedSizeBlockDesign>;

// kstd containers over a heap under test: try_allocate returns the heap's
// failure as a value; allocate must not fail in these tests.
struct HeapPolicy {
    HeapAllocator* heap;
    kstd::Expected<void*, kstd::AllocationFailure> try_allocate(size_t bytes, size_t alignment) noexcept
    {
        auto memory = heap->allocate(bytes, alignment);
        if (!memory)
            return kstd::unexpected(kstd::AllocationFailure{bytes});
        return *memory;
    }
    void* allocate(size_t bytes, size_t alignment)
    {
        auto memory = heap->allocate(bytes, alignment);
        if (!memory) {
            ADD_FAILURE() << "heap out of memory for " << bytes << " bytes";
            std::abort();
        }
        return *memory;
    }
    void deallocate(void* memory, size_t, size_t) noexcept
    {
        auto freed = heap->deallocate(memory);
        EXPECT_TRUE(freed.has_value()) << "deallocate failed";
    }
};

// Box<T>: a std::unique_ptr whose object lives on a heap under test (the
// "Box::new" of the reference tests).
struct HeapDeleter {
    HeapAllocator* heap;
    template <typename T>
    void operator()(T* object) const
    {
        object->~T();
        auto freed = heap->deallocate(object);
        EXPECT_TRUE(freed.has_value()) << "deallocate failed";
    }
};
template <typename T>
using Box = std::unique_ptr<T, HeapDeleter>;

// Null (and `*error` set) when the heap has no memory.
template <typename T, typename... Args>
Box<T> make_box(HeapAllocator& heap, HeapError* error, Args&&... args)
{
    auto memory = heap.allocate(sizeof(T), alignof(T));
    if (!memory) {
        if (error)
            *error = memory.error();
        return Box<T>(nullptr, HeapDeleter{&heap});
    }
    return Box<T>(new (*memory) T(std::forward<Args>(args)...), HeapDeleter{&heap});
}

} // namespace host_test
