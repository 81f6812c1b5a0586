#pragma once
// The kernel's copy of what the boot loader told it: the handoff checked and
// the boot information parsed once, at the BootInfo init stage, by the parser
// the magic number names (multiboot2 from GRUB, PVH from QEMU -kernel). A
// malformed structure stops the kernel with the exact reason.

#include <string_view>
#include "boot/boot_info.h"
#include "boot/handoff.h"

namespace boot {

// Checks the magic, reads the boot information through the boot window and
// parses it. Panics with the reason if any of that fails: nothing can be
// trusted after a malformed handoff.
void load_boot_info(const BootHandoff& handoff);

// Valid once load_boot_info() has run (empty before).
const BootInfo& boot_info();

// The kernel command line (empty before load_boot_info()).
std::string_view command_line();

} // namespace boot
