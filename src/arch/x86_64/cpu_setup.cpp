#include "arch/x86_64/cpu_setup.h"
#include "arch/x86_64/user_mode.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/tss.h"

namespace arch {

namespace {
bool g_cpu_initialized = false;
} // namespace

std::string_view to_string(CpuSetupError error)
{
    switch (error) {
    case CpuSetupError::InterruptsEnabled: return "interrupts are enabled";
    case CpuSetupError::MissingRequiredFeature: return "the CPU lacks a feature the kernel requires";
    }
    return "unknown CPU set-up error";
}

kstd::Expected<void, CpuSetupError> initialize_cpu()
{
    if (interrupts_enabled())
        return kstd::unexpected(CpuSetupError::InterruptsEnabled);
    if (missing_required_feature(cpu_features()))
        return kstd::unexpected(CpuSetupError::MissingRequiredFeature);
    enable_no_execute();
    enable_write_combining();
    enable_fpu();
    initialize_task_state_segment();
    gdt::load();
    idt::load();
    enable_syscalls();
    g_cpu_initialized = true;
    return {};
}

bool cpu_initialized()
{
    return g_cpu_initialized;
}

} // namespace arch
