#include "boot/multiboot2.h"
#include "kstd/unaligned.h"

namespace boot {

namespace {

enum TagType : uint32_t {
    TagEnd = 0,
    TagCommandLine = 1,
    TagBootloaderName = 2,
    TagModule = 3,
    TagMemoryMap = 6,
    TagFramebuffer = 8,
    TagAcpiOldRsdp = 14, // a copy of the ACPI 1.0 RSDP
    TagAcpiNewRsdp = 15, // a copy of the ACPI 2.0+ RSDP
    TagLastKnown = 21, // load base address; higher numbers are newer than our spec copy
};

constexpr size_t header_size = 8;
constexpr size_t tag_header_size = 8;
constexpr size_t memory_map_header_size = 16;  // tag header, entry_size, entry_version
constexpr size_t memory_map_entry_min_size = 24;
constexpr size_t module_header_size = 16;      // tag header, mod_start, mod_end
constexpr size_t framebuffer_min_size = 31;    // through framebuffer_type + reserved
constexpr size_t framebuffer_color_info_offset = 32; // after GRUB's 16-bit reserved field
constexpr size_t framebuffer_rgb_min_size = 38;       // 6 bytes of colour fields

template <typename T>
T read(std::span<const std::byte> bytes, size_t offset)
{
    return kstd::load_unaligned<T>(bytes, offset);
}

kstd::Unexpected<ParseError> fail(std::string_view what, size_t offset, uint32_t tag, uint64_t value = 0)
{
    return kstd::unexpected(ParseError{what, offset, tag, value});
}

// A NUL-terminated string filling the rest of a tag.
kstd::Expected<std::string_view, ParseError> read_string(std::span<const std::byte> tag, size_t offset,
                                                         size_t tag_offset, uint32_t type)
{
    // tag.data() points at bytes; the string is those bytes as chars.
    const char* text = reinterpret_cast<const char*>(tag.data() + offset);
    const size_t room = tag.size() - offset;
    for (size_t i = 0; i < room; ++i) {
        if (text[i] == '\0')
            return std::string_view(text, i);
    }
    return fail("string is not NUL-terminated inside its tag", tag_offset, type);
}

// Tags 14 and 15 hold a copy of the RSDP (Multiboot2 specification,
// 3.6.14-15). Only its size is checked here: acpi/ checks its contents. The
// new RSDP wins when both tags are there (GRUB gives both on ACPI 2.0+).
kstd::Expected<void, ParseError> parse_rsdp(std::span<const std::byte> tag, size_t tag_offset, uint32_t type,
                                            BootInfo& out)
{
    constexpr size_t rsdp_v1_size = 20, rsdp_v2_size = 36;
    const size_t size = tag.size() - tag_header_size;
    if (type == TagAcpiOldRsdp && size < rsdp_v1_size)
        return fail("ACPI old RSDP tag is shorter than the 20-byte RSDP", tag_offset, type, size);
    if (type == TagAcpiNewRsdp && size < rsdp_v2_size)
        return fail("ACPI new RSDP tag is shorter than the 36-byte RSDP", tag_offset, type, size);
    if (type == TagAcpiOldRsdp && out.rsdp && out.rsdp->origin == RsdpOrigin::Multiboot2V2)
        return {};
    RsdpInfo rsdp;
    rsdp.origin = type == TagAcpiNewRsdp ? RsdpOrigin::Multiboot2V2 : RsdpOrigin::Multiboot2V1;
    rsdp.copy_size = size < RsdpInfo::max_copy ? size : RsdpInfo::max_copy;
    for (size_t i = 0; i < rsdp.copy_size; ++i)
        rsdp.copy[i] = tag[tag_header_size + i];
    out.rsdp = rsdp;
    return {};
}

kstd::Expected<void, ParseError> parse_memory_map(std::span<const std::byte> tag, size_t tag_offset, BootInfo& out)
{
    if (tag.size() < memory_map_header_size)
        return fail("memory map tag is shorter than its 16-byte header", tag_offset, TagMemoryMap, tag.size());
    const uint32_t entry_size = read<uint32_t>(tag, 8);
    if (entry_size < memory_map_entry_min_size || entry_size % 8 != 0)
        return fail("memory map entry size must be a multiple of 8 and at least 24", tag_offset, TagMemoryMap,
                    entry_size);
    const size_t entries_bytes = tag.size() - memory_map_header_size;
    if (entries_bytes % entry_size != 0)
        return fail("memory map tag size is not a whole number of entries", tag_offset, TagMemoryMap, tag.size());
    const size_t count = entries_bytes / entry_size;
    if (count > BootInfo::max_memory_regions)
        return fail("memory map has more regions than the kernel keeps (128)", tag_offset, TagMemoryMap, count);
    for (size_t i = 0; i < count; ++i) {
        const size_t at = memory_map_header_size + i * entry_size;
        const uint64_t base = read<uint64_t>(tag, at);
        const uint64_t length = read<uint64_t>(tag, at + 8);
        const uint32_t type = read<uint32_t>(tag, at + 16);
        if (base + length < base)
            return fail("memory region wraps around the end of the address space", tag_offset + at, TagMemoryMap,
                        base);
        // Unknown types are treated as reserved, as the specification asks.
        const MemoryType kind = (type >= 1 && type <= 5) ? static_cast<MemoryType>(type) : MemoryType::Reserved;
        out.memory_regions[i] = MemoryRegion{arch::PhysAddr(base), length, kind};
    }
    out.memory_region_count = count;
    out.has_memory_map = true;
    return {};
}

kstd::Expected<void, ParseError> parse_module(std::span<const std::byte> tag, size_t tag_offset, BootInfo& out)
{
    if (tag.size() < module_header_size + 1)
        return fail("module tag is too short for its addresses and command line", tag_offset, TagModule, tag.size());
    if (out.module_count == BootInfo::max_modules)
        return fail("more boot modules than the kernel keeps (16)", tag_offset, TagModule);
    const uint32_t start = read<uint32_t>(tag, 8);
    const uint32_t end = read<uint32_t>(tag, 12);
    if (end < start)
        return fail("module ends before it starts", tag_offset, TagModule, end);
    auto command_line = read_string(tag, module_header_size, tag_offset, TagModule);
    if (!command_line)
        return kstd::unexpected(command_line.error());
    out.modules[out.module_count++] = BootModule{arch::PhysAddr(start), arch::PhysAddr(end), *command_line};
    return {};
}

// Checks one colour field of an RGB framebuffer: not empty, inside the pixel.
bool field_fits(ColorField field, uint8_t bits_per_pixel)
{
    return field.size != 0 && field.position + field.size <= bits_per_pixel;
}

uint64_t field_mask(ColorField field)
{
    return ((uint64_t{1} << field.size) - 1) << field.position;
}

// The framebuffer tag (Multiboot2 specification, section 3.6.12, with GRUB's
// layout: a 16-bit reserved field, so the colour information starts at byte
// 32). Every number is checked before the kernel maps or draws anything.
kstd::Expected<void, ParseError> parse_framebuffer(std::span<const std::byte> tag, size_t tag_offset, BootInfo& out)
{
    if (tag.size() < framebuffer_min_size)
        return fail("framebuffer tag is shorter than 31 bytes", tag_offset, TagFramebuffer, tag.size());
    FramebufferInfo fb{
        arch::PhysAddr(read<uint64_t>(tag, 8)),
        read<uint32_t>(tag, 16),
        read<uint32_t>(tag, 20),
        read<uint32_t>(tag, 24),
        read<uint8_t>(tag, 28),
        static_cast<FramebufferType>(read<uint8_t>(tag, 29)),
    };
    if (fb.width == 0 || fb.height == 0)
        return fail("framebuffer has a width or height of 0", tag_offset, TagFramebuffer);
    if (fb.bits_per_pixel == 0 || fb.bits_per_pixel > 32)
        return fail("framebuffer bits per pixel must be 1 to 32", tag_offset, TagFramebuffer, fb.bits_per_pixel);
    switch (fb.type) {
    case FramebufferType::Indexed: {
        if (tag.size() < framebuffer_color_info_offset + 2)
            return fail("indexed framebuffer tag is too short for its palette size", tag_offset, TagFramebuffer,
                        tag.size());
        fb.palette_colors = read<uint16_t>(tag, framebuffer_color_info_offset);
        if (framebuffer_color_info_offset + 2 + size_t{3} * fb.palette_colors > tag.size())
            return fail("framebuffer palette runs past the end of its tag", tag_offset, TagFramebuffer,
                        fb.palette_colors);
        break;
    }
    case FramebufferType::Rgb: {
        if (tag.size() < framebuffer_rgb_min_size)
            return fail("RGB framebuffer tag is too short for its colour fields (38 bytes)", tag_offset,
                        TagFramebuffer, tag.size());
        const size_t at = framebuffer_color_info_offset;
        fb.red = {read<uint8_t>(tag, at), read<uint8_t>(tag, at + 1)};
        fb.green = {read<uint8_t>(tag, at + 2), read<uint8_t>(tag, at + 3)};
        fb.blue = {read<uint8_t>(tag, at + 4), read<uint8_t>(tag, at + 5)};
        if (!field_fits(fb.red, fb.bits_per_pixel))
            return fail("framebuffer red field is empty or outside the pixel", tag_offset, TagFramebuffer,
                        fb.red.position + fb.red.size);
        if (!field_fits(fb.green, fb.bits_per_pixel))
            return fail("framebuffer green field is empty or outside the pixel", tag_offset, TagFramebuffer,
                        fb.green.position + fb.green.size);
        if (!field_fits(fb.blue, fb.bits_per_pixel))
            return fail("framebuffer blue field is empty or outside the pixel", tag_offset, TagFramebuffer,
                        fb.blue.position + fb.blue.size);
        if ((field_mask(fb.red) & field_mask(fb.green)) != 0 || (field_mask(fb.red) & field_mask(fb.blue)) != 0 ||
            (field_mask(fb.green) & field_mask(fb.blue)) != 0)
            return fail("framebuffer colour fields overlap", tag_offset, TagFramebuffer);
        break;
    }
    case FramebufferType::EgaText:
        if (fb.bits_per_pixel != 16)
            return fail("EGA text framebuffer must have 16 bits per character", tag_offset, TagFramebuffer,
                        fb.bits_per_pixel);
        break;
    default:
        return fail("unknown framebuffer type", tag_offset, TagFramebuffer, static_cast<uint8_t>(fb.type));
    }
    if (fb.pitch < uint64_t{fb.width} * fb.bytes_per_pixel())
        return fail("framebuffer pitch is smaller than a line of pixels", tag_offset, TagFramebuffer, fb.pitch);
    if (fb.address.value() + fb.size_bytes() < fb.address.value())
        return fail("framebuffer wraps around the end of the address space", tag_offset, TagFramebuffer,
                    fb.address.value());
    out.framebuffer = fb;
    return {};
}

} // namespace

void format_value(kstd::Sink& sink, const ParseError& error, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "{}", error.what);
    if (error.value != 0)
        kstd::format_to(sink, " (value {})", error.value);
    if (error.tag_type != 0)
        kstd::format_to(sink, " in tag type {} at offset {:#x}", error.tag_type, error.offset);
    else
        kstd::format_to(sink, " at offset {:#x}", error.offset);
}

kstd::Expected<size_t, ParseError> multiboot2_total_size(std::span<const std::byte> header)
{
    if (header.size() < header_size)
        return fail("boot information is shorter than its 8-byte header", 0, 0, header.size());
    const uint32_t total = read<uint32_t>(header, 0);
    if (total < header_size + tag_header_size)
        return fail("total size is too small to hold the header and an end tag", 0, 0, total);
    if (total > max_boot_info_size)
        return fail("total size is larger than 1 MiB; the structure is probably corrupt", 0, 0, total);
    return static_cast<size_t>(total);
}

kstd::Expected<void, ParseError> parse_multiboot2(std::span<const std::byte> info, BootInfo& out)
{
    out = BootInfo{};
    auto total = multiboot2_total_size(info);
    if (!total)
        return kstd::unexpected(total.error());
    if (*total > info.size())
        return fail("total size is larger than the bytes available", 0, 0, *total);
    info = info.first(*total);
    out.protocol = BootProtocol::Multiboot2;
    out.total_size = *total;

    size_t offset = header_size;
    while (true) {
        if (offset + tag_header_size > info.size())
            return fail("no end tag before the end of the boot information", offset, 0);
        const uint32_t type = read<uint32_t>(info, offset);
        const uint32_t size = read<uint32_t>(info, offset + 4);
        if (size < tag_header_size)
            return fail("tag size is smaller than the 8-byte tag header", offset, type, size);
        if (size > info.size() - offset)
            return fail("tag runs past the end of the boot information", offset, type, size);
        const std::span<const std::byte> tag = info.subspan(offset, size);

        switch (type) {
        case TagEnd:
            if (size != tag_header_size)
                return fail("end tag must be 8 bytes", offset, type, size);
            return {};
        case TagCommandLine:
        case TagBootloaderName: {
            auto text = read_string(tag, tag_header_size, offset, type);
            if (!text)
                return kstd::unexpected(text.error());
            (type == TagCommandLine ? out.command_line : out.bootloader_name) = *text;
            break;
        }
        case TagModule:
            if (auto result = parse_module(tag, offset, out); !result)
                return result;
            break;
        case TagMemoryMap:
            if (auto result = parse_memory_map(tag, offset, out); !result)
                return result;
            break;
        case TagFramebuffer:
            if (auto result = parse_framebuffer(tag, offset, out); !result)
                return result;
            break;
        case TagAcpiOldRsdp:
        case TagAcpiNewRsdp:
            if (auto result = parse_rsdp(tag, offset, type, out); !result)
                return result;
            break;
        default:
            if (type > TagLastKnown)
                ++out.unknown_tag_count;
            break;
        }
        // Tags start on 8-byte boundaries.
        offset += (size + 7) & ~size_t{7};
    }
}

} // namespace boot
