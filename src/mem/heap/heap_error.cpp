#include "mem/heap/heap_error.h"
#include "mem/heap/heap_allocator.h"

namespace mem::heap {

// The BadAlignment text names the limit, one page: keep the two in step.
static_assert(HeapAllocator::max_alignment == 4096, "update the BadAlignment text below");

std::string_view to_string(HeapErrorKind kind)
{
    switch (kind) {
    case HeapErrorKind::OutOfMemory: return "out of memory";
    case HeapErrorKind::BadAlignment: return "alignment is not a power of two up to 4096";
    case HeapErrorKind::NotFromHeap: return "pointer was not allocated by this heap";
    case HeapErrorKind::DoubleFree: return "block is already free (double free?)";
    case HeapErrorKind::Corrupted: return "heap metadata is corrupted";
    case HeapErrorKind::BackendNotContiguous: return "heap backend returned memory that does not continue the heap";
    }
    return "unknown heap error";
}

void format_value(kstd::Sink& sink, const HeapError& error, const kstd::FormatSpec&)
{
    switch (error.kind) {
    case HeapErrorKind::OutOfMemory:
    case HeapErrorKind::BadAlignment:
    case HeapErrorKind::BackendNotContiguous:
        kstd::format_to(sink, "{} allocating {} bytes (alignment {})", to_string(error.kind), error.size,
                        error.alignment);
        return;
    case HeapErrorKind::NotFromHeap:
    case HeapErrorKind::DoubleFree:
        kstd::format_to(sink, "freeing {}: {}", error.pointer, to_string(error.kind));
        return;
    case HeapErrorKind::Corrupted:
        // Found while freeing, or while allocating from a damaged free list.
        kstd::format_to(sink, "{} at {}", to_string(error.kind), error.pointer);
        return;
    }
    kstd::format_to(sink, "{}", to_string(error.kind));
}

} // namespace mem::heap
