#pragma once
// A read-only file whose text was made when it was opened: what /proc's
// files are (user/proc_files.cpp). Reads and seeks move through that text;
// a later open sees the state of its own moment.

#include <new>
#include "fs/file.h"
#include "kstd/format.h"

namespace fs {

class TextFile final : public File {
public:
    static constexpr size_t capacity = 4096;

    // A new file; `write(sink)` fills it (cut at `capacity`).
    template <typename Writer>
    static kstd::ErrorOr<kstd::RefPtr<File>> make(uint64_t inode, Writer write)
    {
        auto* file = new (std::nothrow) TextFile(inode);
        if (file == nullptr)
            return kstd::unexpected(kstd::Errno::enomem);
        Sink sink(*file);
        write(static_cast<kstd::Sink&>(sink));
        return kstd::adopt<File>(file);
    }

    kstd::ErrorOr<size_t> read(std::span<std::byte> buffer) override;
    kstd::ErrorOr<uint64_t> seek(int64_t offset, int whence) override;
    FileType type() const override { return FileType::Regular; }
    uint64_t size() const override { return m_size; }
    uint64_t inode() const override { return m_inode; }

private:
    explicit TextFile(uint64_t inode) : m_inode(inode) {}
    struct Sink final : kstd::Sink {
        explicit Sink(TextFile& target) : file(target) {}
        void write(std::string_view text) override
        {
            for (char c : text) {
                if (file.m_size < capacity)
                    file.m_text[file.m_size++] = c;
            }
        }
        TextFile& file;
    };
    char m_text[capacity];
    size_t m_size = 0;
    uint64_t m_offset = 0; // reads through one description by two threads may race: good enough for /proc
    uint64_t m_inode;
};

} // namespace fs
