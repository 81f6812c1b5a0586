#pragma once
// The pages of programs that never change, shared by every process that
// runs them: a read-only page of a program from the initial ramdisk (text,
// rodata) is filled once, kept here, and mapped into each process that
// touches it, as Linux maps a program's page-cache pages into every run.
//
//   fault in a read-only program region ──> frame_for(...) ──> a kept frame, shared
//                                                          └─> or a new one, filled, kept
//
// Not only memory: under QEMU's TCG, a frame written again in every run
// makes QEMU drop and redo its translations of the code on it; busybox's
// fork+exec+exit went from 13.5 ms to about 0.8 ms (docs/performance.md).
//
// A kept frame carries one reference of the cache's own, so it is never
// freed; each mapping adds one (mem::physical::share) and unmapping gives
// it back. A process that makes such a page writable (mprotect) gets it
// copy-on-write (AddressSpace::protect), never the shared frame. The
// cache holds at most max_pages frames, about the initial ramdisk's size;
// past that, pages are filled per process as before.

#include <cstddef>
#include <cstdint>
#include "arch/x86_64/address.h"
#include <optional>

namespace user::program_page_cache {

inline constexpr size_t max_pages = 4096; // 16 MiB of frames at most

// What makes two faults want the same page: the same file bytes at the
// same user address, with the same segment around it.
struct Key {
    const std::byte* bytes;
    uint64_t page, file_start, file_end, file_offset;
    bool operator==(const Key&) const = default;
};

using Fill = void (*)(std::byte* page, const void* context);

// The frame of `key`'s page, its reference count raised for the caller's
// mapping: kept already, or allocated now, filled by `fill(page, context)`
// through the direct map, and kept (when the cache is full: not kept, the
// caller's alone). Nothing without a free frame. Only for a file whose
// bytes never change (ProgramFile::immortal).
[[nodiscard]] std::optional<arch::PhysAddr> frame_for(const Key& key, Fill fill, const void* context);

// How many frames the cache keeps (the frame-count checks of tests).
size_t kept_frames();

} // namespace user::program_page_cache
