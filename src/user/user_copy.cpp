#include "user/user_copy.h"
#include "user/elf.h"

extern "C" uint64_t user_copy_bytes(void* to, const void* from, uint64_t count);

namespace user {

std::string_view to_string(UserCopyError error)
{
    switch (error) {
    case UserCopyError::BadAddress: return "bad address (EFAULT)";
    }
    return "unknown user copy error";
}

bool is_user_range(UserAddress address, size_t size)
{
    uint64_t end;
    return !__builtin_add_overflow(address.value(), size, &end) && end <= elf::user_space_end;
}

kstd::Expected<void, UserCopyError> copy_from_user(void* to, UserAddress from, size_t size)
{
    if (!is_user_range(from, size))
        return kstd::unexpected(UserCopyError::BadAddress);
    // The user address as a pointer only for the copy, whose faults are caught.
    if (user_copy_bytes(to, reinterpret_cast<const void*>(from.value()), size) != 0)
        return kstd::unexpected(UserCopyError::BadAddress);
    return {};
}

kstd::Expected<void, UserCopyError> copy_to_user(UserAddress to, const void* from, size_t size)
{
    if (!is_user_range(to, size))
        return kstd::unexpected(UserCopyError::BadAddress);
    // As above: the pointer only for the copy, whose faults are caught.
    if (user_copy_bytes(reinterpret_cast<void*>(to.value()), from, size) != 0)
        return kstd::unexpected(UserCopyError::BadAddress);
    return {};
}

kstd::ErrorOr<size_t> copy_string_from_user(UserAddress from, std::span<char> buffer)
{
    size_t done = 0;
    while (done < buffer.size()) {
        // Up to the end of the page: the next page may not be mapped, and
        // the string may end before it.
        const uint64_t address = from.value() + done;
        const uint64_t page_left = 4096 - address % 4096;
        const size_t chunk = page_left < buffer.size() - done ? page_left : buffer.size() - done;
        if (!copy_from_user(buffer.data() + done, UserAddress(address), chunk))
            return kstd::unexpected(kstd::Errno::efault);
        for (size_t i = done; i < done + chunk; ++i) {
            if (buffer[i] == '\0')
                return i;
        }
        done += chunk;
    }
    return kstd::unexpected(kstd::Errno::enametoolong);
}

} // namespace user
