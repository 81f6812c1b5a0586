#include "kernel/kernel_main.h"
#include "arch/x86_64/per_cpu.h"
#include "core/panic.h"
#include "runtime/stack_protector.h"

// Bounds of .init_array (linker script): constructors of global objects.
extern "C" void (*__init_array_start[])();
extern "C" void (*__init_array_end[])();

namespace {

void run_global_constructors()
{
    for (auto* constructor = __init_array_start; constructor != __init_array_end; ++constructor)
        (*constructor)();
}

} // namespace

// Called by boot.asm on the boot stack, in 64-bit mode in the higher half,
// with .bss zeroed. Never returns.
extern "C" [[noreturn, gnu::no_stack_protector]] void kernel_start(uint32_t magic, uint32_t boot_info_phys)
{
    runtime::randomize_stack_guard();
    arch::initialize_boot_cpu_data(); // GS: this CPU's per-CPU area, before any code reads it
    run_global_constructors();
    kernel_main(boot::BootHandoff{magic, arch::PhysAddr(boot_info_phys)});
    core::panic("kernel_main returned");
}
