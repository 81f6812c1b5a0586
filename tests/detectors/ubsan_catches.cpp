// Detector: kernel UBSan (cmake/Sanitizers.cmake, src/core/ubsan.cpp) catches
// a signed overflow, a shift out of range, a misaligned access and an array
// index out of bounds, each in its own case: the report names the kind,
// file:line:column and the values, the case fails and goes on after it, and
// the same operations on good values report nothing. The operands are
// volatile, so the compiler cannot fold the undefined behaviour away.
// ktest-runner-args: --expect failed --expect-case detector.signed_overflow_is_reported --expect-passed 1
// ktest-runner-args: --expect-output "UBSan: signed-integer-overflow at tests/detectors/ubsan_catches.cpp:"
// ktest-runner-args: --expect-output "2147483647 + 1 cannot be represented in type 'int'"
// ktest-runner-args: --expect-output "UBSan: shift-out-of-bounds at tests/detectors/ubsan_catches.cpp:"
// ktest-runner-args: --expect-output "shift exponent 32 is too large for 32-bit type 'unsigned int'"
// ktest-runner-args: --expect-output "UBSan: misaligned-access at tests/detectors/ubsan_catches.cpp:"
// ktest-runner-args: --expect-output "load of misaligned address 0x" --expect-output "for type 'const uint32_t', which requires 4 byte alignment"
// ktest-runner-args: --expect-output "UBSan: array-index-out-of-bounds at tests/detectors/ubsan_catches.cpp:"
// ktest-runner-args: --expect-output "index 4 is out of range for type 'int [4]'"

#include <climits>
#include <cstdint>
#include "ktest/ktest.h"

namespace {

// How many of the failing cases went on past their report.
int g_went_on = 0;
volatile uint64_t g_sink; // results go here, so nothing is dead code

// Four bytes at `offset` into `buffer`, read as a uint32_t (misaligned when
// `offset` is not a multiple of 4).
uint32_t load_u32_at(const uint8_t* buffer, uintptr_t offset)
{
    // The caller owns the buffer; the cast may make a misaligned pointer,
    // which is what the misaligned case is about.
    return *reinterpret_cast<const uint32_t*>(buffer + offset);
}

int element(const int (&array)[4], int index)
{
    return array[index];
}

} // namespace

KTEST(detector, signed_overflow_is_reported)
{
    volatile int left = INT_MAX;
    volatile int right = 1;
    g_sink = static_cast<uint64_t>(left + right);
    ++g_went_on;
}

KTEST(detector, shift_out_of_range_is_reported)
{
    volatile unsigned exponent = 32;
    g_sink = 1u << exponent;
    ++g_went_on;
}

KTEST(detector, misaligned_access_is_reported)
{
    alignas(8) uint8_t buffer[16] = {1, 2, 3, 4, 5, 6, 7, 8};
    volatile uintptr_t offset = 1;
    g_sink = load_u32_at(buffer, offset);
    ++g_went_on;
}

KTEST(detector, array_index_out_of_bounds_is_reported)
{
    // Five ints, so reading "element 4" of the first four stays inside the
    // object: only the bounds check can see anything wrong.
    struct {
        int first_four[4];
        int fifth;
    } values = {{1, 2, 3, 4}, 5};
    volatile int index = 4;
    g_sink = static_cast<uint64_t>(element(values.first_four, index));
    ++g_went_on;
}

KTEST(detector, the_same_operations_on_good_values_report_nothing)
{
    volatile int left = INT_MAX - 1;
    volatile int right = 1;
    volatile unsigned exponent = 31;
    alignas(8) uint8_t buffer[16] = {1, 2, 3, 4, 5, 6, 7, 8};
    volatile uintptr_t offset = 4;
    const int array[4] = {1, 2, 3, 4};
    volatile int index = 3;
    g_sink = static_cast<uint64_t>(left + right) + (1u << exponent) + load_u32_at(buffer, offset) + element(array, index);
    EXPECT_EQ(g_went_on, 4, "every failing case went on past its report");
}
