#include "interrupts/pic.h"
#include "arch/x86_64/port.h"
#include "sync/spinlock.h"

namespace interrupts::pic {

namespace {

constexpr arch::Port8 master_command(0x20);
constexpr arch::Port8 master_data(0x21);
constexpr arch::Port8 slave_command(0xA0);
constexpr arch::Port8 slave_data(0xA1);

// Initialisation command words (8259A datasheet, "Initialization Command Words").
constexpr uint8_t icw1_init = 0x10;        // start initialisation
constexpr uint8_t icw1_needs_icw4 = 0x01;  // ICW4 follows; edge-triggered, cascade (bits 3 and 1 clear)
constexpr uint8_t icw3_master_slave_on_irq2 = 1u << 2; // master: which input has a slave
constexpr uint8_t icw3_slave_identity = 2;             // slave: its cascade identity
constexpr uint8_t icw4_8086_mode = 0x01;               // 8086/88 mode, normal (not automatic) EOI
// Operation command words.
constexpr uint8_t ocw2_non_specific_eoi = 0x20;
constexpr uint8_t ocw3_read_irr = 0x0A;
constexpr uint8_t ocw3_read_isr = 0x0B;

constexpr uint8_t cascade_line = 2;

// The mask registers are read-modify-written; the cached copy is the truth.
sync::Spinlock g_lock("8259 masks", sync::LockRank::InterruptController);
uint16_t g_masks = 0xFFFF;

void write_masks(uint16_t masks)
{
    master_data.write(static_cast<uint8_t>(masks));
    slave_data.write(static_cast<uint8_t>(masks >> 8));
}

uint16_t read_register(uint8_t ocw3)
{
    sync::SpinlockGuard guard(g_lock);
    master_command.write(ocw3);
    slave_command.write(ocw3);
    return static_cast<uint16_t>(master_command.read() | (slave_command.read() << 8));
}

} // namespace

void initialize(uint8_t master_base, uint8_t slave_base)
{
    sync::SpinlockGuard guard(g_lock);
    // Each chip expects ICW2-4 on its data port right after ICW1; io_wait()
    // gives old hardware time between the accesses.
    master_command.write(icw1_init | icw1_needs_icw4);
    arch::io_wait();
    slave_command.write(icw1_init | icw1_needs_icw4);
    arch::io_wait();
    master_data.write(master_base); // ICW2: vector of IR0 (low 3 bits must be 0)
    arch::io_wait();
    slave_data.write(slave_base);
    arch::io_wait();
    master_data.write(icw3_master_slave_on_irq2);
    arch::io_wait();
    slave_data.write(icw3_slave_identity);
    arch::io_wait();
    master_data.write(icw4_8086_mode);
    arch::io_wait();
    slave_data.write(icw4_8086_mode);
    arch::io_wait();
    g_masks = static_cast<uint16_t>(0xFFFF & ~(1u << cascade_line));
    write_masks(g_masks);
}

void mask(uint8_t line)
{
    if (line >= line_count || line == cascade_line)
        return;
    sync::SpinlockGuard guard(g_lock);
    g_masks = static_cast<uint16_t>(g_masks | (1u << line));
    write_masks(g_masks);
}

void mask_all()
{
    sync::SpinlockGuard guard(g_lock);
    g_masks = 0xFFFF;
    write_masks(g_masks);
}

void unmask(uint8_t line)
{
    if (line >= line_count)
        return;
    sync::SpinlockGuard guard(g_lock);
    g_masks = static_cast<uint16_t>(g_masks & ~(1u << line));
    write_masks(g_masks);
}

bool is_masked(uint8_t line)
{
    return line >= line_count || (mask_bits() & (1u << line)) != 0;
}

uint16_t mask_bits()
{
    sync::SpinlockGuard guard(g_lock);
    return g_masks;
}

void end_of_interrupt(uint8_t line)
{
    if (line >= 8)
        slave_command.write(ocw2_non_specific_eoi);
    master_command.write(ocw2_non_specific_eoi);
}

bool is_spurious(uint8_t line)
{
    if (line != 7 && line != 15)
        return false;
    const uint16_t isr = in_service();
    return (isr & (1u << line)) == 0;
}

void end_of_spurious_interrupt(uint8_t line)
{
    if (line == 15)
        master_command.write(ocw2_non_specific_eoi);
}

uint16_t in_service()
{
    return read_register(ocw3_read_isr);
}

uint16_t requested()
{
    return read_register(ocw3_read_irr);
}

} // namespace interrupts::pic
