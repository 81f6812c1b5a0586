// Host program run at build time: prints the kernel's memory layout
// (src/arch/x86_64/memory_layout.h) for boot.asm (`nasm`) or for the linker
// script (`ld`), so both take their values from the one header.
//
//   memory_layout_export nasm memory_layout.inc
//   memory_layout_export ld   memory_layout.ld

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include "arch/x86_64/memory_layout.h"

namespace {

struct Value {
    const char* name;
    uint64_t value;
};

constexpr Value values[] = {
    {"KERNEL_VMA", arch::layout::kernel_vma},
    {"KERNEL_PHYS_START", arch::layout::kernel_physical_start},
    {"BOOT_IMAGE_PAGE_TABLES", arch::layout::boot_image_page_tables},
    {"BOOT_IMAGE_MAX_BYTES", arch::layout::boot_image_max_bytes},
    {"BOOT_STACK_SIZE", arch::layout::boot_stack_size},
};

} // namespace

int main(int argc, char** argv)
{
    const bool nasm = argc == 3 && std::strcmp(argv[1], "nasm") == 0;
    const bool ld = argc == 3 && std::strcmp(argv[1], "ld") == 0;
    if (!nasm && !ld) {
        std::fprintf(stderr, "usage: %s nasm|ld OUTPUT\n", argv[0]);
        return 2;
    }
    std::FILE* out = std::fopen(argv[2], "w");
    if (!out) {
        std::perror(argv[2]);
        return 1;
    }
    std::fprintf(out, nasm ? "; %s\n" : "/* %s */\n", "Generated from src/arch/x86_64/memory_layout.h; do not edit.");
    for (const Value& v : values) {
        if (nasm)
            std::fprintf(out, "%%define %s 0x%016" PRIX64 "\n", v.name, v.value);
        else
            std::fprintf(out, "%s = 0x%016" PRIX64 ";\n", v.name, v.value);
    }
    return std::fclose(out) == 0 ? 0 : 1;
}
