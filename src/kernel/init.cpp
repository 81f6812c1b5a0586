#include "kernel/init.h"
#include <optional>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/cpu_setup.h"
#include "boot/boot_loader.h"
#include "boot/command_line.h"
#include "core/panic.h"
#include "core/print.h"
#include "drivers/ata.h"
#include "drivers/keyboard.h"
#include "drivers/partition.h"
#include "drivers/pci.h"
#include "drivers/pit.h"
#include "drivers/serial.h"
#include "drivers/tsc_calibration.h"
#include "drivers/vga_text.h"
#include "drivers/virtio_block.h"
#include "interrupts/irq.h"
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

void init_consoles()
{
    drivers::vga_text().initialize();
    // The mux has room for four consoles and these are the first two: a
    // failed attach is a broken invariant.
    MUST(core::console().attach(drivers::vga_text()));
    if (auto serial = drivers::com1().initialize(); !serial)
        core::println("COM1: not available: {}", serial.error()); // on VGA only, then
    else
        MUST(core::console().attach(drivers::com1()));
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

// The PICs first (every line masked), then the devices unmask their lines as
// they register, then interrupts on. A missing keyboard is not fatal.
void init_interrupts()
{
    interrupts::initialize_irqs();
    if (auto timer = drivers::pit::start_timer(drivers::pit::default_timer_hz); !timer)
        core::panic("cannot start the PIT timer: {}", timer.error());
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
}

} // namespace kernel
