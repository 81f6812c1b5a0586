#pragma once
// Short backtraces, stored once each (KASAN records one at every allocation
// and free; the same call paths recur, so a table of distinct traces stays
// small and the allocation header holds a 16-bit id, as Linux's stack depot
// does for its KASAN).

#include <cstdint>
#include "arch/x86_64/address.h"
#include "kstd/format.h"

namespace mem::kasan {

using StackId = uint16_t; // 0: no trace (none recorded, or the table was full)

// Enough for the heap's own frames (kernel_heap, runtime, operator new when
// it is not inlined) and a few callers; each frame costs every allocation
// and free of a test kernel a little.
inline constexpr unsigned stack_depth = 8;

// The return addresses up the frame-pointer chain from `frame_pointer`.
StackId save_stack(arch::VirtAddr frame_pointer);
// "#0 0x..." lines, one per frame, after `indent` (or a line saying none
// was recorded).
void print_stack(kstd::Sink& sink, StackId id, const char* indent);

} // namespace mem::kasan
