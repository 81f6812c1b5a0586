#pragma once
// What one CPU asks of the others by NMI: drop TLB entries (a TLB
// shootdown), or stop for good (a panic). An NMI gets through even where the
// other CPU runs with interrupts off, spinning for a lock the asking CPU
// holds, so neither request can deadlock the way an ordinary IPI could
// (Linux's TLB flush IPIs need interrupts on and have rules to make up for
// it; an NMI needs none).
//
//   CPU A: unmaps a kernel page        CPU B (anywhere, interrupts on or off)
//     invlpg locally
//     take the shootdown lock (one request at a time)
//     write the range, B's flag, send NMI ──> NMI handler: flag set?
//     spin until every target acked               invlpg the range; ack
//     release the lock                         return to what it was doing
//
// Only online CPUs are asked (arch::CpuData::online), and of them only those
// that run: a CPU halted in its idle loop is left a note instead, and drops
// its whole TLB when an interrupt wakes it, before the handler runs
// (arch::owe_flush_if_idle, per_cpu.h): no NMI to wake a halted CPU for.

#include <cstdint>
#include "arch/x86_64/address.h"
#include "core/panic.h"

namespace smp {

// Installs the NMI handler (interrupts::set_nmi_handler), the TLB shootdown
// (mem::set_tlb_shootdown) and the panic stop (core::set_panic_stop_hook).
// The boot CPU, before it starts the others.
void install_nmi_requests();

// Drops [start, start + bytes) from every other online CPU's TLB, waiting
// until all have: mem's TlbShootdown. More than 32 pages flush the whole
// TLB instead (CR3 reloaded).
void shoot_down_tlb(arch::VirtAddr start, uint64_t bytes);

// Halts every other online CPU for good (the panic path): returns once each
// has acknowledged or a short time passed, saying how many did.
core::StoppedCpus stop_other_cpus();

// Counters, for tests and the summary.
uint64_t shootdowns_sent();
uint64_t shootdowns_handled(); // by this machine's CPUs, all together
uint64_t shootdowns_deferred(); // left as a note to an idle CPU instead of an NMI

} // namespace smp
