// Detector: kernel KASAN (src/mem/kasan/) catches a heap overflow by one byte
// past the requested size, inside the slack the heap's size class adds; a
// use after free; and a double free. Each fails its own case with a report
// naming the kind, the address and its offset in the allocation, the
// allocation's size, and where it was allocated (and freed); each case goes
// on after its report; accesses inside live allocations report nothing.
// ktest-runner-args: --expect failed --expect-case detector.heap_overflow_by_one_byte_is_reported --expect-passed 1
// ktest-runner-args: --expect-output "KASAN: heap-buffer-overflow: write of 1 byte at 0x"
// ktest-runner-args: --expect-output "at offset 20 of the 20-byte allocation at 0x"
// ktest-runner-args: --expect-output ": 0 bytes past its end"
// ktest-runner-args: --expect-output "KASAN: use-after-free: read of 8 bytes at 0x"
// ktest-runner-args: --expect-output "at offset 0 of the 8-byte allocation at 0x"
// ktest-runner-args: --expect-output "KASAN: double-free of 0x"
// ktest-runner-args: --expect-output "  allocated by:" --expect-output "  freed by:"

#include <cstddef>
#include <cstdint>
#include "ktest/expect_fault.h"
#include "ktest/ktest.h"
#include "mem/kernel_heap.h"

namespace {

int g_went_on = 0;
volatile uint64_t g_sink;

// Lets the pointer escape, so GCC cannot elide a new/delete pair.
template <typename T>
T* escape(T* pointer)
{
    asm volatile("" : : "r"(pointer) : "memory"); // the asm may read anything the pointer reaches
    return pointer;
}

} // namespace

KTEST(detector, heap_overflow_by_one_byte_is_reported)
{
    const size_t used_before = mem::kernel_heap::statistics().heap.used_bytes;
    // Opaque: GCC cannot see the array's size, so UBSan's object-size check
    // stays out of it and the report is KASAN's alone.
    char* text = ktest::opaque(new char[20]);
    // The heap's block is bigger than the 20 bytes asked for: byte 20 is
    // memory the design handed out, which only KASAN's poison protects.
    EXPECT_GT(mem::kernel_heap::statistics().heap.used_bytes - used_before, 21u);
    volatile size_t index = 20;
    text[index] = 'x';
    delete[] text;
    ++g_went_on;
}

KTEST(detector, use_after_free_is_reported)
{
    auto* value = escape(new uint64_t(7));
    delete value;
    g_sink = *ktest::opaque(value);
    ++g_went_on;
}

KTEST(detector, double_free_is_reported)
{
    auto* value = escape(new uint64_t(7));
    delete value;
    delete ktest::opaque(value);
    ++g_went_on;
}

KTEST(detector, accesses_inside_live_allocations_report_nothing)
{
    char* text = escape(new char[20]);
    for (size_t i = 0; i < 20; ++i)
        text[ktest::opaque(i)] = 'a';
    auto* value = escape(new uint64_t(7));
    g_sink = *value + static_cast<uint64_t>(text[19]);
    delete value;
    delete[] text;
    EXPECT_EQ(g_went_on, 3, "every failing case went on past its report");
}
