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

struct FramebufferInfo {
    arch::PhysAddr address;
    uint32_t pitch;
    uint32_t width;
    uint32_t height;
    uint8_t bits_per_pixel;
    uint8_t type; // 0 indexed, 1 RGB, 2 EGA text
};

// How the kernel was started (src/arch/x86_64/boot.asm has both entries).
enum class BootProtocol : uint8_t {
    None,       // nothing parsed yet
    Multiboot2, // GRUB (the product, and one test kernel in CTest)
    Pvh,        // QEMU -kernel through the PVH ELF note (the test kernels)
};

std::string_view to_string(BootProtocol protocol);

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
