#pragma once
// Bringing the kernel up, in stages. The product initialises everything;
// a test kernel may stop early (tests/integration/basic_boot.cpp checks the
// consoles before anything else is set up).
//
// The order is chosen for what comes next: memory (the kernel's own page
// tables and the heap) is up before interrupts are enabled, so that the
// first timer tick may already run code that allocates (a scheduler).

#include <cstdint>
#include "boot/handoff.h"
#include "boot/boot_info.h"

namespace kernel {

enum class InitStage : uint8_t {
    Consoles = 1,  // COM1 and VGA text, attached to the console mux
    BootInfo,      // the Multiboot2 information parsed (panics if malformed)
    Cpu,           // CPU features checked, NX on where present, GDT, TSS with IST stacks, IDT:
                   // exceptions are caught and reported; interrupts stay off
    Memory,        // frame allocator, the kernel's page tables (direct map, image by section,
                   // guard pages unmapped), the heap
    Timing,        // TSC calibrated against the PIT
    Interrupts,    // PICs remapped; the local APIC and I/O APIC(s) from the MADT with the
                   // PICs masked (the PICs stay without them, or with apic=off); the
                   // local APIC timer (else the PIT) as the tick; the PS/2 keyboard on
                   // its IRQ; interrupts enabled
    Devices,       // PCI enumerated (drivers/pci.h), ATA disks probed and registered as block
                   // devices with their MBR partitions (drivers/ata.h, drivers/partition.h)
    Scheduler,     // the boot thread, the idle thread, timer preemption (sched/thread.h),
                   // the system-call and user-fault handlers (user/system_calls.h), the
                   // VFS's root: a ram file system with /dev, filled from the initial
                   // ramdisk (fs/initrd.h), the first boot module
    Cpus,          // the other CPUs the MADT lists started (smp/), each with its own
                   // per-CPU data, GDT, TSS, IST stacks, local APIC timer and idle
                   // thread; maxcpus=N on the command line caps them
    Everything,
};

void initialize(const boot::BootHandoff& handoff, InitStage up_to = InitStage::Everything);

// Prints the boot summary: boot loader, command line, usable RAM, regions, CPU features.
void print_boot_summary(const boot::BootInfo& info);

// Prints how many CPUs run ("cpus: N online") and why any did not start.
void print_cpu_summary();

// Prints how interrupts are routed (APICs or 8259s) and what the timer is.
void print_interrupt_summary();

// Prints what the initial ramdisk holds, or why there is none to use.
void print_initrd_summary();

// Prints the PCI devices (lspci-style) and the disks with their partitions.
void print_device_summary();

// Prints the memory summary: RAM, frames, page tables, heap (after the Memory stage).
void print_memory_summary();

} // namespace kernel
