// The multiboot2 boot information parser: a valid structure with every tag
// the kernel reads, each malformation with its exact message, and random
// corruption (which must give an error or a result, never a bad read: the
// sanitizers watch every byte).

#include <gtest/gtest.h>
#include <cstdio>
#include <cstring>
#include <tuple>
#include <string>
#include <vector>
#include "boot/multiboot2.h"
#include "test_seed.h"

namespace {

using boot::BootInfo;
using boot::MemoryType;
using boot::ParseError;

// Builds boot information the way GRUB lays it out (Multiboot2 spec 3.6).
class BootInfoBuilder {
public:
    BootInfoBuilder() { m_bytes.resize(8); }

    // Appends a tag with `payload` after its 8-byte header; returns its offset.
    size_t tag(uint32_t type, const std::vector<std::byte>& payload, uint32_t size_override = 0)
    {
        const size_t offset = m_bytes.size();
        put32(type);
        put32(size_override ? size_override : static_cast<uint32_t>(8 + payload.size()));
        m_bytes.insert(m_bytes.end(), payload.begin(), payload.end());
        while (m_bytes.size() % 8 != 0)
            m_bytes.push_back(std::byte{0});
        return offset;
    }
    size_t string_tag(uint32_t type, std::string_view text) { return tag(type, string_bytes(text)); }
    size_t end_tag(uint32_t size = 8)
    {
        const size_t offset = m_bytes.size();
        put32(0);
        put32(size);
        return offset;
    }
    // The bytes with the total size filled in (or `total_override`).
    std::vector<std::byte> finish(uint32_t total_override = 0)
    {
        std::vector<std::byte> result = m_bytes;
        const uint32_t total = total_override ? total_override : static_cast<uint32_t>(result.size());
        std::memcpy(result.data(), &total, 4);
        return result;
    }
    size_t size() const { return m_bytes.size(); }

    static std::vector<std::byte> string_bytes(std::string_view text, bool terminate = true)
    {
        std::vector<std::byte> bytes;
        for (char c : text)
            bytes.push_back(static_cast<std::byte>(c));
        if (terminate)
            bytes.push_back(std::byte{0});
        return bytes;
    }

private:
    void put32(uint32_t value)
    {
        // Any object may be read as bytes.
        const auto* p = reinterpret_cast<const std::byte*>(&value);
        m_bytes.insert(m_bytes.end(), p, p + 4);
    }
    std::vector<std::byte> m_bytes;
};

class Payload {
public:
    Payload& u8(uint8_t v) { return raw(&v, 1); }
    Payload& u16(uint16_t v) { return raw(&v, 2); }
    Payload& u32(uint32_t v) { return raw(&v, 4); }
    Payload& u64(uint64_t v) { return raw(&v, 8); }
    Payload& text(std::string_view s, bool terminate = true)
    {
        for (std::byte b : BootInfoBuilder::string_bytes(s, terminate))
            m_bytes.push_back(b);
        return *this;
    }
    operator const std::vector<std::byte>&() const { return m_bytes; }

private:
    Payload& raw(const void* p, size_t n)
    {
        const auto* bytes = static_cast<const std::byte*>(p);
        m_bytes.insert(m_bytes.end(), bytes, bytes + n);
        return *this;
    }
    std::vector<std::byte> m_bytes;
};

Payload memory_map(std::initializer_list<std::tuple<uint64_t, uint64_t, uint32_t>> entries, uint32_t entry_size = 24)
{
    Payload payload;
    payload.u32(entry_size).u32(0);
    for (const auto& [base, length, type] : entries) {
        payload.u64(base).u64(length).u32(type).u32(0);
        for (uint32_t extra = 24; extra < entry_size; ++extra)
            payload.u8(0);
    }
    return payload;
}

// A framebuffer tag's payload as GRUB writes it (Multiboot2 spec 3.6.12 with
// GRUB's 16-bit reserved field): 1024x768, 32 bpp, x8r8g8b8 unless told.
Payload framebuffer_common(uint64_t address = 0xfd000000, uint32_t pitch = 4096, uint32_t width = 1024,
                           uint32_t height = 768, uint8_t bpp = 32, uint8_t type = 1)
{
    Payload payload;
    payload.u64(address).u32(pitch).u32(width).u32(height).u8(bpp).u8(type).u16(0);
    return payload;
}

Payload rgb_framebuffer(uint8_t red_position = 16, uint8_t red_size = 8, uint8_t green_position = 8,
                        uint8_t green_size = 8, uint8_t blue_position = 0, uint8_t blue_size = 8,
                        Payload payload = framebuffer_common())
{
    payload.u8(red_position).u8(red_size).u8(green_position).u8(green_size).u8(blue_position).u8(blue_size);
    return payload;
}

std::string text_of(const ParseError& error)
{
    char buffer[256];
    return std::string(kstd::format_into(buffer, "{}", error).text);
}

// Parses `bytes`, expecting failure; returns the error.
ParseError failure(const std::vector<std::byte>& bytes)
{
    BootInfo info;
    auto result = boot::parse_multiboot2(bytes, info);
    EXPECT_FALSE(result.has_value());
    return result ? ParseError{} : result.error();
}

void expect_error(const std::vector<std::byte>& bytes, std::string_view what, size_t offset, uint32_t tag,
                  uint64_t value, std::string_view message)
{
    const ParseError error = failure(bytes);
    EXPECT_EQ(error.what, what);
    EXPECT_EQ(error.offset, offset);
    EXPECT_EQ(error.tag_type, tag);
    EXPECT_EQ(error.value, value);
    EXPECT_EQ(text_of(error), message);
}

TEST(Multiboot2, parses_every_tag_the_kernel_reads)
{
    BootInfoBuilder b;
    b.string_tag(1, "console=ttyS0 ktest.list");
    b.string_tag(2, "GRUB 2.06");
    b.tag(3, Payload().u32(0x200000).u32(0x210000).text("initrd"));
    b.tag(6, memory_map({{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0x100000, 0x7ee0000, 1}, {0xfffc0000, 0x40000, 2},
                         {0x7fe0000, 0x20000, 3}, {0x8000000, 0x1000, 4}, {0x9000000, 0x1000, 5},
                         {0xA000000, 0x1000, 77}}));
    b.tag(8, rgb_framebuffer());
    b.tag(99, Payload().u32(1));   // unknown and newer than the spec copy: counted
    b.tag(14, Payload().text("RSD PTR ", false).u64(0).u32(0)); // a 20-byte RSDP copy: carried (acpi/ checks it)
    b.end_tag();
    const auto bytes = b.finish();

    BootInfo info;
    auto result = boot::parse_multiboot2(bytes, info);
    ASSERT_TRUE(result.has_value()) << text_of(result.error());
    EXPECT_EQ(info.total_size, bytes.size());
    EXPECT_EQ(info.command_line, "console=ttyS0 ktest.list");
    EXPECT_EQ(info.bootloader_name, "GRUB 2.06");
    ASSERT_EQ(info.module_count, 1u);
    EXPECT_EQ(info.boot_modules()[0].start, arch::PhysAddr(0x200000));
    EXPECT_EQ(info.boot_modules()[0].end, arch::PhysAddr(0x210000));
    EXPECT_EQ(info.boot_modules()[0].command_line, "initrd");
    ASSERT_TRUE(info.has_memory_map);
    ASSERT_EQ(info.memory_map().size(), 8u);
    EXPECT_EQ(info.memory_map()[2].base, arch::PhysAddr(0x100000));
    EXPECT_EQ(info.memory_map()[2].end(), arch::PhysAddr(0x7fe0000));
    EXPECT_EQ(info.memory_map()[4].type, MemoryType::AcpiReclaimable);
    EXPECT_EQ(info.memory_map()[5].type, MemoryType::AcpiNvs);
    EXPECT_EQ(info.memory_map()[6].type, MemoryType::BadRam);
    EXPECT_EQ(info.memory_map()[7].type, MemoryType::Reserved); // unknown types are reserved
    EXPECT_EQ(info.usable_bytes(), 0x9fc00u + 0x7ee0000u);
    ASSERT_TRUE(info.framebuffer.has_value());
    EXPECT_EQ(info.framebuffer->address, arch::PhysAddr(0xfd000000));
    EXPECT_EQ(info.framebuffer->pitch, 4096u);
    EXPECT_EQ(info.framebuffer->width, 1024u);
    EXPECT_EQ(info.framebuffer->height, 768u);
    EXPECT_EQ(info.framebuffer->bits_per_pixel, 32);
    EXPECT_EQ(info.framebuffer->type, boot::FramebufferType::Rgb);
    EXPECT_EQ(info.framebuffer->red.position, 16);
    EXPECT_EQ(info.framebuffer->red.size, 8);
    EXPECT_EQ(info.framebuffer->green.position, 8);
    EXPECT_EQ(info.framebuffer->green.size, 8);
    EXPECT_EQ(info.framebuffer->blue.position, 0);
    EXPECT_EQ(info.framebuffer->blue.size, 8);
    EXPECT_EQ(info.framebuffer->bytes_per_pixel(), 4u);
    EXPECT_EQ(info.framebuffer->size_bytes(), 4096u * 768u);
    EXPECT_EQ(info.unknown_tag_count, 1u);
}

TEST(Multiboot2, minimal_structure_and_larger_entries)
{
    BootInfoBuilder minimal;
    minimal.end_tag();
    BootInfo info;
    ASSERT_TRUE(boot::parse_multiboot2(minimal.finish(), info).has_value());
    EXPECT_FALSE(info.has_memory_map);
    EXPECT_EQ(info.command_line, "");
    EXPECT_FALSE(info.framebuffer.has_value());

    // Entry size 32 (a newer version's longer entries) is read by stride.
    BootInfoBuilder b;
    b.tag(6, memory_map({{0x1000, 0x2000, 1}, {0x100000, 0x100000, 1}}, 32));
    b.end_tag();
    ASSERT_TRUE(boot::parse_multiboot2(b.finish(), info).has_value());
    ASSERT_EQ(info.memory_region_count, 2u);
    EXPECT_EQ(info.memory_map()[1].base, arch::PhysAddr(0x100000));
    EXPECT_EQ(info.usable_bytes(), 0x102000u);

    // Bytes after total_size are ignored.
    auto bytes = minimal.finish();
    bytes.resize(bytes.size() + 64, std::byte{0xAA});
    ASSERT_TRUE(boot::parse_multiboot2(bytes, info).has_value());
    EXPECT_EQ(info.total_size, 16u);
}

TEST(Multiboot2, names_of_memory_types)
{
    EXPECT_EQ(boot::to_string(MemoryType::Available), "available");
    EXPECT_EQ(boot::to_string(MemoryType::Reserved), "reserved");
    EXPECT_EQ(boot::to_string(MemoryType::AcpiReclaimable), "ACPI reclaimable");
    EXPECT_EQ(boot::to_string(MemoryType::AcpiNvs), "ACPI NVS");
    EXPECT_EQ(boot::to_string(MemoryType::BadRam), "bad RAM");
}

TEST(Multiboot2, header_errors)
{
    expect_error(std::vector<std::byte>(7), "boot information is shorter than its 8-byte header", 0, 0, 7,
                 "boot information is shorter than its 8-byte header (value 7) at offset 0x0");
    BootInfoBuilder b;
    b.end_tag();
    expect_error(b.finish(15), "total size is too small to hold the header and an end tag", 0, 0, 15,
                 "total size is too small to hold the header and an end tag (value 15) at offset 0x0");
    expect_error(b.finish((1 << 20) + 8), "total size is larger than 1 MiB; the structure is probably corrupt", 0, 0,
                 (1 << 20) + 8,
                 "total size is larger than 1 MiB; the structure is probably corrupt (value 1048584) at offset 0x0");
    expect_error(b.finish(24), "total size is larger than the bytes available", 0, 0, 24,
                 "total size is larger than the bytes available (value 24) at offset 0x0");
    auto total = boot::multiboot2_total_size(b.finish());
    ASSERT_TRUE(total.has_value());
    EXPECT_EQ(*total, 16u);
}

TEST(Multiboot2, tag_framing_errors)
{
    {
        BootInfoBuilder b;
        b.string_tag(1, "abc");
        expect_error(b.finish(), "no end tag before the end of the boot information", 24, 0, 0,
                     "no end tag before the end of the boot information at offset 0x18");
    }
    {
        BootInfoBuilder b;
        b.tag(1, {}, 4);
        b.end_tag();
        expect_error(b.finish(), "tag size is smaller than the 8-byte tag header", 8, 1, 4,
                     "tag size is smaller than the 8-byte tag header (value 4) in tag type 1 at offset 0x8");
    }
    {
        BootInfoBuilder b;
        b.tag(2, BootInfoBuilder::string_bytes("GRUB"), 200);
        b.end_tag();
        expect_error(b.finish(), "tag runs past the end of the boot information", 8, 2, 200,
                     "tag runs past the end of the boot information (value 200) in tag type 2 at offset 0x8");
    }
    {
        BootInfoBuilder b;
        b.end_tag(16);
        b.end_tag();
        expect_error(b.finish(), "end tag must be 8 bytes", 8, 0, 16, "end tag must be 8 bytes (value 16) at offset 0x8");
    }
    {
        BootInfoBuilder b;
        b.tag(1, BootInfoBuilder::string_bytes("no terminator", false));
        b.end_tag();
        expect_error(b.finish(), "string is not NUL-terminated inside its tag", 8, 1, 0,
                     "string is not NUL-terminated inside its tag in tag type 1 at offset 0x8");
    }
}

TEST(Multiboot2, memory_map_errors)
{
    {
        BootInfoBuilder b;
        b.tag(6, Payload().u32(24));
        b.end_tag();
        expect_error(b.finish(), "memory map tag is shorter than its 16-byte header", 8, 6, 12,
                     "memory map tag is shorter than its 16-byte header (value 12) in tag type 6 at offset 0x8");
    }
    for (uint32_t entry_size : {0u, 16u, 28u}) {
        BootInfoBuilder b;
        b.tag(6, Payload().u32(entry_size).u32(0));
        b.end_tag();
        const ParseError error = failure(b.finish());
        EXPECT_EQ(error.what, "memory map entry size must be a multiple of 8 and at least 24");
        EXPECT_EQ(error.value, entry_size);
        EXPECT_EQ(error.tag_type, 6u);
    }
    {
        BootInfoBuilder b;
        b.tag(6, Payload().u32(24).u32(0).u64(0).u64(0x1000)); // 16 bytes of a 24-byte entry
        b.end_tag();
        expect_error(b.finish(), "memory map tag size is not a whole number of entries", 8, 6, 32,
                     "memory map tag size is not a whole number of entries (value 32) in tag type 6 at offset 0x8");
    }
    {
        Payload many;
        many.u32(24).u32(0);
        for (int i = 0; i < 129; ++i)
            many.u64(uint64_t(i) << 20).u64(0x1000).u32(1).u32(0);
        BootInfoBuilder b;
        b.tag(6, many);
        b.end_tag();
        expect_error(b.finish(), "memory map has more regions than the kernel keeps (128)", 8, 6, 129,
                     "memory map has more regions than the kernel keeps (128) (value 129) in tag type 6 at offset 0x8");
    }
    {
        BootInfoBuilder b;
        b.string_tag(1, "x"); // the memory map tag starts at 0x18
        b.tag(6, memory_map({{0x1000, 0x1000, 1}, {0xfffffffffffff000, 0x2000, 1}}));
        b.end_tag();
        // The error points at the second entry: tag offset + 16 + 24.
        expect_error(b.finish(), "memory region wraps around the end of the address space", 0x18 + 16 + 24, 6,
                     0xfffffffffffff000, "memory region wraps around the end of the address space (value "
                                         "18446744073709547520) in tag type 6 at offset 0x40");
    }
}

TEST(Multiboot2, module_errors)
{
    {
        BootInfoBuilder b;
        b.tag(3, Payload().u32(0).u32(0x1000));
        b.end_tag();
        expect_error(b.finish(), "module tag is too short for its addresses and command line", 8, 3, 16,
                     "module tag is too short for its addresses and command line (value 16) in tag type 3 at offset 0x8");
    }
    {
        BootInfoBuilder b;
        b.tag(3, Payload().u32(0x2000).u32(0x1000).text("m"));
        b.end_tag();
        expect_error(b.finish(), "module ends before it starts", 8, 3, 0x1000,
                     "module ends before it starts (value 4096) in tag type 3 at offset 0x8");
    }
    {
        BootInfoBuilder b;
        b.tag(3, Payload().u32(0x1000).u32(0x2000).text("unterminated", false));
        b.end_tag();
        expect_error(b.finish(), "string is not NUL-terminated inside its tag", 8, 3, 0,
                     "string is not NUL-terminated inside its tag in tag type 3 at offset 0x8");
    }
    {
        BootInfoBuilder b;
        size_t last = 0;
        for (int i = 0; i < 17; ++i)
            last = b.tag(3, Payload().u32(0x1000).u32(0x2000).text("m"));
        b.end_tag();
        const ParseError error = failure(b.finish());
        EXPECT_EQ(error.what, "more boot modules than the kernel keeps (16)");
        EXPECT_EQ(error.offset, last);
        EXPECT_EQ(text_of(error), "more boot modules than the kernel keeps (16) in tag type 3 at offset 0x" + [&] {
            char hex[32];
            std::snprintf(hex, sizeof hex, "%zx", last);
            return std::string(hex);
        }());
    }
}

TEST(Multiboot2, framebuffer_errors)
{
    BootInfoBuilder b;
    b.tag(8, Payload().u64(0xfd000000).u32(4096).u32(1024).u32(768).u8(32).u8(1), 30);
    b.end_tag();
    expect_error(b.finish(), "framebuffer tag is shorter than 31 bytes", 8, 8, 30,
                 "framebuffer tag is shorter than 31 bytes (value 30) in tag type 8 at offset 0x8");
}

// Parses one framebuffer tag with `payload`; the error's text, or "" when it parses.
std::string framebuffer_error(const Payload& payload)
{
    BootInfoBuilder b;
    b.tag(8, payload);
    b.end_tag();
    BootInfo info;
    auto result = boot::parse_multiboot2(b.finish(), info);
    return result ? std::string() : text_of(result.error());
}

TEST(Multiboot2, framebuffer_kinds_and_pixel_formats)
{
    // 16 bpp r5g6b5, as a BIOS VBE mode gives it.
    {
        BootInfoBuilder b;
        b.tag(8, rgb_framebuffer(11, 5, 5, 6, 0, 5, framebuffer_common(0xe0000000, 1600, 800, 600, 16)));
        b.end_tag();
        BootInfo info;
        ASSERT_TRUE(boot::parse_multiboot2(b.finish(), info).has_value());
        ASSERT_TRUE(info.framebuffer.has_value());
        EXPECT_EQ(info.framebuffer->bytes_per_pixel(), 2u);
        EXPECT_EQ(info.framebuffer->green.size, 6);
        EXPECT_EQ(info.framebuffer->red.position, 11);
    }
    // EGA text, as GRUB reports VGA text mode under a BIOS: 80x25 characters.
    {
        BootInfoBuilder b;
        b.tag(8, framebuffer_common(0xb8000, 160, 80, 25, 16, 2));
        b.end_tag();
        BootInfo info;
        ASSERT_TRUE(boot::parse_multiboot2(b.finish(), info).has_value());
        ASSERT_TRUE(info.framebuffer.has_value());
        EXPECT_EQ(info.framebuffer->type, boot::FramebufferType::EgaText);
        EXPECT_EQ(info.framebuffer->width, 80u);
    }
    // Indexed colour with a palette of two entries (3 bytes each).
    {
        BootInfoBuilder b;
        b.tag(8, framebuffer_common(0xa0000, 320, 320, 200, 8, 0).u16(2).u8(0).u8(0).u8(0).u8(255).u8(255).u8(255));
        b.end_tag();
        BootInfo info;
        ASSERT_TRUE(boot::parse_multiboot2(b.finish(), info).has_value());
        ASSERT_TRUE(info.framebuffer.has_value());
        EXPECT_EQ(info.framebuffer->type, boot::FramebufferType::Indexed);
        EXPECT_EQ(info.framebuffer->palette_colors, 2u);
    }
}

TEST(Multiboot2, framebuffer_values_are_checked)
{
    EXPECT_EQ(framebuffer_error(rgb_framebuffer()), "");
    EXPECT_EQ(framebuffer_error(framebuffer_common()),
              "RGB framebuffer tag is too short for its colour fields (38 bytes) (value 32) in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(rgb_framebuffer(16, 8, 8, 8, 0, 8, framebuffer_common(0xfd000000, 4096, 0))),
              "framebuffer has a width or height of 0 in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(rgb_framebuffer(16, 8, 8, 8, 0, 8, framebuffer_common(0xfd000000, 4096, 1024, 768, 0))),
              "framebuffer bits per pixel must be 1 to 32 in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(rgb_framebuffer(16, 8, 8, 8, 0, 8, framebuffer_common(0xfd000000, 4096, 1024, 768, 64))),
              "framebuffer bits per pixel must be 1 to 32 (value 64) in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(rgb_framebuffer(28, 8)),
              "framebuffer red field is empty or outside the pixel (value 36) in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(rgb_framebuffer(16, 8, 8, 0)),
              "framebuffer green field is empty or outside the pixel (value 8) in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(rgb_framebuffer(16, 8, 8, 8, 250, 8)),
              "framebuffer blue field is empty or outside the pixel (value 258) in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(rgb_framebuffer(16, 8, 12, 8, 0, 8)),
              "framebuffer colour fields overlap in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(rgb_framebuffer(16, 8, 8, 8, 0, 8, framebuffer_common(0xfd000000, 4095))),
              "framebuffer pitch is smaller than a line of pixels (value 4095) in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(rgb_framebuffer(16, 8, 8, 8, 0, 8, framebuffer_common(0xffffffffffff0000))),
              "framebuffer wraps around the end of the address space (value 18446744073709486080) in tag type 8 "
              "at offset 0x8");
    EXPECT_EQ(framebuffer_error(framebuffer_common(0xb8000, 160, 80, 25, 8, 2)),
              "EGA text framebuffer must have 16 bits per character (value 8) in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(framebuffer_common(0xa0000, 320, 320, 200, 8, 0).u16(3).u8(0)),
              "framebuffer palette runs past the end of its tag (value 3) in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(framebuffer_common(0xa0000, 320, 320, 200, 8, 0)),
              "indexed framebuffer tag is too short for its palette size (value 32) in tag type 8 at offset 0x8");
    EXPECT_EQ(framebuffer_error(rgb_framebuffer(16, 8, 8, 8, 0, 8, framebuffer_common(0xfd000000, 4096, 1024, 768, 32, 3))),
              "unknown framebuffer type (value 3) in tag type 8 at offset 0x8");
}

// Random corruption of a valid structure: every outcome is a clean result or
// a clean error; AddressSanitizer fails the test on any read outside it.
// A 36-byte ACPI 2.0 RSDP as GRUB copies it into tag 15 (the bytes are not
// checked here: acpi/ does that).
Payload rsdp_v2(uint8_t marker)
{
    Payload payload;
    payload.text("RSD PTR ", false).u8(0).text("BOCHS ", false).u8(2).u32(0x7fe1a49).u32(36).u64(0x7fe1b00);
    payload.u8(marker).u8(0).u8(0).u8(0);
    return payload;
}

TEST(Multiboot2, acpi_rsdp_tags_are_copied_and_the_new_one_wins)
{
    for (bool new_first : {false, true}) {
        BootInfoBuilder b;
        if (new_first)
            b.tag(15, rsdp_v2(0xAB));
        b.tag(14, Payload().text("RSD PTR ", false).u8(0x12).text("BOCHS ", false).u8(0).u32(0x7fe1a49));
        if (!new_first)
            b.tag(15, rsdp_v2(0xAB));
        b.end_tag();
        BootInfo info;
        auto result = boot::parse_multiboot2(b.finish(), info);
        ASSERT_TRUE(result.has_value()) << text_of(result.error());
        ASSERT_TRUE(info.rsdp.has_value());
        EXPECT_EQ(info.rsdp->origin, boot::RsdpOrigin::Multiboot2V2) << "new tag first: " << new_first;
        ASSERT_EQ(info.rsdp->copy_size, 36u);
        EXPECT_EQ(info.rsdp->bytes()[15], std::byte{2});
        EXPECT_EQ(info.rsdp->bytes()[32], std::byte{0xAB});
        EXPECT_EQ(info.rsdp->address.value(), 0u); // multiboot2 gives a copy, not an address
    }
    BootInfoBuilder old_only;
    old_only.tag(14, Payload().text("RSD PTR ", false).u8(0x12).text("BOCHS ", false).u8(0).u32(0x7fe1a49));
    old_only.end_tag();
    BootInfo info;
    ASSERT_TRUE(boot::parse_multiboot2(old_only.finish(), info).has_value());
    ASSERT_TRUE(info.rsdp.has_value());
    EXPECT_EQ(info.rsdp->origin, boot::RsdpOrigin::Multiboot2V1);
    EXPECT_EQ(info.rsdp->copy_size, 20u);
    EXPECT_EQ(info.rsdp->bytes()[8], std::byte{0x12});

    BootInfoBuilder none;
    none.end_tag();
    ASSERT_TRUE(boot::parse_multiboot2(none.finish(), info).has_value());
    EXPECT_FALSE(info.rsdp.has_value());
}

TEST(Multiboot2, acpi_rsdp_tag_errors)
{
    BootInfoBuilder short_old;
    short_old.tag(14, Payload().text("RSD PTR ", false).u64(0));
    short_old.end_tag();
    expect_error(short_old.finish(), "ACPI old RSDP tag is shorter than the 20-byte RSDP", 8, 14, 16,
                 "ACPI old RSDP tag is shorter than the 20-byte RSDP (value 16) in tag type 14 at offset 0x8");
    BootInfoBuilder short_new;
    short_new.string_tag(1, "x");
    const size_t at = short_new.tag(15, Payload().text("RSD PTR ", false).u64(0).u32(0));
    short_new.end_tag();
    expect_error(short_new.finish(), "ACPI new RSDP tag is shorter than the 36-byte RSDP", at, 15, 20,
                 "ACPI new RSDP tag is shorter than the 36-byte RSDP (value 20) in tag type 15 at offset 0x18");
    // A longer tag (a future, larger RSDP) is copied up to RsdpInfo::max_copy bytes.
    BootInfoBuilder long_new;
    Payload payload = rsdp_v2(1);
    for (int i = 0; i < 100; ++i)
        payload.u8(static_cast<uint8_t>(i));
    long_new.tag(15, payload);
    long_new.end_tag();
    BootInfo info;
    ASSERT_TRUE(boot::parse_multiboot2(long_new.finish(), info).has_value());
    EXPECT_EQ(info.rsdp->copy_size, boot::RsdpInfo::max_copy);
}

TEST(Multiboot2, random_corruption_never_reads_out_of_bounds)
{
    BootInfoBuilder b;
    b.string_tag(1, "console=ttyS0");
    b.string_tag(2, "GRUB");
    b.tag(3, Payload().u32(0x200000).u32(0x210000).text("initrd"));
    b.tag(6, memory_map({{0, 0x9fc00, 1}, {0x100000, 0x7ee0000, 1}}));
    b.tag(8, rgb_framebuffer());
    b.end_tag();
    const auto valid = b.finish();

    host_test::Random random(host_test::test_seed("Multiboot2.random_corruption_never_reads_out_of_bounds"));
    size_t errors = 0;
    for (int round = 0; round < 20000; ++round) {
        std::vector<std::byte> bytes = valid;
        const int flips = host_test::uniform(random, 1, 4);
        for (int i = 0; i < flips; ++i) {
            const size_t at = host_test::uniform<size_t>(random, 0, bytes.size() - 1);
            bytes[at] = static_cast<std::byte>(host_test::uniform(random, 0, 255));
        }
        // Sometimes cut the buffer short, exactly (a heap copy of that size,
        // so ASan sees the end).
        if (host_test::uniform(random, 0, 3) == 0)
            bytes.resize(host_test::uniform<size_t>(random, 0, bytes.size()));
        std::vector<std::byte> exact(bytes.begin(), bytes.end());
        exact.shrink_to_fit();
        BootInfo info;
        if (!boot::parse_multiboot2(exact, info))
            ++errors;
    }
    EXPECT_GT(errors, 0u);
}

} // namespace
