#pragma once
// The character devices of /dev: the console (fs/console_file.h), null
// (reads find the end, writes vanish) and zero (reads give zeros, writes
// vanish), as Linux's mem driver makes the last two.

#include "fs/file.h"
#include "fs/ram_fs.h"

namespace fs {

// A new open file of `device`.
[[nodiscard]] kstd::ErrorOr<kstd::RefPtr<File>> open_device(Device device);

} // namespace fs
