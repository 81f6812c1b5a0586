#include "user/proc_files.h"
#include <new>
#include <optional>
#include "arch/x86_64/tsc.h"
#include "drivers/pci.h"
#include "fs/text_file.h"
#include "fs/vfs.h"
#include "mem/physical_memory.h"
#include "sched/clock.h"
#include "user/process.h"

namespace user {

namespace {

using kstd::Errno;

// Inode numbers of /proc's files: fixed for the named ones, by pid for the rest.
constexpr uint64_t proc_inode = 0x1000, meminfo_inode = 0x1001, uptime_inode = 0x1002, self_inode = 0x1003,
                   mounts_inode = 0x1004, pci_inode = 0x1005;

std::optional<uint64_t> parse_pid(std::string_view text)
{
    if (text.empty() || text.size() > 18)
        return std::nullopt;
    uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return value;
}

std::optional<Process::Summary> find(uint64_t pid)
{
    Process::Summary all[Process::max_processes];
    const size_t count = Process::list(all);
    for (size_t i = 0; i < count; ++i) {
        if (all[i].pid == pid)
            return all[i];
    }
    return std::nullopt;
}

// A directory of fixed names, then (for /proc itself) one per process.
class ProcDirectory final : public fs::File {
public:
    ProcDirectory(uint64_t inode, bool lists_processes) : m_inode(inode), m_lists_processes(lists_processes) {}

    kstd::ErrorOr<bool> directory_entry(uint64_t index, fs::DirectoryEntry& entry) override
    {
        static constexpr std::string_view top[] = {".", "..", "meminfo", "uptime", "mounts", "pci", "self"};
        static constexpr std::string_view process_files[] = {".", "..", "stat", "cmdline", "exe", "mounts"};
        const std::span<const std::string_view> names =
            m_lists_processes ? std::span<const std::string_view>(top) : std::span<const std::string_view>(process_files);
        if (index < names.size()) {
            const fs::FileType type = index < 2                                       ? fs::FileType::Directory
                                      : names[index] == "self" || names[index] == "exe" ? fs::FileType::Symlink
                                                                                        : fs::FileType::Regular;
            entry = {names[index], m_inode + index, type};
            return true;
        }
        if (!m_lists_processes)
            return false;
        Process::Summary all[Process::max_processes];
        const size_t count = Process::list(all);
        const uint64_t at = index - names.size();
        if (at >= count)
            return false;
        // The name must outlive this call: it is kept in the file, one at a time.
        const size_t length = format_pid(all[at].pid);
        entry = {std::string_view(m_name, length), all[at].pid, fs::FileType::Directory};
        return true;
    }
    kstd::ErrorOr<uint64_t> seek(int64_t offset, int whence) override
    {
        if (whence == 1)
            offset += static_cast<int64_t>(m_position);
        if ((whence != 0 && whence != 1) || offset < 0)
            return kstd::unexpected(Errno::einval);
        m_position = static_cast<uint64_t>(offset);
        return m_position;
    }
    fs::FileType type() const override { return fs::FileType::Directory; }
    uint64_t inode() const override { return m_inode; }

private:
    size_t format_pid(uint64_t pid)
    {
        char digits[20];
        size_t count = 0;
        do {
            digits[count++] = static_cast<char>('0' + pid % 10);
            pid /= 10;
        } while (pid != 0);
        for (size_t i = 0; i < count; ++i)
            m_name[i] = digits[count - 1 - i];
        return count;
    }
    uint64_t m_inode;
    bool m_lists_processes;
    uint64_t m_position = 0;
    char m_name[20];
};

kstd::ErrorOr<kstd::RefPtr<fs::File>> directory(uint64_t inode, bool lists_processes)
{
    kstd::RefPtr<fs::File> file = kstd::adopt<fs::File>(new (std::nothrow) ProcDirectory(inode, lists_processes));
    if (!file)
        return kstd::unexpected(Errno::enomem);
    return file;
}

// /proc/mounts and /proc/<pid>/mounts (one mount table for every process):
// source, path, type, as Linux lists them.
kstd::ErrorOr<kstd::RefPtr<fs::File>> mounts_file()
{
    return fs::TextFile::make(mounts_inode, [](kstd::Sink& out) {
        fs::vfs::MountInfo mounts[fs::vfs::max_mounts];
        const size_t count = fs::vfs::mounts(mounts);
        for (size_t i = 0; i < count && i < fs::vfs::max_mounts; ++i)
            kstd::format_to(out, "{} {} {} rw 0 0\n", mounts[i].file_system->source(), mounts[i].path,
                            mounts[i].file_system->type_name());
    });
}

} // namespace

kstd::ErrorOr<kstd::RefPtr<fs::File>> open_proc(std::string_view path)
{
    if (path == "/proc")
        return directory(proc_inode, true);
    if (path == "/proc/meminfo") {
        return fs::TextFile::make(meminfo_inode, [](kstd::Sink& out) {
            const auto memory = mem::physical::statistics();
            kstd::format_to(out, "MemTotal:       {:>8} kB\nMemFree:        {:>8} kB\nMemAvailable:   {:>8} kB\n",
                            memory.total_frames * 4, memory.free_frames * 4, memory.free_frames * 4);
        });
    }
    if (path == "/proc/mounts")
        return mounts_file();
    if (path == "/proc/pci") {
        return fs::TextFile::make(pci_inode, [](kstd::Sink& out) { drivers::pci::print_devices(out); });
    }
    if (path == "/proc/uptime") {
        return fs::TextFile::make(uptime_inode, [](kstd::Sink& out) {
            const uint64_t ns = sched::now_ns();
            kstd::format_to(out, "{}.{:02} 0.00\n", ns / 1'000'000'000, ns / 10'000'000 % 100);
        });
    }
    if (!path.starts_with("/proc/"))
        return kstd::unexpected(Errno::enoent);
    std::string_view rest = path.substr(6);
    const size_t slash = rest.find('/');
    const std::string_view pid_text = rest.substr(0, slash);
    const std::string_view file = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    const std::optional<uint64_t> pid = pid_text == "self" ? std::optional(Process::current().pid()) : parse_pid(pid_text);
    if (!pid)
        return kstd::unexpected(Errno::enoent);
    const std::optional<Process::Summary> process = find(*pid);
    if (!process)
        return kstd::unexpected(Errno::enoent);
    if (file.empty())
        return directory(pid_text == "self" ? self_inode : *pid << 8, false);
    if (file == "cmdline") {
        return fs::TextFile::make((*pid << 8) | 2, [&](kstd::Sink& out) {
            char text[256];
            if (auto size = Process::copy_program_text(*pid, Process::ProgramText::CommandLine, text))
                out.write(std::string_view(text, *size));
        });
    }
    if (file == "mounts")
        return mounts_file();
    if (file != "stat")
        return kstd::unexpected(Errno::enoent);
    return fs::TextFile::make((*pid << 8) | 1, [&](kstd::Sink& out) {
        // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags
        // minflt cminflt majflt cmajflt utime stime cutime cstime priority
        // nice num_threads itrealvalue starttime vsize rss. Times in clock
        // ticks of 100 Hz (sysconf(_SC_CLK_TCK)).
        const auto frequency = arch::tsc::frequency_hz();
        const uint64_t hz = frequency ? *frequency : 0;
        const uint64_t ticks = hz != 0 ? process->cpu_ticks / (hz / 100) : 0;
        kstd::format_to(out, "{} ({}) {} {} {} {} 0 -1 0 0 0 0 0 {} 0 0 0 20 0 1 0 0 0 0\n", process->pid,
                        std::string_view(process->name), process->zombie ? 'Z' : process->sleeping ? 'S' : 'R', process->parent_pid,
                        process->group, process->group, ticks);
    });
}

kstd::ErrorOr<std::optional<std::string_view>> read_proc_link(std::string_view path, std::span<char> out)
{
    if (path == "/proc/self") {
        char digits[20];
        size_t count = 0;
        for (uint64_t pid = Process::current().pid(); pid != 0 || count == 0; pid /= 10)
            digits[count++] = static_cast<char>('0' + pid % 10);
        size_t written = 0;
        for (; written < count && written < out.size(); ++written)
            out[written] = digits[count - 1 - written];
        return std::optional(std::string_view(out.data(), written));
    }
    if (!path.starts_with("/proc/") || !path.ends_with("/exe"))
        return std::optional<std::string_view>();
    const std::string_view pid_text = path.substr(6, path.size() - 6 - 4);
    const std::optional<uint64_t> pid = pid_text == "self" ? std::optional(Process::current().pid()) : parse_pid(pid_text);
    if (!pid)
        return std::optional<std::string_view>();
    const std::optional<size_t> size = Process::copy_program_text(*pid, Process::ProgramText::Executable, out);
    if (!size)
        return kstd::unexpected(Errno::enoent);
    return std::optional(std::string_view(out.data(), *size));
}

kstd::ErrorOr<std::string_view> follow_proc_links(std::string_view path, std::span<char> out)
{
    if (!path.starts_with("/proc/") || !path.ends_with("/exe"))
        return path;
    const std::optional<std::string_view> target = TRY(read_proc_link(path, out));
    return target ? *target : path;
}

} // namespace user
