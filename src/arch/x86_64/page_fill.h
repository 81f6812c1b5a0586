#pragma once
// Zeroing and copying whole 4 KiB pages, eight bytes a step: REP STOSQ and
// REP MOVSQ (Intel SDM vol. 2B). memset's REP STOSB is as fast on CPUs with
// ERMSB, but under QEMU's emulation a string instruction costs per element,
// and a page is 512 quadwords against 4,096 bytes: the first touch of a
// page and a copy-on-write copy are the hot users (docs/performance.md).

#include <cstdint>
#include "arch/x86_64/page_size.h"

namespace arch {

// `page` is page aligned and writable (a frame through the direct map).
inline void zero_page(void* page)
{
    uint64_t count = page_size / 8;
    // REP STOSQ stores RAX into RCX quadwords at [RDI] upwards (DF is clear in the kernel).
    asm volatile("rep stosq" : "+D"(page), "+c"(count) : "a"(0) : "memory");
}

inline void copy_page(void* to, const void* from)
{
    uint64_t count = page_size / 8;
    // REP MOVSQ copies RCX quadwords from [RSI] to [RDI] upwards; the pages do not overlap.
    asm volatile("rep movsq" : "+D"(to), "+S"(from), "+c"(count) : : "memory");
}

} // namespace arch
