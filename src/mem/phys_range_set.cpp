#include "mem/phys_range_set.h"
#include "arch/x86_64/page_size.h"

namespace mem {

void format_value(kstd::Sink& sink, const RangeSetFull& error, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "the range set is full (all {} ranges in use) at {}", PhysRangeSet::capacity, error.range);
}

kstd::Expected<void, RangeSetFull> PhysRangeSet::add(PhysRange range)
{
    if (range.empty())
        return {};
    // Ranges [first, last) overlap or touch `range`; they merge into one.
    size_t first = 0;
    while (first < m_count && m_ranges[first].end < range.start)
        ++first;
    size_t last = first;
    while (last < m_count && m_ranges[last].start <= range.end)
        ++last;
    if (first == last)
        return insert(first, range);
    PhysRange merged = range;
    if (m_ranges[first].start < merged.start)
        merged.start = m_ranges[first].start;
    if (m_ranges[last - 1].end > merged.end)
        merged.end = m_ranges[last - 1].end;
    m_ranges[first] = merged;
    erase(first + 1, last - first - 1);
    return {};
}

kstd::Expected<void, RangeSetFull> PhysRangeSet::remove(PhysRange range)
{
    if (range.empty())
        return {};
    size_t index = 0;
    while (index < m_count && m_ranges[index].end <= range.start)
        ++index;
    while (index < m_count && m_ranges[index].start < range.end) {
        PhysRange& current = m_ranges[index];
        const bool keeps_left = current.start < range.start;
        const bool keeps_right = current.end > range.end;
        if (keeps_left && keeps_right) {
            // `range` is strictly inside: split.
            const PhysRange right{range.end, current.end};
            if (m_count == capacity)
                return kstd::unexpected(RangeSetFull{range}); // before anything changes
            current.end = range.start;
            MUST(insert(index + 1, right)); // there was room: checked above
            return {};
        }
        if (keeps_left) {
            current.end = range.start;
            ++index;
        } else if (keeps_right) {
            current.start = range.end;
            return {};
        } else {
            erase(index, 1);
        }
    }
    return {};
}

void PhysRangeSet::shrink_to_alignment(uint64_t alignment)
{
    size_t kept = 0;
    for (size_t i = 0; i < m_count; ++i) {
        const arch::PhysAddr start = m_ranges[i].start.align_up(alignment);
        const arch::PhysAddr end = m_ranges[i].end.align_down(alignment);
        // Aligning an address near 2^64 up can wrap to a small number.
        if (start < m_ranges[i].start || end <= start)
            continue;
        m_ranges[kept++] = PhysRange{start, end};
    }
    m_count = kept;
}

std::optional<arch::PhysAddr> PhysRangeSet::find_space(uint64_t size, uint64_t alignment) const
{
    for (const PhysRange& range : ranges()) {
        const arch::PhysAddr start = range.start.align_up(alignment);
        if (start < range.start || start >= range.end)
            continue;
        if (range.end - start >= size)
            return start;
    }
    return std::nullopt;
}

uint64_t PhysRangeSet::total_bytes() const
{
    uint64_t total = 0;
    for (const PhysRange& range : ranges())
        total += range.size();
    return total;
}

PhysRange PhysRangeSet::bounds() const
{
    if (m_count == 0)
        return {};
    return {m_ranges[0].start, m_ranges[m_count - 1].end};
}

bool PhysRangeSet::contains(arch::PhysAddr address) const
{
    for (const PhysRange& range : ranges()) {
        if (range.contains(address))
            return true;
    }
    return false;
}

void PhysRangeSet::erase(size_t index, size_t how_many)
{
    for (size_t i = index; i + how_many < m_count; ++i)
        m_ranges[i] = m_ranges[i + how_many];
    m_count -= how_many;
}

kstd::Expected<void, RangeSetFull> PhysRangeSet::insert(size_t index, PhysRange range)
{
    if (m_count == capacity)
        return kstd::unexpected(RangeSetFull{range});
    for (size_t i = m_count; i > index; --i)
        m_ranges[i] = m_ranges[i - 1];
    m_ranges[index] = range;
    ++m_count;
    return {};
}

} // namespace mem
