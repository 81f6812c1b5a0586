#include "interrupts/irq.h"
#include "interrupts/io_apic.h"
#include "interrupts/local_apic.h"
#include "interrupts/pic.h"
#include "core/panic.h"
#include "core/print.h"
#include "sync/atomic.h"

namespace interrupts {

namespace {

sync::Atomic<Handler> g_irq_handlers[irq_count];
sync::Atomic<uint64_t> g_spurious[irq_count];
sync::Atomic<uint64_t> g_unexpected{0};
sync::Atomic<uint64_t> g_parked_spurious{0};
// Written once by use_io_apic() (interrupts off, before other CPUs run),
// read anywhere after.
sync::Atomic<bool> g_io_apic{false};
IsaRoute g_routes[irq_count];

bool using_io_apic()
{
    return g_io_apic.load(sync::MemoryOrder::Acquire);
}

void mask_line(uint8_t line)
{
    if (using_io_apic())
        (void)io_apic::mask(g_routes[line].gsi);
    else
        interrupts::pic::mask(line);
}

kstd::Expected<void, Error> unmask_line(uint8_t line)
{
    if (!using_io_apic()) {
        interrupts::pic::unmask(line);
        return {};
    }
    if (!io_apic::unmask(g_routes[line].gsi))
        return kstd::unexpected(Error::InvalidIrq); // no I/O APIC input for this line
    return {};
}

} // namespace

void initialize_irqs()
{
    interrupts::pic::initialize(irq_base_vector, irq_base_vector + 8);
}

kstd::Expected<void, Error> use_io_apic(std::span<const IsaRoute> overrides, uint32_t destination)
{
    for (uint8_t line = 0; line < irq_count; ++line)
        g_routes[line] = {line, line, false, false};
    for (const IsaRoute& route : overrides) {
        if (route.line < irq_count)
            g_routes[route.line] = route;
    }
    for (uint8_t line = 0; line < irq_count; ++line) {
        if (line == irq::cascade)
            continue; // the 8259s' own wiring; never an I/O APIC line
        const IsaRoute& route = g_routes[line];
        (void)io_apic::route(route.gsi, {vector_of_irq(line), destination, route.active_low, route.level_triggered});
    }
    // The 8259s off to the side, every line masked (the cascade too).
    interrupts::pic::initialize(parked_pic_vector, parked_pic_vector + 8);
    interrupts::pic::mask_all();
    g_io_apic.store(true, sync::MemoryOrder::Release);
    for (uint8_t line = 0; line < irq_count; ++line) {
        if (line != irq::cascade && g_irq_handlers[line].load(sync::MemoryOrder::Acquire) != nullptr)
            (void)unmask_line(line);
    }
    return {};
}

IrqController irq_controller()
{
    return using_io_apic() ? IrqController::IoApic : IrqController::Pic8259;
}

bool irq_line_masked(uint8_t line)
{
    if (line >= irq_count)
        return true;
    return using_io_apic() ? io_apic::is_masked(g_routes[line].gsi) : interrupts::pic::is_masked(line);
}

IsaRoute isa_route(uint8_t line)
{
    return line < irq_count ? g_routes[line] : IsaRoute{};
}

kstd::Expected<void, Error> register_irq_handler(uint8_t line, Handler handler)
{
    KASSERT(handler != nullptr);
    if (line >= irq_count || line == irq::cascade)
        return kstd::unexpected(Error::InvalidIrq);
    Handler expected = nullptr;
    if (!g_irq_handlers[line].compare_exchange(expected, handler, sync::MemoryOrder::AcquireRelease))
        return kstd::unexpected(Error::AlreadyRegistered);
    if (auto unmasked = unmask_line(line); !unmasked) {
        g_irq_handlers[line].store(nullptr, sync::MemoryOrder::Release);
        return unmasked;
    }
    return {};
}

void unregister_irq_handler(uint8_t line)
{
    if (line >= irq_count || line == irq::cascade)
        return;
    mask_line(line);
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

uint64_t parked_pic_spurious_count()
{
    return g_parked_spurious.load(sync::MemoryOrder::Relaxed);
}

void handle_parked_pic(arch::InterruptFrame& frame)
{
    // Every 8259 line is masked, so this can only be a spurious IRQ 7 or 15
    // of theirs; a spurious IRQ 15 still needs the master's EOI (pic.h).
    g_parked_spurious.fetch_add(1, sync::MemoryOrder::Relaxed);
    const uint8_t line = static_cast<uint8_t>(frame.vector - parked_pic_vector);
    if (line >= 8)
        interrupts::pic::end_of_spurious_interrupt(irq::spurious_slave);
}

void handle_irq(arch::InterruptFrame& frame)
{
    const uint8_t line = static_cast<uint8_t>(frame.vector - irq_base_vector);
    const bool apic = using_io_apic();
    if (!apic && interrupts::pic::is_spurious(line)) {
        g_spurious[line].fetch_add(1, sync::MemoryOrder::Relaxed);
        interrupts::pic::end_of_spurious_interrupt(line);
        return;
    }
    if (Handler handler = g_irq_handlers[line].load(sync::MemoryOrder::Acquire)) {
        handler(frame);
    } else {
        // Lines are unmasked only by register_irq_handler(), so this is a
        // bug somewhere (or a line unregistered while its IRQ was pending):
        // say so, and keep the line from firing again.
        g_unexpected.fetch_add(1, sync::MemoryOrder::Relaxed);
        mask_line(line);
        core::println("interrupts: unexpected IRQ {} (vector {}) with no handler; line masked", line,
                        frame.vector);
    }
    if (apic)
        local_apic::end_of_interrupt();
    else
        interrupts::pic::end_of_interrupt(line);
}

} // namespace interrupts
