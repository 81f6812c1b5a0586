// KTEST cases for the C++ runtime: memory functions, the stack canary, and
// operator new/delete on the kernel heap.

#include <cstdint>
#include <new>
#include "ktest/ktest.h"
#include "mem/kernel_heap.h"
#include "runtime/allocation.h"

extern "C" uintptr_t __stack_chk_guard;

namespace {
// Opaque to the optimiser: the calls below really call our functions.
template <typename T>
T* launder(T* pointer)
{
    asm volatile("" : "+r"(pointer)); // hides where the pointer came from
    return pointer;
}
size_t launder_size(size_t size)
{
    asm volatile("" : "+r"(size)); // the compiler cannot fold the size
    return size;
}
} // namespace

KTEST(runtime, memcpy_memset_memcmp)
{
    char a[64], b[64];
    __builtin_memset(launder(a), 'a', sizeof a);
    __builtin_memcpy(launder(b), launder(a), sizeof b);
    EXPECT_MEMEQ(a, b, sizeof a);
    b[40] = 'b';
    EXPECT_LT(__builtin_memcmp(launder(a), launder(b), sizeof a), 0);
    EXPECT_GT(__builtin_memcmp(launder(b), launder(a), sizeof a), 0);
    EXPECT_EQ(__builtin_memcmp(launder(a), launder(b), 40), 0);
}

KTEST(runtime, memcpy_and_memset_cover_exactly_their_bytes_at_every_size_and_offset)
{
    // Quadwords then a tail of 0-7 bytes: every split, at every alignment,
    // and nothing outside the range touched.
    unsigned char source[64], target[80];
    for (size_t i = 0; i < sizeof source; ++i)
        source[i] = static_cast<unsigned char>(i * 7 + 1);
    for (size_t offset = 0; offset < 8; ++offset) {
        for (size_t size = 0; size <= 40; ++size) {
            __builtin_memset(target, 0xEE, sizeof target);
            __builtin_memcpy(launder(target) + offset, launder(source) + (8 - offset), launder_size(size));
            for (size_t i = 0; i < sizeof target; ++i) {
                const bool inside = i >= offset && i < offset + size;
                const unsigned char want = inside ? source[8 - offset + (i - offset)] : 0xEE;
                if (target[i] != want) {
                    EXPECT_EQ(target[i], want, "memcpy of {} bytes to offset {}: byte {}", size, offset, i);
                    return;
                }
            }
            __builtin_memset(launder(target) + offset, 0xC3, launder_size(size)); // a value above 127 too
            for (size_t i = 0; i < sizeof target; ++i) {
                const bool inside = i >= offset && i < offset + size;
                if (inside && target[i] != 0xC3) {
                    EXPECT_EQ(target[i], 0xC3, "memset of {} bytes at offset {}: byte {}", size, offset, i);
                    return;
                }
            }
        }
    }
}

KTEST(runtime, memmove_down_by_less_than_a_quadword)
{
    // memmove copies upwards through memcpy when the destination is below
    // the source: each quadword is read before it is written.
    for (size_t shift = 1; shift < 9; ++shift) {
        char text[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        __builtin_memmove(launder(text), launder(text) + shift, launder_size(20));
        for (size_t i = 0; i < 20; ++i) {
            if (text[i] != "abcdefghijklmnopqrstuvwxyz0123456789"[i + shift]) {
                EXPECT_EQ(text[i], "abcdefghijklmnopqrstuvwxyz0123456789"[i + shift], "shift {}, byte {}", shift, i);
                return;
            }
        }
    }
}

KTEST(runtime, memmove_handles_overlap_both_ways)
{
    char text[] = "0123456789";
    __builtin_memmove(launder(text) + 2, launder(text), 5);
    EXPECT_STREQ(text, "0101234789");
    char other[] = "0123456789";
    __builtin_memmove(launder(other), launder(other) + 3, 5);
    EXPECT_STREQ(other, "3456756789");
}

KTEST(runtime, memchr_and_strlen)
{
    const char text[] = "kernel";
    EXPECT_EQ(__builtin_strlen(launder(text)), 6u);
    EXPECT_EQ(static_cast<const char*>(__builtin_memchr(launder(text), 'n', 6)), text + 3);
    EXPECT_NULL(__builtin_memchr(launder(text), 'z', 6));
}

KTEST(runtime, stack_canary_was_randomised_at_boot)
{
    // kernel_start mixes the TSC into the link-time value and clears the low byte.
    EXPECT_NE(__stack_chk_guard, uintptr_t{0x2f8ab3c15e7d0a96});
    EXPECT_EQ(__stack_chk_guard & 0xFF, 0u);
}

// operator new and delete on the kernel heap (mem/kernel_heap.h).

KTEST(runtime, new_and_delete_use_the_kernel_heap)
{
    const mem::KernelHeapStatistics before = mem::kernel_heap::statistics();
    auto* values = new uint64_t[100];
    for (uint64_t i = 0; i < 100; ++i)
        values[i] = i * i;
    const mem::KernelHeapStatistics during = mem::kernel_heap::statistics();
    EXPECT_EQ(during.heap.live_allocations, before.heap.live_allocations + 1);
    EXPECT_GE(during.heap.used_bytes, before.heap.used_bytes + 800);
    EXPECT_EQ(values[99], 99u * 99u);
    EXPECT_EQ(arch::VirtAddr::of(values).value() % 16, 0u, "operator new aligns to 16");
    delete[] values;
    const mem::KernelHeapStatistics after = mem::kernel_heap::statistics();
    EXPECT_EQ(after.heap.live_allocations, before.heap.live_allocations);
    EXPECT_EQ(after.heap.used_bytes, before.heap.used_bytes);
}

KTEST(runtime, aligned_new_honours_the_alignment)
{
    struct alignas(1024) Page {
        char bytes[1024];
    };
    auto* page = new Page;
    EXPECT_EQ(arch::VirtAddr::of(page).value() % 1024, 0u);
    page->bytes[1023] = 'x';
    delete page;
}

KTEST(runtime, huge_new_panics_with_the_requested_size, ktest::should_panic("operator new(1099511627776 bytes"))
{
    // 1 TiB: more than the heap's 64 GiB region, so no frame is mapped either.
    char* volatile p = new char[1ull << 40];
    (void)p;
}

KTEST(runtime, huge_nothrow_new_returns_null)
{
    const mem::KernelHeapStatistics before = mem::kernel_heap::statistics();
    char* p = new (std::nothrow) char[launder_size(1ull << 40)];
    EXPECT_NULL(p);
    EXPECT_EQ(mem::kernel_heap::statistics().heap.live_allocations, before.heap.live_allocations);
    int* small = new (std::nothrow) int(42);
    ASSERT_NOT_NULL(small, "a small nothrow new succeeds");
    EXPECT_EQ(*small, 42);
    delete small;
}

KTEST(runtime, try_allocate_returns_the_heap_error_as_a_value)
{
    auto huge = runtime::try_allocate(launder_size(1ull << 40), 16);
    ASSERT_FALSE(huge.has_value(), "1 TiB does not fit the heap's 64 GiB region");
    EXPECT_EQ(huge.error().kind, mem::heap::HeapErrorKind::OutOfMemory, "{}", huge.error());
    EXPECT_EQ(huge.error().size, 1ull << 40);
    auto misaligned = runtime::try_allocate(16, 3);
    ASSERT_FALSE(misaligned.has_value());
    EXPECT_EQ(misaligned.error().kind, mem::heap::HeapErrorKind::BadAlignment, "{}", misaligned.error());
    auto small = runtime::try_allocate(32, 16);
    ASSERT_OK(small);
    runtime::deallocate(*small);
}

KTEST(runtime, delete_of_a_pointer_the_heap_never_gave_panics, ktest::should_panic("operator delete("))
{
    static uint64_t not_on_the_heap[4];
    ::operator delete(launder(not_on_the_heap));
}
