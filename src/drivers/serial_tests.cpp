// KTEST cases for the 16550 driver (src/drivers/serial.cpp).

#include "drivers/serial.h"
#include "ktest/ktest.h"

KTEST(serial, com1_is_present_and_drops_nothing)
{
    ASSERT_TRUE(drivers::com1().present(), "QEMU always has a 16550 at 0x3f8");
    drivers::com1().write("");
    EXPECT_EQ(drivers::com1().dropped(), 0u);
}

KTEST(serial, an_absent_uart_is_detected_and_stays_silent)
{
    // No UART answers at 0x3E8 in the test machine (only COM1 is configured).
    drivers::SerialPort com3(0x3E8);
    EXPECT_ERROR(com3.initialize(), drivers::SerialError::NoLoopbackEcho);
    EXPECT_FALSE(com3.present());
    com3.write("nobody hears this\n");
    EXPECT_EQ(com3.dropped(), 0u);
}
