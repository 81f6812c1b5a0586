// The kernel-heap cases (heap_reference.h) on the Bump design
// (mem::HeapDesign::Bump), made the kernel heap before the first case.

#define KERNEL_HEAP_UNDER_TEST mem::HeapDesign::Bump
#include "heap_reference.h"
