// The product kernel's kernel_main: bring everything up, greet, idle.
// (Test kernels link ktest/main.cpp instead of this file.)

#include "arch/x86_64/cpu.h"
#include "drivers/vga_text.h"
#include "kernel/init.h"
#include "kernel/print.h"
#include "kernel/version.h"

void kernel_main(const kernel::BootHandoff& handoff)
{
    kernel::initialize(handoff);

    drivers::vga_text().set_color(drivers::VgaColor::LightCyan, drivers::VgaColor::Black);
    kernel::println("{} {} - a C++20 kernel for x86_64", kernel::os_name, kernel::os_version);
    drivers::vga_text().set_color(drivers::VgaColor::LightGray, drivers::VgaColor::Black);
    kernel::print_boot_summary(kernel::boot_info());
    kernel::println("kernel: initialised; idle (the CPU halts until the next interrupt)");

    // Idle: HLT stops the CPU until an interrupt arrives, instead of spinning.
    for (;;)
        arch::halt();
}
