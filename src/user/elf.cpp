#include "user/elf.h"
#include "kstd/unaligned.h"

namespace user::elf {

namespace {

// ELF64 on-disk layouts (gABI), read field by field from the bytes.
constexpr size_t header_size = 64;
constexpr size_t program_header_size = 56;
constexpr uint16_t type_exec = 2, type_dyn = 3;
constexpr uint16_t machine_x86_64 = 62;
constexpr uint32_t pt_load = 1, pt_interp = 3, pt_phdr = 6;
constexpr uint32_t pf_x = 1, pf_w = 2;

struct ProgramHeader {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
};

ProgramHeader read_program_header(std::span<const std::byte> file, size_t at)
{
    return {kstd::load_unaligned<uint32_t>(file, at + 0),  kstd::load_unaligned<uint32_t>(file, at + 4),
            kstd::load_unaligned<uint64_t>(file, at + 8),  kstd::load_unaligned<uint64_t>(file, at + 16),
            kstd::load_unaligned<uint64_t>(file, at + 32), kstd::load_unaligned<uint64_t>(file, at + 40),
            kstd::load_unaligned<uint64_t>(file, at + 48)};
}

kstd::Unexpected<Error> fail(Problem problem, uint32_t header = Error::no_segment)
{
    return kstd::unexpected(Error{problem, header});
}

// a + b, or false if it overflows.
bool add(uint64_t a, uint64_t b, uint64_t& sum)
{
    return !__builtin_add_overflow(a, b, &sum);
}

} // namespace

std::string_view to_string(Problem problem)
{
    switch (problem) {
    case Problem::TooSmall: return "shorter than an ELF header";
    case Problem::NotElf: return "not an ELF file (no \\x7fELF magic)";
    case Problem::Not64Bit: return "not a 64-bit ELF file";
    case Problem::NotLittleEndian: return "not little-endian";
    case Problem::BadVersion: return "unknown ELF version";
    case Problem::NotX86_64: return "not for x86-64";
    case Problem::NotExecutable: return "not an executable (neither ET_EXEC nor ET_DYN)";
    case Problem::BadHeaderSize: return "header or program header size is not ELF64's";
    case Problem::ProgramHeadersOutside: return "the program header table lies outside the file";
    case Problem::TooManySegments: return "more loadable segments than the loader takes";
    case Problem::NoSegments: return "no loadable segment";
    case Problem::SegmentOutsideFile: return "file bytes beyond the end of the file";
    case Problem::FileLargerThanMemory: return "more file bytes than memory bytes";
    case Problem::SegmentOutsideUserSpace: return "not inside user space";
    case Problem::BadAlignment: return "bad alignment (not a power of two, or address and offset disagree)";
    case Problem::WritableAndExecutable: return "writable and executable";
    case Problem::NotInOrder: return "not after the previous segment's last page";
    case Problem::EntryNotExecutable: return "the entry point is not in an executable segment";
    case Problem::NeedsInterpreter: return "dynamically linked (PT_INTERP): there is no dynamic linker";
    }
    return "unknown ELF problem";
}

void format_value(kstd::Sink& sink, const Error& error, const kstd::FormatSpec&)
{
    if (error.header != Error::no_segment)
        kstd::format_to(sink, "ELF program header {}: {}", error.header, to_string(error.problem));
    else
        kstd::format_to(sink, "ELF: {}", to_string(error.problem));
}

kstd::Expected<Image, Error> parse(std::span<const std::byte> file)
{
    if (file.size() < header_size)
        return fail(Problem::TooSmall);
    const auto byte = [&](size_t at) { return static_cast<uint8_t>(file[at]); };
    if (byte(0) != 0x7F || byte(1) != 'E' || byte(2) != 'L' || byte(3) != 'F')
        return fail(Problem::NotElf);
    if (byte(4) != 2)
        return fail(Problem::Not64Bit);
    if (byte(5) != 1)
        return fail(Problem::NotLittleEndian);
    if (byte(6) != 1 || kstd::load_unaligned<uint32_t>(file, 20) != 1)
        return fail(Problem::BadVersion);
    const auto type = kstd::load_unaligned<uint16_t>(file, 16);
    if (kstd::load_unaligned<uint16_t>(file, 18) != machine_x86_64)
        return fail(Problem::NotX86_64);
    if (type != type_exec && type != type_dyn)
        return fail(Problem::NotExecutable);
    const auto entry = kstd::load_unaligned<uint64_t>(file, 24);
    const auto phoff = kstd::load_unaligned<uint64_t>(file, 32);
    const auto ehsize = kstd::load_unaligned<uint16_t>(file, 52);
    const auto phentsize = kstd::load_unaligned<uint16_t>(file, 54);
    const auto phnum = kstd::load_unaligned<uint16_t>(file, 56);
    if (ehsize != header_size || (phnum != 0 && phentsize != program_header_size))
        return fail(Problem::BadHeaderSize);
    uint64_t table_end;
    if (!add(phoff, uint64_t{phnum} * program_header_size, table_end) || table_end > file.size())
        return fail(Problem::ProgramHeadersOutside);

    Image image;
    image.load_bias = type == type_dyn ? pie_base : 0;
    image.program_header_count = phnum;
    image.program_header_size = phentsize;
    uint64_t previous_end_page = 0;
    uint64_t declared_headers = 0; // PT_PHDR's address, if there is one
    for (uint32_t i = 0; i < phnum; ++i) {
        const ProgramHeader header = read_program_header(file, phoff + size_t{i} * program_header_size);
        if (header.type == pt_interp)
            return fail(Problem::NeedsInterpreter, i);
        if (header.type == pt_phdr)
            declared_headers = header.vaddr + image.load_bias; // wraps harmlessly: only reported to the program
        if (header.type != pt_load)
            continue;
        if (image.segment_count == max_segments)
            return fail(Problem::TooManySegments, i);
        uint64_t file_end;
        if (!add(header.offset, header.filesz, file_end) || file_end > file.size())
            return fail(Problem::SegmentOutsideFile, i);
        if (header.filesz > header.memsz)
            return fail(Problem::FileLargerThanMemory, i);
        uint64_t start, end;
        if (!add(header.vaddr, image.load_bias, start) || !add(start, header.memsz, end) || start < user_space_start
            || end > user_space_end || header.memsz == 0)
            return fail(Problem::SegmentOutsideUserSpace, i);
        const uint64_t align = header.align == 0 ? 1 : header.align;
        if ((align & (align - 1)) != 0 || (header.vaddr % align) != (header.offset % align)
            || (align < page_size && (header.vaddr % page_size) != (header.offset % page_size)))
            return fail(Problem::BadAlignment, i);
        const bool writable = (header.flags & pf_w) != 0;
        const bool executable = (header.flags & pf_x) != 0;
        if (writable && executable)
            return fail(Problem::WritableAndExecutable, i);
        const Segment segment{start, header.memsz, header.offset, header.filesz, writable, executable};
        if (segment.first_page() < previous_end_page)
            return fail(Problem::NotInOrder, i);
        previous_end_page = segment.end_page();
        image.segments[image.segment_count++] = segment;
        // The program headers' own address, for AT_PHDR: where the loadable
        // segment that holds their file bytes maps them.
        if (image.program_headers == 0 && phoff >= header.offset && table_end <= file_end)
            image.program_headers = start + (phoff - header.offset);
    }
    if (declared_headers != 0)
        image.program_headers = declared_headers; // PT_PHDR says where they are, and wins
    if (image.segment_count == 0)
        return fail(Problem::NoSegments);
    uint64_t biased_entry;
    if (!add(entry, image.load_bias, biased_entry))
        return fail(Problem::EntryNotExecutable);
    bool entry_ok = false;
    for (const Segment& segment : image.loadable())
        entry_ok |= segment.executable && biased_entry >= segment.address
            && biased_entry - segment.address < segment.memory_size;
    if (!entry_ok)
        return fail(Problem::EntryNotExecutable);
    image.entry = biased_entry;
    return image;
}

} // namespace user::elf
