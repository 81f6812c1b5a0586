// The console's terminal from a real program (user/tests/termios.c, musl):
// Linux's termios values through tcgetattr, TIOCGWINSZ, raw mode and the
// screen's answer to ESC[6n, TCSETSF. The kernel opens the terminal's
// input, lets the VGA screen answer into it (as fs::Terminal::start() does
// in the product) and types a line before the program starts.

#include "drivers/vga_text.h"
#include "fs/terminal.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"
#include "tests/user/run_program.h"

KTEST_INIT_STAGE(Everything);

using user_tests::ProgramRun;
using user_tests::run_program;

namespace {
ProgramRun g_run;
}

KTEST(terminal_program, termios_from_musl_sees_a_linux_terminal)
{
    fs::Terminal& terminal = fs::Terminal::console();
    terminal.open_input();
    terminal.take_answers_from(drivers::vga_text());
    terminal.receive("hello\r");
    run_program(g_run, "/tests/termios", {"termios"});
    EXPECT_EQ(g_run.status, 0, "termios' exit status is its number of failed checks");
    EXPECT_TRUE(g_run.output_contains("termios: 0 failure(s)"));
    EXPECT_FALSE(g_run.output_contains("FAILED"));
    const fs::WindowSize size = terminal.window_size();
    kstd::StringBuffer<64> window;
    kstd::format_to(window, "termios: window {} rows, {} columns", size.rows, size.columns);
    EXPECT_TRUE(g_run.output_contains(window.view()), "TIOCGWINSZ gives the kernel's size: {}", window.view());
    EXPECT_TRUE(g_run.output_contains("termios: window 25 rows, 80 columns"), "QEMU -kernel: VGA text");
}
