#include "kernel/init.h"
#include <optional>
#include "acpi/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/cpu_setup.h"
#include "boot/boot_loader.h"
#include "boot/command_line.h"
#include "core/panic.h"
#include "core/console_recorder.h"
#include "core/print.h"
#include "drivers/ata.h"
#include "drivers/real_time_clock.h"
#include "drivers/framebuffer_console.h"
#include "drivers/keyboard.h"
#include "drivers/partition.h"
#include "drivers/pci.h"
#include "drivers/pit.h"
#include "drivers/serial.h"
#include "drivers/tsc_calibration.h"
#include "drivers/vga_text.h"
#include "drivers/virtio_block.h"
#include "interrupts/apic.h"
#include "arch/x86_64/per_cpu.h"
#include "smp/cpu_startup.h"
#include "interrupts/io_apic.h"
#include "interrupts/irq.h"
#include "interrupts/local_apic.h"
#include "drivers/local_apic_timer.h"
#include "drivers/system_timer.h"
#include "mem/memory.h"
#include "sched/thread.h"
#include <optional>
#include "fs/initrd.h"
#include "fs/ram_fs.h"
#include "fs/vfs.h"
#include "mem/direct_map.h"
#include "user/system_calls.h"

namespace kernel {

namespace {

// What is printed before the screen console is final: shown again on the
// framebuffer console when there is one (init_screen_console).
core::ConsoleRecorder g_early_output;

void init_consoles()
{
    drivers::vga_text().initialize();
    // The mux has room for four consoles and these are the first three: a
    // failed attach is a broken invariant.
    MUST(core::console().attach(g_early_output));
    MUST(core::console().attach(drivers::vga_text()));
    if (auto serial = drivers::com1().initialize(); !serial)
        core::println("COM1: not available: {}", serial.error()); // on VGA only, then
    else
        MUST(core::console().attach(drivers::com1()));
}

// Under UEFI the screen is a graphics framebuffer and there is no VGA text
// mode: once memory management can map the framebuffer, the framebuffer
// console takes the VGA text console's place, showing first what was
// printed before it. Under a BIOS (VGA text mode, an EGA text framebuffer)
// and without a framebuffer (QEMU -kernel) the VGA text console stays.
void init_screen_console()
{
    core::ConsoleMux& mux = core::console();
    const core::ConsoleMux::Guard guard(mux); // nothing printed in between is lost
    mux.detach(g_early_output);
    const std::optional<boot::FramebufferInfo>& framebuffer = boot::boot_info().framebuffer;
    if (!framebuffer || framebuffer->type != boot::FramebufferType::Rgb)
        return;
    auto screen = drivers::open_screen_framebuffer_console(*framebuffer);
    if (!screen) {
        core::println("console: cannot draw on the framebuffer, staying with VGA text: {}", screen.error());
        return;
    }
    (*screen)->write(g_early_output.text());
    if (g_early_output.dropped() > 0)
        kstd::format_to(**screen, "[{} bytes of early output not kept]\n", g_early_output.dropped());
    mux.detach(drivers::vga_text());
    MUST(mux.attach(**screen)); // a slot was just freed
}

void init_cpu()
{
    auto cpu = arch::initialize_cpu();
    if (cpu)
        return;
    if (cpu.error() == arch::CpuSetupError::MissingRequiredFeature)
        core::panic("this CPU lacks {}, which the kernel requires",
                    *arch::missing_required_feature(arch::cpu_features()));
    core::panic("cannot set up the CPU: {}", cpu.error());
}

// heap=fixed|linked|bump on the command line overrides the build's design.
void init_memory()
{
    std::optional<mem::HeapDesign> heap;
    if (auto word = boot::command_line_value(boot::command_line(), "heap")) {
        heap = mem::heap_design_from_word(*word);
        if (!heap)
            core::println("memory: unknown heap design \"{}\" (heap=fixed|linked|bump); using the default", *word);
    }
    mem::initialize_memory(boot::boot_info(), heap);
}

// The PICs first (every line masked); then the APICs where the machine has
// them (apic=off on the command line keeps the PICs), the local APIC timer
// as the tick where it can be calibrated, else the PIT; then the devices
// unmask their lines as they register, then interrupts on. A missing
// keyboard is not fatal.
std::optional<interrupts::ApicUnavailable> g_apic_refused; // why the 8259s stayed
std::optional<drivers::local_apic_timer::Error> g_apic_timer_refused; // why the PIT ticks

void start_system_timer()
{
    if (interrupts::apics_in_use()) {
        auto calibrated = drivers::local_apic_timer::calibrate();
        if (calibrated) {
            auto started = drivers::local_apic_timer::start_this_cpu(drivers::pit::default_timer_hz, true);
            if (started)
                return;
            g_apic_timer_refused = started.error();
        } else {
            g_apic_timer_refused = calibrated.error();
        }
    }
    if (auto timer = drivers::pit::start_timer(drivers::pit::default_timer_hz); !timer)
        core::panic("cannot start the PIT timer: {}", timer.error());
}

void init_interrupts()
{
    interrupts::initialize_irqs();
    if (boot::command_line_value(boot::command_line(), "apic") == std::optional<std::string_view>("off")) {
        g_apic_refused.reset();
    } else if (auto apics = interrupts::use_apics(); !apics) {
        g_apic_refused = apics.error();
    }
    start_system_timer();
    if (auto keyboard = drivers::keyboard::initialize(); !keyboard)
        core::println("keyboard: not available: {}", keyboard.error());
    arch::enable_interrupts();
}

// PCI first (a later driver finds its controller there), then the legacy IDE
// ports' disks, each with its MBR partitions; a disk without an MBR is used whole.
std::optional<drivers::mbr::Error> g_disk_refused[drivers::ata::max_disks]; // why a disk is used whole
bool g_disk_gpt[drivers::ata::max_disks];

void init_devices()
{
    (void)drivers::real_time_clock::initialize(); // the boot summary says what it read
    drivers::pci::enumerate();
    drivers::ata::probe();
    drivers::virtio_block::probe(); // PCI virtio-blk disks after the IDE ones: "virtio0", ...
    for (size_t i = 0; i < drivers::ata::disks().size(); ++i) {
        auto table = drivers::scan_partitions(*drivers::ata::disks()[i]);
        if (!table)
            g_disk_refused[i] = table.error();
        else
            g_disk_gpt[i] = table->kind == drivers::mbr::Kind::Gpt;
    }
    // The virtio-blk disks' partitions the same way (a disk without an MBR is
    // used whole; print_device_summary lists the IDE disks only).
    for (drivers::virtio_block::Disk* disk : drivers::virtio_block::disks())
        (void)drivers::scan_partitions(*disk);
}

// The other CPUs, after the scheduler they join: up to maxcpus=N.
smp::StartSummary g_cpus{};
std::optional<smp::StartError> g_cpus_refused;

void start_cpus()
{
    uint32_t limit = arch::max_cpus;
    if (auto word = boot::command_line_value(boot::command_line(), "maxcpus")) {
        uint32_t value = 0;
        bool number = !word->empty();
        for (char c : *word) {
            number &= c >= '0' && c <= '9';
            value = value * 10 + static_cast<uint32_t>(c - '0');
        }
        if (number && value >= 1)
            limit = value;
        else
            core::println("cpus: maxcpus=\"{}\" is not a number of CPUs; starting all", *word);
    }
    auto started = smp::start_other_cpus(limit);
    if (!started)
        g_cpus_refused = started.error();
    else
        g_cpus = *started;
}

// The programs come as a boot module (GRUB's module2, QEMU's -initrd): a
// cpio archive, checked whole. Without one, or with a bad one, the kernel
// runs on without programs; print_initrd_summary() says which.
std::optional<fs::cpio::Error> g_initrd_refused;

// The VFS's root: a ram file system with /dev, filled from the initial
// ramdisk. Without one there is no program to run, and no root either:
// test kernels that replace the kernel heap need it empty.
void mount_root_file_system(const boot::BootInfo& info)
{
    const auto modules = info.boot_modules();
    if (modules.empty())
        return;
    fs::RamFileSystem& root = *MUST(fs::RamFileSystem::create()); // lives for good
    MUST(fs::vfs::mount("/", root));
    const kstd::RefPtr<fs::Vnode> dev = MUST(root.root()->create("dev", fs::FileType::Directory));
    MUST(root.add_device(*dev, "console", fs::Device::Console));
    MUST(root.add_device(*dev, "tty", fs::Device::Console));
    MUST(root.add_device(*dev, "null", fs::Device::Null));
    MUST(root.add_device(*dev, "zero", fs::Device::Zero));
    const boot::BootModule& module = modules[0];
    // The module's frames are reserved for good (mem/physical_memory.cpp) and in the direct map.
    const std::span<const std::byte> bytes(mem::direct_map_address(module.start).as_pointer<const std::byte>(),
                                           module.end - module.start);
    if (auto mounted = fs::initrd::mount(bytes); !mounted) {
        g_initrd_refused = mounted.error();
        return;
    }
    if (auto filled = fs::initrd::fill(root); !filled)
        core::println("initrd: only part of it is in /: {}", filled.error());
}

} // namespace

void print_device_summary()
{
    for (const drivers::pci::Device& device : drivers::pci::devices())
        core::println("pci: {}", device);
    if (drivers::ata::disks().empty())
        core::println("disks: none on the IDE ports");
    for (size_t i = 0; i < drivers::ata::disks().size(); ++i) {
        const drivers::ata::Disk& disk = *drivers::ata::disks()[i];
        core::print("{}: {} MiB ({} sectors), \"{}\"{}: ", disk.name(), disk.block_count() / 2048,
                    disk.block_count(), disk.model(), disk.supports_lba48() ? ", LBA48" : "");
        if (g_disk_refused[i])
            core::println("whole disk: {}", *g_disk_refused[i]);
        else if (g_disk_gpt[i])
            core::println("GPT, not read");
        else {
            core::print("MBR");
            for (const drivers::Partition* partition : drivers::partitions()) {
                if (partition->disk() == &disk)
                    core::print(" {} ({} MiB at sector {})", partition->name(), partition->block_count() / 2048,
                                partition->first_block());
            }
            core::println("");
        }
    }
}

void print_cpu_summary()
{
    if (g_cpus_refused) {
        core::println("cpus: {} online; the others were not started: {}", arch::online_cpu_count(), *g_cpus_refused);
        return;
    }
    core::print("cpus: {} online", arch::online_cpu_count());
    if (g_cpus.listed > 0)
        core::print(" ({} listed in the MADT", g_cpus.listed);
    if (g_cpus.failed > 0)
        core::print(", {} did not start", g_cpus.failed);
    if (g_cpus.skipped > 0)
        core::print(", {} left out by maxcpus= or the kernel's limit of {}", g_cpus.skipped, arch::max_cpus);
    if (g_cpus.listed > 0)
        core::print(")");
    core::println("");
}

void print_interrupt_summary()
{
    if (interrupts::apics_in_use()) {
        core::print("interrupts: local APIC {} at {:#x} (version {:#x})", interrupts::local_apic::id(),
                    interrupts::local_apic::base().value(), interrupts::local_apic::version());
        for (size_t i = 0; i < interrupts::io_apic::controller_count(); ++i) {
            const auto controller = interrupts::io_apic::controller(i);
            core::print(", I/O APIC {} at {:#x} (GSI {}-{})", controller.id, controller.address.value(),
                        controller.gsi_base, controller.gsi_base + controller.pins - 1);
        }
        core::print("; ISA IRQs:");
        for (uint8_t line = 0; line < interrupts::irq_count; ++line) {
            const interrupts::IsaRoute route = interrupts::isa_route(line);
            if (route.gsi != line || route.active_low || route.level_triggered)
                core::print(" {}->GSI {}{}{}", line, route.gsi, route.active_low ? " low" : "",
                            route.level_triggered ? " level" : "");
        }
        core::println(" (others GSI = IRQ); 8259s masked");
    } else if (g_apic_refused) {
        core::println("interrupts: 8259 PICs, since {}", *g_apic_refused);
    } else {
        core::println("interrupts: 8259 PICs (apic=off on the command line)");
    }
    if (g_apic_timer_refused)
        core::println("timer: the PIT, since the local APIC timer cannot be used: {}", *g_apic_timer_refused);
    core::print("timer: {}, {} Hz (period {} ns)", drivers::system_timer::source(),
                drivers::system_timer::frequency_hz(), drivers::system_timer::period_ns());
    if (drivers::local_apic_timer::counts_per_second() != 0 && interrupts::apics_in_use())
        core::print("; local APIC timer counts at {} kHz after its divide-by-16",
                    drivers::local_apic_timer::counts_per_second() / 1000);
    core::println("");
}

void print_initrd_summary()
{
    const auto modules = boot::boot_info().boot_modules();
    if (modules.empty()) {
        core::println("initrd: none (no boot module): no programs to run");
        return;
    }
    const uint64_t kib = (modules[0].end - modules[0].start + 1023) / 1024;
    if (g_initrd_refused) {
        core::println("initrd: {} KiB at {:#x}, refused: {}", kib, modules[0].start.value(), *g_initrd_refused);
        return;
    }
    core::print("initrd: {} entries, {} KiB:", fs::initrd::archive().count(), kib);
    for (const fs::cpio::Entry& entry : fs::initrd::archive()) {
        if (entry.is_regular())
            core::print(" /{}", entry.name);
    }
    core::println("");
}

void initialize(const boot::BootHandoff& handoff, InitStage up_to)
{
    init_consoles();
    if (up_to < InitStage::BootInfo)
        return;
    boot::load_boot_info(handoff);
    if (up_to < InitStage::Cpu)
        return;
    init_cpu();
    if (up_to < InitStage::Memory)
        return;
    init_memory();
    init_screen_console();
    // The tables' problems are printed as they are found; the reason for no
    // ACPI at all stays in acpi::initialization_error() (the boot summary).
    (void)acpi::initialize();
    if (up_to < InitStage::Timing)
        return;
    if (auto tsc = drivers::calibrate_tsc(); !tsc)
        core::println("timing: cannot calibrate the TSC, durations stay unknown: {}", tsc.error());
    if (up_to < InitStage::Interrupts)
        return;
    init_interrupts();
    if (up_to < InitStage::Devices)
        return;
    init_devices();
    if (up_to < InitStage::Scheduler)
        return;
    sched::initialize();
    user::initialize_system_calls();
    mount_root_file_system(boot::boot_info());
    if (up_to < InitStage::Cpus)
        return;
    start_cpus();
}

} // namespace kernel
