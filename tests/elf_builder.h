#pragma once
// Building ELF64 files in memory for tests: the host tests of the parser
// (tests/host/elf_test.cpp) and the kernel's program-loading tests
// (tests/integration/elf_program.cpp). Freestanding: fixed arrays only.
//
//   ElfFile file;                       // ET_EXEC, entry 0x401000, no headers
//   file.add({load, r | x, 0x1000, 0x401000, code_size, code_size, 0x1000});
//   file.put(0x1000, code, code_size);
//   std::span<const std::byte> bytes = file.bytes();

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace test_elf {

inline constexpr uint32_t load = 1, interp = 3, phdr = 6;
inline constexpr uint32_t r = 4, w = 2, x = 1;

struct ProgramHeader {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
};

class ElfFile {
public:
    static constexpr size_t capacity = 0x3000;
    static constexpr size_t max_headers = 24;

    uint16_t type = 2; // ET_EXEC
    uint64_t entry = 0x401000;
    size_t size = 0x400;

    void add(const ProgramHeader& header) { m_headers[m_count++] = header; }
    void insert_first(const ProgramHeader& header)
    {
        for (size_t i = m_count++; i > 0; --i)
            m_headers[i] = m_headers[i - 1];
        m_headers[0] = header;
    }
    void remove_last() { --m_count; }
    ProgramHeader& header(size_t i) { return m_headers[i]; }
    size_t header_count() const { return m_count; }
    void clear_headers() { m_count = 0; }
    // Bytes of a segment's contents at file offset `at`.
    void put(size_t at, const void* data, size_t length)
    {
        std::memcpy(m_contents + at, data, length);
        if (at + length > size)
            size = at + length;
    }

    // The file: the ELF header, the program headers at offset 64, and the
    // contents put() wrote (the headers win where they overlap).
    std::span<const std::byte> bytes()
    {
        std::memcpy(m_bytes, m_contents, sizeof m_bytes);
        const unsigned char ident[16] = {0x7F, 'E', 'L', 'F', 2, 1, 1};
        std::memcpy(m_bytes, ident, sizeof ident);
        store(16, type);
        store(18, uint16_t{62});
        store(20, uint32_t{1});
        store(24, entry);
        store(32, uint64_t{64});
        store(52, uint16_t{64});
        store(54, uint16_t{56});
        store(56, static_cast<uint16_t>(m_count));
        for (size_t i = 0; i < m_count; ++i) {
            const ProgramHeader& h = m_headers[i];
            const size_t at = 64 + 56 * i;
            store(at, h.type);
            store(at + 4, h.flags);
            store(at + 8, h.offset);
            store(at + 16, h.vaddr);
            store(at + 24, h.vaddr);
            store(at + 32, h.filesz);
            store(at + 40, h.memsz);
            store(at + 48, h.align);
        }
        return {m_bytes, size};
    }

private:
    template <typename T>
    void store(size_t at, T value)
    {
        if (at + sizeof value <= size)
            std::memcpy(m_bytes + at, &value, sizeof value);
    }

    ProgramHeader m_headers[max_headers] = {};
    size_t m_count = 0;
    std::byte m_contents[capacity] = {};
    std::byte m_bytes[capacity] = {};
};

} // namespace test_elf
