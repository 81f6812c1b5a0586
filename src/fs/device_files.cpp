#include "fs/device_files.h"
#include <new>
#include "fs/console_file.h"

namespace fs {

namespace {

class NullFile final : public File {
public:
    explicit NullFile(bool zeros) : m_zeros(zeros) {}
    kstd::ErrorOr<size_t> read(std::span<std::byte> buffer) override
    {
        if (!m_zeros)
            return size_t{0};
        __builtin_memset(buffer.data(), 0, buffer.size());
        return buffer.size();
    }
    kstd::ErrorOr<size_t> write(std::span<const std::byte> data) override { return data.size(); }
    kstd::ErrorOr<uint64_t> seek(int64_t, int) override { return uint64_t{0}; } // as Linux's: always 0
    FileType type() const override { return FileType::CharacterDevice; }

private:
    bool m_zeros;
};

} // namespace

kstd::ErrorOr<kstd::RefPtr<File>> open_device(Device device)
{
    if (device == Device::Console)
        return ConsoleFile::open();
    kstd::RefPtr<File> file = kstd::adopt<File>(new (std::nothrow) NullFile(device == Device::Zero));
    if (!file)
        return kstd::unexpected(kstd::Errno::enomem);
    return file;
}

} // namespace fs
