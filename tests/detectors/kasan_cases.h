#pragma once
// The cases of the KASAN detector kernels (kasan_catches*.cpp), one kernel
// per heap design: each file makes its design the kernel heap before the
// cases and declares the verdict (the same for every design).

#include <cstddef>
#include <cstdint>
#include "ktest/expect_fault.h"
#include "ktest/ktest.h"
#include "ktest/binary.h"
#include "mem/kernel_heap.h"

#ifndef KASAN_HEAP_DESIGN
#error "define KASAN_HEAP_DESIGN (a mem::HeapDesign) before including kasan_cases.h"
#endif

KTEST_BINARY_SETUP()
{
    mem::kernel_heap::initialize(KASAN_HEAP_DESIGN);
}

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
    EXPECT_EQ(static_cast<int>(mem::kernel_heap::design()), static_cast<int>(KASAN_HEAP_DESIGN), "{}",
              mem::to_string(mem::kernel_heap::design()));
}
