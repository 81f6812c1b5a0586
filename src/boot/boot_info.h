#pragma once
// What the boot loader told the kernel, whichever loader it was: the memory
// map, the command line, modules and the framebuffer. Two parsers fill it
// from the outside structures (boot/multiboot2.h from GRUB's, boot/pvh.h from
// QEMU's PVH start_info) and trust neither; boot/boot_loader.h picks the
// parser by the magic number the entry code saw. Plain C++: the host tests
// build it too.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
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

// The kinds of framebuffer (Multiboot2 specification, section 3.6.12).
enum class FramebufferType : uint8_t {
    Indexed = 0, // a palette of colours
    Rgb = 1,     // direct colour: red, green and blue fields in each pixel
    EgaText = 2, // VGA text mode: width and height count characters
};

std::string_view to_string(FramebufferType type);

// Where one colour channel sits in an RGB pixel: bits [position, position + size).
struct ColorField {
    uint8_t position = 0;
    uint8_t size = 0;
};

// Checked by the parser: the pixels fit the pitch, the frame does not wrap
// around the address space, and for Rgb each field lies inside the pixel and
// overlaps no other.
struct FramebufferInfo {
    arch::PhysAddr address;
    uint32_t pitch;  // bytes from one line to the next
    uint32_t width;  // pixels (characters for EgaText)
    uint32_t height;
    uint8_t bits_per_pixel;
    FramebufferType type;
    ColorField red{};   // Rgb only
    ColorField green{};
    ColorField blue{};
    uint16_t palette_colors = 0; // Indexed only: entries in the boot loader's palette

    uint32_t bytes_per_pixel() const { return (bits_per_pixel + 7u) / 8u; }
    uint64_t size_bytes() const { return uint64_t{pitch} * height; }
};

// How the kernel was started (src/arch/x86_64/boot.asm has both entries).
enum class BootProtocol : uint8_t {
    None,       // nothing parsed yet
    Multiboot2, // GRUB (the product, and one test kernel in CTest)
    Pvh,        // QEMU -kernel through the PVH ELF note (the test kernels)
};

std::string_view to_string(BootProtocol protocol);

// The ACPI RSDP as the loader handed it over (docs/acpi.md): multiboot2's
// tags 14 and 15 hold a copy of it (its physical address is not given), PVH's
// start_info its physical address. acpi/ checks it; the parsers only carry it.
enum class RsdpOrigin : uint8_t {
    Multiboot2V1, // tag 14, "ACPI old RSDP": the 20-byte ACPI 1.0 RSDP
    Multiboot2V2, // tag 15, "ACPI new RSDP": the ACPI 2.0+ RSDP (36 bytes)
    PvhAddress,   // start_info.rsdp_paddr
};

std::string_view to_string(RsdpOrigin origin);

struct RsdpInfo {
    static constexpr size_t max_copy = 64; // a longer tag's bytes past this are not copied

    RsdpOrigin origin = RsdpOrigin::PvhAddress;
    std::array<std::byte, max_copy> copy{}; // multiboot2: the tag's bytes
    size_t copy_size = 0;                   // PVH: 0
    arch::PhysAddr address{};               // PVH: where the RSDP is; multiboot2: unknown (0)

    std::span<const std::byte> bytes() const { return {copy.data(), copy_size}; }
};

// Physical memory holding boot structures the kernel reads after boot (the
// strings in BootInfo point into it): never handed out as free frames.
struct KeptRange {
    arch::PhysAddr start;
    arch::PhysAddr end;
};

struct BootInfo {
    static constexpr size_t max_memory_regions = 128;
    static constexpr size_t max_modules = 16;
    static constexpr size_t max_kept_ranges = 24;

    BootProtocol protocol = BootProtocol::None;

    std::string_view command_line;
    std::string_view bootloader_name;
    std::array<MemoryRegion, max_memory_regions> memory_regions{};
    size_t memory_region_count = 0;
    bool has_memory_map = false;
    std::array<BootModule, max_modules> modules{};
    size_t module_count = 0;
    std::optional<FramebufferInfo> framebuffer;
    std::optional<RsdpInfo> rsdp; // multiboot2: the new RSDP's tag wins over the old one's
    size_t total_size = 0;      // bytes of boot information (multiboot2: the structure; PVH: start_info)
    size_t unknown_tag_count = 0;
    std::array<KeptRange, max_kept_ranges> kept{};
    size_t kept_count = 0;

    std::span<const MemoryRegion> memory_map() const { return {memory_regions.data(), memory_region_count}; }
    std::span<const BootModule> boot_modules() const { return {modules.data(), module_count}; }
    std::span<const KeptRange> kept_ranges() const { return {kept.data(), kept_count}; }
    uint64_t usable_bytes() const;
    // Records [start, start + bytes) as kept; false if the list is full.
    [[nodiscard]] bool keep(arch::PhysAddr start, uint64_t bytes);
};

} // namespace boot
