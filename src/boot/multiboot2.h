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

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"
#include "arch/x86_64/address.h"

namespace boot {

enum class MemoryType : uint32_t {
    Available = 1,
    Reserved = 2,
    AcpiReclaimable = 3,
    AcpiNvs = 4,
    BadRam = 5,
};

std::string_view to_string(MemoryType type);

struct MemoryRegion {
    arch::PhysAddr base;
    uint64_t length;
    MemoryType type;

    arch::PhysAddr end() const { return base + length; }
};

struct BootModule {
    arch::PhysAddr start;
    arch::PhysAddr end;
    std::string_view command_line;
};

struct FramebufferInfo {
    arch::PhysAddr address;
    uint32_t pitch;
    uint32_t width;
    uint32_t height;
    uint8_t bits_per_pixel;
    uint8_t type; // 0 indexed, 1 RGB, 2 EGA text
};

struct BootInfo {
    static constexpr size_t max_memory_regions = 128;
    static constexpr size_t max_modules = 16;

    std::string_view command_line;
    std::string_view bootloader_name;
    std::array<MemoryRegion, max_memory_regions> memory_regions{};
    size_t memory_region_count = 0;
    bool has_memory_map = false;
    std::array<BootModule, max_modules> modules{};
    size_t module_count = 0;
    std::optional<FramebufferInfo> framebuffer;
    size_t total_size = 0;      // bytes of boot information
    size_t unknown_tag_count = 0;

    std::span<const MemoryRegion> memory_map() const { return {memory_regions.data(), memory_region_count}; }
    std::span<const BootModule> boot_modules() const { return {modules.data(), module_count}; }
    uint64_t usable_bytes() const;
};

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
