#pragma once
// A set of physical addresses kept as sorted, disjoint, non-touching ranges,
// in fixed storage (no heap). The memory manager builds the usable memory
// with it: add every "available" region of the boot memory map, remove the
// first MiB, the kernel image, the boot information and the modules, round
// inward to whole frames, then hand each range to the frame allocator.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include "kstd/expected.h"
#include "mem/phys_range.h"

namespace mem {

// The set would need more ranges than it has room for.
struct RangeSetFull {
    PhysRange range; // the range being added or removed
};

// Prints "the range set is full (all 256 ranges in use) at [0x... - 0x...)".
void format_value(kstd::Sink& sink, const RangeSetFull& error, const kstd::FormatSpec& spec);

class PhysRangeSet {
public:
    // The boot memory map keeps at most 128 regions (boot::BootInfo); each
    // removal splits at most one range in two.
    static constexpr size_t capacity = 256;

    // Adds `range`, merging it with the ranges it overlaps or touches.
    [[nodiscard]] kstd::Expected<void, RangeSetFull> add(PhysRange range);
    // Removes `range`; a range it cuts in the middle becomes two.
    [[nodiscard]] kstd::Expected<void, RangeSetFull> remove(PhysRange range);
    // Rounds every range inward to `alignment` (a power of two), dropping
    // those left empty.
    void shrink_to_alignment(uint64_t alignment);

    // The lowest `size` bytes at an `alignment`-aligned address wholly inside
    // one range, if there are any.
    std::optional<arch::PhysAddr> find_space(uint64_t size, uint64_t alignment) const;

    std::span<const PhysRange> ranges() const { return {m_ranges.data(), m_count}; }
    size_t count() const { return m_count; }
    bool empty() const { return m_count == 0; }
    uint64_t total_bytes() const;
    // From the lowest address in the set to the highest end (empty if the set is).
    PhysRange bounds() const;
    bool contains(arch::PhysAddr address) const;

private:
    void erase(size_t index, size_t how_many);
    // Puts `range` at `index`, moving the later ranges up.
    [[nodiscard]] kstd::Expected<void, RangeSetFull> insert(size_t index, PhysRange range);

    std::array<PhysRange, capacity> m_ranges{};
    size_t m_count = 0;
};

} // namespace mem
