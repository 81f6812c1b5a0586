#pragma once
// Physical and virtual addresses as distinct types, so one can never be used
// where the other is meant. Converting between them is always explicit and
// goes through the memory map that makes it true (mem/direct_map.h, and
// arch/x86_64/boot_map.h before the kernel's own page tables are loaded).

#include <compare>
#include <cstdint>
#include "arch/x86_64/page_size.h"
#include "kstd/format.h"

namespace arch {

class PhysAddr {
public:
    constexpr PhysAddr() = default;
    constexpr explicit PhysAddr(uint64_t value) : m_value(value) {}
    constexpr uint64_t value() const { return m_value; }
    constexpr PhysAddr operator+(uint64_t offset) const { return PhysAddr(m_value + offset); }
    constexpr uint64_t operator-(PhysAddr other) const { return m_value - other.m_value; }
    // `alignment` must be a power of two (as for the free functions in page_size.h).
    constexpr bool is_aligned(uint64_t alignment) const { return (m_value & (alignment - 1)) == 0; }
    constexpr PhysAddr align_down(uint64_t alignment) const { return PhysAddr(arch::align_down(m_value, alignment)); }
    constexpr PhysAddr align_up(uint64_t alignment) const { return PhysAddr(arch::align_up(m_value, alignment)); }
    constexpr uint64_t offset_in(uint64_t alignment) const { return m_value & (alignment - 1); }
    constexpr auto operator<=>(const PhysAddr&) const = default;

private:
    uint64_t m_value = 0;
};

class VirtAddr {
public:
    constexpr VirtAddr() = default;
    constexpr explicit VirtAddr(uint64_t value) : m_value(value) {}
    static VirtAddr of(const volatile void* pointer)
    {
        // An object pointer is an address in the kernel's address space.
        return VirtAddr(reinterpret_cast<uintptr_t>(pointer));
    }
    constexpr uint64_t value() const { return m_value; }
    constexpr VirtAddr operator+(uint64_t offset) const { return VirtAddr(m_value + offset); }
    constexpr VirtAddr operator-(uint64_t offset) const { return VirtAddr(m_value - offset); }
    constexpr uint64_t operator-(VirtAddr other) const { return m_value - other.m_value; }
    constexpr bool is_null() const { return m_value == 0; }
    constexpr bool is_aligned(uint64_t alignment) const { return (m_value & (alignment - 1)) == 0; }
    constexpr VirtAddr align_down(uint64_t alignment) const { return VirtAddr(arch::align_down(m_value, alignment)); }
    constexpr VirtAddr align_up(uint64_t alignment) const { return VirtAddr(arch::align_up(m_value, alignment)); }
    constexpr uint64_t offset_in(uint64_t alignment) const { return m_value & (alignment - 1); }
    constexpr auto operator<=>(const VirtAddr&) const = default;

    template <typename T>
    T* as_pointer() const
    {
        // The caller vouches that this address is mapped and holds a T.
        return reinterpret_cast<T*>(m_value);
    }

private:
    uint64_t m_value = 0;
};

// 48-bit linear addresses: bits 63..47 are copies of bit 47 (Intel SDM vol. 1,
// 3.3.7.1); any other address faults (#GP) whatever the page tables say.
constexpr bool is_canonical(VirtAddr address)
{
    const uint64_t top = address.value() >> 47;
    return top == 0 || top == 0x1FFFF;
}

// Addresses print as 0x and 16 hex digits unless the spec says otherwise.
inline void format_address(kstd::Sink& sink, uint64_t address, const kstd::FormatSpec& spec)
{
    constexpr kstd::FormatSpec full_width{.alternate = true, .zero_pad = true, .width = 18, .type = 'x'};
    kstd::format_unsigned(sink, address, spec.type == 0 ? full_width : spec);
}

inline void format_value(kstd::Sink& sink, PhysAddr address, const kstd::FormatSpec& spec)
{
    format_address(sink, address.value(), spec);
}

inline void format_value(kstd::Sink& sink, VirtAddr address, const kstd::FormatSpec& spec)
{
    format_address(sink, address.value(), spec);
}

} // namespace arch
