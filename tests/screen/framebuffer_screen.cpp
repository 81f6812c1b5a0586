// The framebuffer console on a real screen: booted from its GRUB ISO under
// UEFI (OVMF), where GRUB hands over a graphics framebuffer, this kernel
// draws a known screen (a title, enough lines to scroll any screen up to
// 1600 pixels high, colours, UTF-8, a prompt with the cursor after it), says
// "screen: drawn" on COM1 only, and waits for a key: the runner takes a
// screendump through QMP first (--screendump-after), then presses Enter.
// tools/screen_compare.py checks the picture against expected_screen.json,
// rendered from the same PSF font; keep the two in step.
//
// It also prints how long the writes took on the real framebuffer (not
// judged: TCG's speed is the host's).

#include "arch/x86_64/tsc.h"
#include "core/print.h"
#include "drivers/framebuffer_console.h"
#include "drivers/keyboard.h"
#include "drivers/pit.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"

KTEST_INIT_STAGE(Everything);

namespace {

constexpr uint64_t give_up_after_ms = 60'000;
constexpr int scroll_lines = 100;

using drivers::VgaColor;

void write_in(drivers::FramebufferConsole& screen, VgaColor foreground, VgaColor background, std::string_view text)
{
    screen.set_color(foreground, background);
    screen.write(text);
}

// Durations as "1234 us", or the tick count when the TSC has no rate.
void print_duration(std::string_view what, uint64_t ticks)
{
    if (auto ns = arch::tsc::to_nanoseconds(ticks))
        core::println("# screen: {}: {} us", what, *ns / 1000);
    else
        core::println("# screen: {}: {} TSC ticks", what, ticks);
}

} // namespace

KTEST(framebuffer_screen, draws_a_known_screen_for_the_screendump)
{
    drivers::FramebufferConsole* screen = drivers::screen_framebuffer_console();
    ASSERT_NOT_NULL(screen, "under UEFI GRUB hands over an RGB framebuffer, and init opens its console");
    core::println("# screen: {}x{} pixels, {}x{} cells", screen->surface().width, screen->surface().height,
                  screen->columns(), screen->rows());
    // From here on only this case writes to the screen: KTAP goes to COM1 alone.
    core::console().detach(*screen);

    write_in(*screen, VgaColor::LightGray, VgaColor::Black, "");
    uint64_t start = arch::tsc::now();
    screen->clear();
    print_duration("clear the screen", arch::tsc::now() - start);
    write_in(*screen, VgaColor::LightCyan, VgaColor::Black, "Kestrel framebuffer console: screendump test\n");
    start = arch::tsc::now();
    screen->set_color(VgaColor::LightGray, VgaColor::Black);
    for (int i = 0; i < scroll_lines; ++i)
        kstd::format_to(*screen, "scroll line {}: the quick brown fox jumps over the lazy dog\n", i);
    print_duration("100 lines, scrolling", arch::tsc::now() - start);
    write_in(*screen, VgaColor::Yellow, VgaColor::Blue, "yellow on blue");
    write_in(*screen, VgaColor::LightGray, VgaColor::Black, " and ");
    write_in(*screen, VgaColor::White, VgaColor::Red, "white on red");
    write_in(*screen, VgaColor::LightGray, VgaColor::Black, "\n");
    write_in(*screen, VgaColor::LightGreen, VgaColor::Black, "UTF-8: caf\xC3\xA9 \xC2\xA3 \xC2\xB0 \xE2\x82\xAC\n");
    write_in(*screen, VgaColor::LightGray, VgaColor::Black, "tab\tstop, back\b\bspace\n");
    write_in(*screen, VgaColor::LightGray, VgaColor::Black, "ready> ");

    while (drivers::keyboard::read_scancode()) {
    }
    core::println("screen: drawn");
    bool key = false;
    const uint64_t deadline = drivers::pit::uptime_ms() + give_up_after_ms;
    while (!key && drivers::pit::uptime_ms() < deadline)
        key = drivers::keyboard::next_event().has_value();
    EXPECT_TRUE(key, "the runner presses Enter after the screendump");
    MUST(core::console().attach(*screen));
}
