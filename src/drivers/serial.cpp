#include "drivers/serial.h"
#include "arch/x86_64/cpu.h"

namespace drivers {

namespace {
constexpr uint8_t line_control_dlab = 0x80;         // divisor latch access
constexpr uint8_t line_control_8n1 = 0x03;          // 8 bits, no parity, 1 stop
constexpr uint8_t fifo_enable_clear_14 = 0xC7;      // enable, clear both, 14-byte threshold
constexpr uint8_t modem_loopback_test = 0x1E;       // loopback, RTS, OUT1, OUT2
constexpr uint8_t modem_normal = 0x0F;              // DTR, RTS, OUT1, OUT2
constexpr uint8_t line_status_transmit_empty = 0x20;
constexpr uint16_t divisor_115200 = 1;              // 115200 / 115200
constexpr uint32_t transmit_spin_limit = 1'000'000;
} // namespace

std::string_view to_string(SerialError error)
{
    switch (error) {
    case SerialError::NoLoopbackEcho: return "no UART echoed the loopback test byte (no 16550 at this port?)";
    }
    return "unknown serial port error";
}

kstd::Expected<void, SerialError> SerialPort::initialize()
{
    port(InterruptEnable).write(0x00);
    port(LineControl).write(line_control_dlab);
    port(Data).write(divisor_115200 & 0xFF);
    port(InterruptEnable).write(divisor_115200 >> 8);
    port(LineControl).write(line_control_8n1);
    port(FifoControl).write(fifo_enable_clear_14);

    // Loopback self-test: a missing or broken UART does not echo the byte.
    constexpr uint8_t probe = 0xAE;
    port(ModemControl).write(modem_loopback_test);
    port(Data).write(probe);
    m_present = port(Data).read() == probe;
    port(ModemControl).write(modem_normal);
    if (!m_present)
        return kstd::unexpected(SerialError::NoLoopbackEcho);
    return {};
}

void SerialPort::transmit(uint8_t byte)
{
    for (uint32_t spins = 0; (port(LineStatus).read() & line_status_transmit_empty) == 0; ++spins) {
        if (spins == transmit_spin_limit) {
            ++m_dropped;
            return;
        }
        arch::pause();
    }
    port(Data).write(byte);
}

void SerialPort::put(char c)
{
    if (!m_present)
        return;
    if (c == '\n')
        transmit('\r');
    transmit(static_cast<uint8_t>(c));
}

void SerialPort::write(std::string_view text)
{
    for (char c : text)
        put(c);
}

void SerialPort::write_terminal(std::string_view bytes)
{
    if (!m_present)
        return;
    for (char c : bytes)
        transmit(static_cast<uint8_t>(c));
}

SerialPort& com1()
{
    static SerialPort port(SerialPort::com1_base);
    return port;
}

} // namespace drivers
