#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"

namespace arch {

namespace {

bool bit(uint32_t value, unsigned index)
{
    return (value >> index) & 1u;
}

CpuFeatures detect()
{
    CpuFeatures features;
    const CpuidResult basic = cpuid(0x0000'0001);
    features.tsc = bit(basic.edx, 4);
    features.msr = bit(basic.edx, 5);
    features.pae = bit(basic.edx, 6);
    features.local_apic = bit(basic.edx, 9);
    features.global_pages = bit(basic.edx, 13);
    features.pat = bit(basic.edx, 16);
    features.x2apic = bit(basic.ecx, 21);
    features.tsc_deadline = bit(basic.ecx, 24);
    features.rdrand = bit(basic.ecx, 30);
    features.basic_edx = basic.edx;
    const uint32_t max_extended = cpuid(0x8000'0000).eax;
    if (max_extended >= 0x8000'0001) {
        const CpuidResult extended = cpuid(0x8000'0001);
        features.no_execute = bit(extended.edx, 20);
        features.huge_pages = bit(extended.edx, 26);
        features.long_mode = bit(extended.edx, 29);
    }
    if (max_extended >= 0x8000'0007)
        features.invariant_tsc = bit(cpuid(0x8000'0007).edx, 8);
    return features;
}

bool g_no_execute_enabled = false;

} // namespace

const CpuFeatures& cpu_features()
{
    static const CpuFeatures features = detect();
    return features;
}

std::optional<std::string_view> missing_required_feature(const CpuFeatures& features)
{
    if (!features.long_mode)
        return "long mode (CPUID 80000001h EDX[29])";
    if (!features.pae)
        return "PAE (CPUID 01h EDX[6])";
    if (!features.msr)
        return "MSRs (CPUID 01h EDX[5])";
    if (!features.tsc)
        return "the time-stamp counter (CPUID 01h EDX[4])";
    return std::nullopt;
}

bool no_execute_enabled()
{
    return g_no_execute_enabled;
}

bool enable_no_execute()
{
    if (cpu_features().no_execute) {
        // Existing entries have bit 63 clear, so nothing changes until a page
        // is marked no-execute (SDM vol. 3, 4.1.1 and 5.13).
        msr::write(msr::efer, msr::read(msr::efer) | msr::efer_no_execute_enable);
    }
    g_no_execute_enabled = (msr::read(msr::efer) & msr::efer_no_execute_enable) != 0;
    return g_no_execute_enabled;
}

bool enable_write_combining()
{
    if (!cpu_features().pat)
        return false;
    // IA32_PAT holds eight memory types, one byte each (SDM vol. 3, 12.12.2);
    // entry 1 (PWT set, PCD clear) becomes WC (01h). The others keep their
    // reset values, which the kernel's mappings rely on.
    constexpr uint64_t entry_mask = 0xFFull << 8;
    constexpr uint64_t write_combining = 0x01ull << 8;
    msr::write(msr::pat, (msr::read(msr::pat) & ~entry_mask) | write_combining);
    return true;
}

} // namespace arch
