#pragma once
// What the physical frame allocator reports instead of crashing. The kernel
// wrapper panics with it; tests compare the kind and the address.

#include <cstdint>
#include <string_view>
#include "kstd/format.h"
#include "arch/x86_64/address.h"

namespace mem {

enum class FrameErrorKind : uint8_t {
    // allocate
    OutOfMemory,        // no free run of the requested order
    InvalidOrder,       // order above FrameAllocator::max_order
    // free, share, release
    DoubleFree,         // the frame is free already (freed twice, or never handed out)
    NotAllocated,       // not the first frame of a run this allocator handed out
    OrderMismatch,      // the first frame of a run, freed with another order than it was allocated with
    StillShared,        // freed while it has more than one reference: release it instead
    NotInUse,           // share: the frame is free, there is nothing to share
    TooManyReferences,  // share: the count is at its limit and would overflow
    // initialize / add_free_range
    MetadataTooSmall,   // the caller's metadata buffer is smaller than metadata_bytes()
    SpanTooLarge,       // more frames than 32-bit frame numbers can name
    OutsideSpan,        // a free range that is not inside the managed span
    AlreadyAdded,       // a free range overlapping frames added before
    NotInitialized,
};

std::string_view to_string(FrameErrorKind kind);

// What the caller was doing with the frame, for the message of a misuse.
enum class FrameOperation : uint8_t { Free, Share, Release };

struct FrameError {
    FrameErrorKind kind;
    arch::PhysAddr address;          // the frame (or range start) concerned
    uint8_t order = 0;         // the order asked for
    uint8_t actual_order = 0;  // OrderMismatch: the order the run was allocated with
    FrameOperation operation = FrameOperation::Free;
    uint32_t references = 0;   // StillShared, TooManyReferences: the run's reference count
};

// Prints e.g. "frame 0x0000000000123000 is already free (double free?)".
void format_value(kstd::Sink& sink, const FrameError& error, const kstd::FormatSpec& spec);

} // namespace mem
