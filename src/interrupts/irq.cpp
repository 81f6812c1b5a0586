#include "interrupts/irq.h"
#include "interrupts/pic.h"
#include "core/panic.h"
#include "core/print.h"
#include "sync/atomic.h"

namespace interrupts {

namespace {

sync::Atomic<Handler> g_irq_handlers[irq_count];
// Written only in handle_irq (interrupts off, one CPU), read anywhere.
sync::Atomic<uint64_t> g_spurious[irq_count];
sync::Atomic<uint64_t> g_unexpected{0};

} // namespace

void initialize_irqs()
{
    interrupts::pic::initialize(irq_base_vector, irq_base_vector + 8);
}

kstd::Expected<void, Error> register_irq_handler(uint8_t line, Handler handler)
{
    KASSERT(handler != nullptr);
    if (line >= irq_count || line == irq::cascade)
        return kstd::unexpected(Error::InvalidIrq);
    Handler expected = nullptr;
    if (!g_irq_handlers[line].compare_exchange(expected, handler, sync::MemoryOrder::AcquireRelease))
        return kstd::unexpected(Error::AlreadyRegistered);
    interrupts::pic::unmask(line);
    return {};
}

void unregister_irq_handler(uint8_t line)
{
    if (line >= irq_count || line == irq::cascade)
        return;
    interrupts::pic::mask(line);
    g_irq_handlers[line].store(nullptr, sync::MemoryOrder::Release);
}

uint64_t spurious_irq_count(uint8_t line)
{
    return line < irq_count ? g_spurious[line].load(sync::MemoryOrder::Relaxed) : 0;
}

uint64_t unexpected_irq_count()
{
    return g_unexpected.load(sync::MemoryOrder::Relaxed);
}

void handle_irq(arch::InterruptFrame& frame)
{
    const uint8_t line = static_cast<uint8_t>(frame.vector - irq_base_vector);
    if (interrupts::pic::is_spurious(line)) {
        g_spurious[line].add_single_writer(1);
        interrupts::pic::end_of_spurious_interrupt(line);
        return;
    }
    if (Handler handler = g_irq_handlers[line].load(sync::MemoryOrder::Acquire)) {
        handler(frame);
    } else {
        // Lines are unmasked only by register_irq_handler(), so this is a
        // bug somewhere (or a line unregistered while its IRQ was pending):
        // say so, and keep the line from firing again.
        g_unexpected.add_single_writer(1);
        interrupts::pic::mask(line);
        core::println("interrupts: unexpected IRQ {} (vector {}) with no handler; line masked", line,
                        frame.vector);
    }
    interrupts::pic::end_of_interrupt(line);
}

} // namespace interrupts
