#pragma once
// The Interrupt Descriptor Table (Intel SDM vol. 3, 6.14.1 "64-Bit Mode
// IDT"): 256 gates, each pointing at its entry stub in interrupt_stubs.asm.
//
// Every gate is an interrupt gate (the CPU clears RFLAGS.IF on entry, so
// handlers never nest by accident). Three vectors switch stacks through the
// Interrupt Stack Table, because the stack they interrupt may be unusable:
//   #DF (8)  -> IST1: a double fault is often a kernel stack overflow
//   NMI (2)  -> IST2: may arrive at any instruction, even mid-stack-switch
//   #MC (18) -> IST3: the machine may be in any state
// #BP (3) and #OF (4) have DPL 3 so INT3/INTO will also work from user mode.

#include <cstdint>
#include "arch/x86_64/address.h"

namespace arch::idt {

inline constexpr unsigned vector_count = 256;

struct Gate {
    VirtAddr handler;  // the entry stub
    uint16_t selector; // code segment the handler runs in
    uint8_t ist;       // 0: stay on the current stack, 1-7: IST entry
    uint8_t dpl;       // lowest privilege that may raise it with INT n
    bool present;
    bool interrupt_gate; // false: trap gate (IF left as it was)
};

// Fills all 256 gates and loads IDTR. Needs the kernel GDT (gdt.h) loaded.
void load();

// Gate `vector` as the CPU sees it now (decoded from the table).
Gate gate(uint8_t vector);

struct Register {
    VirtAddr base;
    uint16_t limit;
};
Register read_register();

} // namespace arch::idt
