#include "drivers/serial_input.h"
#include "arch/x86_64/port.h"
#include "drivers/serial.h"
#include "interrupts/irq.h"
#include "sync/atomic.h"
#include "sync/interrupt_guard.h"
#include "sync/spsc_ring.h"

namespace drivers::serial_input {

namespace {

constexpr uint16_t base = SerialPort::com1_base;
const arch::Port8 data_port(base + 0), interrupt_enable_port(base + 1), line_status_port(base + 5),
    modem_control_port(base + 4);
constexpr uint8_t receive_available = 1 << 0; // IER bit 0
constexpr uint8_t data_ready = 1 << 0;        // LSR bit 0
constexpr uint8_t out2 = 1 << 3;              // MCR: OUT2 gates the UART's interrupt line on PCs

sync::SpscRing<uint8_t, 256> g_queue;
sync::Atomic<uint64_t> g_dropped{0};
InputListener g_listener = nullptr;

void on_serial_interrupt(arch::InterruptFrame&)
{
    while (line_status_port.read() & data_ready) {
        if (!g_queue.push(data_port.read()))
            g_dropped.add_single_writer(1);
    }
    if (g_listener != nullptr)
        g_listener();
}

} // namespace

bool initialize()
{
    if (!com1().present())
        return false;
    if (!interrupts::register_irq_handler(interrupts::irq::com1, &on_serial_interrupt))
        return false;
    modem_control_port.write(modem_control_port.read() | out2);
    interrupt_enable_port.write(receive_available);
    return true;
}

std::optional<uint8_t> read_byte()
{
    return g_queue.pop();
}

bool has_pending()
{
    return !g_queue.empty();
}

void set_input_listener(InputListener listener)
{
    const sync::InterruptGuard no_handler_in_between;
    g_listener = listener;
}

uint64_t dropped_bytes()
{
    return g_dropped.load(sync::MemoryOrder::Relaxed);
}

} // namespace drivers::serial_input
