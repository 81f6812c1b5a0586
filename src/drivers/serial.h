#pragma once
// 16550 UART, polled. COM1 is the kernel's log and the channel the test
// framework reports on (KTAP), so output waits for the transmitter rather
// than dropping characters.

#include <cstdint>
#include <string_view>
#include "arch/x86_64/port.h"
#include "core/console.h"
#include "kstd/expected.h"
#include "kstd/format.h"

namespace drivers {

enum class SerialError : uint8_t {
    NoLoopbackEcho, // the loopback self-test byte did not come back: no working UART there
};
std::string_view to_string(SerialError error);

class SerialPort final : public core::Console {
public:
    static constexpr uint16_t com1_base = 0x3F8;

    constexpr explicit SerialPort(uint16_t base) : m_base(base) {}

    // 115200 baud, 8 data bits, no parity, 1 stop bit, FIFOs on.
    // NoLoopbackEcho if no UART answers the loopback test; the port then
    // stays off (writes to it are dropped without waiting).
    [[nodiscard]] kstd::Expected<void, SerialError> initialize();
    bool present() const { return m_present; }

    // Kernel text: '\n' goes out as CR LF.
    void write(std::string_view text) override;
    // A terminal program's bytes, as they are: the terminal at the other end
    // of the line interprets them (the line discipline did any CR LF).
    void write_terminal(std::string_view bytes) override;
    void put(char c);

    // Characters given up on because the transmitter never became ready.
    uint64_t dropped() const { return m_dropped; }

private:
    enum Register : uint16_t {
        Data = 0,            // THR/RBR; divisor low byte when DLAB = 1
        InterruptEnable = 1, // divisor high byte when DLAB = 1
        FifoControl = 2,
        LineControl = 3,
        ModemControl = 4,
        LineStatus = 5,
    };
    arch::Port8 port(Register r) const { return arch::Port8(static_cast<uint16_t>(m_base + r)); }
    void transmit(uint8_t byte);

    uint16_t m_base;
    bool m_present = false;
    uint64_t m_dropped = 0;
};

SerialPort& com1();

} // namespace drivers
