#include "mem/frame_error.h"

namespace mem {

std::string_view to_string(FrameErrorKind kind)
{
    switch (kind) {
    case FrameErrorKind::OutOfMemory: return "out of physical memory";
    case FrameErrorKind::InvalidOrder: return "run order too large";
    case FrameErrorKind::DoubleFree: return "frame is already free (double free?)";
    case FrameErrorKind::NotAllocated: return "frame was never handed out";
    case FrameErrorKind::OrderMismatch: return "run freed with another order than it was allocated with";
    case FrameErrorKind::StillShared: return "frame is still shared: release it, do not free it";
    case FrameErrorKind::NotInUse: return "frame is free: there is nothing to share";
    case FrameErrorKind::TooManyReferences: return "frame has as many references as a count holds";
    case FrameErrorKind::MetadataTooSmall: return "metadata buffer too small";
    case FrameErrorKind::SpanTooLarge: return "span has too many frames";
    case FrameErrorKind::OutsideSpan: return "range is outside the managed span";
    case FrameErrorKind::AlreadyAdded: return "range overlaps frames added before";
    case FrameErrorKind::NotInitialized: return "frame allocator not initialised";
    }
    return "unknown frame allocator error";
}

void format_value(kstd::Sink& sink, const FrameError& error, const kstd::FormatSpec&)
{
    switch (error.kind) {
    case FrameErrorKind::OutOfMemory:
        kstd::format_to(sink, "out of physical memory: no free run of {} frame(s) (order {})", uint64_t{1} << error.order,
                        error.order);
        return;
    case FrameErrorKind::InvalidOrder:
        kstd::format_to(sink, "run order {} is larger than the largest the allocator manages", error.order);
        return;
    case FrameErrorKind::OrderMismatch:
        kstd::format_to(sink, "frame {} starts a run of order {} but was freed as order {}", error.address,
                        error.actual_order, error.order);
        return;
    case FrameErrorKind::StillShared:
        kstd::format_to(sink, "freeing frame {} (order {}): frame is still shared ({} references): release it, do not free it",
                        error.address, error.order, error.references);
        return;
    case FrameErrorKind::TooManyReferences:
        kstd::format_to(sink, "sharing frame {}: it has {} references, the most its count holds", error.address,
                        error.references);
        return;
    case FrameErrorKind::DoubleFree:
    case FrameErrorKind::NotAllocated:
    case FrameErrorKind::NotInUse:
        if (error.operation == FrameOperation::Share)
            kstd::format_to(sink, "sharing frame {}: {}", error.address, to_string(error.kind));
        else if (error.operation == FrameOperation::Release)
            kstd::format_to(sink, "releasing frame {}: {}", error.address, to_string(error.kind));
        else
            kstd::format_to(sink, "freeing frame {} (order {}): {}", error.address, error.order, to_string(error.kind));
        return;
    default:
        kstd::format_to(sink, "{} (address {})", to_string(error.kind), error.address);
        return;
    }
}

} // namespace mem
