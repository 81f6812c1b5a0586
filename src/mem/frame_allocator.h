#pragma once
// The physical frame allocator: a binary buddy allocator over 4 KiB frames
// (Knuth, TAOCP vol. 1, 2.5; the scheme Linux's page allocator uses).
//
// Memory is handed out in runs of 2^order frames (order 0 = one frame, up to
// max_order), each aligned to its own size, so an order-9 run is a 2 MiB
// region fit for a huge page. Allocation takes the smallest free run of at
// least the wanted order and splits it; freeing a run merges it with its
// buddy (the other half of the run of the next order) while that is free.
// Both take at most max_order steps: near-constant time.
//
// All bookkeeping lives in a metadata buffer the caller provides (about
// 13 bytes per frame, see metadata_bytes()): the allocator never reads or
// writes the frames it manages. So it works before any heap or direct map
// exists, and the host tests can manage made-up physical memory.
//
// Per frame the metadata keeps one state byte (free run start, allocated run
// start, inside a run, or not managed), two 32-bit links for the free
// lists (one doubly linked list per order, so a buddy can be unlinked in
// O(1)) and a 32-bit reference count. The state byte is what lets free() tell
// a double free, a frame never handed out, and a run freed with the wrong
// size apart; they come back as errors, and the kernel wrapper panics with
// them.
//
// Reference counts: an allocated run has one, kept at its first frame (every
// other frame's is 0). allocate_run() starts it at 1; share() adds one (a
// second address space maps the frame, copy-on-write after a fork);
// release() takes one away and frees the run with the last. free() is for a
// run with one reference: freeing a shared run is an error (StillShared),
// since another user still reads it.
//
// Typical use (the kernel's memory manager):
//   FrameAllocator frames;
//   frames.initialize(span_of_all_ram, metadata_buffer);   // nothing free yet
//   for (PhysRange range : usable_ranges) frames.add_free_range(range);
//   arch::PhysAddr frame = frames.allocate().value();
//   frames.free(frame);
//
// Not thread-safe: the kernel wrapper holds a lock around it.

#include <cstddef>
#include <cstdint>
#include <span>
#include "kstd/expected.h"
#include "arch/x86_64/address.h"
#include "mem/frame_error.h"
#include "arch/x86_64/page_size.h"
#include "mem/phys_range.h"

namespace mem {

class FrameAllocator {
public:
    // The largest run is 2^10 frames = 4 MiB (as Linux's MAX_ORDER): enough
    // for a 2 MiB huge page, few enough levels that every operation is short.
    static constexpr unsigned max_order = 10;
    static constexpr uint64_t max_run_bytes = arch::frame_size << max_order;

    // Bytes of metadata needed to manage the frames of `span`.
    static uint64_t metadata_bytes(PhysRange span);

    constexpr FrameAllocator() = default;
    FrameAllocator(const FrameAllocator&) = delete;
    FrameAllocator& operator=(const FrameAllocator&) = delete;

    // Prepares to manage frames inside `span` (which may be larger than the
    // usable memory: holes cost metadata only). No frame is free until
    // add_free_range() hands it over. `metadata` must hold at least
    // metadata_bytes(span) bytes and stay valid while the allocator is used.
    [[nodiscard]] kstd::Expected<void, FrameError> initialize(PhysRange span, std::span<std::byte> metadata);

    // Hands the whole frames inside `range` to the allocator. Ranges may be
    // added in any order; neighbouring ranges merge into larger runs.
    [[nodiscard]] kstd::Expected<void, FrameError> add_free_range(PhysRange range);

    // One 4 KiB frame.
    [[nodiscard]] kstd::Expected<arch::PhysAddr, FrameError> allocate() { return allocate_run(0); }
    // 2^order contiguous frames, the first aligned to arch::frame_size << order.
    [[nodiscard]] kstd::Expected<arch::PhysAddr, FrameError> allocate_run(unsigned order);

    // Frees what allocate() returned.
    [[nodiscard]] kstd::Expected<void, FrameError> free(arch::PhysAddr frame) { return free_run(frame, 0); }
    // Frees what allocate_run(order) returned; the order must match, and the
    // run must have one reference (else StillShared).
    [[nodiscard]] kstd::Expected<void, FrameError> free_run(arch::PhysAddr first, unsigned order);

    // One more reference to the run starting at `first` (of any order).
    [[nodiscard]] kstd::Expected<void, FrameError> share(arch::PhysAddr first);
    // One reference less; the last one frees the run. Returns the references
    // left (0: the run is free now).
    [[nodiscard]] kstd::Expected<uint32_t, FrameError> release(arch::PhysAddr first);
    // The references to the run starting at `first`; 0 if no allocated run
    // starts there.
    uint32_t reference_count(arch::PhysAddr first) const;
    // The most references a run may have; share() refuses one more
    // (TooManyReferences) rather than wrap. Tests lower it to reach it.
    void set_reference_limit(uint32_t limit) { m_reference_limit = limit; }

    uint64_t total_frames() const { return m_total_frames; }
    uint64_t free_frames() const { return m_free_frames; }
    uint64_t used_frames() const { return m_total_frames - m_free_frames; }
    PhysRange span() const { return m_span; }

    // The largest order with a free run, or -1 if nothing is free.
    int largest_free_order() const;

    // Walks all metadata and checks every invariant (free lists, states,
    // counters, no free buddies left unmerged). O(frames): for tests.
    bool check_consistency() const;

private:
    using FrameIndex = uint32_t;
    static constexpr FrameIndex no_frame = UINT32_MAX;

    // The state byte of a frame. The top two bits say what the frame is, the
    // low bits hold the order of a run that starts there.
    enum : uint8_t {
        state_unmanaged = 0x00,   // a hole, reserved, or not added yet
        state_inside_run = 0x01,  // part of a run, not its first frame
        state_free_run = 0x40,    // first frame of a free run   | order
        state_used_run = 0x80,    // first frame of an allocated run | order
        state_kind_mask = 0xC0,
        state_order_mask = 0x3F,
    };

    arch::PhysAddr address_of(FrameIndex index) const { return m_base + uint64_t{index} * arch::frame_size; }
    bool is_run_start(FrameIndex index, uint8_t kind) const { return (m_states[index] & state_kind_mask) == kind; }
    unsigned order_at(FrameIndex index) const { return m_states[index] & state_order_mask; }
    kstd::Unexpected<FrameError> fail_misuse(FrameErrorKind kind, arch::PhysAddr address, FrameOperation operation,
                                             unsigned order, uint32_t references) const;

    void push_free(FrameIndex index, unsigned order);
    void unlink_free(FrameIndex index, unsigned order);
    FrameIndex pop_free(unsigned order);
    // Marks the run at `index` free and merges it with free buddies.
    void free_and_merge(FrameIndex index, unsigned order);
    // The index of the allocated run starting at `first`, or why there is
    // none (for an error of `operation`).
    kstd::Expected<FrameIndex, FrameError> used_run_at(arch::PhysAddr first, FrameOperation operation,
                                                       unsigned order) const;
    // The run containing frame `index`, for error reports: its first frame,
    // or no_frame if the frame belongs to none.
    FrameIndex run_containing(FrameIndex index) const;
    kstd::Unexpected<FrameError> fail(FrameErrorKind kind, arch::PhysAddr address, unsigned order,
                                      unsigned actual_order = 0) const;

    PhysRange m_span;
    arch::PhysAddr m_base;                   // m_span.start rounded down to max_run_bytes: buddies are found by XOR
    FrameIndex m_frame_count = 0;      // frames from m_base to the end of the span
    uint8_t* m_states = nullptr;       // one byte per frame
    FrameIndex* m_next = nullptr;      // free list links, valid at the first frame of a free run
    FrameIndex* m_previous = nullptr;
    uint32_t* m_references = nullptr;  // at the first frame of an allocated run; 0 elsewhere
    uint32_t m_reference_limit = UINT32_MAX;
    FrameIndex m_free_heads[max_order + 1] = {};
    uint32_t m_nonempty_orders = 0;    // bit k set: the order-k free list is not empty
    uint64_t m_total_frames = 0;
    uint64_t m_free_frames = 0;
    bool m_initialized = false;
};

} // namespace mem
