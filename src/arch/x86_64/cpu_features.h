#pragma once
// What this CPU can do, read once from CPUID (Intel SDM vol. 2A, "CPUID").
//
// boot.asm already stopped on a CPU without CPUID, long mode or PAE: the
// kernel could not have reached C++ there. Everything else the kernel uses
// is looked up here and handled one of two ways:
//   used when present   no-execute pages (NX), 1 GiB pages, global pages,
//                       invariant TSC: the kernel falls back and says so at
//                       boot (kernel/boot_summary.cpp);
//   required            the TSC and MSRs: missing_required_feature() names
//                       the first one missing, and the Cpu init stage stops
//                       with that name.

#include <cstdint>
#include <optional>
#include <string_view>

namespace arch {

struct CpuFeatures {
    bool tsc = false;           // CPUID 01h EDX[4]: RDTSC
    bool msr = false;           // CPUID 01h EDX[5]: RDMSR/WRMSR
    bool pae = false;           // CPUID 01h EDX[6]
    bool local_apic = false;    // CPUID 01h EDX[9]: an on-chip local APIC
    bool global_pages = false;  // CPUID 01h EDX[13]: PGE, CR4.PGE and the G bit
    bool pat = false;           // CPUID 01h EDX[16]: the page attribute table
    bool x2apic = false;        // CPUID 01h ECX[21]
    bool tsc_deadline = false;  // CPUID 01h ECX[24]: the local APIC timer's TSC-deadline mode
    bool rdrand = false;        // CPUID 01h ECX[30]: RDRAND, the CPU's random numbers
    uint32_t basic_edx = 0;     // CPUID 01h EDX whole: what Linux gives programs as AT_HWCAP
    bool no_execute = false;    // CPUID 80000001h EDX[20]: EFER.NXE and the XD bit
    bool huge_pages = false;    // CPUID 80000001h EDX[26]: 1 GiB pages
    bool long_mode = false;     // CPUID 80000001h EDX[29]
    bool invariant_tsc = false; // CPUID 80000007h EDX[8]: the TSC rate never changes
};

// Reads CPUID on the first call; the same answers afterwards.
const CpuFeatures& cpu_features();

// The name of the first feature the kernel cannot run without that `features`
// lacks, e.g. "TSC (CPUID 01h EDX[4])", or nothing when all are there.
std::optional<std::string_view> missing_required_feature(const CpuFeatures& features);

// EFER.NXE is on: bit 63 of a page-table entry means no-execute. When it is
// off, bit 63 is a reserved bit (a page fault with RSVD set on any walk that
// meets it), so the kernel never sets it (arch/x86_64/page_table_entry.h).
bool no_execute_enabled();
// Sets EFER.NXE if the CPU has NX (Cpu init stage); returns whether it is on.
bool enable_no_execute();

// Makes PAT entry 1 write-combining (arch::Caching::WriteCombining), on
// each CPU as it starts; without a PAT nothing changes and such pages stay
// write-through. Returns whether write-combining is on.
bool enable_write_combining();

} // namespace arch
