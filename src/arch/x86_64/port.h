#pragma once
// Typed x86 I/O ports. Every `in`/`out` instruction in the kernel goes through
// this wrapper, so port accesses are greppable and their width is a type.

#include <concepts>
#include <cstdint>

namespace arch {

template <typename T>
concept PortWidth = std::same_as<T, uint8_t> || std::same_as<T, uint16_t> || std::same_as<T, uint32_t>;

template <PortWidth T>
class Port {
public:
    constexpr explicit Port(uint16_t number) : m_number(number) {}

    T read() const
    {
        T value;
        // IN reads AL/AX/EAX from the port in DX (Intel SDM vol. 2A, "IN").
        if constexpr (sizeof(T) == 1)
            asm volatile("inb %w1, %b0" : "=a"(value) : "Nd"(m_number) : "memory");
        else if constexpr (sizeof(T) == 2)
            asm volatile("inw %w1, %w0" : "=a"(value) : "Nd"(m_number) : "memory");
        else
            asm volatile("inl %w1, %k0" : "=a"(value) : "Nd"(m_number) : "memory");
        return value;
    }

    void write(T value) const
    {
        // OUT writes AL/AX/EAX to the port in DX (Intel SDM vol. 2B, "OUT").
        if constexpr (sizeof(T) == 1)
            asm volatile("outb %b0, %w1" : : "a"(value), "Nd"(m_number) : "memory");
        else if constexpr (sizeof(T) == 2)
            asm volatile("outw %w0, %w1" : : "a"(value), "Nd"(m_number) : "memory");
        else
            asm volatile("outl %k0, %w1" : : "a"(value), "Nd"(m_number) : "memory");
    }

    constexpr uint16_t number() const { return m_number; }

private:
    uint16_t m_number;
};

using Port8 = Port<uint8_t>;
using Port16 = Port<uint16_t>;
using Port32 = Port<uint32_t>;

// A write to the unused POST diagnostic port 0x80 takes about a microsecond:
// the classic delay between accesses to slow legacy devices (PIC, PIT).
inline void io_wait()
{
    Port8(0x80).write(0);
}

} // namespace arch
