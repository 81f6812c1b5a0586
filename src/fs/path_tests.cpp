#include "fs/path.h"
#include "ktest/ktest.h"

namespace {
char g_buffer[fs::max_path];

std::string_view resolved(std::string_view cwd, std::string_view path)
{
    auto result = fs::resolve(cwd, path, g_buffer);
    return result ? *result : std::string_view("(error)");
}
} // namespace

KTEST(path, resolves_absolute_and_relative_paths)
{
    EXPECT_EQ(resolved("/", "/bin/sh"), std::string_view("/bin/sh"));
    EXPECT_EQ(resolved("/bin", "sh"), std::string_view("/bin/sh"));
    EXPECT_EQ(resolved("/", "bin//sh/"), std::string_view("/bin/sh"));
    EXPECT_EQ(resolved("/tests", "../bin/./sh"), std::string_view("/bin/sh"));
}

KTEST(path, dot_dot_stops_at_the_root)
{
    EXPECT_EQ(resolved("/", ".."), std::string_view("/"));
    EXPECT_EQ(resolved("/bin", "../../.."), std::string_view("/"));
    EXPECT_EQ(resolved("/a/b", "../c"), std::string_view("/a/c"));
    EXPECT_EQ(resolved("/", "."), std::string_view("/"));
}

KTEST(path, refuses_empty_and_overlong_paths)
{
    EXPECT_ERROR(fs::resolve("/", "", g_buffer), kstd::Errno::enoent);
    char small[8];
    EXPECT_ERROR(fs::resolve("/", "/a/bcdefgh", small), kstd::Errno::enametoolong);
    EXPECT_EQ(*fs::resolve("/", "/a/bcde", small), std::string_view("/a/bcde"));
}
