// The kernel-heap cases (heap_reference.h) on the FixedSizeBlocks design
// (mem::HeapDesign::FixedSizeBlocks), made the kernel heap before the first case.

#define KERNEL_HEAP_UNDER_TEST mem::HeapDesign::FixedSizeBlocks
#include "heap_reference.h"
