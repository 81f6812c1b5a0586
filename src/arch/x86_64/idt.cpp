#include "arch/x86_64/idt.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/kernel_stacks.h"

// interrupt_stubs.asm: the entry stub of each vector, as the table of raw
// quadwords (dq) the assembler writes.
extern "C" const uint64_t interrupt_stub_table[arch::idt::vector_count];

namespace arch::idt {

namespace {

// One gate descriptor (SDM vol. 3, figure 6-8 "64-Bit IDT Gate Descriptors").
struct GateDescriptor {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;        // bits 0-2
    uint8_t attributes; // P (7), DPL (6-5), 0, type (3-0)
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(GateDescriptor) == 16);

constexpr uint8_t attribute_present = 0x80;
constexpr uint8_t type_interrupt_gate = 0xE;

alignas(16) GateDescriptor g_idt[vector_count];

// The operand of LIDT/SIDT, laid out as the CPU reads and writes it (SDM
// vol. 3, figure 6-1), so its base stays a raw linear address.
struct [[gnu::packed]] DescriptorTablePointer {
    uint16_t limit;
    uint64_t base;
};

GateDescriptor make_gate(VirtAddr stub, uint8_t ist, uint8_t dpl)
{
    const uint64_t handler = stub.value(); // cut into the gate's three offset fields
    return {static_cast<uint16_t>(handler), gdt::kernel_code_selector, static_cast<uint8_t>(ist & 7),
            static_cast<uint8_t>(attribute_present | ((dpl & 3) << 5) | type_interrupt_gate),
            static_cast<uint16_t>(handler >> 16), static_cast<uint32_t>(handler >> 32), 0};
}

uint8_t stack_for(unsigned vector)
{
    switch (vector) {
    case 2: return static_cast<uint8_t>(InterruptStack::NonMaskableInterrupt);
    case 8: return static_cast<uint8_t>(InterruptStack::DoubleFault);
    case 18: return static_cast<uint8_t>(InterruptStack::MachineCheck);
    default: return 0;
    }
}

uint8_t privilege_for(unsigned vector)
{
    return vector == 3 || vector == 4 ? 3 : 0;
}

} // namespace

void load()
{
    for (unsigned vector = 0; vector < vector_count; ++vector)
        g_idt[vector] = make_gate(VirtAddr(interrupt_stub_table[vector]), stack_for(vector), privilege_for(vector));
    // The table is a kernel object: its address is a virtual address.
    const DescriptorTablePointer pointer{sizeof g_idt - 1, VirtAddr::of(g_idt).value()};
    // LIDT only reads the 10-byte pointer (SDM vol. 2A, "LGDT/LIDT").
    asm volatile("lidt %0" : : "m"(pointer) : "memory");
}

Gate gate(uint8_t vector)
{
    const GateDescriptor& d = g_idt[vector];
    const uint64_t handler = d.offset_low | (static_cast<uint64_t>(d.offset_middle) << 16)
        | (static_cast<uint64_t>(d.offset_high) << 32);
    return {VirtAddr(handler),
            d.selector,
            static_cast<uint8_t>(d.ist & 7),
            static_cast<uint8_t>((d.attributes >> 5) & 3),
            (d.attributes & attribute_present) != 0,
            (d.attributes & 0xF) == type_interrupt_gate};
}

Register read_register()
{
    DescriptorTablePointer pointer{};
    // SIDT stores IDTR; it only reads state.
    asm volatile("sidt %0" : "=m"(pointer));
    return {VirtAddr(pointer.base), pointer.limit};
}

} // namespace arch::idt
