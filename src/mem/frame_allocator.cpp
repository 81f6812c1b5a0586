#include "mem/frame_allocator.h"
#include <new>

namespace mem {

namespace {

// The frame-aligned end of a span (a partial last frame is not managed, but
// rounding up keeps the arithmetic simple and costs one metadata entry).
uint64_t frame_count_of(PhysRange span, arch::PhysAddr base)
{
    return (span.end.align_up(arch::frame_size) - base) / arch::frame_size;
}

arch::PhysAddr base_of(PhysRange span)
{
    return span.start.align_down(FrameAllocator::max_run_bytes);
}

} // namespace

uint64_t FrameAllocator::metadata_bytes(PhysRange span)
{
    if (span.empty())
        return 0;
    const uint64_t frames = frame_count_of(span, base_of(span));
    // A state byte, two 32-bit links and a 32-bit reference count per frame,
    // plus up to 3 bytes to align the links.
    return frames + 3 + 2 * frames * sizeof(FrameIndex) + frames * sizeof(uint32_t);
}

kstd::Expected<void, FrameError> FrameAllocator::initialize(PhysRange span, std::span<std::byte> metadata)
{
    m_initialized = false;
    m_total_frames = 0;
    m_free_frames = 0;
    m_nonempty_orders = 0;
    m_span = span;
    m_base = span.empty() ? span.start : base_of(span);
    const uint64_t frames = span.empty() ? 0 : frame_count_of(span, m_base);
    if (frames >= no_frame)
        return fail(FrameErrorKind::SpanTooLarge, span.start, 0);
    if (metadata.size() < metadata_bytes(span))
        return fail(FrameErrorKind::MetadataTooSmall, span.start, 0);
    m_frame_count = static_cast<FrameIndex>(frames);

    // std::byte storage may hold objects of any type; the state bytes are
    // uint8_t objects created by the loop below.
    m_states = reinterpret_cast<uint8_t*>(metadata.data());
    for (FrameIndex i = 0; i < m_frame_count; ++i)
        new (&m_states[i]) uint8_t(state_unmanaged);
    // The links start at the next 4-byte boundary after the state bytes
    // (metadata_bytes() counted the slack); each element is created by
    // placement new, so the pointer refers to live FrameIndex objects.
    std::byte* const links = metadata.data() + m_frame_count;
    const arch::VirtAddr links_at = arch::VirtAddr::of(links);
    const uint64_t padding = links_at.align_up(alignof(FrameIndex)) - links_at;
    m_next = reinterpret_cast<FrameIndex*>(links + padding);
    m_previous = m_next + m_frame_count;
    // The reference counts follow the links, aligned as they are; each is
    // created by placement new below, as the links are.
    static_assert(alignof(uint32_t) == alignof(FrameIndex));
    m_references = reinterpret_cast<uint32_t*>(m_previous + m_frame_count);
    for (FrameIndex i = 0; i < m_frame_count; ++i) {
        new (&m_next[i]) FrameIndex(no_frame);
        new (&m_previous[i]) FrameIndex(no_frame);
        new (&m_references[i]) uint32_t(0);
    }
    for (FrameIndex& head : m_free_heads)
        head = no_frame;
    m_initialized = true;
    return {};
}

kstd::Expected<void, FrameError> FrameAllocator::add_free_range(PhysRange range)
{
    if (!m_initialized)
        return fail(FrameErrorKind::NotInitialized, range.start, 0);
    // Only whole frames: round the start up and the end down.
    const PhysRange frames{range.start.align_up(arch::frame_size), range.end.align_down(arch::frame_size)};
    if (frames.empty())
        return {};
    if (!m_span.contains(frames))
        return fail(FrameErrorKind::OutsideSpan, range.start, 0);
    const FrameIndex first = static_cast<FrameIndex>((frames.start - m_base) / arch::frame_size);
    const FrameIndex last = static_cast<FrameIndex>((frames.end - m_base) / arch::frame_size);
    // Check everything before changing anything: a failed call leaves the
    // allocator as it was.
    for (FrameIndex i = first; i < last; ++i) {
        if (m_states[i] != state_unmanaged)
            return fail(FrameErrorKind::AlreadyAdded, address_of(i), 0);
    }
    // Cut the range into the largest aligned runs that fit, left to right.
    FrameIndex index = first;
    while (index < last) {
        unsigned order = max_order;
        while (order > 0 && ((index & ((FrameIndex{1} << order) - 1)) != 0 || last - index < (FrameIndex{1} << order)))
            --order;
        const FrameIndex run = FrameIndex{1} << order;
        for (FrameIndex i = index + 1; i < index + run; ++i)
            m_states[i] = state_inside_run;
        m_total_frames += run;
        m_free_frames += run;
        free_and_merge(index, order);
        index += run;
    }
    return {};
}

kstd::Expected<arch::PhysAddr, FrameError> FrameAllocator::allocate_run(unsigned order)
{
    if (!m_initialized)
        return fail(FrameErrorKind::NotInitialized, arch::PhysAddr(), order);
    if (order > max_order)
        return fail(FrameErrorKind::InvalidOrder, arch::PhysAddr(), order);
    // The smallest non-empty free list of at least the wanted order.
    const uint32_t candidates = m_nonempty_orders & ~((uint32_t{1} << order) - 1);
    if (candidates == 0)
        return fail(FrameErrorKind::OutOfMemory, arch::PhysAddr(), order);
    unsigned found = static_cast<unsigned>(__builtin_ctz(candidates));
    const FrameIndex index = pop_free(found);
    // Split: keep the lower half, free the upper half, until the run is as
    // small as asked.
    while (found > order) {
        --found;
        const FrameIndex upper = index + (FrameIndex{1} << found);
        m_states[upper] = static_cast<uint8_t>(state_free_run | found);
        push_free(upper, found);
    }
    m_states[index] = static_cast<uint8_t>(state_used_run | order);
    m_references[index] = 1;
    m_free_frames -= uint64_t{1} << order;
    return address_of(index);
}

kstd::Expected<void, FrameError> FrameAllocator::free_run(arch::PhysAddr first, unsigned order)
{
    const FrameIndex index = TRY(used_run_at(first, FrameOperation::Free, order));
    if (order_at(index) != order)
        return fail(FrameErrorKind::OrderMismatch, first, order, order_at(index));
    if (m_references[index] > 1)
        return fail_misuse(FrameErrorKind::StillShared, first, FrameOperation::Free, order, m_references[index]);
    m_references[index] = 0;
    m_free_frames += uint64_t{1} << order;
    free_and_merge(index, order);
    return {};
}

kstd::Expected<void, FrameError> FrameAllocator::share(arch::PhysAddr first)
{
    const FrameIndex index = TRY(used_run_at(first, FrameOperation::Share, 0));
    if (m_references[index] >= m_reference_limit)
        return fail_misuse(FrameErrorKind::TooManyReferences, first, FrameOperation::Share, 0, m_references[index]);
    ++m_references[index];
    return {};
}

kstd::Expected<uint32_t, FrameError> FrameAllocator::release(arch::PhysAddr first)
{
    const FrameIndex index = TRY(used_run_at(first, FrameOperation::Release, 0));
    const uint32_t left = --m_references[index];
    if (left == 0) {
        const unsigned order = order_at(index);
        m_free_frames += uint64_t{1} << order;
        free_and_merge(index, order);
    }
    return left;
}

uint32_t FrameAllocator::reference_count(arch::PhysAddr first) const
{
    auto index = used_run_at(first, FrameOperation::Share, 0);
    return index ? m_references[*index] : 0;
}

kstd::Expected<FrameAllocator::FrameIndex, FrameError> FrameAllocator::used_run_at(arch::PhysAddr first,
                                                                                   FrameOperation operation,
                                                                                   unsigned order) const
{
    if (!m_initialized)
        return fail(FrameErrorKind::NotInitialized, first, order);
    if (order > max_order)
        return fail(FrameErrorKind::InvalidOrder, first, order);
    if (first < m_base || !first.is_aligned(arch::frame_size)
        || (first - m_base) / arch::frame_size >= m_frame_count)
        return fail_misuse(FrameErrorKind::NotAllocated, first, operation, order, 0);
    const auto index = static_cast<FrameIndex>((first - m_base) / arch::frame_size);
    if (is_run_start(index, state_used_run))
        return index;
    // A free run start, or inside a free run: this frame was freed already
    // (it may have merged with its buddy since). Inside an allocated run:
    // the caller names a frame in the middle of someone's run.
    const FrameIndex owner = m_states[index] == state_inside_run ? run_containing(index) : index;
    const bool is_free = owner != no_frame && is_run_start(owner, state_free_run);
    if (!is_free)
        return fail_misuse(FrameErrorKind::NotAllocated, first, operation, order, 0);
    return fail_misuse(operation == FrameOperation::Share ? FrameErrorKind::NotInUse : FrameErrorKind::DoubleFree,
                          first, operation, order, 0);
}

int FrameAllocator::largest_free_order() const
{
    return m_nonempty_orders == 0 ? -1 : 31 - __builtin_clz(m_nonempty_orders);
}

void FrameAllocator::push_free(FrameIndex index, unsigned order)
{
    const FrameIndex head = m_free_heads[order];
    m_next[index] = head;
    m_previous[index] = no_frame;
    if (head != no_frame)
        m_previous[head] = index;
    m_free_heads[order] = index;
    m_nonempty_orders |= uint32_t{1} << order;
}

void FrameAllocator::unlink_free(FrameIndex index, unsigned order)
{
    const FrameIndex previous = m_previous[index];
    const FrameIndex next = m_next[index];
    if (previous != no_frame)
        m_next[previous] = next;
    else
        m_free_heads[order] = next;
    if (next != no_frame)
        m_previous[next] = previous;
    if (m_free_heads[order] == no_frame)
        m_nonempty_orders &= ~(uint32_t{1} << order);
}

FrameAllocator::FrameIndex FrameAllocator::pop_free(unsigned order)
{
    const FrameIndex index = m_free_heads[order];
    unlink_free(index, order);
    return index;
}

void FrameAllocator::free_and_merge(FrameIndex index, unsigned order)
{
    // A run's buddy differs from it in exactly bit `order` of the frame
    // number (m_base is aligned to the largest run, so frame numbers and
    // physical addresses agree on alignment).
    while (order < max_order) {
        const FrameIndex buddy = index ^ (FrameIndex{1} << order);
        if (buddy >= m_frame_count || m_states[buddy] != (state_free_run | order))
            break;
        unlink_free(buddy, order);
        m_states[index > buddy ? index : buddy] = state_inside_run;
        index = index < buddy ? index : buddy;
        ++order;
    }
    m_states[index] = static_cast<uint8_t>(state_free_run | order);
    push_free(index, order);
}

FrameAllocator::FrameIndex FrameAllocator::run_containing(FrameIndex index) const
{
    // The run holding `index` starts at `index` rounded down to some order k
    // and has order >= k; the first run start found going up is it.
    for (unsigned order = 1; order <= max_order; ++order) {
        const FrameIndex start = index & ~((FrameIndex{1} << order) - 1);
        const uint8_t kind = m_states[start] & state_kind_mask;
        if ((kind == state_free_run || kind == state_used_run) && order_at(start) >= order)
            return start;
    }
    return no_frame;
}

kstd::Unexpected<FrameError> FrameAllocator::fail(FrameErrorKind kind, arch::PhysAddr address, unsigned order,
                                                  unsigned actual_order) const
{
    return kstd::unexpected(
        FrameError{kind, address, static_cast<uint8_t>(order), static_cast<uint8_t>(actual_order)});
}

kstd::Unexpected<FrameError> FrameAllocator::fail_misuse(FrameErrorKind kind, arch::PhysAddr address,
                                                         FrameOperation operation, unsigned order,
                                                         uint32_t references) const
{
    return kstd::unexpected(FrameError{kind, address, static_cast<uint8_t>(order), 0, operation, references});
}

bool FrameAllocator::check_consistency() const
{
    if (!m_initialized)
        return m_total_frames == 0 && m_free_frames == 0;
    // Every managed frame is the start of a run or inside exactly one; an
    // allocated run has at least one reference, at its first frame, and
    // every other frame none.
    uint64_t total = 0, free = 0;
    FrameIndex index = 0;
    while (index < m_frame_count) {
        const uint8_t state = m_states[index];
        if (state == state_unmanaged) {
            if (m_references[index] != 0)
                return false;
            ++index;
            continue;
        }
        const uint8_t kind = state & state_kind_mask;
        if (kind != state_free_run && kind != state_used_run)
            return false; // inside a run that does not start anywhere
        const unsigned order = order_at(index);
        const FrameIndex run = FrameIndex{1} << order;
        if (order > max_order || (index & (run - 1)) != 0 || m_frame_count - index < run)
            return false;
        for (FrameIndex i = index + 1; i < index + run; ++i) {
            if (m_states[i] != state_inside_run || m_references[i] != 0)
                return false;
        }
        if ((kind == state_used_run) != (m_references[index] != 0) || m_references[index] > m_reference_limit)
            return false;
        total += run;
        if (kind == state_free_run) {
            free += run;
            // Free buddies of one order must have merged.
            const FrameIndex buddy = index ^ run;
            if (order < max_order && buddy < m_frame_count && m_states[buddy] == (state_free_run | order))
                return false;
        }
        index += run;
    }
    if (total != m_total_frames || free != m_free_frames)
        return false;

    // The free lists hold exactly the free runs, each once, links intact.
    uint64_t listed = 0;
    for (unsigned order = 0; order <= max_order; ++order) {
        const bool nonempty = (m_nonempty_orders >> order) & 1;
        if (nonempty != (m_free_heads[order] != no_frame))
            return false;
        FrameIndex previous = no_frame;
        uint64_t steps = 0;
        for (FrameIndex i = m_free_heads[order]; i != no_frame; i = m_next[i]) {
            if (i >= m_frame_count || m_states[i] != (state_free_run | order) || m_previous[i] != previous)
                return false;
            if (++steps > m_frame_count)
                return false; // a cycle
            listed += uint64_t{1} << order;
            previous = i;
        }
    }
    return listed == m_free_frames;
}

} // namespace mem
