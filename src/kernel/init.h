#pragma once
// Bringing the kernel up, in stages. The product initialises everything;
// a test kernel may stop early (tests/integration/basic_boot.cpp checks the
// consoles before anything else is set up).

#include <cstdint>
#include <optional>
#include <string_view>
#include "boot/multiboot2.h"
#include "kernel/kernel_main.h"

namespace kernel {

enum class InitStage : uint8_t {
    Consoles = 1,  // COM1 and VGA text, attached to the console mux
    BootInfo,      // the Multiboot2 information parsed (panics if malformed)
    Timing,        // TSC calibrated against the PIT
    Cpu,           // GDT, TSS with IST stacks and guard pages, IDT: exceptions are caught and reported
    Interrupts,    // PICs remapped, PIT timer and PS/2 keyboard on their IRQs, interrupts enabled
    Memory,        // frame allocator, the kernel's page tables (direct map, image by section), the heap
    Everything,
};

void initialize(const BootHandoff& handoff, InitStage up_to = InitStage::Everything);

// Valid once the BootInfo stage has run.
const boot::BootInfo& boot_info();

// Prints the boot summary: boot loader, command line, usable RAM, regions.
void print_boot_summary(const boot::BootInfo& info);

// Prints the memory summary: RAM, frames, page tables, heap (after the Memory stage).
void print_memory_summary();

// Is `word` one of the space-separated words of the kernel command line?
bool command_line_has(std::string_view word);
// The value of the first word `key=value` on the command line, if any.
std::optional<std::string_view> command_line_value(std::string_view key);
// The same for a given line (tests).
std::optional<std::string_view> command_line_value(std::string_view line, std::string_view key);

} // namespace kernel
