#pragma once
// Starting the other CPUs (Intel SDM vol. 3, 9.4 "Multiple-Processor (MP)
// Initialization"): the boot CPU sends each application processor the
// MADT lists an INIT IPI, then STARTUP IPIs naming the trampoline's page
// (arch/x86_64/ap_trampoline.asm), one CPU at a time. Each starts in real
// mode there, reaches long mode and ap_entry() on a stack of its own, and
// sets itself up as the boot CPU did, with its own copy of everything
// per-CPU:
//
//   per-CPU area   a zeroed copy of .percpu from the heap; GS points at it
//   GDT and TSS    per-CPU variables (arch/x86_64/gdt.cpp, tss.cpp)
//   IST stacks     three guarded stacks of its own (double fault, NMI, MCE)
//   local APIC     enabled; its timer is this CPU's scheduler tick
//   idle thread    the code that started it, on the stack it started on
//
// and then takes threads from the shared run queue (sched/).

#include <cstdint>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace smp {

enum class StartError : uint8_t {
    NoApic,           // the 8259s deliver interrupts: no IPIs to start anything with
    NoMadt,           // where the other CPUs are is unknown
    NoLowMemory,      // the trampoline's pages below 1 MiB are not free RAM
    OutOfMemory,      // no heap or stack for a CPU
};
std::string_view to_string(StartError error);

struct StartSummary {
    uint32_t listed;  // enabled processors in the MADT, the boot CPU included
    uint32_t online;  // CPUs running now, the boot CPU included
    uint32_t failed;  // listed ones that did not answer
    uint32_t skipped; // past arch::max_cpus, or a maxcpus= limit
};

// Points GS back at this CPU's own per-CPU area, found by its local APIC id
// (the boot CPU's without an APIC): for a harness that abandoned code which
// had borrowed another area (ktest, after a panic in such code).
void reload_own_cpu_data();

// Starts the CPUs the MADT lists as enabled, up to `limit` in all (the boot
// CPU counts). Needs the scheduler initialised and interrupts on.
[[nodiscard]] kstd::Expected<StartSummary, StartError> start_other_cpus(uint32_t limit);

} // namespace smp
