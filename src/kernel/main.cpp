// The product kernel's kernel_main: bring everything up, greet, then run
// the shell (/bin/sh from the initial ramdisk) on the console for good.
// (Test kernels link ktest/main.cpp instead of this file.)
//
// Kernel command line words (GRUB's multiboot2 line):
//   init=PATH             the first program (default /bin/sh), started again when it ends;
//                         init=/usr/bin/sh is Debian's busybox sh (make run INIT=busybox)
//   -- WORDS              what follows is the first program's arguments (as on Linux)
//   demo=breakpoint       int3 in the kernel at boot (reported; the kernel goes on)
//   demo=stack-overflow   overflow the kernel stack at boot (the double-fault
//                         handler reports it on its own stack; the kernel stops)
//   demo=page-fault       write through a null pointer at boot (reported; the kernel stops)
//   demo=panic-on-every-cpu  every CPU panics at once: one report, the others stopped
//   heap=fixed|linked|bump the kernel heap's design (default: the build's, -DKERNEL_HEAP)
// Without a shell to run (no initial ramdisk) the kernel echoes what is
// typed. Its keys: F1 help, F2 breakpoint (reported, then typing goes on),
// F3 page fault, F4 stack overflow, F5 threads, Ctrl+L clear the screen.

#include <string_view>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "boot/boot_loader.h"
#include "boot/command_line.h"
#include "async/executor.h"
#include "async/keyboard.h"
#include "sched/thread.h"
#include "drivers/keyboard.h"
#include "drivers/real_time_clock.h"
#include "drivers/system_timer.h"
#include "drivers/framebuffer_console.h"
#include "drivers/vga_text.h"
#include "kernel/deliberate_faults.h"
#include "kernel/disks.h"
#include "kernel/init.h"
#include "core/print.h"
#include "kernel/version.h"
#include "fs/vfs.h"
#include "fs/terminal.h"
#include "user/process.h"

namespace {

using drivers::keyboard::Key;
using drivers::keyboard::KeyEvent;

bool command_line_has(std::string_view word)
{
    return boot::command_line_has(boot::command_line(), word);
}

void print_help()
{
    core::println("keys: F1 this help, F2 breakpoint (int3), F3 page fault, F4 stack overflow, F5 threads, Ctrl+L clear");
}

// The banner's colour on whichever screen console there is (VGA text, or
// the framebuffer console under UEFI).
void set_screen_color(drivers::VgaColor foreground)
{
    drivers::vga_text().set_color(foreground, drivers::VgaColor::Black);
    if (drivers::FramebufferConsole* screen = drivers::screen_framebuffer_console())
        screen->set_color(foreground, drivers::VgaColor::Black);
}

void print_timing()
{
    if (auto tsc_hz = arch::tsc::frequency_hz()) {
        const uint64_t tsc_khz = *tsc_hz / 1000;
        core::print("time: TSC {}.{:03} MHz (calibrated against the PIT)", tsc_khz / 1000, tsc_khz % 1000);
    } else {
        core::print("time: TSC rate unknown ({})", tsc_hz.error());
    }
    core::println(", timer {} Hz (period {} ns), uptime {} ms", drivers::system_timer::frequency_hz(),
                  drivers::system_timer::period_ns(), drivers::system_timer::uptime_ms());
    if (auto clock = drivers::real_time_clock::boot_time())
        core::println("time: real-time clock {} UTC at boot", *clock);
    else
        core::println("time: no readable real-time clock: the time of day starts at 1970-01-01 00:00");
}

// The interactive part: echo typed text, with a line length so Backspace
// stops at the start of the line.
class Echo {
public:
    void handle(const KeyEvent& event)
    {
        if (!event.pressed)
            return;
        switch (event.key) {
        case Key::F1: print_help(); return;
        case Key::F2: new_line(); kernel::deliberate::breakpoint(); return;
        case Key::F3: new_line(); kernel::deliberate::write_through_null(); return;
        case Key::F4: new_line(); (void)kernel::deliberate::overflow_stack(); return;
        case Key::F5: new_line(); sched::print_threads(core::console()); return;
        default: break;
        }
        if (event.modifiers.ctrl && event.key == Key::L) {
            drivers::vga_text().clear();
            m_column = 0;
            return;
        }
        const char c = event.character;
        if (c == '\b') {
            if (m_column > 0) {
                core::print("\b \b");
                --m_column;
            }
        } else if (c == '\n') {
            core::println("");
            m_column = 0;
        } else if (c >= 0x20 && c <= 0x7E) {
            core::print("{}", c);
            ++m_column;
        }
    }

private:
    void new_line()
    {
        if (m_column > 0)
            core::println("");
        m_column = 0;
    }

    size_t m_column = 0;
};

async::Task<void> keyboard_echo(Echo& echo)
{
    for (;;)
        echo.handle(co_await async::next_key());
}

// The first program: /bin/sh (or init=PATH), on the console, started again
// whenever it ends. Returns only if there is none to run.
void run_init()
{
    std::string_view path = boot::command_line_value(boot::command_line(), "init").value_or("/bin/sh");
    fs::Terminal::console().start();
    for (;;) {
        auto file = fs::vfs::read_file(path, 64ull << 20);
        if (!file) {
            core::println("init: {}: {}: no shell; the kernel echoes what you type instead", path, file.error());
            return;
        }
        // argv: the path, then the words after "--" on the command line.
        std::string_view argv[9] = {path};
        size_t argc = 1;
        for (std::string_view rest = boot::command_line_init_arguments(boot::command_line());
             !rest.empty() && argc < sizeof argv / sizeof argv[0];) {
            const size_t end = rest.find(' ');
            if (end != 0)
                argv[argc++] = rest.substr(0, end);
            rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        }
        // PATH: ours, then busybox's applets (/usr/bin), as a shell started there expects.
        const std::string_view envp[] = {"PATH=/bin:/usr/bin", "HOME=/", "TERM=linux"};
        auto process = user::Process::spawn(path, file->span(), {argv, argc}, envp);
        if (!process) {
            core::println("init: cannot start {}: {}", path, process.error());
            return;
        }
        const int status = user::Process::wait(*process);
        core::println("init: {} ended with status {}; starting it again", path, status);
    }
}

} // namespace

void kernel_main(const boot::BootHandoff& handoff)
{
    kernel::initialize(handoff);

    set_screen_color(drivers::VgaColor::LightCyan);
    core::println("{} {} - a C++20 kernel for x86_64", kernel::os_name, kernel::os_version);
    set_screen_color(drivers::VgaColor::LightGray);
    kernel::print_boot_summary(boot::boot_info());
    kernel::print_memory_summary();
    kernel::print_initrd_summary();
    kernel::print_device_summary();
    kernel::mount_disks();
    kernel::print_disk_mounts();
    kernel::print_interrupt_summary();
    kernel::print_cpu_summary();
    print_timing();

    // The kernel's own crash demos (a user program's are `crash` at the shell).
    if (command_line_has("demo=breakpoint"))
        kernel::deliberate::breakpoint();
    if (command_line_has("demo=page-fault"))
        kernel::deliberate::write_through_null();
    if (command_line_has("demo=panic-on-every-cpu"))
        kernel::deliberate::panic_on_every_cpu();
    if (command_line_has("demo=stack-overflow"))
        (void)kernel::deliberate::overflow_stack();

    run_init();

    // No shell: the keyboard echo, a task on the executor that awaits each
    // key (the keyboard interrupt wakes it); while it waits, this thread
    // blocks and the idle thread halts the CPU.
    core::println("kernel: idle until an interrupt. Type something (F1: help).");
    Echo echo;
    async::Executor executor{"main"};
    if (auto spawned = executor.spawn(keyboard_echo(echo), "keyboard echo"); !spawned)
        core::panic("cannot start the keyboard echo: {}", spawned.error());
    executor.run(); // the echo never ends
    core::panic("the keyboard echo ended");
}
