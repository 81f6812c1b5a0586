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
//   /proc/<pid>/cmdline  its arguments, each ended by a NUL
//   /proc/<pid>/exe    a symbolic link to its program file
//   /proc/self         a symbolic link to the caller's own directory
//   /proc              lists meminfo, uptime, mounts, pci, self and each pid

#include <optional>
#include <span>
#include <string_view>
#include "fs/file.h"
#include "kstd/errno.h"

namespace user {

// `path` is absolute and canonical, under /proc. ENOENT for anything else.
[[nodiscard]] kstd::ErrorOr<kstd::RefPtr<fs::File>> open_proc(std::string_view path);

// /proc's symbolic links: the text of the link `path` names (/proc/self:
// the caller's pid; /proc/<pid>/exe: its program's path) into `out`, or
// nothing when `path` is not one (ENOENT: no such process).
[[nodiscard]] kstd::ErrorOr<std::optional<std::string_view>> read_proc_link(std::string_view path, std::span<char> out);

// `path` (absolute, canonical) with /proc's links on the way followed:
// /proc/self/exe is the caller's program file, which execve and open then
// find in the VFS. Any other path comes back as it was.
[[nodiscard]] kstd::ErrorOr<std::string_view> follow_proc_links(std::string_view path, std::span<char> out);

} // namespace user
