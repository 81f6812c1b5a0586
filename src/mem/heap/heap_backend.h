#pragma once
// Where a heap gets its memory. A heap lives in one region of virtual memory
// that starts empty and grows at its end; the backend makes more of it usable
// on request. In the kernel the backend maps fresh frames after the current
// end; on the host (and in tests) it hands out the next part of a buffer.

#include <cstddef>
#include <span>
#include "kstd/expected.h"
#include "mem/heap/heap_error.h"

namespace mem::heap {

class HeapBackend {
public:
    // Makes at least `minimum_bytes` more bytes usable and returns them. The
    // first call may return memory anywhere (aligned to at least 16 bytes);
    // every later call returns memory that starts exactly where the previous
    // one ended, so the heap stays one contiguous region. A backend that
    // cannot grow returns an OutOfMemory error and the heap is unchanged.
    [[nodiscard]] virtual kstd::Expected<std::span<std::byte>, HeapError> grow(size_t minimum_bytes) = 0;

protected:
    ~HeapBackend() = default;
};

} // namespace mem::heap
