#include "fs/text_file.h"

namespace fs {

kstd::ErrorOr<size_t> TextFile::read(std::span<std::byte> buffer)
{
    if (m_offset >= m_size)
        return size_t{0};
    const size_t count = buffer.size() < m_size - m_offset ? buffer.size() : m_size - m_offset;
    __builtin_memcpy(buffer.data(), m_text + m_offset, count);
    m_offset += count;
    return count;
}

kstd::ErrorOr<uint64_t> TextFile::seek(int64_t offset, int whence)
{
    const int64_t base = whence == 0 ? 0 : whence == 1 ? static_cast<int64_t>(m_offset) : static_cast<int64_t>(m_size);
    if (whence < 0 || whence > 2 || offset < -base)
        return kstd::unexpected(kstd::Errno::einval);
    m_offset = static_cast<uint64_t>(base + offset);
    return m_offset;
}

} // namespace fs
