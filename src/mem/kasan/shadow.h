#pragma once
// KASAN's shadow memory (test kernels only; docs/memory.md, docs/testing.md).
//
// One shadow byte describes 8 bytes (a granule) of the heap area, at
// arch::layout::kasan_shadow_base + (address - heap_region_base) / 8:
//
//   0          all 8 bytes may be accessed
//   1..7       only the first N bytes may (the end of an allocation)
//   0xFA       an allocation's header and the alignment padding before it
//   0xFB       past an allocation's requested size: its red zone and the slack
//              a size class adds
//   0xFC       heap memory not handed out (fresh, or given back to the design)
//   0xFD       freed: the allocation is in the quarantine
//
// Only the heap area has a shadow, and only where a heap region is mapped:
// shadow pages are mapped from the frame allocator as a region grows
// (MappedRegionBackend calls heap_mapped()) and unmapped with it. Every
// other address, and heap addresses that are not mapped (the access itself
// faults), pass the checks at once, so the shadow needs nothing at boot:
// until the first heap region grows, every check passes.
//
// In a kernel built without KASAN (the product), the hooks are empty.

#include <cstddef>
#include <cstdint>
#include "arch/x86_64/address.h"
#include "arch/x86_64/memory_layout.h"

namespace mem::kasan {

#ifdef KESTREL_KASAN
inline constexpr bool enabled = true;
#else
inline constexpr bool enabled = false;
#endif

enum ShadowValue : uint8_t {
    accessible = 0,
    left_red_zone = 0xFA,
    right_red_zone = 0xFB,
    unallocated = 0xFC,
    freed = 0xFD,
};

inline constexpr uintptr_t granule = arch::layout::kasan_granule;

#ifdef KESTREL_KASAN

// [start, start + bytes) of a heap region was mapped, right after what was
// mapped of it before: give it a shadow, all unallocated.
void heap_mapped(arch::VirtAddr start, uint64_t bytes);
// The region starting at `region_start` is being unmapped: its checks pass
// from now on (an access faults by itself) and its shadow is unmapped.
void heap_released(arch::VirtAddr region_start);

// Does [address, address + size) lie in a heap region's mapped part (so it
// has a shadow)?
bool has_shadow(uintptr_t address, size_t size);
uint8_t shadow_at(uintptr_t address); // has_shadow(address, 1) must hold
// Marks [start, start + size) with `value`; `start` is granule aligned.
void poison(uintptr_t start, size_t size, ShadowValue value);
// Marks [start, start + size) accessible, and the bytes after `size` in its
// last granule not; `start` is granule aligned.
void unpoison(uintptr_t start, size_t size);

#else

inline void heap_mapped(arch::VirtAddr, uint64_t) {}
inline void heap_released(arch::VirtAddr) {}

#endif

} // namespace mem::kasan
