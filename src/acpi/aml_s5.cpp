#include "acpi/aml_s5.h"
#include <optional>
#include "kstd/unaligned.h"

namespace acpi {

namespace {

constexpr uint8_t name_op = 0x08, package_op = 0x12, root_char = 0x5C, parent_prefix = 0x5E;
constexpr uint8_t zero_op = 0x00, one_op = 0x01, byte_prefix = 0x0A, word_prefix = 0x0B, dword_prefix = 0x0C,
                  qword_prefix = 0x0E;
constexpr uint64_t max_slp_typ = 7; // SLP_TYP is bits 10-12 of PM1_CNT

uint8_t at(std::span<const std::byte> aml, size_t offset)
{
    return static_cast<uint8_t>(aml[offset]);
}

bool is_s5_name(std::span<const std::byte> aml, size_t offset)
{
    return at(aml, offset) == '_' && at(aml, offset + 1) == 'S' && at(aml, offset + 2) == '5' &&
           at(aml, offset + 3) == '_';
}

// "_S5_" at `name` is the NameString of a NameOp: the byte before it (after
// an optional '\' or any number of '^') is 0x08.
bool follows_name_op(std::span<const std::byte> aml, size_t name)
{
    size_t before = name;
    if (before > 0 && at(aml, before - 1) == root_char)
        --before;
    else
        while (before > 0 && at(aml, before - 1) == parent_prefix)
            --before;
    return before > 0 && at(aml, before - 1) == name_op;
}

kstd::Unexpected<AmlError> fail(std::string_view what, size_t offset, uint64_t value = 0)
{
    return kstd::unexpected(AmlError{what, offset, value});
}

// One integer constant at `offset`, which must end by `end`; `offset`
// moves past it.
kstd::Expected<uint64_t, AmlError> integer(std::span<const std::byte> aml, size_t& offset, size_t end)
{
    const uint8_t op = at(aml, offset);
    size_t size = 0;
    switch (op) {
    case zero_op: ++offset; return uint64_t{0};
    case one_op: ++offset; return uint64_t{1};
    case byte_prefix: size = 1; break;
    case word_prefix: size = 2; break;
    case dword_prefix: size = 4; break;
    case qword_prefix: size = 8; break;
    default: return fail("an _S5_ package element is not an integer constant (opcode as value)", offset, op);
    }
    if (end - offset - 1 < size)
        return fail("an _S5_ package element runs past its package", offset, op);
    uint64_t value = 0;
    for (size_t i = 0; i < size; ++i)
        value |= uint64_t{at(aml, offset + 1 + i)} << (8 * i);
    offset += 1 + size;
    return value;
}

// The Name(_S5_, Package(){...}) whose PackageOp is at `package`.
kstd::Expected<SleepType, AmlError> read_package(std::span<const std::byte> aml, size_t package)
{
    if (package >= aml.size() || at(aml, package) != package_op)
        return fail("_S5_ is named, but not as a Package", package);
    // PkgLength (20.2.4): the lead byte's bits 6-7 count the bytes that
    // follow it; with any, the lead's bits 4-5 are reserved (zero) and bits
    // 0-3 are the low nibble. The length counts from the lead byte on.
    const size_t length_at = package + 1;
    if (length_at >= aml.size())
        return fail("the _S5_ package's length runs past the AML", length_at);
    const uint8_t lead = at(aml, length_at);
    const size_t follow = lead >> 6;
    if (aml.size() - length_at < 1 + follow)
        return fail("the _S5_ package's length runs past the AML", length_at);
    uint64_t length = lead & 0x3F;
    if (follow > 0) {
        if ((lead & 0x30) != 0)
            return fail("the _S5_ package's length has reserved bits set", length_at, lead);
        length = lead & 0x0F;
        for (size_t i = 0; i < follow; ++i)
            length |= uint64_t{at(aml, length_at + 1 + i)} << (4 + 8 * i);
    }
    if (length < 1 + follow + 1 || length > aml.size() - length_at)
        return fail("the _S5_ package's length does not fit the AML", length_at, length);
    const size_t end = length_at + length;
    size_t offset = length_at + 1 + follow;
    const uint8_t elements = at(aml, offset++);
    if (elements == 0)
        return fail("the _S5_ package is empty", package);
    uint64_t values[2] = {};
    const size_t wanted = elements >= 2 ? 2 : 1;
    for (size_t i = 0; i < wanted; ++i) {
        if (offset >= end)
            return fail("the _S5_ package holds fewer elements than it says", offset, elements);
        auto value = integer(aml, offset, end);
        if (!value)
            return kstd::unexpected(value.error());
        values[i] = *value;
    }
    if (wanted == 1) { // packed: SLP_TYPa in bits 0-7, SLP_TYPb in bits 8-15
        values[1] = (values[0] >> 8) & 0xFF;
        values[0] &= 0xFF;
    }
    for (uint64_t value : values) {
        if (value > max_slp_typ)
            return fail("an _S5_ value does not fit SLP_TYP's 3 bits", package, value);
    }
    return SleepType{static_cast<uint8_t>(values[0]), static_cast<uint8_t>(values[1])};
}

} // namespace

void format_value(kstd::Sink& sink, const AmlError& error, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "{} (at AML offset {:#x}", error.what, error.offset);
    if (error.value != 0)
        kstd::format_to(sink, ", value {:#x}", error.value);
    sink.write(")");
}

kstd::Expected<SleepType, AmlError> find_s5(std::span<const std::byte> aml)
{
    std::optional<AmlError> first_error;
    for (size_t offset = 0; aml.size() >= 4 && offset <= aml.size() - 4; ++offset) {
        if (!is_s5_name(aml, offset))
            continue;
        if (!follows_name_op(aml, offset)) {
            if (!first_error)
                first_error = AmlError{"_S5_ appears, but not as a Name (a Method, or a reference)", offset, 0};
            continue;
        }
        auto found = read_package(aml, offset + 4);
        if (found)
            return found;
        if (!first_error)
            first_error = found.error();
    }
    if (first_error)
        return kstd::unexpected(*first_error);
    return fail("no _S5_ in the AML", 0);
}

} // namespace acpi
