#pragma once
// The console as a file: what descriptors 0, 1 and 2 of a program name.
// Writes go to every console (COM1 and the VGA screen, core/console.h).
// It is a terminal: TCGETS and TIOCGWINSZ answer (user/file_system_calls).
// Reads get the lines typed at the keyboard or on COM1 (fs/terminal.h);
// before the terminal is started (test kernels), the end of input (0).

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
