#pragma once
// Model-specific registers (Intel SDM vol. 2B, RDMSR/WRMSR; vol. 4 lists them).

#include <cstdint>

namespace arch::msr {

// IA32_EFER (SDM vol. 3, 2.2.1 "Extended Feature Enable Register").
inline constexpr uint32_t efer = 0xC000'0080;
inline constexpr uint64_t efer_syscall_enable = 1ull << 0;
inline constexpr uint64_t efer_long_mode_enable = 1ull << 8;
inline constexpr uint64_t efer_long_mode_active = 1ull << 10;
inline constexpr uint64_t efer_no_execute_enable = 1ull << 11;

// IA32_PAT: the page attribute table (SDM vol. 3, 12.12.2).
inline constexpr uint32_t pat = 0x277;

// The segment bases of 64-bit mode (SDM vol. 3, 3.4.4.1): FS and GS, and
// the GS base that SWAPGS exchanges with it.
inline constexpr uint32_t fs_base = 0xC000'0100;
inline constexpr uint32_t gs_base = 0xC000'0101;
inline constexpr uint32_t kernel_gs_base = 0xC000'0102;

inline uint64_t read(uint32_t index)
{
    uint32_t low, high;
    // RDMSR reads the MSR numbered ECX into EDX:EAX; #GP if it does not exist.
    asm volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(index));
    return (static_cast<uint64_t>(high) << 32) | low;
}

inline void write(uint32_t index, uint64_t value)
{
    // WRMSR writes EDX:EAX to the MSR numbered ECX; "memory" because an MSR
    // can change how memory is accessed (EFER.NXE does).
    asm volatile("wrmsr"
                 :
                 : "c"(index), "a"(static_cast<uint32_t>(value)), "d"(static_cast<uint32_t>(value >> 32))
                 : "memory");
}

} // namespace arch::msr
