#pragma once
// Loading a program: the segments of a parsed ELF image (user/elf.h) mapped
// into an address space with their protection, their file bytes copied and
// the rest zeroed, and a stack laid out as the System V ABI (AMD64
// supplement, 3.4 "Process Initialization") says a program finds it:
//
//   higher addresses   argument and environment strings (as many pages as
//                      they take, up to max_initial_stack), the program's
//                      path (AT_EXECFN's), "x86_64" (AT_PLATFORM's), 16
//                      random bytes (AT_RANDOM's), padding
//                      auxv: (type, value) pairs as Linux gives a static
//                      program (AT_PHDR ... AT_HWCAP ... AT_EXECFN), AT_NULL
//                      envp[0..n-1], NULL
//                      argv[0..argc-1], NULL
//   rsp ─────────────> argc                      (rsp 16-byte aligned)
//
// Pages are written through the direct map before they are mapped, so a
// code page is never writable in user space, not even while it loads.

#include <cstdint>
#include <span>
#include <string_view>
#include "kstd/expected.h"
#include "kstd/format.h"
#include "mem/address_space.h"
#include "user/elf.h"

namespace user {

// The auxiliary vector's types (Linux's include/uapi/linux/auxvec.h).
inline constexpr uint64_t at_null = 0, at_phdr = 3, at_phent = 4, at_phnum = 5, at_pagesz = 6, at_base = 7,
                          at_flags = 8, at_entry = 9, at_uid = 11, at_euid = 12, at_gid = 13, at_egid = 14,
                          at_platform = 15, at_hwcap = 16, at_clktck = 17, at_secure = 23, at_random = 25,
                          at_hwcap2 = 26, at_execfn = 31;

enum class LoadError : uint8_t {
    OutOfMemory,   // no frame for a page
    AlreadyMapped, // a page the program needs is in use
    StackTooSmall, // the arguments and environment do not fit the stack
};
std::string_view to_string(LoadError error);

// Whether load_program maps the segments' pages (a thread in the kernel's
// address space, the low-level tests), or leaves them to a process's
// memory map to fill as they are first touched (execve, user/program_file.h).
enum class SegmentLoading : bool { Now, OnFirstTouch };

struct LoadedProgram {
    uint64_t entry;
    uint64_t stack_pointer; // at argc
};

// The stack mapped at the start (the rest of the stack region is mapped as
// it is touched, for a process), and the most the initial stack (argv,
// envp, their strings and the auxiliary vector) may take: E2BIG past it.
// Linux allows a quarter of the stack limit (2 MiB of 8); 256 KiB is more
// than xargs asks of a Linux-sized ARG_MAX's 128 KiB default.
inline constexpr uint64_t stack_size = 64 * 1024;
inline constexpr size_t max_initial_stack = 256 * 1024;

// Maps `image`'s segments (its bytes from `file`) into `space` and a stack
// of stack_size below `stack_top` with argv and envp on it (`path`, the
// program's file, is AT_EXECFN; argv[0] when empty). On an error,
// what was mapped is unmapped again.
[[nodiscard]] kstd::Expected<LoadedProgram, LoadError> load_program(mem::AddressSpace& space,
                                                                    std::span<const std::byte> file,
                                                                    const elf::Image& image, uint64_t stack_top,
                                                                    std::span<const std::string_view> argv,
                                                                    std::span<const std::string_view> envp,
                                                                    std::string_view path = {},
                                                                    SegmentLoading loading = SegmentLoading::Now);
// A segment's page as the program starts with it, written into `bytes`
// (the page's 4 KiB): the file's bytes that fall in the page at `page`
// (those at addresses [file_start, file_end), from `file_offset` in the
// file), zeros around them. The loader's copy and the memory map's fill on
// first touch (user/memory_map.h) both make pages with it.
void fill_program_page(std::byte* bytes, uint64_t page, std::span<const std::byte> file, uint64_t file_start,
                       uint64_t file_end, uint64_t file_offset);

// Unmaps and frees what load_program mapped.
void unload_program(mem::AddressSpace& space, const elf::Image& image, uint64_t stack_top);

} // namespace user
