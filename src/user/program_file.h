#pragma once
// A program's bytes for as long as a process runs it: the initial
// ramdisk's file in place (its bytes never change: fs::Vnode::
// immutable_contents), or a copy the kernel keeps. execve maps no page of
// the program: each is filled from here when it is first touched
// (MemoryMap::resolve_fault), in whichever process touches it, forked
// children included, as Linux maps a program's pages from its page cache.
//
//   auto program = MUST(user::ProgramFile::borrow(bytes_that_never_change));
//   process.exec(path, program, argv, envp, frame);

#include <cstddef>
#include <new>
#include <span>
#include <utility>
#include "kstd/errno.h"
#include "kstd/ref_ptr.h"
#include "kstd/vector.h"

namespace user {

class ProgramFile final : public kstd::RefCounted {
public:
    // Bytes that stay valid and unchanged for as long as the kernel runs.
    static kstd::ErrorOr<kstd::RefPtr<ProgramFile>> borrow(std::span<const std::byte> bytes)
    {
        return make(bytes, {});
    }
    // Bytes read into the kernel's heap, kept here.
    static kstd::ErrorOr<kstd::RefPtr<ProgramFile>> adopt(kstd::Vector<std::byte>&& bytes)
    {
        const std::span<const std::byte> view(bytes.span().data(), bytes.size());
        return make(view, std::move(bytes));
    }

    std::span<const std::byte> bytes() const { return m_bytes; }
    // Whether the bytes never change nor go (borrowed): its read-only
    // pages may then be shared by every process (user/program_page_cache.h).
    bool immortal() const { return m_owned.size() == 0; }

private:
    ProgramFile(std::span<const std::byte> bytes, kstd::Vector<std::byte>&& owned)
        : m_owned(std::move(owned)), m_bytes(bytes)
    {
    }
    static kstd::ErrorOr<kstd::RefPtr<ProgramFile>> make(std::span<const std::byte> bytes, kstd::Vector<std::byte>&& owned)
    {
        kstd::RefPtr<ProgramFile> file = kstd::adopt(new (std::nothrow) ProgramFile(bytes, std::move(owned)));
        if (!file)
            return kstd::unexpected(kstd::Errno::enomem);
        return file;
    }

    kstd::Vector<std::byte> m_owned; // empty when borrowed; m_bytes points into it otherwise
    std::span<const std::byte> m_bytes;
};

} // namespace user
