// KASAN's shadow and its checks: the __asan_*_noabort functions GCC calls
// before every load and store of instrumented code (outline instrumentation,
// cmake/Sanitizers.cmake). This file is not instrumented itself.

#ifdef KESTREL_KASAN

#include "mem/kasan/shadow.h"
#include "core/panic.h"
#include "core/sanitizer_report.h"
#include "mem/heap/heap_address.h"
#include "mem/kasan/kasan_heap.h"
#include "mem/kernel_address_space.h"

namespace mem::kasan {

namespace {

using namespace arch::layout;

constexpr uint64_t heap_area_bytes = heap_region_end - heap_region_base;
constexpr size_t region_count = heap_area_bytes / heap_region_size;
static_assert(arch::is_power_of_two(heap_region_size));
constexpr unsigned region_shift = __builtin_ctzll(heap_region_size);

// Per heap region: the bytes mapped from its start (they have a shadow, and
// are checked), and the shadow bytes mapped for it (whole pages).
uint64_t g_heap_mapped[region_count];
uint64_t g_shadow_mapped[region_count];

uintptr_t shadow_address(uintptr_t address)
{
    return kasan_shadow_base + (address - heap_region_base) / granule;
}

uint8_t* shadow_pointer(uintptr_t address)
{
    // heap_mapped() mapped the shadow of every address checked here.
    return reinterpret_cast<uint8_t*>(shadow_address(address));
}

size_t region_of(uintptr_t address)
{
    return (address - heap_region_base) >> region_shift;
}

// The first byte of [address, address + size) its shadow does not allow, or
// 0. Granule by granule; callers made sure the range has a shadow.
uintptr_t first_bad_byte(uintptr_t address, size_t size)
{
    const uintptr_t end = address + size;
    for (uintptr_t at = address; at < end;) {
        const uintptr_t granule_start = at & ~(granule - 1);
        const uintptr_t granule_end = granule_start + granule;
        const uint8_t value = *shadow_pointer(at);
        if (value != accessible) {
            if (value >= granule) // a poison value
                return at;
            const uintptr_t allowed_end = granule_start + value;
            if (at >= allowed_end)
                return at;
            if (end > allowed_end)
                return allowed_end;
        }
        at = granule_end;
    }
    return 0;
}

// The common path: most accesses are not to the heap, and return after one
// compare.
[[gnu::always_inline]] inline void check(uintptr_t address, size_t size, bool write, void* frame_pointer)
{
    const uintptr_t offset = address - heap_region_base;
    if (offset >= heap_area_bytes) [[likely]]
        return;
    const uint64_t in_region = offset & (heap_region_size - 1);
    if (in_region + size > g_heap_mapped[offset >> region_shift] || size == 0)
        return; // not mapped: the access faults by itself
    const uintptr_t bad = first_bad_byte(address, size);
    if (bad != 0) [[unlikely]]
        report_bad_access(address, size, write, bad, arch::VirtAddr::of(frame_pointer));
}

} // namespace

void heap_mapped(arch::VirtAddr start, uint64_t bytes)
{
    const uintptr_t address = start.value();
    if (address - heap_region_base >= heap_area_bytes)
        return; // not the heap area: no shadow
    const size_t region = region_of(address);
    const uintptr_t region_start = heap_region_base + (region << region_shift);
    KASSERT(address == region_start + g_heap_mapped[region], "KASAN: heap region {:#x} grew out of order", address);
    const uint64_t heap_bytes = g_heap_mapped[region] + bytes;
    const uint64_t shadow_bytes = arch::align_up(heap_bytes / granule, arch::page_size);
    if (shadow_bytes > g_shadow_mapped[region]) {
        const arch::VirtAddr more(shadow_address(region_start) + g_shadow_mapped[region]);
        if (auto mapped = kernel_address_space().map_fresh(more, shadow_bytes - g_shadow_mapped[region],
                                                           arch::Protection::read_write());
            !mapped)
            core::panic("KASAN: cannot map the shadow of the heap at {:#x}: {}", address, mapped.error());
        g_shadow_mapped[region] = shadow_bytes;
    }
    poison(address, bytes, unallocated);
    g_heap_mapped[region] = heap_bytes; // checked from now on
}

void heap_released(arch::VirtAddr region_start)
{
    const uintptr_t address = region_start.value();
    if (address - heap_region_base >= heap_area_bytes)
        return;
    const size_t region = region_of(address);
    g_heap_mapped[region] = 0; // no more checks, before the shadow goes
    kernel_address_space().unmap_and_free(arch::VirtAddr(shadow_address(address)), g_shadow_mapped[region]);
    g_shadow_mapped[region] = 0;
}

bool has_shadow(uintptr_t address, size_t size)
{
    const uintptr_t offset = address - heap_region_base;
    return offset < heap_area_bytes && (offset & (heap_region_size - 1)) + size <= g_heap_mapped[offset >> region_shift];
}

uint8_t shadow_at(uintptr_t address)
{
    return *shadow_pointer(address);
}

void poison(uintptr_t start, size_t size, ShadowValue value)
{
    __builtin_memset(shadow_pointer(start), value, arch::align_up(size, granule) / granule);
}

void unpoison(uintptr_t start, size_t size)
{
    __builtin_memset(shadow_pointer(start), accessible, size / granule);
    if (size % granule != 0)
        *shadow_pointer(start + size - size % granule) = static_cast<uint8_t>(size % granule);
}

} // namespace mem::kasan

// The entry points of outline instrumentation: check, then (if the access is
// allowed) return and let the code do it. "noabort": a bad access is
// reported and the code goes on. The signatures are GCC's (sanitizer.def):
// the address as a pointer, the size for the N forms.
#define KASAN_CHECK(size)                                                                                          \
    extern "C" void __asan_load##size##_noabort(void* address)                                                     \
    {                                                                                                              \
        mem::kasan::check(heap::address_of(address), size, false, __builtin_frame_address(0));                     \
    }                                                                                                              \
    extern "C" void __asan_store##size##_noabort(void* address)                                                    \
    {                                                                                                              \
        mem::kasan::check(heap::address_of(address), size, true, __builtin_frame_address(0));                      \
    }

namespace heap = mem::heap;

KASAN_CHECK(1)
KASAN_CHECK(2)
KASAN_CHECK(4)
KASAN_CHECK(8)
KASAN_CHECK(16)

extern "C" void __asan_loadN_noabort(void* address, size_t size)
{
    mem::kasan::check(heap::address_of(address), size, false, __builtin_frame_address(0));
}

extern "C" void __asan_storeN_noabort(void* address, size_t size)
{
    mem::kasan::check(heap::address_of(address), size, true, __builtin_frame_address(0));
}

// GCC calls this before a call that does not return (a longjmp, in user
// space, leaves poisoned stack behind). The kernel does not poison stacks
// (asan-stack=0): nothing to do.
extern "C" void __asan_handle_no_return() {}

// GCC brackets each file's dynamic initialisers with these, for ASan's
// initialisation-order checking of globals; globals have no shadow here.
extern "C" void __asan_before_dynamic_init(const char*) {}
extern "C" void __asan_after_dynamic_init() {}

#endif // KESTREL_KASAN
