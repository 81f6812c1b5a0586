#pragma once
// The console as a file: what descriptors 0, 1 and 2 of a program name.
// It is the terminal (fs/terminal.h): writes go through its output
// processing to every console (COM1 and the screen, core/console.h), reads
// get what was typed at the keyboard or on COM1 as its line discipline says;
// before the terminal is started (test kernels), the end of input (0). Its
// ioctls are in user/file_system_calls.cpp.

#include "fs/file.h"

namespace fs {

class ConsoleFile final : public File {
public:
    // A new open console (ENOMEM if the heap has no room).
    static kstd::ErrorOr<kstd::RefPtr<File>> open();

    kstd::ErrorOr<size_t> read(std::span<std::byte> buffer) override;
    kstd::ErrorOr<size_t> write(std::span<const std::byte> data) override;
    FileType type() const override { return FileType::CharacterDevice; }
    bool is_terminal() const override { return true; }
    Readiness readiness() override;
};

} // namespace fs
