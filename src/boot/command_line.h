#pragma once
// The kernel command line: space-separated words, some of them key=value
// (heap=linked, demo=page-fault, ktest options). Pure functions on a line;
// boot::command_line() (boot/boot_info.h) is the kernel's own. As on Linux,
// the words after a "--" are not the kernel's but the first program's
// arguments: "init=/usr/bin/sh -- /disk0/run.sh".

#include <optional>
#include <string_view>

namespace boot {

// The words after "--", for init (empty without one).
std::string_view command_line_init_arguments(std::string_view line);

// Is `word` one of the space-separated words of `line` (before any "--")?
bool command_line_has(std::string_view line, std::string_view word);

// The value of the first word `key=value` of `line`, if any.
std::optional<std::string_view> command_line_value(std::string_view line, std::string_view key);

} // namespace boot
