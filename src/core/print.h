#pragma once
// Kernel printing: formatted text to every console (see kstd/format.h for
// the format syntax; mistakes in it are compile errors).
//
//   core::println("frames: {} free of {}", free, total);

#include <type_traits>
#include "core/console.h"
#include "kstd/format.h"

namespace core {

// All output goes through this one mux (COM1 and VGA once initialised).
core::ConsoleMux& console();

// Each holds the console's lock for the whole text: lines do not interleave.
template <typename... Args>
void print(kstd::FormatString<std::type_identity_t<Args>...> fmt, const Args&... args)
{
    const core::ConsoleMux::Guard guard(console());
    kstd::format_to<Args...>(console(), fmt, args...);
}

template <typename... Args>
void println(kstd::FormatString<std::type_identity_t<Args>...> fmt, const Args&... args)
{
    const core::ConsoleMux::Guard guard(console());
    kstd::format_to<Args...>(console(), fmt, args...);
    console().write("\n");
}

} // namespace core
