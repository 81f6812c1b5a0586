// kernel_main of every test kernel (the unit-test kernel and each file in
// tests/): initialise the kernel, read the run-time options, run the cases,
// end QEMU with the verdict.

#include "drivers/fw_cfg.h"
#include "boot/boot_loader.h"
#include "kernel/init.h"
#include "kernel/kernel_main.h"
#include "core/print.h"
#include "core/sanitizer_report.h"
#include "ktest/executor.h"
#include "ktest/expect_fault.h"
#include "ktest/internal.h"

// Defined by a test file through KTEST_INIT_STAGE / KTEST_SHOULD_PANIC; the
// address of a missing weak symbol is null.
[[gnu::weak]] extern const kernel::InitStage ktest_init_stage;
[[gnu::weak]] extern const ktest::ShouldPanicSpec ktest_should_panic_spec;
extern "C" [[gnu::weak]] void ktest_binary_setup();

namespace {

kernel::InitStage init_stage()
{
    return &ktest_init_stage ? ktest_init_stage : kernel::InitStage::Everything;
}

// Options come from the multiboot2 command line (baked into the ISO) and
// then from fw_cfg (set by the runner at boot; these win).
ktest::Options read_options(kernel::InitStage stage)
{
    ktest::Options options;
    if (stage >= kernel::InitStage::BootInfo) {
        if (auto parsed = ktest::parse_options(boot::boot_info().command_line, options); !parsed) {
            core::println("# ktest: bad option on the kernel command line: {}", parsed.error());
            ktest::qemu_exit(ktest::ExitCode::Failed);
        }
    }
    static char text[1024];
    auto size = drivers::fw_cfg::read_file("opt/ktest/args", text);
    if (!size) {
        // No device or no such file: the runner passed no options.
        if (size.error() == drivers::fw_cfg::Error::TooLarge) {
            core::println("# ktest: opt/ktest/args: {} ({} bytes)", size.error(), sizeof text);
            ktest::qemu_exit(ktest::ExitCode::Failed);
        }
        return options;
    }
    if (auto parsed = ktest::parse_options(std::string_view(text, *size), options); !parsed) {
        core::println("# ktest: bad option from the runner: {}", parsed.error());
        ktest::qemu_exit(ktest::ExitCode::Failed);
    }
    return options;
}

} // namespace

void kernel_main(const boot::BootHandoff& handoff)
{
    core::set_panic_observer(&ktest::internal::on_panic);
    core::set_sanitizer_observer(&ktest::internal::on_sanitizer_report);
    ktest::internal::install_fault_interceptor();
    const kernel::InitStage stage = init_stage();
    kernel::initialize(handoff, stage);
    const ktest::Options options = read_options(stage);
    if (ktest_binary_setup)
        ktest_binary_setup();
    if (&ktest_should_panic_spec)
        ktest::run_should_panic(ktest_should_panic_spec);
    ktest::qemu_exit(ktest::run_registered_cases(options));
}
