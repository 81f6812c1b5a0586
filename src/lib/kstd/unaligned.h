#pragma once
// Reading a value out of a byte buffer at any offset: the parsers of outside
// structures (multiboot2, PVH) read fields that need not be aligned for
// their type, and a plain pointer cast there would be undefined behaviour
// (and a misaligned access UBSan reports). memcpy of the bytes is what the
// compiler turns into one load.

#include <cstddef>
#include <span>
#include <type_traits>

namespace kstd {

// The T stored at bytes[offset..offset + sizeof(T)); the caller has checked
// that the range is inside `bytes`.
template <typename T>
    requires std::is_trivially_copyable_v<T>
T load_unaligned(std::span<const std::byte> bytes, size_t offset)
{
    T value;
    __builtin_memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

} // namespace kstd
