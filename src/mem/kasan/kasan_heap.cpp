#ifdef KESTREL_KASAN

#include "mem/kasan/kasan_heap.h"
#include <new>
#include "arch/x86_64/cpu.h"
#include "core/panic.h"
#include "core/sanitizer_report.h"
#include "mem/heap/heap_address.h"
#include "mem/kasan/shadow.h"
#include "mem/kasan/stack_depot.h"
#include "sync/spinlock.h"

namespace mem::kasan {

namespace {

using heap::address_of;
using heap::pointer_to;

// Right before every payload (see kasan_heap.h).
struct AllocationHeader {
    uint32_t magic;         // header_magic; anything else: not a payload of ours
    uint32_t block_offset;  // payload - block: the header and the padding in front of it
    uint64_t size;          // as requested
    uint32_t design_bytes;  // what the design counts as used for the block
    StackId allocated_by;
    StackId freed_by;
    uint32_t state;
    uint32_t unused;
};
static_assert(sizeof(AllocationHeader) == 32);

constexpr uint32_t header_magic = 0x4B41534E; // "KASN"
enum State : uint32_t { live = 1, quarantined = 2 };
constexpr size_t red_zone = 16;
constexpr size_t header_bytes = sizeof(AllocationHeader);

// Guards the quarantine and the stack depot (kasan_heap.h says why its rank is None).
sync::Spinlock g_lock("KASAN heap", sync::LockRank::None);

// The quarantine: a FIFO of freed payloads, bounded in count and bytes.
constexpr size_t quarantine_capacity = 256;
constexpr size_t quarantine_max_bytes = 256 * 1024;
AllocationHeader* g_quarantine[quarantine_capacity];
size_t g_quarantine_head = 0; // the oldest
size_t g_quarantine_count = 0;
size_t g_quarantine_bytes = 0;

AllocationHeader* header_of(uintptr_t payload)
{
    // allocate() created the header right before the payload.
    return std::launder(static_cast<AllocationHeader*>(pointer_to(payload - header_bytes)));
}

uintptr_t payload_of(const AllocationHeader* header)
{
    return address_of(header) + header_bytes;
}

uintptr_t block_of(const AllocationHeader* header)
{
    return payload_of(header) - header->block_offset;
}

// What the block spans that the design handed out for us (at least).
size_t requested_block_bytes(const AllocationHeader* header)
{
    return header->block_offset + arch::align_up(header->size, granule) + red_zone;
}

// Is there one of our headers right before `payload`?
bool is_payload(uintptr_t payload)
{
    if (payload % heap::HeapAllocator::min_alignment != 0 || !has_shadow(payload - header_bytes, header_bytes))
        return false;
    if (shadow_at(payload - granule) != left_red_zone)
        return false;
    return header_of(payload)->magic == header_magic;
}

void evict_oldest(heap::HeapAllocator& heap)
{
    AllocationHeader* header = g_quarantine[g_quarantine_head];
    g_quarantine_head = (g_quarantine_head + 1) % quarantine_capacity;
    --g_quarantine_count;
    g_quarantine_bytes -= header->design_bytes;
    const uintptr_t block = block_of(header);
    poison(block, requested_block_bytes(header), unallocated);
    header->magic = 0;
    // The block came from this design, and nobody holds it now.
    if (auto freed = heap.deallocate(pointer_to(block)); !freed)
        core::panic("KASAN: the heap refused a block from the quarantine: {}", freed.error());
}

void print_allocation_stacks(kstd::Sink& sink, const AllocationHeader* header)
{
    kstd::format_to(sink, "  allocated by:\n");
    print_stack(sink, header->allocated_by, "    ");
    if (header->state == quarantined) {
        kstd::format_to(sink, "  freed by:\n");
        print_stack(sink, header->freed_by, "    ");
    }
}

// The allocation an address belongs to or lies next to: the nearest header
// at or before it, found by walking the shadow back to a 0xFA granule (or
// forward, inside a header, to the payload). Null if none is near.
const AllocationHeader* allocation_near(uintptr_t address)
{
    constexpr size_t max_walk = 1 << 20; // bytes of heap; reports only
    uintptr_t at = address & ~(granule - 1);
    if (shadow_at(at) == left_red_zone) {
        // In a header or the padding before it: the payload follows.
        for (size_t walked = 0; walked < 4096 && has_shadow(at + granule, 1) && shadow_at(at) == left_red_zone;
             walked += granule)
            at += granule;
        return is_payload(at) ? header_of(at) : nullptr;
    }
    for (size_t walked = 0; walked < max_walk && has_shadow(at - granule, 1); walked += granule) {
        at -= granule;
        if (shadow_at(at) == left_red_zone)
            return is_payload(at + granule) ? header_of(at + granule) : nullptr;
    }
    return nullptr;
}

const char* kind_of(uint8_t shadow, uint8_t next_shadow)
{
    if (shadow < granule) // a partial granule: what follows says why
        shadow = next_shadow;
    switch (shadow) {
    case left_red_zone: return "heap-buffer-overflow";
    case right_red_zone: return "heap-buffer-overflow";
    case freed: return "use-after-free";
    case unallocated: return "out-of-bounds access to unallocated heap memory";
    default: return "bad access";
    }
}

void flush_quarantine_locked(heap::HeapAllocator& heap)
{
    while (g_quarantine_count != 0)
        evict_oldest(heap);
}

kstd::Expected<void*, heap::HeapError> allocate_locked(heap::HeapAllocator& heap, size_t size, size_t alignment)
{
    if (size > heap::HeapAllocator::max_size || !heap::is_valid_alignment(alignment))
        return heap.allocate(size, alignment); // the design's error
    const size_t align = alignment < heap::HeapAllocator::min_alignment ? heap::HeapAllocator::min_alignment : alignment;
    const size_t block_offset = arch::align_up(header_bytes, align);
    const size_t total = block_offset + arch::align_up(size, granule) + red_zone;
    const size_t used_before = heap.statistics().used_bytes;
    auto block = heap.allocate(total, align);
    if (!block && block.error().kind == heap::HeapErrorKind::OutOfMemory && g_quarantine_count != 0) {
        // The quarantine must not cause an out-of-memory: empty it, try again.
        flush_quarantine_locked(heap);
        return allocate_locked(heap, size, alignment);
    }
    if (!block)
        return kstd::unexpected(heap::HeapError{block.error().kind, size, alignment, nullptr});
    const uintptr_t start = address_of(*block);
    const uintptr_t payload = start + block_offset;
    // The design handed out [start, start + total): ours to lay out.
    new (pointer_to(payload - header_bytes)) AllocationHeader{
        header_magic,
        static_cast<uint32_t>(block_offset),
        size,
        static_cast<uint32_t>(heap.statistics().used_bytes - used_before),
        save_stack(arch::read_frame_pointer()),
        0,
        live,
        0,
    };
    if (has_shadow(start, total)) {
        poison(start, block_offset, left_red_zone);
        unpoison(payload, size);
        const uintptr_t red = payload + arch::align_up(size, granule);
        poison(red, start + total - red, right_red_zone);
    }
    return pointer_to(payload);
}

} // namespace

kstd::Expected<void*, heap::HeapError> allocate(heap::HeapAllocator& heap, size_t size, size_t alignment)
{
    sync::SpinlockGuard guard(g_lock);
    return allocate_locked(heap, size, alignment);
}

kstd::Expected<void, heap::HeapError> deallocate(heap::HeapAllocator& heap, void* pointer, bool quarantine)
{
    if (pointer == nullptr)
        return {};
    sync::SpinlockGuard guard(g_lock);
    const uintptr_t payload = address_of(pointer);
    if (!is_payload(payload))
        return heap.deallocate(pointer); // not ours: the design says what it is
    AllocationHeader* header = header_of(payload);
    if (header->state == quarantined) {
        core::SanitizerReport report;
        if (kstd::Sink* sink = report.sink()) {
            kstd::format_to(*sink, "KASAN: double-free of {:#x}, the {}-byte allocation\n", payload, header->size);
            report.backtrace(arch::read_frame_pointer());
            print_allocation_stacks(*sink, header);
            report.finish();
        }
        return {}; // the second free is ignored
    }
    header->state = quarantined;
    header->freed_by = save_stack(arch::read_frame_pointer());
    poison(payload, header->size, freed);
    if (!quarantine) {
        // Straight back to the design; the shadow (and the header, until
        // the memory is reused) says "freed" until it is handed out again.
        return heap.deallocate(pointer_to(block_of(header)));
    }
    const size_t tail = (g_quarantine_head + g_quarantine_count) % quarantine_capacity;
    g_quarantine[tail] = header;
    ++g_quarantine_count;
    g_quarantine_bytes += header->design_bytes;
    while (g_quarantine_count == quarantine_capacity || g_quarantine_bytes > quarantine_max_bytes)
        evict_oldest(heap);
    return {};
}

void flush_quarantine(heap::HeapAllocator& heap)
{
    sync::SpinlockGuard guard(g_lock);
    flush_quarantine_locked(heap);
}

QuarantineStatistics quarantine_statistics()
{
    sync::SpinlockGuard guard(g_lock);
    return {g_quarantine_count, g_quarantine_bytes};
}

heap::HeapStatistics user_statistics(const heap::HeapAllocator& heap)
{
    sync::SpinlockGuard guard(g_lock); // no block enters or leaves the quarantine in between
    heap::HeapStatistics counts = heap.statistics();
    counts.live_allocations -= g_quarantine_count;
    counts.used_bytes -= g_quarantine_bytes;
    return counts;
}

void report_bad_access(uintptr_t address, size_t size, bool write, uintptr_t bad, arch::VirtAddr frame_pointer)
{
    core::SanitizerReport report;
    kstd::Sink* sink = report.sink();
    if (!sink)
        return;
    const uint8_t shadow = shadow_at(bad);
    const uint8_t next = has_shadow(bad + granule, 1) ? shadow_at(bad + granule) : uint8_t{unallocated};
    kstd::format_to(*sink, "KASAN: {}: {} of {} byte{} at {:#x}", kind_of(shadow, next), write ? "write" : "read",
                    size, size == 1 ? "" : "s", address);
    if (bad != address)
        kstd::format_to(*sink, " (first bad byte {:#x})", bad);
    sink->write("\n");
    const AllocationHeader* header = allocation_near(bad);
    if (header) {
        const uintptr_t payload = payload_of(header);
        const auto offset = static_cast<int64_t>(bad - payload);
        kstd::format_to(*sink, "  the address is at offset {} of the {}-byte allocation at {:#x}", offset, header->size,
                        payload);
        if (offset < 0)
            kstd::format_to(*sink, ": {} bytes before its start", -offset);
        else if (static_cast<uint64_t>(offset) >= header->size)
            kstd::format_to(*sink, ": {} bytes past its end", static_cast<uint64_t>(offset) - header->size);
        kstd::format_to(*sink, "{}\n", header->state == quarantined ? ", freed" : "");
    } else {
        kstd::format_to(*sink, "  no allocation found near the address\n");
    }
    report.backtrace(frame_pointer);
    if (header)
        print_allocation_stacks(*sink, header);
    report.finish();
}

} // namespace mem::kasan

#endif // KESTREL_KASAN
