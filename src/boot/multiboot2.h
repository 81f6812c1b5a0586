#pragma once
// Reading the Multiboot2 boot information (Multiboot2 specification,
// section 3.6): an 8-byte header (total size, reserved) followed by tags,
// each {u32 type, u32 size, payload}, padded to 8 bytes, ended by a tag of
// type 0 and size 8.
//
// The parser trusts nothing: every size and offset is checked against the
// structure's bounds, and a malformed structure gives a ParseError that says
// what is wrong and at which offset, never a fault. It is plain C++ and is
// also tested on the host under sanitizers (tests/host).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"
#include "arch/x86_64/address.h"
#include "boot/boot_info.h"

namespace boot {

struct ParseError {
    std::string_view what;  // a sentence fragment: "tag size 4 is smaller than the 8-byte tag header"
    size_t offset = 0;      // byte offset in the boot information
    uint32_t tag_type = 0;  // the tag being read, or 0 for the header
    uint64_t value = 0;     // the offending number, where there is one
};

// Prints "what (tag type T at offset 0xN)".
void format_value(kstd::Sink& sink, const ParseError& error, const kstd::FormatSpec& spec);

inline constexpr uint32_t multiboot2_boot_magic = 0x36D76289;
inline constexpr size_t max_boot_info_size = 1 << 20;

// Reads the total size from the first 8 bytes (the caller then hands the
// whole structure to parse_multiboot2).
kstd::Expected<size_t, ParseError> multiboot2_total_size(std::span<const std::byte> header);

// `info` is the whole structure; string views in `out` point into it.
kstd::Expected<void, ParseError> parse_multiboot2(std::span<const std::byte> info, BootInfo& out);

} // namespace boot
