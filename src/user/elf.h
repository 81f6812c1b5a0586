#pragma once
// The ELF64 executable parser: from the bytes of a program file to what the
// loader maps. It trusts nothing in the file: every size, offset and address
// is checked (and every sum for overflow) before it is used, and each
// problem is an error naming what is wrong and where:
//
//   auto image = user::elf::parse(file);
//   if (!image) core::println("init: {}", image.error()); // "segment 2: writable and executable"
//
// Accepted: little-endian ELF64 for x86-64, ET_EXEC (static executables, as
// `musl-gcc -static` makes them) and ET_DYN without an interpreter (static
// PIE, placed at `pie_base`). Every PT_LOAD segment lies in user space, in
// the file where it has file bytes, aligned as it says, never writable and
// executable at once, in ascending order without sharing a page with
// another; the entry point is in an executable segment. A program that
// asks for a dynamic linker (PT_INTERP) is refused: there is none.
// System V ABI, AMD64 supplement; the gABI's "Program Header" chapter.
// Pure logic: the host tests and the fuzzer (tests/fuzz/fuzz_elf.cpp) build it too.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"

namespace user::elf {

// The part of the address space programs may use: above the first 64 KiB
// (a null pointer and small offsets from it always fault) and below the
// canonical hole.
inline constexpr uint64_t user_space_start = 0x1'0000;
inline constexpr uint64_t user_space_end = 0x0000'8000'0000'0000;
// Where a static PIE (ET_DYN) is placed.
inline constexpr uint64_t pie_base = 0x40'0000;
inline constexpr uint32_t max_segments = 16;
inline constexpr uint64_t page_size = 4096;

enum class Problem : uint8_t {
    TooSmall,               // shorter than an ELF header
    NotElf,                 // no \x7fELF magic
    Not64Bit,               // EI_CLASS is not ELFCLASS64
    NotLittleEndian,        // EI_DATA is not ELFDATA2LSB
    BadVersion,             // EI_VERSION or e_version is not 1
    NotX86_64,              // e_machine is not EM_X86_64
    NotExecutable,          // e_type is neither ET_EXEC nor ET_DYN
    BadHeaderSize,          // e_ehsize or e_phentsize is not the ELF64 size
    ProgramHeadersOutside,  // the program header table is not inside the file
    TooManySegments,        // more than max_segments PT_LOAD entries
    NoSegments,             // no PT_LOAD entry at all
    SegmentOutsideFile,     // p_offset + p_filesz is beyond the file (or overflows)
    FileLargerThanMemory,   // p_filesz > p_memsz
    SegmentOutsideUserSpace,// [p_vaddr, p_vaddr + p_memsz) leaves user space (or overflows)
    BadAlignment,           // p_align is not a power of two, or p_vaddr and p_offset disagree modulo it
    WritableAndExecutable,  // W^X: p_flags has both PF_W and PF_X
    NotInOrder,             // PT_LOAD entries not ascending by address, or sharing a page
    EntryNotExecutable,     // e_entry is not inside an executable segment
    NeedsInterpreter,       // PT_INTERP: a dynamically linked program
};
std::string_view to_string(Problem problem);

// What went wrong, and for a program header, which one (its index).
struct Error {
    static constexpr uint32_t no_segment = 0xFFFF'FFFF;
    Problem problem;
    uint32_t header = no_segment;
};
void format_value(kstd::Sink& sink, const Error& error, const kstd::FormatSpec& spec);

struct Segment {
    uint64_t address;     // where it starts in user space (the PIE base added)
    uint64_t memory_size; // bytes mapped from `address`; past file_size they are zero
    uint64_t file_offset;
    uint64_t file_size;
    bool writable;
    bool executable;
    // The pages it covers.
    uint64_t first_page() const { return address & ~(page_size - 1); }
    uint64_t end_page() const { return (address + memory_size + page_size - 1) & ~(page_size - 1); }
};

struct Image {
    uint64_t entry = 0;
    uint64_t load_bias = 0;          // pie_base for ET_DYN, else 0
    uint64_t program_headers = 0;    // their address in user space (AT_PHDR), 0 if not loaded
    uint16_t program_header_count = 0; // AT_PHNUM
    uint16_t program_header_size = 0;  // AT_PHENT
    uint32_t segment_count = 0;
    Segment segments[max_segments] = {};

    std::span<const Segment> loadable() const { return {segments, segment_count}; }
};

[[nodiscard]] kstd::Expected<Image, Error> parse(std::span<const std::byte> file);

} // namespace user::elf
