// The keyboard end to end: the runner types through QEMU's monitor (QMP,
// "sendkey") once the kernel says it is ready; the keys travel through the
// emulated PS/2 controller, IRQ 1, the scan code ring and the decoder. The
// case checks the exact decoded text, and prints it on COM1.
//
// The keys: Shift for a capital and a symbol, Caps Lock (with Shift
// inverting it, and digits unaffected), an E0-prefixed keypad key, an arrow
// key (types nothing), Backspace, Ctrl+C, then Enter to finish.
// ktest-runner-args: --timeout 60 --case-timeout 40
// ktest-runner-args: --send-keys "shift-h e l l o spc w o r l d shift-1 spc caps_lock a b c shift-d caps_lock spc 1 2 shift-3 spc kp_divide up backspace ctrl-c x ret"

#include <cstdint>
#include "drivers/keyboard.h"
#include "drivers/system_timer.h"
#include "core/print.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"
#include "sync/idle.h"
#include "sync/interrupt_guard.h"

KTEST_INIT_STAGE(Everything);

namespace {

constexpr uint64_t give_up_after_ms = 30'000;

// Appends what a key press types: printable characters as they are, a
// control character as ^X; Backspace removes the last character.
void apply(kstd::StringBuffer<128>& text, char c)
{
    if (c == '\b') {
        const std::string_view current = text.view();
        kstd::StringBuffer<128> shorter;
        shorter.write(current.substr(0, current.empty() ? 0 : current.size() - 1));
        text.clear();
        text.write(shorter.view());
    } else if (c >= 0x20 && c <= 0x7E) {
        text.write(std::string_view(&c, 1));
    } else if (c > 0 && c < 0x20) {
        const char caret[] = {'^', static_cast<char>(c + '@')};
        text.write(std::string_view(caret, 2));
    }
}

} // namespace

KTEST(keyboard, typed_keys_arrive_decoded_through_irq1)
{
    ASSERT_TRUE(drivers::keyboard::initialized(), "QEMU's PC has a PS/2 keyboard");
    while (drivers::keyboard::read_scancode()) {
    }
    const uint64_t dropped = drivers::keyboard::dropped_scancodes();
    core::println("ktest: ready for keys");

    kstd::StringBuffer<128> text;
    uint32_t presses = 0, releases = 0;
    bool finished = false;
    const uint64_t deadline = drivers::system_timer::uptime_ms() + give_up_after_ms;
    while (!finished && drivers::system_timer::uptime_ms() < deadline) {
        while (auto event = drivers::keyboard::next_event()) {
            ++(event->pressed ? presses : releases);
            if (!event->pressed || event->character == '\0')
                continue;
            if (event->character == '\n') {
                finished = true;
                break;
            }
            apply(text, event->character);
        }
        sync::InterruptGuard guard; // check, then halt, without a gap
        if (!drivers::keyboard::has_pending())
            sync::wait_for_interrupt();
    }
    core::println("    # keyboard: typed \"{}\" ({} presses, {} releases)", text.view(), presses, releases);
    ASSERT_TRUE(finished, "Enter never came");
    EXPECT_STREQ(text.view(), "Hello world! ABCd 12# ^Cx");
    // Every key sent was pressed (30 sendkey commands, 5 of them combos with
    // a modifier: 35 presses) and released (all but Enter, whose release
    // comes after the loop ended), and nothing was lost.
    EXPECT_EQ(presses, 35u);
    EXPECT_EQ(releases, 34u);
    EXPECT_EQ(drivers::keyboard::dropped_scancodes(), dropped);
}
