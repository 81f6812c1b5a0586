#pragma once
// The control registers and TLB maintenance (Intel SDM vol. 3, 2.5 "Control
// Registers" and 4.10.4 "Invalidation of TLBs and Paging-Structure Caches").

#include <cstdint>
#include "arch/x86_64/address.h"

namespace arch {

// CR0.WP: supervisor writes honour read-only pages (set by boot.asm).
inline constexpr uint64_t cr0_write_protect = 1ull << 16;
// CR0.MP, EM and TS: how x87/SSE instructions behave (SDM vol. 3, 2.5 and
// 13.1.3); CR4.OSFXSR and OSXMMEXCPT: SSE allowed, its exceptions as #XM.
inline constexpr uint64_t cr0_monitor_coprocessor = 1ull << 1;
inline constexpr uint64_t cr0_emulation = 1ull << 2;
inline constexpr uint64_t cr0_task_switched = 1ull << 3;
inline constexpr uint64_t cr4_osfxsr = 1ull << 9;
inline constexpr uint64_t cr4_osxmmexcpt = 1ull << 10;

// CR3 bits 12..51 hold the physical address of the PML4 (with CR4.PCIDE = 0
// the low bits are the PWT/PCD cache controls).
inline constexpr uint64_t cr3_address_mask = 0x000F'FFFF'FFFF'F000ull;

inline uint64_t read_cr0()
{
    uint64_t value;
    // MOV from CR0 is a privileged read without side effects.
    asm volatile("mov %%cr0, %0" : "=r"(value));
    return value;
}

inline void write_cr0(uint64_t value)
{
    // MOV to CR0 changes how the CPU runs (paging, protection, the FPU);
    // "memory": accesses must not move across it.
    asm volatile("mov %0, %%cr0" : : "r"(value) : "memory");
}

inline uint64_t read_cr4()
{
    uint64_t value;
    // MOV from CR4 is a privileged read without side effects.
    asm volatile("mov %%cr4, %0" : "=r"(value));
    return value;
}

inline void write_cr4(uint64_t value)
{
    // MOV to CR4 enables architectural extensions; "memory" as for CR0.
    asm volatile("mov %0, %%cr4" : : "r"(value) : "memory");
}

// The linear address of the last page fault.
inline VirtAddr read_cr2()
{
    uint64_t value;
    // CR2 holds the linear address of the last page fault (SDM vol. 3, 6.15,
    // "Interrupt 14"). "memory": the value depends on accesses made before.
    asm volatile("mov %%cr2, %0" : "=r"(value) : : "memory");
    return VirtAddr(value);
}

inline uint64_t read_cr3()
{
    uint64_t value;
    // CR3 points at the current top-level page table.
    asm volatile("mov %%cr3, %0" : "=r"(value) : : "memory");
    return value;
}

// The physical address of the active PML4.
inline PhysAddr read_page_table_root()
{
    return PhysAddr(read_cr3() & cr3_address_mask);
}

inline void write_page_table_root(PhysAddr root)
{
    // CR3 takes the physical address of the PML4 (SDM vol. 3, 4.5); writing it
    // flushes every non-global TLB entry (4.10.4.1). "memory": the tables
    // written before must be in place first.
    asm volatile("mov %0, %%cr3" : : "r"(root.value() & cr3_address_mask) : "memory");
}

inline void invalidate_page(VirtAddr address)
{
    // INVLPG drops the TLB entry of the page holding the address; "memory"
    // orders it after the page-table write that made the entry stale.
    asm volatile("invlpg (%0)" : : "r"(address.value()) : "memory");
}

} // namespace arch
