// KTEST cases of keyboard.cpp, in a file of their own: the product link drops
// test functions but not the string literals they share a section with
// (.rodata.str1.1, one per object file), and keyboard.cpp has strings of its own.

#include "drivers/keyboard.h"
#include "arch/x86_64/cpu.h"
#include "interrupts/irq.h"
#include "ktest/ktest.h"

// The real keys, from QEMU's monitor: tests/integration/keyboard.cpp.

namespace {

// Waits (bounded) until the interrupt handler has received `count` bytes.
bool wait_for_received(uint64_t count)
{
    for (uint32_t spins = 0; spins < 10'000'000; ++spins) {
        if (drivers::keyboard::received_scancodes() >= count)
            return true;
        arch::pause();
    }
    return false;
}

void drain()
{
    while (drivers::keyboard::read_scancode()) {
    }
}

} // namespace

KTEST_SETUP(keyboard)
{
    if (!drivers::keyboard::initialized())
        KTEST_SKIP("no PS/2 keyboard controller");
    drain();
}

KTEST(keyboard, a_byte_from_the_controller_arrives_through_irq1_as_a_key)
{
    const uint64_t received = drivers::keyboard::received_scancodes();
    const uint64_t irqs = interrupts::count(interrupts::vector_of_irq(interrupts::irq::keyboard));
    ASSERT_TRUE(drivers::keyboard::inject_scancode(0x1E).has_value()); // 'a' pressed
    ASSERT_TRUE(drivers::keyboard::inject_scancode(0x9E).has_value()); // 'a' released
    ASSERT_TRUE(wait_for_received(received + 2));
    EXPECT_EQ(interrupts::count(interrupts::vector_of_irq(interrupts::irq::keyboard)), irqs + 2);
    auto press = drivers::keyboard::next_event();
    ASSERT_TRUE(press.has_value());
    EXPECT_EQ(press->key, drivers::keyboard::Key::A);
    EXPECT_EQ(press->character, 'a');
    auto release = drivers::keyboard::next_event();
    ASSERT_TRUE(release.has_value());
    EXPECT_FALSE(release->pressed);
    EXPECT_FALSE(drivers::keyboard::next_event().has_value());
}

KTEST(keyboard, a_full_queue_drops_and_counts_the_overflow)
{
    const uint64_t received = drivers::keyboard::received_scancodes();
    const uint64_t dropped = drivers::keyboard::dropped_scancodes();
    constexpr unsigned extra = 5;
    // Key releases of 'a': harmless for the decoder state.
    for (unsigned i = 0; i < drivers::keyboard::queue_capacity + extra; ++i) {
        ASSERT_TRUE(drivers::keyboard::inject_scancode(0x9E).has_value());
        ASSERT_TRUE(wait_for_received(received + i + 1), "byte {}", i);
    }
    EXPECT_EQ(drivers::keyboard::dropped_scancodes(), dropped + extra);
    size_t queued = 0;
    while (drivers::keyboard::read_scancode())
        ++queued;
    EXPECT_EQ(queued, drivers::keyboard::queue_capacity, "the first bytes are kept, the last dropped");
    // next_event() reports the loss (once) and carries on.
    EXPECT_FALSE(drivers::keyboard::next_event().has_value());
}
