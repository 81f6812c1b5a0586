#pragma once
// The kernel's stacks and the unmapped guard page below each one.
//
//   boot stack      64 KiB, boot.asm; kernel_main and everything it calls
//   IST1            16 KiB, the double-fault handler
//   IST2            16 KiB, the NMI handler
//   IST3            16 KiB, the machine-check handler
//
// A stack grows down from `top` towards `bottom`; the 4 KiB page just below
// `bottom` is never mapped, so running off the end page-faults at once
// instead of overwriting whatever lies below. See docs/interrupts.md.
//
// The Interrupt Stack Table (Intel SDM vol. 3, 6.14.5) makes the CPU switch
// to one of these stacks before it pushes anything, which is what lets the
// double-fault handler run after the boot stack overflowed.

#include <cstdint>
#include <span>
#include <string_view>
#include "arch/x86_64/address.h"

namespace arch {

// Index into the TSS's Interrupt Stack Table (1-7; 0 means "no switch").
enum class InterruptStack : uint8_t {
    DoubleFault = 1,
    NonMaskableInterrupt = 2,
    MachineCheck = 3,
};
inline constexpr unsigned interrupt_stack_count = 3;
inline constexpr uint64_t interrupt_stack_size = 16 * 1024;

struct GuardedStack {
    std::string_view name;
    VirtAddr guard; // the unmapped page below the stack
    VirtAddr bottom;
    VirtAddr top;

    bool contains(VirtAddr address) const { return address >= bottom && address < top; }
    bool guard_contains(VirtAddr address) const { return address >= guard && address < guard + page_size; }
};

// The boot stack, then the interrupt stacks in IST order.
std::span<const GuardedStack> kernel_stacks();
const GuardedStack& interrupt_stack(InterruptStack which);

// The stack whose guard page holds `address`, or null.
const GuardedStack* stack_guarded_at(VirtAddr address);
// The stack `address` lies in, or null.
const GuardedStack* stack_containing(VirtAddr address);

// The stacks made later (threads', src/sched/thread_stack.h) are found
// through a lookup their owner registers: given an address, the stack whose
// guard page or whose stack holds it, or null. It is called from fault and
// double-fault handlers: it must take no lock and not fault.
using StackLookup = const GuardedStack* (*)(VirtAddr address);
void set_stack_lookup(StackLookup lookup);

// boot.asm leaves the boot stack's guard page unmapped in the boot tables;
// the kernel's own tables (Memory init stage) map none of these guard pages
// (mem/kernel_address_space.cpp skips every page stack_guarded_at() names).

} // namespace arch
