// Init stage Cpu: the kernel's own descriptor tables and interrupt stacks.

#include "arch/x86_64/boot_paging.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/kernel_stacks.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/tss.h"
#include "interrupts/interrupts.h"
#include "kernel/panic.h"

namespace interrupts {

namespace {

bool g_cpu_initialized = false;

void enable_no_execute()
{
    // CPUID 0x80000001 EDX bit 20: execute-disable bit supported (SDM vol. 2A,
    // CPUID). Existing entries have bit 63 clear, so nothing changes until a
    // page is marked no-execute.
    constexpr uint32_t nx_supported = 1u << 20;
    if ((arch::cpuid(0x8000'0001).edx & nx_supported) == 0)
        return;
    arch::msr::write(arch::msr::efer, arch::msr::read(arch::msr::efer) | arch::msr::efer_no_execute_enable);
}

} // namespace

void initialize_cpu()
{
    KASSERT(!arch::interrupts_enabled(), "the descriptor tables are replaced with interrupts off");
    enable_no_execute();
    if (auto guards = arch::protect_stack_guards(); !guards)
        kernel::panic("cannot unmap the interrupt stacks' guard pages: {}", guards.error());
    for (const arch::GuardedStack& stack : arch::kernel_stacks())
        KASSERT(!arch::boot_paging::is_mapped(mem::VirtAddr(stack.guard)), "the guard page of the {} is mapped",
                stack.name);
    arch::initialize_task_state_segment();
    arch::gdt::load();
    arch::idt::load();
    g_cpu_initialized = true;
}

bool cpu_initialized()
{
    return g_cpu_initialized;
}

} // namespace interrupts
