#pragma once
// A small /proc, made of text at each open (fs/text_file.h), in Linux's
// formats so that ps, free and uptime-like programs read it as they would
// there:
//
//   /proc/meminfo      MemTotal, MemFree, MemAvailable (kB)
//   /proc/uptime       seconds since boot, and idle seconds
//   /proc/mounts       what is mounted where (source, path, type), as Linux lists it
//   /proc/pci          the PCI devices, one lspci-style line each
//   /proc/<pid>/stat   pid (name) state ppid pgrp ... utime stime ... (proc(5))
//   /proc/self         the caller's own directory
//   /proc              lists meminfo, uptime, mounts, pci, self and each pid

#include <string_view>
#include "fs/file.h"
#include "kstd/errno.h"

namespace user {

// `path` is absolute and canonical, under /proc. ENOENT for anything else.
[[nodiscard]] kstd::ErrorOr<kstd::RefPtr<fs::File>> open_proc(std::string_view path);

} // namespace user
