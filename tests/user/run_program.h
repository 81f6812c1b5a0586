#pragma once
// For the user-label test kernels: run a program from the initial ramdisk
// (CTest boots these kernels with `-initrd build/user/initrd.cpio`) and
// collect what it wrote to descriptors 1 and 2 (through a pipe) and how it
// ended.
//
//   const ProgramRun run = run_program("/bin/hello", {"hello", "x"});
//   EXPECT_EQ(run.status, 0);
//   EXPECT_TRUE(run.output_contains("hello from"));

#include <initializer_list>
#include <string_view>
#include "core/print.h"
#include "fs/console_file.h"
#include "fs/vfs.h"
#include "fs/pipe.h"
#include "ktest/ktest.h"
#include "user/process.h"

namespace user_tests {

struct ProgramRun {
    int status = -1;          // the exit code, or 128 + the signal that ended it
    char output[8192] = {};   // what it wrote to 1 and 2, cut at the size
    size_t size = 0;
    bool output_contains(std::string_view text) const
    {
        return std::string_view(output, size).find(text) != std::string_view::npos;
    }
};

// Runs `path` with `argv` (and HOME=/ in its environment), its output into
// a pipe the kernel reads until the program and its children close it.
inline void run_program(ProgramRun& run, std::string_view path, std::initializer_list<std::string_view> argv)
{
    auto file = fs::vfs::read_file(path, 64ull << 20);
    ASSERT_TRUE(file.has_value(), "the program is in the initial ramdisk");
    auto ends = MUST(fs::Pipe::create());
    const std::string_view envp[] = {"HOME=/", "PATH=/bin"};
    auto process = [&] {
        // Standard input: the console, whose reads find the end for now.
        const kstd::RefPtr<fs::File> standard[] = {MUST(fs::ConsoleFile::open()), ends.writer, ends.writer};
        return user::Process::spawn(path, file->span(), {argv.begin(), argv.size()}, envp, standard);
    }();
    ASSERT_TRUE(process.has_value(), "the program starts");
    ends.writer = nullptr; // the program's descriptors hold the only write end now
    run.size = 0;
    for (;;) {
        std::byte chunk[256];
        auto got = MUST(ends.reader->read(chunk));
        if (got == 0)
            break;
        for (size_t i = 0; i < got && run.size < sizeof run.output; ++i)
            run.output[run.size++] = static_cast<char>(chunk[i]);
    }
    run.status = user::Process::wait(*process);
    // Into the log too, for whoever reads a failure.
    core::println("{}: exit status {}, output:\n{}", path, run.status, std::string_view(run.output, run.size));
}

} // namespace user_tests
