#include "fs/fat/fat_error.h"

namespace fs::fat {

std::string_view to_string(Problem problem)
{
    switch (problem) {
    case Problem::DeviceBlockSize: return "the device's block size is not 512 bytes";
    case Problem::BadJump: return "boot sector: no jump instruction at its start (not a FAT volume)";
    case Problem::BadBytesPerSector: return "boot sector: bytes per sector not 512, 1024, 2048 or 4096";
    case Problem::BadSectorsPerCluster: return "boot sector: sectors per cluster not a power of two up to 32 KiB clusters";
    case Problem::BadReservedSectors: return "boot sector: no reserved sectors";
    case Problem::BadFatCount: return "boot sector: FAT count not 1 or 2";
    case Problem::BadRootEntries: return "boot sector: root entry count does not fit the FAT type";
    case Problem::BadTotalSectors: return "boot sector: total sectors too few for the FATs and the root directory";
    case Problem::BadFatSize: return "boot sector: FAT size too small for the clusters";
    case Problem::BadSignature: return "boot sector: no 0x55 0xAA signature at offset 510";
    case Problem::BadRootCluster: return "boot sector: root directory cluster out of range";
    case Problem::BadFatType: return "boot sector: the cluster count's FAT type disagrees with the BPB";
    case Problem::Truncated: return "the device is smaller than the volume (truncated image)";
    case Problem::FatCopiesDiffer: return "the FAT copies differ";
    case Problem::ClusterOutOfRange: return "cluster number out of range";
    case Problem::ChainLoops: return "cluster chain loops";
    case Problem::ChainBroken: return "cluster chain runs into a free, reserved or bad cluster";
    case Problem::SizeBeyondChain: return "file size larger than its cluster chain";
    case Problem::BadDirectory: return "bad directory entry";
    case Problem::NotFound: return "no such file or directory";
    case Problem::NotADirectory: return "not a directory";
    case Problem::IsADirectory: return "is a directory";
    case Problem::AlreadyExists: return "already exists";
    case Problem::NotEmpty: return "directory not empty";
    case Problem::NoSpace: return "no free cluster left";
    case Problem::RootFull: return "the root directory is full";
    case Problem::InvalidName: return "a name FAT cannot hold";
    case Problem::FileTooLarge: return "file larger than FAT's 4 GiB - 1";
    case Problem::InvalidRename: return "a directory cannot move into itself";
    case Problem::OutOfMemory: return "out of memory";
    case Problem::Device: return "block device error";
    }
    return "unknown FAT problem";
}

void Error::set_path(std::string_view text)
{
    if (path_length != 0)
        return;
    if (text.empty())
        text = "/";
    const size_t length = text.size() < max_path ? text.size() : max_path;
    for (size_t i = 0; i < length; ++i)
        path[i] = text[i];
    path_length = static_cast<uint8_t>(length);
}

namespace {

// The path in quotes, a byte that is not printable ASCII as \xNN: it comes
// from the disk and goes to a console.
void write_path(kstd::Sink& sink, std::string_view path)
{
    sink.write("\"");
    size_t plain = 0;
    for (size_t i = 0; i < path.size(); ++i) {
        const auto c = static_cast<unsigned char>(path[i]);
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
            continue;
        sink.write(path.substr(plain, i - plain));
        kstd::format_to(sink, "\\x{:02x}", c);
        plain = i + 1;
    }
    sink.write(path.substr(plain));
    sink.write(path.size() == Error::max_path ? "\"..." : "\"");
}

} // namespace

void format_value(kstd::Sink& sink, const Error& error, const kstd::FormatSpec&)
{
    sink.write("FAT: ");
    const bool has_path = error.path_length != 0;
    switch (error.problem) {
    case Problem::ChainLoops:
        sink.write("cluster chain");
        if (has_path) {
            sink.write(" of ");
            write_path(sink, error.path_view());
        }
        kstd::format_to(sink, " loops at cluster {} (longer than the volume's {} clusters)", error.value,
                        error.limit);
        return;
    case Problem::ClusterOutOfRange:
        sink.write("cluster");
        if (has_path) {
            sink.write(" in ");
            write_path(sink, error.path_view());
        }
        kstd::format_to(sink, " out of range: {} (clusters are 2 to {})", error.value, error.limit);
        return;
    case Problem::ChainBroken:
        sink.write("cluster chain");
        if (has_path) {
            sink.write(" of ");
            write_path(sink, error.path_view());
        }
        kstd::format_to(sink, " runs into a free, reserved or bad cluster after cluster {} (FAT value {:#x})",
                        error.value, error.limit);
        return;
    case Problem::SizeBeyondChain:
        if (has_path) {
            write_path(sink, error.path_view());
            sink.write(": ");
        }
        kstd::format_to(sink, "file size {} larger than its cluster chain ({} bytes)", error.value, error.limit);
        return;
    case Problem::Truncated:
        kstd::format_to(sink, "the device has {} blocks, the volume needs {} (truncated image)", error.value,
                        error.limit);
        return;
    case Problem::FatCopiesDiffer:
        kstd::format_to(sink, "the FAT copies differ in sector {} of the FAT (byte {:#x})", error.value,
                        error.limit);
        return;
    case Problem::Device:
        kstd::format_to(sink, "{} at block {}", error.block, error.value);
        if (has_path) {
            sink.write(" reading ");
            write_path(sink, error.path_view());
        }
        return;
    default: break;
    }
    if (has_path) {
        write_path(sink, error.path_view());
        sink.write(": ");
    }
    sink.write(to_string(error.problem));
    switch (error.problem) {
    case Problem::BadBytesPerSector:
    case Problem::BadSectorsPerCluster:
    case Problem::BadFatCount:
    case Problem::BadRootEntries:
    case Problem::BadRootCluster:
    case Problem::DeviceBlockSize: kstd::format_to(sink, " ({})", error.value); break;
    case Problem::BadTotalSectors:
    case Problem::BadFatSize: kstd::format_to(sink, " ({}, need {})", error.value, error.limit); break;
    case Problem::BadFatType: kstd::format_to(sink, " ({} clusters)", error.value); break;
    case Problem::BadDirectory: kstd::format_to(sink, " (cluster {})", error.value); break;
    case Problem::FileTooLarge: kstd::format_to(sink, " ({} bytes)", error.value); break;
    default: break;
    }
}

} // namespace fs::fat
