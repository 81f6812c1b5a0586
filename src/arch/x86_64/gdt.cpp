#include "arch/x86_64/gdt.h"
#include "arch/x86_64/per_cpu.h"
#include "arch/x86_64/tss.h"

namespace arch::gdt {

namespace {

// Bits of a code/data segment descriptor (SDM vol. 3, figure 3-8).
constexpr uint64_t accessed = 1ull << 40;       // preset: the CPU need not write it
constexpr uint64_t writable = 1ull << 41;       // data: writable; code: readable
constexpr uint64_t executable = 1ull << 43;
constexpr uint64_t code_or_data = 1ull << 44;   // S: not a system descriptor
constexpr uint64_t present = 1ull << 47;
constexpr uint64_t long_mode = 1ull << 53;      // L: 64-bit code segment
constexpr uint64_t default_size_32 = 1ull << 54; // D/B; must be 0 when L = 1
constexpr uint64_t granularity_4k = 1ull << 55;
constexpr uint64_t limit_max = 0x000F'0000'0000'FFFFull; // limit 0xFFFFF (ignored in 64-bit mode)

constexpr uint64_t privilege(unsigned dpl)
{
    return static_cast<uint64_t>(dpl & 3) << 45;
}

constexpr uint64_t code_segment(unsigned dpl)
{
    return limit_max | accessed | writable | executable | code_or_data | present | privilege(dpl) | long_mode
        | granularity_4k;
}

constexpr uint64_t data_segment(unsigned dpl)
{
    return limit_max | accessed | writable | code_or_data | present | privilege(dpl) | default_size_32
        | granularity_4k;
}

static_assert(code_segment(0) == 0x00AF'9B00'0000'FFFFull, "same as boot.asm's 64-bit code segment");
static_assert(data_segment(0) == 0x00CF'9300'0000'FFFFull, "same as boot.asm's data segment");

// A 64-bit TSS descriptor: 16 bytes over two slots (SDM vol. 3, figure 9-4).
constexpr uint64_t tss_type_available = 0x9ull << 40;

struct TssDescriptor {
    uint64_t low;
    uint64_t high;
};

TssDescriptor tss_descriptor(VirtAddr tss, uint32_t limit)
{
    const uint64_t base = tss.value(); // cut into the descriptor's base fields below
    const uint64_t low = (limit & 0xFFFFull) | ((base & 0xFF'FFFFull) << 16) | tss_type_available | present
        | (static_cast<uint64_t>((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    return {low, base >> 32};
}

// One per CPU (each names its own TSS). Written by the CPU: LTR sets the
// TSS descriptor's busy bit.
KESTREL_PER_CPU alignas(16) uint64_t g_gdt[entry_count];

// The operand of LGDT/SGDT, laid out as the CPU reads and writes it (SDM
// vol. 3, figure 3-11), so its base stays a raw linear address.
struct [[gnu::packed]] DescriptorTablePointer {
    uint16_t limit;
    uint64_t base;
};

} // namespace

void load()
{
    uint64_t (&g_gdt)[entry_count] = this_cpu(gdt::g_gdt); // this CPU's table
    g_gdt[0] = 0;
    g_gdt[kernel_code_selector / 8] = code_segment(0);
    g_gdt[kernel_data_selector / 8] = data_segment(0);
    g_gdt[user_data_selector / 8] = data_segment(3);
    g_gdt[user_code_selector / 8] = code_segment(3);
    // The TSS is a kernel object: its address is a virtual address.
    const TssDescriptor tss = tss_descriptor(VirtAddr::of(&task_state_segment()), sizeof(TaskStateSegment) - 1);
    g_gdt[tss_selector / 8] = tss.low;
    g_gdt[tss_selector / 8 + 1] = tss.high;

    const DescriptorTablePointer pointer{sizeof g_gdt - 1, VirtAddr::of(&g_gdt).value()};
    // LGDT only reads the pointer; the segment registers keep their cached
    // descriptors until reloaded. CS can only be reloaded by a far transfer:
    // LRETQ pops RIP then CS (SDM vol. 2A, "RET", far return in 64-bit mode).
    // The data segment registers are reloaded with MOV. FS and GS are left
    // alone: boot.asm loaded the null selector into both (which names no GDT
    // entry), and loading a selector into GS would reset the GS base (SDM
    // vol. 3, 3.4.4.1) that points at this CPU's per-CPU area (per_cpu.h).
    asm volatile("lgdt %[pointer]\n\t"
                 "pushq %[code]\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "movw %w[data], %%ax\n\t"
                 "movw %%ax, %%ds\n\t"
                 "movw %%ax, %%es\n\t"
                 "movw %%ax, %%ss"
                 :
                 : [pointer] "m"(pointer), [code] "i"(static_cast<uint64_t>(kernel_code_selector)),
                   [data] "r"(static_cast<uint32_t>(kernel_data_selector))
                 : "rax", "memory");
    // LTR loads TR from the TSS descriptor and marks it busy (SDM vol. 2A, "LTR").
    asm volatile("ltr %w0" : : "r"(tss_selector) : "memory");
}

Registers read_registers()
{
    DescriptorTablePointer pointer{};
    uint16_t task_register = 0;
    // SGDT stores GDTR; STR stores the TR selector. Both only read state.
    asm volatile("sgdt %0" : "=m"(pointer));
    asm volatile("str %w0" : "=r"(task_register));
    return {VirtAddr(pointer.base), pointer.limit, task_register};
}

VirtAddr table_address()
{
    // The table is a kernel object: its address is a virtual address.
    return VirtAddr::of(&this_cpu(g_gdt));
}

uint64_t entry(unsigned index)
{
    return index < entry_count ? this_cpu(g_gdt)[index] : 0;
}

} // namespace arch::gdt
