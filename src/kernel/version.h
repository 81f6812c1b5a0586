#pragma once
#include <string_view>

namespace kernel {
inline constexpr std::string_view os_name = "Kestrel";
inline constexpr std::string_view os_version = "0.1";
} // namespace kernel
