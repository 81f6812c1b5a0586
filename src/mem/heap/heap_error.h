#pragma once
// What a heap allocator reports instead of crashing: out of memory, a bad
// request, or a misuse it caught (a pointer it never handed out, a double
// free). The kernel's operator new panics with it; nothrow new returns null.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include "kstd/format.h"

namespace mem::heap {

enum class HeapErrorKind : uint8_t {
    OutOfMemory,          // the backend cannot grow the heap enough
    BadAlignment,         // not a power of two, or above HeapAllocator::max_alignment
    NotFromHeap,          // freeing a pointer this heap did not hand out
    DoubleFree,           // freeing a block that is free already
    Corrupted,            // the heap's own bookkeeping was overwritten
    BackendNotContiguous, // the backend broke its promise to grow in place
};

std::string_view to_string(HeapErrorKind kind);

struct HeapError {
    HeapErrorKind kind;
    size_t size = 0;               // the request, for allocation errors
    size_t alignment = 0;
    const void* pointer = nullptr; // the pointer, for free errors
};

// Prints e.g. "out of memory allocating 4096 bytes (alignment 16)".
void format_value(kstd::Sink& sink, const HeapError& error, const kstd::FormatSpec& spec);

} // namespace mem::heap
