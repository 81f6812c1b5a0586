#ifdef KESTREL_KASAN

#include "mem/kasan/stack_depot.h"
#include "arch/x86_64/kernel_stacks.h"
#include "arch/x86_64/frame_chain.h"
#include "core/backtrace.h"
#include "arch/x86_64/page_size.h"

namespace mem::kasan {

namespace {

constexpr size_t capacity = 2048;    // distinct traces
constexpr size_t slot_count = 4096;  // open addressing, at most half full

struct Trace {
    uint64_t frames[stack_depth];
    uint32_t hash;
    uint8_t depth;
};

Trace g_traces[capacity];
size_t g_trace_count = 0;
StackId g_slots[slot_count]; // 0 empty, else id = index into g_traces + 1

uint32_t hash_of(const uint64_t* frames, unsigned depth)
{
    // FNV-1a over the return addresses.
    uint64_t hash = 0xcbf29ce484222325ull;
    for (unsigned i = 0; i < depth; ++i) {
        hash ^= frames[i];
        hash *= 0x100000001b3ull;
    }
    return static_cast<uint32_t>(hash ^ (hash >> 32));
}

bool same(const Trace& trace, const uint64_t* frames, unsigned depth, uint32_t hash)
{
    if (trace.hash != hash || trace.depth != depth)
        return false;
    for (unsigned i = 0; i < depth; ++i) {
        if (trace.frames[i] != frames[i])
            return false;
    }
    return true;
}

// Pages of frame records found mapped, in the top 2 GiB only: thread stacks
// (the other place frame_record_plausible allows) come and go. In the top
// 2 GiB nothing is mapped or unmapped once the
// Memory stage has remapped the image (the guard pages stay unmapped, the
// rest stays mapped), and KASAN saves backtraces only from then on (the heap
// comes up in that stage): a page once found mapped stays mapped, so each is
// looked up in the page tables once, not at every frame of every allocation
// (the lookups were most of the cost of an allocation in a test kernel).
constexpr size_t verified_capacity = 8;
arch::VirtAddr g_verified[verified_capacity];
size_t g_verified_next = 0;
arch::VirtAddr g_last_verified(0); // most records lie on the page of the one before

bool page_verified(arch::VirtAddr page)
{
    if (page == g_last_verified)
        return true;
    for (const arch::VirtAddr known : g_verified) {
        if (known == page) {
            g_last_verified = page;
            return true;
        }
    }
    return false;
}

// The stack the walk started on: the running code's own, so mapped all
// through the walk. Its records need no page-table lookup (a thread's stack
// lies outside the top 2 GiB, where the page cache below does not go).
arch::VirtAddr g_walk_bottom(0), g_walk_top(0);

bool record_readable(arch::VirtAddr record)
{
    if (record >= g_walk_bottom && record + 16 <= g_walk_top)
        return true;
    const arch::VirtAddr page = record.align_down(arch::page_size);
    if (page_verified(page) && (record + 15).align_down(arch::page_size) == page)
        return true;
    const arch::FrameRecordCheck check = core::frame_record_check();
    if (check && !check(record))
        return false;
    if (check && page >= arch::VirtAddr(arch::layout::kernel_vma)) {
        g_last_verified = page;
        g_verified[g_verified_next] = page;
        g_verified_next = (g_verified_next + 1) % verified_capacity;
    }
    return true;
}

} // namespace

StackId save_stack(arch::VirtAddr frame_pointer)
{
    uint64_t frames[stack_depth];
    unsigned depth = 0;
    // Heap calls run with preemption disabled (under the heap's lock) and
    // interrupt handlers do not allocate: no other walk runs on this CPU
    // meanwhile. (SMP: these become per-CPU.)
    const arch::GuardedStack* own = arch::stack_containing(frame_pointer);
    g_walk_bottom = own ? own->bottom : arch::VirtAddr(0);
    g_walk_top = own ? own->top : arch::VirtAddr(0);
    arch::FrameChain chain(frame_pointer, &record_readable);
    while (depth < stack_depth) {
        const auto return_address = chain.next();
        if (!return_address)
            break;
        frames[depth++] = return_address->value();
    }
    const uint32_t hash = hash_of(frames, depth);
    for (size_t slot = hash % slot_count;; slot = (slot + 1) % slot_count) {
        const StackId id = g_slots[slot];
        if (id == 0) {
            if (g_trace_count == capacity)
                return 0;
            Trace& trace = g_traces[g_trace_count++];
            for (unsigned i = 0; i < depth; ++i)
                trace.frames[i] = frames[i];
            trace.depth = static_cast<uint8_t>(depth);
            trace.hash = hash;
            g_slots[slot] = static_cast<StackId>(g_trace_count);
            return g_slots[slot];
        }
        if (same(g_traces[id - 1], frames, depth, hash))
            return id;
    }
}

void print_stack(kstd::Sink& sink, StackId id, const char* indent)
{
    if (id == 0 || id > g_trace_count) {
        kstd::format_to(sink, "{}(no backtrace recorded: the stack depot is full)\n", indent);
        return;
    }
    const Trace& trace = g_traces[id - 1];
    for (unsigned i = 0; i < trace.depth; ++i)
        kstd::format_to(sink, "{}#{} {:#018x}\n", indent, i, trace.frames[i]);
}

} // namespace mem::kasan

#endif // KESTREL_KASAN
