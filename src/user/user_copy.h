#pragma once
// Reading and writing user memory from the kernel. No kernel code
// dereferences a user pointer: it copies through these, which
// - refuse a range that is not wholly in user space (a kernel address, a
//   range that wraps or runs past user_space_end) without touching it, and
// - survive a fault on the way (a page that is not mapped, or not writable):
//   the copy stops there through the exception table
//   (arch/x86_64/exception_table.h).
// Either way the result is UserCopyError::BadAddress, EFAULT to user space.
// After a fault part of the destination may have been written.
//
//   char path[256];
//   TRY(user::copy_from_user(path, user::UserAddress(argument), sizeof path));
//
// SMAP (supervisor-mode access prevention) is not enabled yet; once it is,
// the copy brackets its access with STAC/CLAC.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <span>
#include "kstd/errno.h"
#include "kstd/expected.h"
#include "kstd/format.h"

namespace user {

// An address in user space, as a system call receives it: never a pointer
// the kernel may follow.
class UserAddress {
public:
    constexpr explicit UserAddress(uint64_t value) : m_value(value) {}
    constexpr uint64_t value() const { return m_value; }
    constexpr UserAddress operator+(uint64_t offset) const { return UserAddress(m_value + offset); }

private:
    uint64_t m_value;
};

enum class UserCopyError : uint8_t { BadAddress };
std::string_view to_string(UserCopyError error);

// Whether [address, address + size) lies in user space.
bool is_user_range(UserAddress address, size_t size);

[[nodiscard]] kstd::Expected<void, UserCopyError> copy_from_user(void* to, UserAddress from, size_t size);
[[nodiscard]] kstd::Expected<void, UserCopyError> copy_to_user(UserAddress to, const void* from, size_t size);

// A NUL-terminated string (a path, an argument) into `buffer`, NUL
// included; returns its length. EFAULT for a bad address, ENAMETOOLONG
// when no NUL comes within the buffer.
[[nodiscard]] kstd::ErrorOr<size_t> copy_string_from_user(UserAddress from, std::span<char> buffer);

} // namespace user
