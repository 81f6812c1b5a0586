#pragma once
// Saying in words what went wrong, from the exception, its error code, CR2
// and what the kernel knows about its address space (which pages are
// mapped, where the stacks' guard pages are).
//
//   page fault:  "null-pointer dereference: write at 0x0000000000000010"
//   double fault: "kernel stack overflow: the boot stack ran into its guard
//                  page at 0xffffffff80108000"

#include <cstdint>
#include <string_view>
#include "arch/x86_64/kernel_stacks.h"
#include "interrupts/exceptions.h"
#include "kstd/format.h"

namespace interrupts {

// The page-fault error code (Intel SDM vol. 3, 4.7, figure 4-12).
class PageFaultError {
public:
    static constexpr uint64_t present = 1u << 0;      // 0: the page was not present
    static constexpr uint64_t write = 1u << 1;        // 0: a read
    static constexpr uint64_t user = 1u << 2;         // 0: a supervisor-mode access
    static constexpr uint64_t reserved_bit = 1u << 3; // a reserved bit was set in some entry
    static constexpr uint64_t instruction_fetch = 1u << 4;
    static constexpr uint64_t protection_key = 1u << 5;
    static constexpr uint64_t shadow_stack = 1u << 6;
    static constexpr uint64_t sgx = 1u << 15;

    constexpr explicit PageFaultError(uint64_t raw) : m_raw(raw) {}
    constexpr bool is(uint64_t bit) const { return (m_raw & bit) != 0; }
    constexpr uint64_t raw() const { return m_raw; }

private:
    uint64_t m_raw;
};

// "not-present page, write, supervisor mode[, reserved bit set][, ...]"
void format_value(kstd::Sink& sink, PageFaultError error, const kstd::FormatSpec& spec);

// The selector error code of #TS, #NP, #SS, #GP (SDM vol. 3, 6.13, figure 6-6).
class SelectorError {
public:
    constexpr explicit SelectorError(uint64_t raw) : m_raw(raw) {}
    constexpr bool external() const { return (m_raw & 1) != 0; }  // raised by an external event
    constexpr bool in_idt() const { return (m_raw & 2) != 0; }    // index names an IDT gate
    constexpr bool in_ldt() const { return !in_idt() && (m_raw & 4) != 0; }
    constexpr uint16_t index() const { return static_cast<uint16_t>((m_raw >> 3) & 0x1FFF); }
    constexpr uint16_t selector() const { return static_cast<uint16_t>(m_raw & 0xFFFF); }
    constexpr bool is_null() const { return m_raw == 0; }

private:
    uint64_t m_raw;
};

// "GDT selector 0x28 (entry 5)", "IDT vector 0x0d", ... or, for 0, what a
// zero error code means.
void format_value(kstd::Sink& sink, SelectorError error, const kstd::FormatSpec& spec);

enum class FaultCause : uint8_t {
    Exception,          // nothing more specific than the exception itself
    NullPointer,        // a page fault in the first page of the address space
    StackOverflow,      // a kernel stack ran into its guard page
    WriteToReadOnly,
    ExecuteNoExecute,
    UnmappedAddress,
    ReservedBit,        // corrupt page tables
    UserAccessToKernel,
    ProtectionKey,
    ShadowStack,
    Selector,           // #TS/#NP/#SS/#GP caused by a segment selector
};

enum class Access : uint8_t { Read, Write, Execute };

struct FaultDiagnosis {
    FaultCause cause;
    Access access;
    arch::VirtAddr address;            // CR2 for page faults
    const arch::GuardedStack* stack;   // StackOverflow: the stack that overflowed
    uint8_t vector;
    uint64_t error_code;
};

FaultDiagnosis diagnose(const Fault& fault);

// Which part of the kernel's address space `address` lies in, in words
// ("kernel .text", "kernel heap", "direct map", ...), or empty if none
// (mem/kernel_address_space.h has the layout).
std::string_view memory_region_of(arch::VirtAddr address);

// One line of words, e.g. "write to read-only memory at 0x...".
void format_value(kstd::Sink& sink, const FaultDiagnosis& diagnosis, const kstd::FormatSpec& spec);

} // namespace interrupts
