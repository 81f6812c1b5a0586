#pragma once
// Per-CPU data. Every variable declared KESTREL_PER_CPU lives in the linker
// section .percpu; each CPU has its own copy of that section, and the CPU's
// IA32_GS_BASE points at its copy (Intel SDM vol. 3, 3.4.4.1: in 64-bit mode
// the GS base comes from that MSR). The section starts with a CpuData, whose
// first field points at itself, so `mov %gs:0` gives the copy's address.
//
// Any layer declares its own per-CPU variables where they belong (the TSS
// here, the preemption count in sync/, the current thread in sched/), the
// way Managarm's cpu-data and Linux's DEFINE_PER_CPU do, and reaches this
// CPU's instance through this_cpu(). The boot CPU's copy is the section
// itself; each CPU smp/ starts gets a copy of its own from the heap
// (make_cpu_data below), and a registry finds any CPU's CpuData by its id.

#include <cstddef>
#include <cstdint>
#include <span>
#include "arch/x86_64/address.h"
#include "arch/x86_64/kernel_stacks.h"

#define KESTREL_PER_CPU [[gnu::section(".percpu")]]

namespace arch {

struct TaskStateSegment;

// The head of every CPU's per-CPU area.
inline constexpr uint32_t max_cpus = 16;

struct CpuData {
    CpuData* self;         // offset 0: what %gs:0 reads (per_cpu.cpp checks the offset)
    uint32_t id;           // 0 for the boot CPU, then 1, 2, ... in the order they start
    TaskStateSegment* tss; // this CPU's TSS (its own copy of tss.cpp's per-CPU TSS)
    std::span<const GuardedStack> interrupt_stacks; // the stacks its IST entries name
    // For syscall_entry (syscall.asm), which reaches them as %gs:offset:
    uint64_t kernel_stack_top; // the running thread's kernel stack (as TSS.rsp0)
    uint64_t user_rsp;         // the user RSP while the entry switches stacks
    uint32_t apic_id;          // its local APIC's id (interrupts/local_apic.h), for IPIs
    bool online;               // running kernel code, taking interrupts and threads
    uint32_t tlb_state;        // TlbState: halted in its idle loop, a TLB flush owed (GCC atomics)
    // The per-CPU area's start, for the variables of this CPU (this_cpu does
    // the same for the running CPU): per_cpu_of(variable, cpu).
};

// Makes `data` the CpuData cpu_data_of(data.id) finds (the boot CPU's is
// registered by initialize_boot_cpu_data; smp/ registers each CPU it
// starts; tests' stand-in areas are not registered).
void register_cpu(CpuData& data);
// CPU `id`'s CpuData, or null when no such CPU was registered.
CpuData* cpu_data_of(uint32_t id);
// The registered CPU whose local APIC has `apic_id`, or null: how code
// that cannot trust GS (an NMI handler, a harness after a panic) finds its own.
CpuData* cpu_data_by_apic_id(uint32_t apic_id);
// A CPU halted in its idle loop need not be woken by an NMI to drop TLB
// entries: a TLB shootdown leaves it a note instead, and the CPU flushes its
// whole TLB before it runs anything (the first thing at the interrupt that
// wakes it). What Linux calls lazy TLB mode, for the idle CPU only.
enum TlbState : uint32_t {
    TlbActive = 0,    // running: a shootdown must reach it by NMI
    TlbIdle = 1,      // halted in its idle loop, interrupts about to wake it
    TlbFlushOwed = 2, // as idle, and a shootdown came meanwhile
};
// The idle loop, with interrupts off, right before it halts.
inline void enter_idle_tlb(CpuData& cpu)
{
    __atomic_store_n(&cpu.tlb_state, uint32_t{TlbIdle}, __ATOMIC_SEQ_CST);
}
// Leaving idle (interrupt entry, or the idle loop after its halt): the owed
// flush, a CR3 reload (the kernel's pages are not global).
inline void leave_idle_tlb(CpuData& cpu)
{
    if (__atomic_load_n(&cpu.tlb_state, __ATOMIC_RELAXED) == TlbActive)
        return;
    if (__atomic_exchange_n(&cpu.tlb_state, uint32_t{TlbActive}, __ATOMIC_SEQ_CST) == TlbFlushOwed) {
        uint64_t root;
        // Reloading CR3 with its own value drops every non-global TLB entry (SDM vol. 3, 4.10.4.1).
        asm volatile("mov %%cr3, %0\n\tmov %0, %%cr3" : "=r"(root) : : "memory");
    }
}
// The shootdown's side: true when `cpu` is idle and now owes a flush (no
// NMI needed), false when it runs and must be reached by NMI.
inline bool owe_flush_if_idle(CpuData& cpu)
{
    uint32_t expected = TlbIdle;
    if (__atomic_compare_exchange_n(&cpu.tlb_state, &expected, uint32_t{TlbFlushOwed}, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST))
        return true;
    return expected == TlbFlushOwed;
}

// CPUs marked online (CpuData::online), the boot CPU included.
uint32_t online_cpu_count();
void mark_online(CpuData& data);

// Linker script: the bounds of the per-CPU section (the boot CPU's copy).
extern "C" std::byte __percpu_start[];
extern "C" std::byte __percpu_end[];

inline size_t per_cpu_area_size()
{
    return static_cast<size_t>(__percpu_end - __percpu_start);
}

// Points GS at the boot CPU's area and fills in its CpuData. First thing in
// kernel_start(), before any code that might reach per-CPU data.
void initialize_boot_cpu_data();

// Turns `area` (per_cpu_area_size() bytes, 128-aligned) into a copy of this
// CPU's area as it is now, named CPU `id`, and returns its CpuData (tests
// stand in for another CPU with it).
CpuData& make_cpu_data(std::span<std::byte> area, uint32_t id);

// The same for a CPU that is about to start: the area zeroed (every
// per-CPU variable starts at zero) rather than a copy of the boot CPU's.
CpuData& make_cpu_data_zeroed(std::span<std::byte> area, uint32_t id);

// Points this CPU's GS base at `data`'s area (interrupts must be off when it
// changes under running code).
void load_cpu_data(CpuData& data);

// Where a per-CPU variable (named by its boot-CPU copy) lies in every CPU's
// copy of the section.
inline uintptr_t per_cpu_offset(const volatile void* variable)
{
    // Both are addresses in the section; their difference is the offset.
    return reinterpret_cast<uintptr_t>(variable) - reinterpret_cast<uintptr_t>(__percpu_start);
}

// This CPU's CpuData.
inline CpuData& this_cpu_data()
{
    CpuData* data;
    // GS holds this CPU's per-CPU area, whose first quadword points at itself.
    asm volatile("mov %%gs:0, %0" : "=r"(data));
    return *data;
}

// CPU `cpu`'s instance of per-CPU `variable` (named by its boot-CPU copy).
template <typename T>
T& per_cpu_of(T& variable, CpuData& cpu)
{
    // As this_cpu, with another CPU's area: laid out alike.
    return *reinterpret_cast<T*>(reinterpret_cast<uintptr_t>(&cpu) + per_cpu_offset(&variable));
}

// This CPU's instance of per-CPU `variable` (named by its boot-CPU copy).
// A reference stays valid only while the code cannot move to another CPU.
template <typename T>
T& this_cpu(T& variable)
{
    // Per-CPU variables are laid out alike in every CPU's copy of the section.
    // this_cpu_data() is the start of this CPU's copy; the offset lies inside it.
    return *reinterpret_cast<T*>(reinterpret_cast<uintptr_t>(&this_cpu_data()) + per_cpu_offset(&variable));
}

// Adds `delta` to this CPU's instance of `counter` in one instruction, so it
// is right even if the code moves to another CPU just before or after (what a
// preemption count needs: reading the base and then adding would not be).
inline void this_cpu_add(uint32_t& counter, int32_t delta)
{
    const uintptr_t offset = per_cpu_offset(&counter);
    // One read-modify-write relative to GS: not interruptible between the
    // address and the update.
    asm volatile("addl %1, %%gs:(%0)" : : "r"(offset), "r"(delta) : "memory", "cc");
}

// Subtracts one from this CPU's instance of `counter` in one instruction, as
// this_cpu_add, and says whether it is zero now: SUB's zero flag (Intel SDM
// vol. 1, 3.4.3.1), an asm output (GCC's "=@ccz"), so no second read.
inline bool this_cpu_decrement_to_zero(uint32_t& counter)
{
    const uintptr_t offset = per_cpu_offset(&counter);
    bool now_zero;
    asm volatile("subl $1, %%gs:(%1)" : "=@ccz"(now_zero) : "r"(offset) : "memory");
    return now_zero;
}

// This CPU's instance of a pointer-sized per-CPU variable, read in one
// GS-relative load: right even where the code may move to another CPU at
// any instruction (this_cpu() reads the area's address, then the variable:
// a move in between would read the old CPU's instance).
template <typename T>
    requires(sizeof(T) == 8)
inline T this_cpu_load(const T& variable)
{
    const uintptr_t offset = per_cpu_offset(&variable);
    uint64_t raw;
    asm volatile("movq %%gs:(%1), %0" : "=r"(raw) : "r"(offset) : "memory"); // GS: this CPU's area
    return __builtin_bit_cast(T, raw);
}

inline uint32_t this_cpu_read(const uint32_t& counter)
{
    const uintptr_t offset = per_cpu_offset(&counter);
    uint32_t value;
    // One load relative to GS, for the same reason as this_cpu_add.
    asm volatile("movl %%gs:(%1), %0" : "=r"(value) : "r"(offset) : "memory");
    return value;
}

} // namespace arch
