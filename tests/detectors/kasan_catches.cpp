// Detector: kernel KASAN (src/mem/kasan/) catches a heap overflow by one byte
// past the requested size, inside the slack the heap's size class adds; a
// use after free; and a double free. Each fails its own case with a report
// naming the kind, the address and its offset in the allocation, the
// allocation's size, and where it was allocated (and freed); each case goes
// on after its report; accesses inside live allocations report nothing.
// Heap design: fixed-size blocks (the default).
// ktest-runner-args: --expect failed --expect-case detector.heap_overflow_by_one_byte_is_reported --expect-passed 1
// ktest-runner-args: --expect-output "KASAN: heap-buffer-overflow: write of 1 byte at 0x"
// ktest-runner-args: --expect-output "at offset 20 of the 20-byte allocation at 0x"
// ktest-runner-args: --expect-output ": 0 bytes past its end"
// ktest-runner-args: --expect-output "KASAN: use-after-free: read of 8 bytes at 0x"
// ktest-runner-args: --expect-output "at offset 0 of the 8-byte allocation at 0x"
// ktest-runner-args: --expect-output "KASAN: double-free of 0x"
// ktest-runner-args: --expect-output "  allocated by:" --expect-output "  freed by:"

#include "mem/kernel_heap.h"

#define KASAN_HEAP_DESIGN mem::HeapDesign::FixedSizeBlocks
#include "tests/detectors/kasan_cases.h"
