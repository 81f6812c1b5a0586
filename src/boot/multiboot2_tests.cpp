// KTEST cases for the Multiboot2 parser: the structure GRUB really gave this
// kernel, and hand-built structures, well-formed and broken.

#include <cstdint>
#include "boot/multiboot2.h"
#include "kernel/init.h"
#include "boot/boot_info.h"
#include "ktest/ktest.h"

namespace {

// Builds a boot information structure tag by tag in a fixed buffer.
class InfoBuilder {
public:
    InfoBuilder() { put32(0), put32(0); }

    InfoBuilder& tag(uint32_t type, std::initializer_list<uint8_t> payload)
    {
        const size_t start = m_size;
        put32(type);
        put32(static_cast<uint32_t>(8 + payload.size()));
        for (uint8_t byte : payload)
            m_bytes[m_size++] = static_cast<std::byte>(byte);
        while (m_size % 8 != 0)
            m_bytes[m_size++] = std::byte{0};
        (void)start;
        return *this;
    }
    InfoBuilder& string_tag(uint32_t type, std::string_view text)
    {
        put32(type);
        put32(static_cast<uint32_t>(8 + text.size() + 1));
        for (char c : text)
            m_bytes[m_size++] = static_cast<std::byte>(c);
        m_bytes[m_size++] = std::byte{0};
        while (m_size % 8 != 0)
            m_bytes[m_size++] = std::byte{0};
        return *this;
    }
    InfoBuilder& memory_map(std::initializer_list<boot::MemoryRegion> regions)
    {
        put32(6);
        put32(static_cast<uint32_t>(16 + 24 * regions.size()));
        put32(24);
        put32(0);
        for (const boot::MemoryRegion& region : regions) {
            put64(region.base.value());
            put64(region.length);
            put32(static_cast<uint32_t>(region.type));
            put32(0);
        }
        return *this;
    }
    InfoBuilder& end()
    {
        put32(0);
        put32(8);
        return *this;
    }
    // Patches a 32-bit field (for breaking a structure on purpose).
    InfoBuilder& patch32(size_t offset, uint32_t value)
    {
        __builtin_memcpy(m_bytes + offset, &value, 4);
        return *this;
    }
    std::span<const std::byte> bytes()
    {
        const uint32_t total = static_cast<uint32_t>(m_size);
        __builtin_memcpy(m_bytes, &total, 4);
        return {m_bytes, m_size};
    }

private:
    void put32(uint32_t value)
    {
        __builtin_memcpy(m_bytes + m_size, &value, 4);
        m_size += 4;
    }
    void put64(uint64_t value)
    {
        __builtin_memcpy(m_bytes + m_size, &value, 8);
        m_size += 8;
    }
    alignas(8) std::byte m_bytes[1024] = {};
    size_t m_size = 0;
};

boot::BootInfo g_info; // too large for a comfortable stack frame

std::string_view error_of(std::span<const std::byte> bytes)
{
    auto parsed = boot::parse_multiboot2(bytes, g_info);
    return parsed ? std::string_view("(parsed)") : parsed.error().what;
}

constexpr boot::MemoryRegion low{arch::PhysAddr(0), 0x9FC00, boot::MemoryType::Available};
constexpr boot::MemoryRegion high{arch::PhysAddr(0x100000), 0x7F00000, boot::MemoryType::Available};
constexpr boot::MemoryRegion bios{arch::PhysAddr(0xF0000), 0x10000, boot::MemoryType::Reserved};

} // namespace

KTEST(multiboot2, parses_strings_memory_map_and_modules)
{
    InfoBuilder b;
    b.string_tag(1, "console=com1 ktest.list").string_tag(2, "TestLoader 1.0").memory_map({low, bios, high});
    b.tag(3, {0x00, 0x00, 0x20, 0x00, 0x00, 0x10, 0x20, 0x00, 'i', 'n', 'i', 't', 0});
    b.tag(99, {1, 2, 3}).end();
    auto parsed = boot::parse_multiboot2(b.bytes(), g_info);
    ASSERT_TRUE(parsed.has_value(), "{}", parsed.error());
    EXPECT_STREQ(g_info.command_line, "console=com1 ktest.list");
    EXPECT_STREQ(g_info.bootloader_name, "TestLoader 1.0");
    ASSERT_EQ(g_info.memory_region_count, 3u);
    EXPECT_EQ(g_info.memory_regions[2].base.value(), 0x100000u);
    EXPECT_EQ(g_info.usable_bytes(), 0x9FC00u + 0x7F00000u);
    ASSERT_EQ(g_info.module_count, 1u);
    EXPECT_EQ(g_info.modules[0].start.value(), 0x200000u);
    EXPECT_EQ(g_info.modules[0].end.value(), 0x201000u);
    EXPECT_STREQ(g_info.modules[0].command_line, "init");
    EXPECT_EQ(g_info.unknown_tag_count, 1u);
}

KTEST(multiboot2, rejects_a_short_or_oversized_header)
{
    const std::byte four_bytes[4] = {};
    EXPECT_STREQ(error_of(four_bytes), "boot information is shorter than its 8-byte header");

    // Only the total-size field differs between these headers.
    alignas(8) std::byte header[16] = {};
    header[12] = std::byte{8}; // an end tag: type 0, size 8
    auto with_total = [&](uint32_t total) {
        __builtin_memcpy(header, &total, 4);
        return std::span<const std::byte>(header, sizeof header);
    };
    EXPECT_STREQ(error_of(with_total(16)), "(parsed)");
    EXPECT_STREQ(error_of(with_total(12)), "total size is too small to hold the header and an end tag");
    EXPECT_STREQ(error_of(with_total(64)), "total size is larger than the bytes available");
    EXPECT_STREQ(error_of(with_total(4 << 20)), "total size is larger than 1 MiB; the structure is probably corrupt");
}

KTEST(multiboot2, rejects_tags_that_do_not_fit)
{
    InfoBuilder small_tag;
    small_tag.string_tag(1, "x").end().patch32(12, 4); // command line tag claims 4 bytes
    EXPECT_STREQ(error_of(small_tag.bytes()), "tag size is smaller than the 8-byte tag header");

    InfoBuilder overrun;
    overrun.string_tag(1, "x").end().patch32(12, 4000); // runs past the end
    EXPECT_STREQ(error_of(overrun.bytes()), "tag runs past the end of the boot information");

    InfoBuilder no_end;
    no_end.string_tag(1, "no end tag follows");
    EXPECT_STREQ(error_of(no_end.bytes()), "no end tag before the end of the boot information");
}

KTEST(multiboot2, rejects_unterminated_strings_and_bad_memory_maps)
{
    InfoBuilder unterminated;
    unterminated.tag(2, {'G', 'R', 'U', 'B'}).end(); // no NUL inside the tag
    EXPECT_STREQ(error_of(unterminated.bytes()), "string is not NUL-terminated inside its tag");

    InfoBuilder entry_size;
    entry_size.memory_map({low}).end().patch32(16, 20); // entry_size below 24
    EXPECT_STREQ(error_of(entry_size.bytes()), "memory map entry size must be a multiple of 8 and at least 24");

    const boot::MemoryRegion wrapping{arch::PhysAddr(0xFFFFFFFFFFFFF000), 0x2000, boot::MemoryType::Available};
    InfoBuilder wraps;
    wraps.memory_map({wrapping}).end();
    EXPECT_STREQ(error_of(wraps.bytes()), "memory region wraps around the end of the address space");
}

KTEST(multiboot2, errors_say_where)
{
    InfoBuilder b;
    b.string_tag(1, "ok").tag(2, {'x'}).end().patch32(8 + 16 + 4, 3);
    auto parsed = boot::parse_multiboot2(b.bytes(), g_info);
    ASSERT_FALSE(parsed.has_value());
    kstd::StringBuffer<160> text;
    kstd::format_to(text, "{}", parsed.error());
    EXPECT_STREQ(text.view(), "tag size is smaller than the 8-byte tag header (value 3) in tag type 2 at offset 0x18");
}
