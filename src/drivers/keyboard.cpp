#include "drivers/keyboard.h"
#include "arch/x86_64/tsc.h"
#include "sync/interrupt_guard.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/port.h"
#include "interrupts/irq.h"
#include "core/print.h"
#include "sync/atomic.h"
#include "sync/spsc_ring.h"

namespace drivers::keyboard {

namespace {

constexpr arch::Port8 data_port(0x60);
constexpr arch::Port8 status_port(0x64);  // read
constexpr arch::Port8 command_port(0x64); // write

// Status register bits.
constexpr uint8_t status_output_full = 1u << 0; // a byte waits at 0x60 for us
constexpr uint8_t status_input_full = 1u << 1;  // the controller has not taken our last byte yet
constexpr uint8_t status_aux_data = 1u << 5;    // the waiting byte is from port 2 (mouse)

// Controller commands.
constexpr uint8_t command_read_config = 0x20;
constexpr uint8_t command_write_config = 0x60;
constexpr uint8_t command_disable_port2 = 0xA7;
constexpr uint8_t command_disable_port1 = 0xAD;
constexpr uint8_t command_enable_port1 = 0xAE;
constexpr uint8_t command_write_port1_output = 0xD2;

// Controller configuration byte.
constexpr uint8_t config_port1_interrupt = 1u << 0;
constexpr uint8_t config_port2_interrupt = 1u << 1;
constexpr uint8_t config_port1_clock_off = 1u << 4;
constexpr uint8_t config_translation = 1u << 6;

constexpr uint32_t spin_limit = 100'000;
constexpr size_t flush_limit = 64;

sync::SpscRing<uint8_t, queue_capacity> g_queue;
// Written only by the interrupt handler.
sync::Atomic<uint64_t> g_received{0};
sync::Atomic<uint64_t> g_dropped{0};
// Consumer side (normal code).
uint64_t g_dropped_reported = 0;
ScancodeDecoder g_decoder;
bool g_initialized = false;
InputListener g_listener = nullptr; // set with interrupts off, read by the handler

kstd::Expected<void, Error> wait_until_writable()
{
    for (uint32_t spins = 0; spins < spin_limit; ++spins) {
        if ((status_port.read() & status_input_full) == 0)
            return {};
        arch::pause();
    }
    return kstd::unexpected(Error::ControllerTimeout);
}

kstd::Expected<void, Error> wait_until_readable()
{
    for (uint32_t spins = 0; spins < spin_limit; ++spins) {
        if ((status_port.read() & status_output_full) != 0)
            return {};
        arch::pause();
    }
    return kstd::unexpected(Error::ControllerTimeout);
}

kstd::Expected<void, Error> send_command(uint8_t command)
{
    if (auto ready = wait_until_writable(); !ready)
        return ready;
    command_port.write(command);
    return {};
}

kstd::Expected<void, Error> send_data(uint8_t byte)
{
    if (auto ready = wait_until_writable(); !ready)
        return ready;
    data_port.write(byte);
    return {};
}

void flush_output()
{
    for (size_t i = 0; i < flush_limit && (status_port.read() & status_output_full) != 0; ++i)
        (void)data_port.read();
}

void on_keyboard_interrupt(arch::InterruptFrame&)
{
    const uint8_t status = status_port.read();
    if ((status & status_output_full) == 0)
        return; // nothing waiting (already read)
    const uint8_t byte = data_port.read();
    if ((status & status_aux_data) != 0)
        return; // a mouse byte, though port 2 is off: not ours
    g_received.add_single_writer(1); // the handler runs on one CPU at a time (IRQ 1 goes to one)
    if (!g_queue.push(byte))
        g_dropped.add_single_writer(1);
    if (g_listener != nullptr)
        g_listener();
}

} // namespace

void set_input_listener(InputListener listener)
{
    const sync::InterruptGuard no_handler_in_between;
    g_listener = listener;
}

std::string_view to_string(Error error)
{
    switch (error) {
    case Error::NoController: return "no PS/2 controller answers at port 0x64";
    case Error::ControllerTimeout: return "the PS/2 controller did not respond in time";
    case Error::IrqUnavailable: return "IRQ 1 is taken by another handler";
    }
    return "unknown keyboard error";
}

kstd::Expected<void, Error> initialize()
{
    // With no controller the bus floats and every read returns all ones.
    if (status_port.read() == 0xFF)
        return kstd::unexpected(Error::NoController);
    // Both ports off while we reconfigure, so no key byte is mistaken for
    // the configuration byte we read.
    if (auto sent = send_command(command_disable_port1); !sent)
        return sent;
    if (auto sent = send_command(command_disable_port2); !sent)
        return sent;
    flush_output();
    if (auto sent = send_command(command_read_config); !sent)
        return sent;
    if (auto ready = wait_until_readable(); !ready)
        return ready;
    uint8_t config = data_port.read();
    config = static_cast<uint8_t>((config | config_port1_interrupt | config_translation)
                                  & ~(config_port2_interrupt | config_port1_clock_off));
    if (auto sent = send_command(command_write_config); !sent)
        return sent;
    if (auto sent = send_data(config); !sent)
        return sent;
    if (auto sent = send_command(command_enable_port1); !sent)
        return sent;
    flush_output();
    if (!g_initialized) {
        if (!interrupts::register_irq_handler(interrupts::irq::keyboard, &on_keyboard_interrupt))
            return kstd::unexpected(Error::IrqUnavailable);
    }
    g_initialized = true;
    return {};
}

bool initialized()
{
    return g_initialized;
}

std::optional<uint8_t> read_scancode()
{
    return g_queue.pop();
}

bool has_pending()
{
    return !g_queue.empty();
}

std::optional<KeyEvent> next_event()
{
    const uint64_t dropped = g_dropped.load(sync::MemoryOrder::Relaxed);
    if (dropped != g_dropped_reported) {
        core::println("keyboard: {} scan code byte(s) lost: the queue of {} was full (typing may be garbled)",
                        dropped - g_dropped_reported, queue_capacity);
        g_dropped_reported = dropped;
        g_decoder.reset_sequence();
    }
    while (auto byte = g_queue.pop()) {
        if (auto event = g_decoder.feed(*byte))
            return event;
    }
    return std::nullopt;
}

uint64_t received_scancodes()
{
    return g_received.load(sync::MemoryOrder::Relaxed);
}

uint64_t dropped_scancodes()
{
    return g_dropped.load(sync::MemoryOrder::Relaxed);
}

kstd::Expected<void, Error> inject_scancode(uint8_t byte)
{
    // The controller holds one byte: wait until the interrupt handler
    // (on whichever CPU the I/O APIC sends IRQ 1 to, which a busy host may
    // hold back for milliseconds) has read the last one, or this one would
    // take its place. Up to about two seconds of TSC time.
    const uint64_t start = arch::tsc::now();
    const uint64_t limit = arch::tsc::calibrated() ? 2 * *arch::tsc::frequency_hz() : 6'000'000'000ull;
    while ((status_port.read() & status_output_full) != 0) {
        if (arch::tsc::now() - start > limit)
            return kstd::unexpected(Error::ControllerTimeout);
        arch::pause();
    }
    if (auto sent = send_command(command_write_port1_output); !sent)
        return sent;
    return send_data(byte);
}

} // namespace drivers::keyboard
