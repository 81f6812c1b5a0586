#pragma once
// Kernel thread stacks, in the stack region of the virtual layout
// (arch/x86_64/memory_layout.h): fixed-size slots, each an unmapped guard
// page, then the stack, then unmapped space up to the next slot, so running
// off a stack faults on its guard page instead of overwriting a neighbour.

#include <cstdint>
#include <string_view>
#include "arch/x86_64/address.h"
#include "kstd/expected.h"
#include "kstd/format.h"

namespace sched {

inline constexpr uint64_t thread_stack_size = 16 * 1024; // the default
inline constexpr uint64_t max_thread_stack_size = 124 * 1024;
inline constexpr uint64_t thread_stack_slot_size = 128 * 1024;
inline constexpr uint32_t max_thread_stacks = 1024;

enum class StackError : uint8_t {
    NoFreeSlot,   // every slot holds a live thread's stack
    BadSize,      // not a whole number of pages from 4 KiB to max_thread_stack_size
    OutOfMemory,  // no frames to map the stack with
};
std::string_view to_string(StackError error);

struct ThreadStack {
    uint32_t slot;
    arch::VirtAddr guard;  // the unmapped page below the stack
    arch::VirtAddr bottom;
    arch::VirtAddr top;

    bool contains(arch::VirtAddr address) const { return address >= bottom && address < top; }
    bool guard_contains(arch::VirtAddr address) const { return address >= guard && address < bottom; }
};

// Maps a fresh stack of `size` bytes in a free slot; its top is the top of
// the mapping, its guard page right below its bottom.
kstd::Expected<ThreadStack, StackError> allocate_stack(uint64_t size = thread_stack_size);
// Unmaps it and returns its frames and its slot.
void free_stack(const ThreadStack& stack);
uint32_t stacks_in_use();

} // namespace sched
