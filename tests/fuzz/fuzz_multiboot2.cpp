// libFuzzer harness for the multiboot2 parser (src/boot/multiboot2.cpp): the
// input is the boot information structure as GRUB would leave it in memory.
// The sanitizers catch any read outside the input (libFuzzer hands over
// exactly `size` bytes of their own allocation); FUZZ_CHECK catches a parse
// that succeeds with a result the kernel could not trust.

#include <cstddef>
#include <cstdint>
#include <span>
#include "boot/multiboot2.h"
#include "fuzz_check.h"

namespace {

using boot::BootInfo;

bool valid_type(boot::MemoryType type)
{
    const auto value = static_cast<uint32_t>(type);
    return value >= 1 && value <= 5;
}

// A string of the result: absent (the tag was not there), or the whole of a
// NUL-terminated string inside the structure.
bool string_inside(std::string_view text, std::span<const std::byte> info)
{
    if (text.data() == nullptr)
        return text.empty();
    return fuzz::terminated_inside(text, info) && fuzz::is_c_string(text);
}

void check_success(std::span<const std::byte> input, BootInfo& out)
{
    const auto total = boot::multiboot2_total_size(input);
    FUZZ_CHECK(total.has_value(), "a parsed structure has a valid total size");
    FUZZ_CHECK(*total == out.total_size, "total_size is the header's total size");
    FUZZ_CHECK(out.total_size >= 16 && out.total_size <= input.size() && out.total_size <= boot::max_boot_info_size,
               "the total size fits the input and the 1 MiB limit");
    const std::span<const std::byte> info = input.first(out.total_size);
    FUZZ_CHECK(out.protocol == boot::BootProtocol::Multiboot2, "the protocol is multiboot2");

#ifdef FUZZ_SELFTEST_BROKEN_INVARIANT
    // The self-test build (CTest fuzz.*_fires): a planted off-by-one, as if
    // read_string counted the NUL into the string. The check below must fire.
    if (!out.command_line.empty())
        out.command_line = std::string_view(out.command_line.data(), out.command_line.size() + 1);
#endif
    FUZZ_CHECK(string_inside(out.command_line, info), "the command line is a whole string inside the structure");
    FUZZ_CHECK(string_inside(out.bootloader_name, info), "the boot loader name is a whole string inside the structure");

    FUZZ_CHECK(out.memory_region_count <= BootInfo::max_memory_regions, "at most 128 memory regions");
    FUZZ_CHECK(out.has_memory_map || out.memory_region_count == 0, "regions only with a memory map");
    for (const boot::MemoryRegion& region : out.memory_map()) {
        FUZZ_CHECK(region.base.value() + region.length >= region.base.value(), "no region wraps around");
        FUZZ_CHECK(valid_type(region.type), "every region has a known type");
    }
    FUZZ_CHECK(out.module_count <= BootInfo::max_modules, "at most 16 modules");
    for (const boot::BootModule& module : out.boot_modules()) {
        FUZZ_CHECK(module.start <= module.end, "no module ends before it starts");
        FUZZ_CHECK(string_inside(module.command_line, info) && module.command_line.data() != nullptr,
                   "a module's command line is a whole string inside the structure");
    }
    if (out.framebuffer) {
        const boot::FramebufferInfo& fb = *out.framebuffer;
        FUZZ_CHECK(fb.width != 0 && fb.height != 0 && fb.bits_per_pixel >= 1 && fb.bits_per_pixel <= 32,
                   "a framebuffer has pixels of 1 to 32 bits");
        FUZZ_CHECK(fb.pitch >= uint64_t{fb.width} * fb.bytes_per_pixel(), "a framebuffer line fits its pitch");
        FUZZ_CHECK(fb.address.value() + fb.size_bytes() >= fb.address.value(), "a framebuffer does not wrap around");
        FUZZ_CHECK(fb.type == boot::FramebufferType::Indexed || fb.type == boot::FramebufferType::Rgb ||
                       fb.type == boot::FramebufferType::EgaText,
                   "a framebuffer has a known type");
        if (fb.type == boot::FramebufferType::Rgb) {
            for (const boot::ColorField field : {fb.red, fb.green, fb.blue})
                FUZZ_CHECK(field.size != 0 && field.position + field.size <= fb.bits_per_pixel,
                           "each colour field lies inside the pixel");
        }
    }
    if (out.rsdp) {
        FUZZ_CHECK(out.rsdp->origin != boot::RsdpOrigin::PvhAddress && out.rsdp->address.value() == 0,
                   "an RSDP from multiboot2 is a copy without an address");
        FUZZ_CHECK(out.rsdp->copy_size >= (out.rsdp->origin == boot::RsdpOrigin::Multiboot2V2 ? 36u : 20u) &&
                       out.rsdp->copy_size <= boot::RsdpInfo::max_copy,
                   "an RSDP copy holds a whole RSDP and fits its buffer");
    }
    FUZZ_CHECK(out.kept_count == 0, "the parser keeps no ranges (the loader keeps the structure)");
    FUZZ_CHECK(out.unknown_tag_count <= (out.total_size - 8) / 8, "no more unknown tags than tag headers fit");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
    BootInfo out;
    auto parsed = boot::parse_multiboot2(input, out);
    if (parsed) {
        check_success(input, out);
    } else {
        fuzz::BufferSink sink;
        kstd::format_to(sink, "{}", parsed.error());
        FUZZ_CHECK(sink.size() > 0, "an error prints as text");
    }
    return 0;
}
