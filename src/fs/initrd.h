#pragma once
// The initial ramdisk as a read-only file system: the cpio archive
// (fs/cpio.h) the boot loader loaded as a module, its directories listed
// and its files opened and read in place. Until the VFS comes (the file
// system issue), it is the whole file tree programs see.
//
//   fs::initrd::mount(bytes);                       // checks the whole archive
//   auto file = TRY(fs::initrd::open("/bin/sh"));   // an fs::File: read, seek, stat
//   auto bytes = TRY(fs::initrd::contents("/bin/sh"));

#include <span>
#include <string_view>
#include "fs/cpio.h"
#include "fs/file.h"
#include "kstd/errno.h"

namespace fs::initrd {

// Checks `archive` and makes it the file tree. The bytes stay where they
// are (the module's frames, never freed) and must outlive the kernel.
[[nodiscard]] kstd::Expected<void, cpio::Error> mount(std::span<const std::byte> archive);
bool mounted();
const cpio::Archive& archive();

// The entry at an absolute canonical path (fs/path.h); a symbolic link is
// followed (8 deep at most: ELOOP). ENOENT when there is no such entry or
// no ramdisk.
[[nodiscard]] kstd::ErrorOr<cpio::Entry> lookup(std::string_view path);
// A regular file's bytes: EACCES for a directory.
[[nodiscard]] kstd::ErrorOr<std::span<const std::byte>> contents(std::string_view path);
// A new open file (its own offset) for a file or a directory.
[[nodiscard]] kstd::ErrorOr<kstd::RefPtr<File>> open(std::string_view path);

} // namespace fs::initrd
