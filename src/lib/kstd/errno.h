#pragma once
// Error numbers, as <cerrno> has them in a hosted library (a freestanding
// one has none), spelt in lower case (Errno::ebadf) because hosted headers
// that a freestanding one may pull in define the upper-case names as
// macros: Linux's (include/uapi/asm-generic/errno-base.h and
// errno.h), since they are also our system calls' answers. A system call
// fails by returning minus one of these, and musl turns that into errno;
// the file layer returns them as values.
//
//   kstd::Expected<size_t, kstd::Errno> read(...);   // ... return kstd::unexpected(Errno::eagain);

#include <cstdint>
#include <string_view>
#include "kstd/expected.h"

namespace kstd {

enum class Errno : int64_t {
    eperm = 1, enoent = 2, esrch = 3, eintr = 4, eio = 5, e2big = 7, enoexec = 8, ebadf = 9, echild = 10,
    eagain = 11, enomem = 12, eacces = 13, efault = 14, ebusy = 16, eexist = 17, exdev = 18, enotblk = 15, enotdir = 20, eisdir = 21,
    einval = 22, enfile = 23, emfile = 24, enotty = 25, enodev = 19, efbig = 27, enospc = 28, espipe = 29, erofs = 30, epipe = 32, erange = 34,
    enametoolong = 36, enosys = 38, enotempty = 39, eloop = 40,
};

// "EFAULT", "EBADF", ...; "E?" for a value not listed.
std::string_view to_string(Errno error);

template <typename T>
using ErrorOr = Expected<T, Errno>;

} // namespace kstd
