// kstd's failure hooks (kstd/expected.h) for the host builds of the kernel's
// plain C++ parts: print what went wrong and where, then abort, so a test
// (or a death test) sees it.

#include <cstdio>
#include <cstdlib>
#include <source_location>
#include <string_view>

namespace kstd {

[[noreturn]] void expected_failed(std::string_view what, const std::source_location& where)
{
    std::fprintf(stderr, "%s:%u: %.*s\n", where.file_name(), static_cast<unsigned>(where.line()),
                 static_cast<int>(what.size()), what.data());
    std::abort();
}

[[noreturn]] void must_failed(const char* expression, std::string_view error, const std::source_location& where)
{
    std::fprintf(stderr, "%s:%u: MUST(%s) failed: %.*s\n", where.file_name(), static_cast<unsigned>(where.line()),
                 expression, static_cast<int>(error.size()), error.data());
    std::abort();
}

} // namespace kstd
