#include "kernel/init.h"
#include "arch/x86_64/boot_map.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "drivers/keyboard.h"
#include "drivers/pit.h"
#include "drivers/serial.h"
#include "drivers/vga_text.h"
#include "interrupts/interrupts.h"
#include "interrupts/irq.h"
#include "kernel/panic.h"
#include "kernel/print.h"
#include "mem/memory.h"

namespace kernel {

namespace {

boot::BootInfo g_boot_info;

void init_consoles()
{
    drivers::vga_text().initialize();
    // Neither attach can fail: the mux has room for four consoles.
    (void)console().attach(drivers::vga_text());
    if (drivers::com1().initialize())
        (void)console().attach(drivers::com1());
}

// Returns the boot information as bytes through the boot window, or panics
// with the reason if it cannot be read.
std::span<const std::byte> boot_info_bytes(mem::PhysAddr address)
{
    if (address.value() == 0 || !address.is_aligned(8))
        panic("multiboot2 boot information address {} is null or not 8-byte aligned", address);
    const uint64_t header_virtual = arch::boot_map_virtual(address.value());
    if (header_virtual == 0 || arch::boot_map_virtual(address.value() + boot::max_boot_info_size) == 0)
        panic("multiboot2 boot information at {} is outside the first GiB the boot code maps", address);
    // The boot window maps this physical range; the bytes are GRUB's structure.
    const auto* bytes = reinterpret_cast<const std::byte*>(header_virtual);
    auto total = boot::multiboot2_total_size(std::span<const std::byte>(bytes, 8));
    if (!total)
        panic("multiboot2 boot information is malformed: {}", total.error());
    return {bytes, *total};
}

void init_boot_info(const BootHandoff& handoff)
{
    if (handoff.magic != boot::multiboot2_boot_magic)
        panic("not booted by a multiboot2 loader: magic {:#x}, expected {:#x}", handoff.magic,
              boot::multiboot2_boot_magic);
    auto parsed = boot::parse_multiboot2(boot_info_bytes(handoff.boot_info), g_boot_info);
    if (!parsed)
        panic("multiboot2 boot information is malformed: {}", parsed.error());
}

// The PICs first (every line masked), then the devices unmask their lines as
// they register, then interrupts on. A missing keyboard is not fatal.
void init_interrupts()
{
    interrupts::initialize_irqs();
    if (auto timer = drivers::pit::start_timer(drivers::pit::default_timer_hz); !timer)
        panic("cannot start the PIT timer: {}", timer.error());
    if (auto keyboard = drivers::keyboard::initialize(); !keyboard)
        println("keyboard: not available: {}", keyboard.error());
    arch::enable_interrupts();
}

// heap=fixed|linked|bump on the command line overrides the build's design.
void init_memory(const BootHandoff& handoff)
{
    std::optional<mem::HeapDesign> heap;
    if (auto word = command_line_value("heap")) {
        heap = mem::heap_design_from_word(*word);
        if (!heap)
            println("memory: unknown heap design \"{}\" (heap=fixed|linked|bump); using the default", *word);
    }
    mem::initialize_memory(g_boot_info, handoff.boot_info, heap);
}

} // namespace

bool command_line_has(std::string_view word)
{
    std::string_view line = g_boot_info.command_line;
    while (!line.empty()) {
        const size_t end = line.find(' ');
        if (line.substr(0, end) == word)
            return true;
        if (end == std::string_view::npos)
            break;
        line.remove_prefix(end + 1);
    }
    return false;
}

std::optional<std::string_view> command_line_value(std::string_view key)
{
    return command_line_value(g_boot_info.command_line, key);
}

std::optional<std::string_view> command_line_value(std::string_view line, std::string_view key)
{
    while (!line.empty()) {
        const size_t end = line.find(' ');
        const std::string_view word = line.substr(0, end);
        if (word.size() > key.size() && word.starts_with(key) && word[key.size()] == '=')
            return word.substr(key.size() + 1);
        if (end == std::string_view::npos)
            break;
        line.remove_prefix(end + 1);
    }
    return std::nullopt;
}

const boot::BootInfo& boot_info()
{
    return g_boot_info;
}

void initialize(const BootHandoff& handoff, InitStage up_to)
{
    init_consoles();
    if (up_to < InitStage::BootInfo)
        return;
    init_boot_info(handoff);
    if (up_to < InitStage::Timing)
        return;
    arch::tsc::calibrate();
    if (up_to < InitStage::Cpu)
        return;
    interrupts::initialize_cpu();
    if (up_to < InitStage::Interrupts)
        return;
    init_interrupts();
    if (up_to < InitStage::Memory)
        return;
    init_memory(handoff);
}

} // namespace kernel
