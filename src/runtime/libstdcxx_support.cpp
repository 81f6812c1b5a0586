// Header-only parts of the standard library that we use (string_view, span,
// optional, array, algorithm) report misuse through these functions, which
// in a hosted program throw. Here a misuse is a kernel bug: panic with the
// reason. -fno-exceptions makes libstdc++ call abort() in a few places, too.

#include "core/panic.h"

namespace std {

[[noreturn]] void __throw_out_of_range_fmt(const char* format, ...)
{
    core::panic("standard library: out of range ({})", format);
}
[[noreturn]] void __throw_out_of_range(const char* what)
{
    core::panic("standard library: out of range ({})", what);
}
[[noreturn]] void __throw_length_error(const char* what)
{
    core::panic("standard library: length error ({})", what);
}
[[noreturn]] void __throw_logic_error(const char* what)
{
    core::panic("standard library: logic error ({})", what);
}
[[noreturn]] void __throw_invalid_argument(const char* what)
{
    core::panic("standard library: invalid argument ({})", what);
}
[[noreturn]] void __throw_bad_alloc()
{
    core::panic("standard library: bad_alloc");
}
[[noreturn]] void __throw_bad_array_new_length()
{
    core::panic("standard library: bad array new length");
}

} // namespace std

extern "C" [[noreturn]] void abort()
{
    core::panic("abort() called");
}
