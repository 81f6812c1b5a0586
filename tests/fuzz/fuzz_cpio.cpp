// libFuzzer harness for the cpio newc parser (src/fs/cpio.cpp). The input is
// an initial ramdisk. The sanitizers catch any read outside it; FUZZ_CHECK
// catches an archive that opens but that the kernel could not trust: every
// name a whole string inside the input, non-empty, canonical and relative,
// found again by find() (also as "/name"), no name twice; every entry's data
// inside the input, of a known type, none for a directory; as many entries
// iterated as count() says.

#include <cstddef>
#include <cstdint>
#include <span>
#include "fuzz_check.h"
#include "fs/cpio.h"

namespace {

// The name as the parser promises it: no leading "/", no empty, "." or ".."
// component, unless it is the root's ".".
bool canonical(std::string_view name)
{
    if (name == ".")
        return true;
    for (;;) {
        const size_t slash = name.find('/');
        const std::string_view component = name.substr(0, slash);
        if (component.empty() || component == "." || component == "..")
            return false;
        if (slash == std::string_view::npos)
            return true;
        name.remove_prefix(slash + 1);
    }
}

bool inside(std::span<const std::byte> part, std::span<const std::byte> whole)
{
    const auto first = reinterpret_cast<uintptr_t>(whole.data()); // addresses compared as numbers
    const auto at = reinterpret_cast<uintptr_t>(part.data());
    return at >= first && at <= first + whole.size() && part.size() <= first + whole.size() - at;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size); // bytes as bytes
    auto opened = fs::cpio::Archive::open(input);
    if (!opened) {
        fuzz::BufferSink sink;
        kstd::format_to(sink, "{}", opened.error());
        FUZZ_CHECK(sink.size() > 0, "an error prints as text");
        return 0;
    }
    const fs::cpio::Archive& archive = *opened;
    size_t count = 0;
    constexpr size_t max_names = 1024; // more than 8 KiB of input can hold (112 bytes an entry at least)
    std::string_view names[max_names];
    for (fs::cpio::Entry entry : archive) {
#ifdef FUZZ_SELFTEST_BROKEN_INVARIANT
        // The self-test build (CTest fuzz.cpio_fires): a planted off-by-one,
        // as if the parser let the first entry's data run one past the input.
        if (count == 0)
            entry.data = {entry.data.data(), static_cast<size_t>(input.data() + size - entry.data.data()) + 1};
#endif
        ++count;
        FUZZ_CHECK(fuzz::terminated_inside(entry.name, input) && fuzz::is_c_string(entry.name),
                   "a name is a whole string inside the input");
        FUZZ_CHECK(!entry.name.empty() && canonical(entry.name), "a name is canonical and relative");
        FUZZ_CHECK(inside(entry.data, input), "an entry's data is inside the input");
        FUZZ_CHECK(entry.is_regular() || entry.is_directory() || entry.is_symlink(), "a known file type");
        FUZZ_CHECK(!entry.is_directory() || entry.data.empty(), "a directory has no data");
        FUZZ_CHECK(entry.name != "." || entry.is_directory(), "the root is a directory");
        FUZZ_CHECK(entry.offset < size && entry.offset % 4 == 0, "an entry's header is inside the input, aligned");

        auto found = archive.find(entry.name);
        FUZZ_CHECK(found.has_value() && found->offset == entry.offset && found->data.data() == entry.data.data(),
                   "find() of a name gives its entry");
        char rooted[256];
        if (entry.name.size() < sizeof rooted) {
            rooted[0] = '/';
            __builtin_memcpy(rooted + 1, entry.name.data(), entry.name.size());
            auto again = archive.find({rooted, entry.name.size() + 1});
            FUZZ_CHECK(again.has_value() && again->offset == entry.offset, "find(\"/\" + name) gives it too");
        }
        if (count <= max_names) {
            for (size_t i = 0; i + 1 < count; ++i)
                FUZZ_CHECK(names[i] != entry.name, "no name twice");
            names[count - 1] = entry.name;
        }
    }
    FUZZ_CHECK(count == archive.count(), "iteration visits count() entries");
    return 0;
}
