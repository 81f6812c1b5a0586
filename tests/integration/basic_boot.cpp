// The consoles work right after boot, before any other initialisation: the
// kernel stops at the Consoles stage (no boot information parsed, no timer).

#include "drivers/serial.h"
#include "drivers/vga_text.h"
#include "kernel/init.h"
#include "core/print.h"
#include "ktest/binary.h"
#include "boot/boot_loader.h"
#include "ktest/ktest.h"

KTEST_INIT_STAGE(Consoles);

KTEST(basic_boot, nothing_else_is_initialised)
{
    EXPECT_EQ(boot::boot_info().total_size, 0u, "the boot information is not parsed yet");
}

KTEST(basic_boot, serial_console_works)
{
    ASSERT_TRUE(drivers::com1().present());
    core::println("basic_boot: printed through the console mux");
    EXPECT_EQ(drivers::com1().dropped(), 0u);
}

KTEST(basic_boot, vga_console_shows_printed_text)
{
    drivers::VgaTextConsole& vga = drivers::vga_text();
    const size_t row = vga.cursor_row();
    core::print("vga-check {}", 42);
    const char expected[] = "vga-check 42";
    for (size_t i = 0; i < sizeof expected - 1; ++i)
        EXPECT_EQ(vga.char_at(row, i), expected[i], "column {}", i);
    core::println("");
}

KTEST(basic_boot, many_lines_print_without_loss)
{
    for (int i = 0; i < 200; ++i)
        core::println("basic_boot: line {} of 200", i + 1);
    EXPECT_EQ(drivers::com1().dropped(), 0u);
}
