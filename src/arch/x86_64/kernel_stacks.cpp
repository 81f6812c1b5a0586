#include "arch/x86_64/kernel_stacks.h"
#include <cstddef>

// The boot stack and its guard page (boot.asm, .bss.page_aligned).
extern "C" std::byte boot_stack_guard[];
extern "C" std::byte boot_stack_bottom[];
extern "C" std::byte boot_stack_top[];

namespace arch {

namespace {

struct alignas(page_size) GuardedStackStorage {
    std::byte guard[page_size];
    std::byte stack[interrupt_stack_size];
};
static_assert(interrupt_stack_size % page_size == 0, "stacks end on a page boundary");

// .bss.page_aligned: zeroed by boot.asm with the rest of .bss and placed
// first (linker.ld.in), so page alignment costs no padding elsewhere.
[[gnu::section(".bss.page_aligned.interrupt_stacks")]] GuardedStackStorage g_interrupt_stacks[interrupt_stack_count];

VirtAddr address_of(const void* pointer)
{
    return VirtAddr::of(pointer);
}

struct StackTable {
    GuardedStack stacks[1 + interrupt_stack_count];
};

StackTable make_table()
{
    StackTable table{};
    table.stacks[0] = {"boot stack", address_of(boot_stack_guard), address_of(boot_stack_bottom),
                       address_of(boot_stack_top)};
    constexpr std::string_view names[interrupt_stack_count] = {"double-fault stack (IST1)", "NMI stack (IST2)",
                                                              "machine-check stack (IST3)"};
    for (unsigned i = 0; i < interrupt_stack_count; ++i) {
        const GuardedStackStorage& storage = g_interrupt_stacks[i];
        table.stacks[1 + i] = {names[i], address_of(storage.guard), address_of(storage.stack),
                               address_of(storage.stack) + interrupt_stack_size};
    }
    return table;
}

const StackTable& table()
{
    static const StackTable stacks = make_table();
    return stacks;
}

} // namespace

std::span<const GuardedStack> kernel_stacks()
{
    return table().stacks;
}

const GuardedStack& interrupt_stack(InterruptStack which)
{
    return table().stacks[static_cast<unsigned>(which)];
}

namespace {
StackLookup g_lookup = nullptr;
} // namespace

void set_stack_lookup(StackLookup lookup)
{
    g_lookup = lookup;
}

const GuardedStack* stack_guarded_at(VirtAddr address)
{
    for (const GuardedStack& stack : kernel_stacks()) {
        if (stack.guard_contains(address))
            return &stack;
    }
    const GuardedStack* stack = g_lookup ? g_lookup(address) : nullptr;
    return stack && stack->guard_contains(address) ? stack : nullptr;
}

const GuardedStack* stack_containing(VirtAddr address)
{
    for (const GuardedStack& stack : kernel_stacks()) {
        if (stack.contains(address))
            return &stack;
    }
    const GuardedStack* stack = g_lookup ? g_lookup(address) : nullptr;
    return stack && stack->contains(address) ? stack : nullptr;
}

} // namespace arch
