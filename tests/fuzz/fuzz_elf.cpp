// libFuzzer harness for the ELF64 executable parser (src/user/elf.cpp). The
// input is a program file. The sanitizers catch any read outside it;
// FUZZ_CHECK catches a parse that succeeds with an image the loader could
// not trust: every segment inside user space and (for its file bytes) inside
// the file, never writable and executable, in ascending pages, and the
// entry point in an executable segment.

#include <cstddef>
#include <cstdint>
#include <span>
#include "fuzz_check.h"
#include "user/elf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::span<const std::byte> file(reinterpret_cast<const std::byte*>(data), size); // bytes as bytes
    auto parsed = user::elf::parse(file);
    if (!parsed) {
        fuzz::BufferSink sink;
        kstd::format_to(sink, "{}", parsed.error());
        FUZZ_CHECK(sink.size() > 0, "an error prints as text");
        return 0;
    }
    user::elf::Image image = *parsed;
#ifdef FUZZ_SELFTEST_BROKEN_INVARIANT
    // The self-test build (CTest fuzz.elf_fires): a planted off-by-one, as if
    // the parser let a segment's file bytes run one past the file.
    image.segments[0].file_size = size - image.segments[0].file_offset + 1;
#endif
    FUZZ_CHECK(image.segment_count >= 1 && image.segment_count <= user::elf::max_segments, "one to sixteen segments");
    uint64_t previous_end = 0;
    bool entry_found = false;
    for (const user::elf::Segment& segment : image.loadable()) {
        FUZZ_CHECK(segment.file_offset <= size && segment.file_size <= size - segment.file_offset,
                   "a segment's file bytes are inside the file");
        FUZZ_CHECK(segment.file_size <= segment.memory_size, "no more file bytes than memory bytes");
        FUZZ_CHECK(segment.address >= user::elf::user_space_start && segment.memory_size > 0
                       && segment.memory_size <= user::elf::user_space_end - segment.address,
                   "a segment is inside user space");
        FUZZ_CHECK(!(segment.writable && segment.executable), "W^X");
        FUZZ_CHECK(segment.first_page() >= previous_end, "segments in ascending pages, none shared");
        previous_end = segment.end_page();
        entry_found |= segment.executable && image.entry >= segment.address
            && image.entry - segment.address < segment.memory_size;
    }
    FUZZ_CHECK(entry_found, "the entry point is in an executable segment");
    return 0;
}
