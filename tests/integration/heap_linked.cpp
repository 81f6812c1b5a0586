// The kernel-heap cases (heap_reference.h) on the LinkedList design
// (mem::HeapDesign::LinkedList), made the kernel heap before the first case.

#define KERNEL_HEAP_UNDER_TEST mem::HeapDesign::LinkedList
#include "heap_reference.h"
