// KTEST cases for the heap designs, in the kernel with the kernel's flags:
// the reference tests of "Writing an OS in Rust" (simple allocation, a large
// vector, many boxes reusing freed memory, many boxes with a long-lived one)
// against each design, over static buffers of 100 KiB as there (so a design
// that cannot reuse memory runs out, as in the original), plus double-free
// detection. Each test is one body over the three designs (KTEST_FP): the
// fixture `heap_design` makes a fresh heap of the case's design before the
// body and destroys it after, however the body ends, and each design is
// reported on its own, as `heap_design.large_vec[linked_list]`. The same tests on the real kernel heap, grown by mapping frames:
// tests/integration/heap_{bump,linked,fixed}.cpp. Randomised stress and the
// rest run on the host (tests/host/heap_*_test.cpp).

#include <memory>
#include "core/panic.h"
#include "kstd/vector.h"
#include "ktest/ktest.h"
#include "mem/heap/bump_allocator.h"
#include "mem/heap/fixed_region_backend.h"
#include "mem/heap/fixed_size_block_allocator.h"
#include "mem/heap/heap_address.h"
#include "mem/heap/linked_list_allocator.h"

namespace {

using namespace mem::heap;

constexpr size_t heap_size = 100 * 1024;
// The tutorial's many_boxes makes as many boxes as the heap has bytes; 16 Ki
// boxes of 16 bytes or more are 256 KiB, two and a half heaps: a design that
// did not reuse freed blocks runs out long before (the bump design does).
constexpr uint64_t box_count = 16 * 1024;
alignas(FixedSizeBlockAllocator::slab_bytes) std::byte region_a[heap_size];
alignas(FixedSizeBlockAllocator::slab_bytes) std::byte region_b[heap_size];

// Each design over the static regions; a test case makes a fresh one.
struct BumpHeap {
    static constexpr bool reuses_freed_blocks = false;
    FixedRegionBackend backend{region_a};
    BumpAllocator allocator{backend};
};
struct LinkedListHeap {
    static constexpr bool reuses_freed_blocks = true;
    FixedRegionBackend backend{region_a};
    LinkedListAllocator allocator{backend};
};
struct FixedSizeBlockHeap {
    static constexpr bool reuses_freed_blocks = true;
    FixedRegionBackend small_blocks{region_a};
    FixedRegionBackend large_blocks{region_b};
    FixedSizeBlockAllocator allocator{small_blocks, large_blocks};
};

// The case's value; to_string names it in KTAP.
enum class Design : uint8_t { Bump, LinkedList, FixedSizeBlocks };
std::string_view to_string(Design design)
{
    switch (design) {
    case Design::Bump: return "bump";
    case Design::LinkedList: return "linked_list";
    case Design::FixedSizeBlocks: return "fixed_size_blocks";
    }
    return "unknown";
}
constexpr Design every_design[] = {Design::Bump, Design::LinkedList, Design::FixedSizeBlocks};

// The fixture: a fresh heap of the case's design over the static regions.
class heap_design {
public:
    explicit heap_design(Design design)
    {
        switch (design) {
        case Design::Bump: emplace<BumpHeap>(); break;
        case Design::LinkedList: emplace<LinkedListHeap>(); break;
        case Design::FixedSizeBlocks: emplace<FixedSizeBlockHeap>(); break;
        }
    }
    ~heap_design() { m_destroy(m_storage); }
    heap_design(const heap_design&) = delete;
    heap_design& operator=(const heap_design&) = delete;

protected:
    HeapAllocator* heap = nullptr;
    bool reuses_freed_blocks = true;

private:
    template <typename Heap>
    void emplace()
    {
        static_assert(sizeof(Heap) <= sizeof m_storage && alignof(Heap) <= alignof(std::max_align_t));
        Heap* made = ::new (m_storage) Heap();
        heap = &made->allocator;
        reuses_freed_blocks = Heap::reuses_freed_blocks;
        // m_storage holds the Heap made just above.
        m_destroy = [](void* storage) { static_cast<Heap*>(storage)->~Heap(); };
    }

    void (*m_destroy)(void*) = nullptr;
    alignas(std::max_align_t) std::byte m_storage[512];
};

// "Box::new": an object on the heap under test, freed by unique_ptr.
struct HeapDeleter {
    HeapAllocator* heap;
    template <typename T>
    void operator()(T* object) const
    {
        object->~T();
        EXPECT_TRUE(heap->deallocate(object).has_value());
    }
};
template <typename T>
using Box = std::unique_ptr<T, HeapDeleter>;

template <typename T>
Box<T> make_box(HeapAllocator& heap, T value, HeapError* error = nullptr)
{
    auto memory = heap.allocate(sizeof(T), alignof(T));
    if (!memory) {
        if (error)
            *error = memory.error();
        return Box<T>(nullptr, HeapDeleter{&heap});
    }
    return Box<T>(new (*memory) T(value), HeapDeleter{&heap});
}

// kstd containers on the heap under test.
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
        if (!memory)
            core::panic("test heap: {}", memory.error());
        return *memory;
    }
    void deallocate(void* memory, size_t, size_t) noexcept { EXPECT_TRUE(heap->deallocate(memory).has_value()); }
};

void expect_empty(HeapAllocator& heap)
{
    EXPECT_EQ(heap.statistics().live_allocations, 0u, "{}", heap.name());
    EXPECT_EQ(heap.statistics().used_bytes, 0u, "{}", heap.name());
}

} // namespace

KTEST_FP(heap_design, simple_allocation, every_design)
{
    {
        Box<uint64_t> heap_value_1 = make_box<uint64_t>(*heap, 41);
        Box<uint64_t> heap_value_2 = make_box<uint64_t>(*heap, 13);
        ASSERT_NOT_NULL(heap_value_1.get());
        ASSERT_NOT_NULL(heap_value_2.get());
        EXPECT_EQ(*heap_value_1, 41u);
        EXPECT_EQ(*heap_value_2, 13u);
    }
    expect_empty(*heap);
}

KTEST_FP(heap_design, large_vec, every_design)
{
    {
        constexpr uint64_t n = 1000;
        kstd::Vector<uint64_t, HeapPolicy> vec(HeapPolicy{heap});
        for (uint64_t i = 0; i < n; ++i)
            ASSERT_TRUE(vec.try_push_back(i).has_value(), "element {}", i);
        uint64_t sum = 0;
        for (uint64_t value : vec)
            sum += value;
        EXPECT_EQ(sum, (n - 1) * n / 2);
    }
    expect_empty(*heap);
}

KTEST_FP(heap_design, many_boxes, every_design)
{
    for (uint64_t i = 0; i < box_count; ++i) {
        Box<uint64_t> x = make_box<uint64_t>(*heap, i);
        ASSERT_NOT_NULL(x.get(), "allocation {}", i);
        ASSERT_EQ(*x, i);
    }
    expect_empty(*heap);
}

KTEST_FP(heap_design, many_boxes_long_lived, every_design)
{
    HeapError error{};
    uint64_t completed = 0;
    {
        Box<uint64_t> long_lived = make_box<uint64_t>(*heap, 1);
        ASSERT_NOT_NULL(long_lived.get());
        for (uint64_t i = 0; i < box_count; ++i) {
            Box<uint64_t> x = make_box<uint64_t>(*heap, i, &error);
            if (!x)
                break;
            ASSERT_EQ(*x, i);
            ++completed;
        }
        EXPECT_EQ(*long_lived, 1u);
    }
    if (reuses_freed_blocks) {
        EXPECT_EQ(completed, box_count);
    } else {
        // The bump allocator cannot reuse memory while one block lives: it
        // runs out, and says so.
        EXPECT_LT(completed, box_count);
        EXPECT_EQ(static_cast<int>(error.kind), static_cast<int>(HeapErrorKind::OutOfMemory));
    }
    expect_empty(*heap);
}

KTEST_FP(heap_design, double_free_is_an_error, every_design)
{
    for (size_t size : {size_t{24}, size_t{3000}}) {
        auto memory = heap->allocate(size);
        ASSERT_TRUE(memory.has_value());
        ASSERT_TRUE(heap->deallocate(*memory).has_value());
        auto again = heap->deallocate(*memory);
        ASSERT_FALSE(again.has_value(), "size {}", size);
        EXPECT_EQ(static_cast<int>(again.error().kind), static_cast<int>(HeapErrorKind::DoubleFree));
        EXPECT_EQ(again.error().pointer, *memory);
    }
    int not_on_the_heap = 0;
    auto foreign = heap->deallocate(&not_on_the_heap);
    ASSERT_FALSE(foreign.has_value());
    EXPECT_EQ(static_cast<int>(foreign.error().kind), static_cast<int>(HeapErrorKind::NotFromHeap));
    expect_empty(*heap);
}

KTEST_FP(heap_design, every_alignment_up_to_a_page, every_design)
{
    for (size_t alignment = 1; alignment <= 4096; alignment *= 2) {
        for (size_t size : {size_t{1}, size_t{100}, size_t{3000}}) {
            auto memory = heap->allocate(size, alignment);
            ASSERT_TRUE(memory.has_value(), "size {} alignment {}", size, alignment);
            EXPECT_EQ(address_of(*memory) % alignment, 0u, "size {} alignment {}", size, alignment);
            EXPECT_TRUE(heap->deallocate(*memory).has_value());
        }
    }
    expect_empty(*heap);
}
