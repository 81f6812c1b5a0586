#pragma once
// Init stage Memory: the physical memory manager, the kernel's own page
// tables with the direct map, and the kernel heap, in that order.

#include <optional>
#include "boot/boot_info.h"
#include "arch/x86_64/address.h"
#include "mem/kernel_heap.h"

namespace mem {

// `heap` overrides the build's default heap design (heap= on the command line).
void initialize_memory(const boot::BootInfo& info, std::optional<HeapDesign> heap);

} // namespace mem
