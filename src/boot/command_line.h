#pragma once
// The kernel command line: space-separated words, some of them key=value
// (heap=linked, demo=page-fault, ktest options). Pure functions on a line;
// boot::command_line() (boot/boot_info.h) is the kernel's own.

#include <optional>
#include <string_view>

namespace boot {

// Is `word` one of the space-separated words of `line`?
bool command_line_has(std::string_view line, std::string_view word);

// The value of the first word `key=value` of `line`, if any.
std::optional<std::string_view> command_line_value(std::string_view line, std::string_view key);

} // namespace boot
