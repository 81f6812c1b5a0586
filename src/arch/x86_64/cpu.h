#pragma once
// Thin, named wrappers around single privileged x86_64 instructions.

#include <cstdint>
#include "arch/x86_64/address.h"

namespace arch {

inline void halt()
{
    // HLT waits for the next interrupt (or forever with interrupts off).
    asm volatile("hlt" ::: "memory");
}

inline void disable_interrupts()
{
    // CLI clears RFLAGS.IF; "memory" keeps accesses from moving across it.
    asm volatile("cli" ::: "memory");
}

inline void enable_interrupts()
{
    // STI sets RFLAGS.IF; "memory" keeps accesses from moving across it.
    asm volatile("sti" ::: "memory");
}

inline uint64_t read_rflags()
{
    uint64_t flags;
    // PUSHFQ/POP is the only way to read RFLAGS.
    asm volatile("pushfq; pop %0" : "=r"(flags) : : "memory");
    return flags;
}

constexpr uint64_t rflags_interrupt_enable = 1u << 9;

inline bool interrupts_enabled()
{
    return (read_rflags() & rflags_interrupt_enable) != 0;
}

[[noreturn]] inline void halt_forever()
{
    for (;;) {
        disable_interrupts();
        halt();
    }
}

inline uint64_t read_timestamp_counter()
{
    uint32_t low, high;
    // RDTSC returns the TSC in EDX:EAX. Not serialising: fine for durations
    // of whole test cases, too coarse for a few instructions.
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    return (static_cast<uint64_t>(high) << 32) | low;
}

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};

inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0)
{
    CpuidResult r;
    // CPUID takes the leaf in EAX and the subleaf in ECX.
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

// The address of the caller's frame record (arch/x86_64/frame_chain.h).
inline VirtAddr read_frame_pointer()
{
    uint64_t rbp;
    // The kernel is built with frame pointers, so RBP heads the frame chain;
    // it holds a virtual address on the current stack.
    asm volatile("mov %%rbp, %0" : "=r"(rbp));
    return VirtAddr(rbp);
}

inline void pause()
{
    // PAUSE tells the CPU this is a spin-wait loop.
    asm volatile("pause");
}

} // namespace arch
