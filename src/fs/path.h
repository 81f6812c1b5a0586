#pragma once
// Paths: an absolute, canonical path from a working directory and a path a
// program gave (absolute or relative), with "." and ".." resolved as text
// ("/.." is "/", as POSIX says of the root).
//
//   char buffer[fs::max_path];
//   auto path = TRY(fs::resolve("/home", "../bin/./sh", buffer));   // "/bin/sh"

#include <cstddef>
#include <span>
#include <string_view>
#include "kstd/errno.h"

namespace fs {

inline constexpr size_t max_path = 256; // with its NUL; longer is ENAMETOOLONG

// `path` against `cwd` (itself absolute and canonical) into `out`: starts
// with "/", no empty, "." or ".." component, no trailing "/" but for the
// root. ENOENT for an empty path, ENAMETOOLONG if it does not fit `out`
// (which then holds a NUL after the text).
[[nodiscard]] kstd::ErrorOr<std::string_view> resolve(std::string_view cwd, std::string_view path,
                                                      std::span<char> out);

} // namespace fs
