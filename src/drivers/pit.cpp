#include "drivers/pit.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/port.h"

namespace drivers::pit {

namespace {
constexpr arch::Port8 channel2_data(0x42);
constexpr arch::Port8 mode_command(0x43);
// Port 0x61 (system control port B): bit 0 gates channel 2, bit 1 drives the
// speaker from it, bit 5 reads channel 2's output.
constexpr arch::Port8 control_port_b(0x61);
constexpr uint8_t gate2 = 0x01;
constexpr uint8_t speaker = 0x02;
constexpr uint8_t out2 = 0x20;
// Channel 2, low byte then high byte, mode 0 (output rises at terminal count), binary.
constexpr uint8_t channel2_mode0 = 0b10'11'000'0;
constexpr uint64_t give_up_after_tsc_ticks = 10'000'000'000ull;
} // namespace

uint64_t measure_tsc_ticks(uint32_t microseconds)
{
    uint64_t count = static_cast<uint64_t>(input_hz) * microseconds / 1'000'000;
    if (count > 0xFFFF)
        count = 0xFFFF;

    const uint8_t saved = control_port_b.read();
    control_port_b.write(static_cast<uint8_t>(saved & ~(gate2 | speaker))); // gate low: hold
    mode_command.write(channel2_mode0);
    channel2_data.write(static_cast<uint8_t>(count & 0xFF));
    channel2_data.write(static_cast<uint8_t>(count >> 8));

    control_port_b.write(static_cast<uint8_t>((saved & ~speaker) | gate2)); // gate high: count
    const uint64_t start = arch::read_timestamp_counter();
    uint64_t now = start;
    while ((control_port_b.read() & out2) == 0) {
        now = arch::read_timestamp_counter();
        if (now - start > give_up_after_tsc_ticks) {
            control_port_b.write(saved);
            return 0;
        }
    }
    now = arch::read_timestamp_counter();
    control_port_b.write(saved);
    return now - start;
}

} // namespace drivers::pit
