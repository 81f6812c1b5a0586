#pragma once
#include <string_view>

namespace ktest {

// Shell-style match of the whole text: '*' is any run of characters, '?' one.
bool glob_match(std::string_view pattern, std::string_view text);

// A filter is a comma-separated list of globs over "suite.case". A case is
// selected if it matches one plain pattern (or there is none) and no pattern
// written with a leading '-':  "fmt.*,vga.*,-vga.slow_*".
bool filter_selects(std::string_view filter, std::string_view full_name);

// The same for one value of a parameterised case: a pattern matches if it
// matches the value's name ("heap.pair[64]") or the case's ("heap.pair"),
// so "-heap.pair" excludes every value and "heap.pair[64]" selects one.
bool filter_selects(std::string_view filter, std::string_view full_name, std::string_view group_name);

} // namespace ktest
