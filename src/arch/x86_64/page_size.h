#pragma once
// The unit of paging and of physical memory management on x86_64: a 4 KiB
// page (Intel SDM Vol. 3A, 4.5 "4-Level Paging"). A physical frame holds
// exactly one page, so the two sizes are one constant.

#include <cstdint>

namespace arch {

inline constexpr uint64_t page_size = 4096;
inline constexpr uint64_t frame_size = page_size;
// The larger leaf pages: a page-directory entry with PS set maps 2 MiB, a
// PDPT entry with PS set maps 1 GiB (only where CPUID says so, see
// arch/x86_64/cpu_features.h).
inline constexpr uint64_t large_page_size = 2ull << 20;
inline constexpr uint64_t huge_page_size = 1ull << 30;

// `alignment` must be a power of two.
constexpr uint64_t align_down(uint64_t value, uint64_t alignment)
{
    return value & ~(alignment - 1);
}

// `alignment` must be a power of two; the caller makes sure the result does
// not wrap past 2^64.
constexpr uint64_t align_up(uint64_t value, uint64_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}

constexpr bool is_power_of_two(uint64_t value)
{
    return value != 0 && (value & (value - 1)) == 0;
}

} // namespace arch
