#pragma once
// The kernel's Global Descriptor Table (Intel SDM vol. 3, 3.4.5 "Segment
// Descriptors" and 9.2.3 "TSS Descriptor in 64-bit mode"). In long mode
// segmentation is mostly off, but CS still selects the privilege level and
// 64-bit mode, SS must be a valid data segment, and TR must point at a TSS.
//
//   0x00  null
//   0x08  kernel code   64-bit, DPL 0
//   0x10  kernel data   DPL 0
//   0x18  user data     DPL 3 (reserved for later: selector 0x1B)
//   0x20  user code     64-bit, DPL 3 (reserved for later: selector 0x23)
//   0x28  TSS           16-byte system descriptor (two slots)
//
// User data comes right before user code because SYSRET loads SS and CS
// from STAR[63:48] + 8 and + 16 (SDM vol. 2B, "SYSRET").

#include <cstdint>
#include "arch/x86_64/address.h"

namespace arch::gdt {

inline constexpr uint16_t kernel_code_selector = 0x08;
inline constexpr uint16_t kernel_data_selector = 0x10;
inline constexpr uint16_t user_data_selector = 0x18 | 3;
inline constexpr uint16_t user_code_selector = 0x20 | 3;
inline constexpr uint16_t tss_selector = 0x28;
inline constexpr unsigned entry_count = 7;

// Builds the table with the TSS (tss.h), loads GDTR, reloads every segment
// register and TR. Call once, with interrupts off.
void load();

// What GDTR and TR hold now (for tests and reports).
struct Registers {
    VirtAddr base;
    uint16_t limit;
    uint16_t task_register;
};
Registers read_registers();

VirtAddr table_address();
uint64_t entry(unsigned index);

} // namespace arch::gdt
