#pragma once
// The initial ramdisk: the cpio archive (fs/cpio.h) the boot loader
// loaded as a module, checked whole, then copied into the VFS's root, a
// ram file system, whose files read it in place until they are changed.
//
//   TRY(fs::initrd::mount(bytes));        // checks the whole archive
//   TRY(fs::initrd::fill(root));          // /bin, /tests, ... in the ram file system

#include <span>
#include <string_view>
#include "fs/cpio.h"
#include "fs/file.h"
#include "fs/ram_fs.h"
#include "kstd/errno.h"

namespace fs::initrd {

// Checks `archive` and makes it the file tree. The bytes stay where they
// are (the module's frames, never freed) and must outlive the kernel.
[[nodiscard]] kstd::Expected<void, cpio::Error> mount(std::span<const std::byte> archive);
bool mounted();
const cpio::Archive& archive();

// Copies the archive's tree into `root` (the ram file system at "/"):
// its directories made, its files borrowed in place (fs/ram_fs.h). Its
// symbolic links are left out (the ram file system has none yet).
[[nodiscard]] kstd::ErrorOr<void> fill(RamFileSystem& file_system);

} // namespace fs::initrd
