#include "sched/thread_stack.h"
#include "arch/x86_64/memory_layout.h"
#include "arch/x86_64/page_size.h"
#include "core/panic.h"
#include "mem/kernel_address_space.h"
#include "sync/spinlock.h"

namespace sched {

namespace {
static_assert(uint64_t{max_thread_stacks} * thread_stack_slot_size <= arch::layout::stack_region_size);
static_assert(arch::page_size + max_thread_stack_size <= thread_stack_slot_size);

// Bit i set: slot i holds a stack.
uint64_t g_slots[max_thread_stacks / 64];
uint32_t g_in_use = 0;
sync::Spinlock g_lock("thread stack slots");

ThreadStack stack_in(uint32_t slot, uint64_t size)
{
    const arch::VirtAddr guard(arch::layout::stack_region_base + uint64_t{slot} * thread_stack_slot_size);
    return {slot, guard, guard + arch::page_size, guard + arch::page_size + size};
}
} // namespace

std::string_view to_string(StackError error)
{
    switch (error) {
    case StackError::NoFreeSlot: return "every thread stack slot is in use";
    case StackError::OutOfMemory: return "no free frames for a thread stack";
    case StackError::BadSize: return "a thread stack is whole pages, 4 KiB to 124 KiB";
    }
    return "unknown thread stack error";
}

kstd::Expected<ThreadStack, StackError> allocate_stack(uint64_t size)
{
    if (size == 0 || size > max_thread_stack_size || size % arch::page_size != 0)
        return kstd::unexpected(StackError::BadSize);
    uint32_t slot = max_thread_stacks;
    {
        const sync::SpinlockGuard guard(g_lock);
        for (uint32_t word = 0; word < max_thread_stacks / 64 && slot == max_thread_stacks; ++word) {
            if (g_slots[word] == ~uint64_t{0})
                continue;
            const uint32_t bit = static_cast<uint32_t>(__builtin_ctzll(~g_slots[word]));
            g_slots[word] |= uint64_t{1} << bit;
            slot = word * 64 + bit;
            ++g_in_use;
        }
    }
    if (slot == max_thread_stacks)
        return kstd::unexpected(StackError::NoFreeSlot);
    const ThreadStack stack = stack_in(slot, size);
    if (auto mapped = mem::kernel_address_space().map_fresh(stack.bottom, size,
                                                            arch::Protection::read_write());
        !mapped) {
        const sync::SpinlockGuard guard(g_lock);
        g_slots[slot / 64] &= ~(uint64_t{1} << (slot % 64));
        --g_in_use;
        return kstd::unexpected(StackError::OutOfMemory);
    }
    return stack;
}

void free_stack(const ThreadStack& stack)
{
    mem::kernel_address_space().unmap_and_free(stack.bottom, stack.top - stack.bottom);
    const sync::SpinlockGuard guard(g_lock);
    const uint64_t bit = uint64_t{1} << (stack.slot % 64);
    KASSERT(g_slots[stack.slot / 64] & bit, "thread stack slot {} freed twice", stack.slot);
    g_slots[stack.slot / 64] &= ~bit;
    --g_in_use;
}

uint32_t stacks_in_use()
{
    const sync::SpinlockGuard guard(g_lock);
    return g_in_use;
}

} // namespace sched
