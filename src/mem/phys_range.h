#pragma once
// A half-open range of physical addresses [start, end).

#include <cstdint>
#include "kstd/format.h"
#include "arch/x86_64/address.h"

namespace mem {

struct PhysRange {
    arch::PhysAddr start;
    arch::PhysAddr end;

    constexpr uint64_t size() const { return end > start ? end - start : 0; }
    constexpr bool empty() const { return end <= start; }
    constexpr bool contains(arch::PhysAddr address) const { return address >= start && address < end; }
    constexpr bool contains(const PhysRange& other) const
    {
        return other.empty() || (other.start >= start && other.end <= end);
    }
    constexpr bool overlaps(const PhysRange& other) const
    {
        return !empty() && !other.empty() && start < other.end && other.start < end;
    }
    constexpr bool operator==(const PhysRange&) const = default;
};

// Prints "[0x... - 0x...)".
inline void format_value(kstd::Sink& sink, const PhysRange& range, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "[{} - {})", range.start, range.end);
}

} // namespace mem
