// libFuzzer harness for the PVH start_info parser (src/boot/pvh.cpp). The
// input is a small physical memory: its bytes sit at physical address
// `memory_base`, start_info is at that base, and the addresses inside it
// (command line, module list, memory map, module command lines) that point
// back into the input are followed. Everything else is unreadable, page 0
// included, as in QEMU's boot window a null pointer reads nothing.
//
// The sanitizers catch any read outside the input (libFuzzer hands over
// exactly `size` bytes of their own allocation); FUZZ_CHECK catches a parse
// that succeeds with a result the kernel could not trust.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include "boot/pvh.h"
#include "fuzz_check.h"

namespace {

using boot::BootInfo;

constexpr uint64_t memory_base = 0x1000;

class InputMemory final : public boot::PhysicalMemory {
public:
    explicit InputMemory(std::span<const std::byte> bytes) : m_bytes(bytes) {}

    std::span<const std::byte> read_up_to(arch::PhysAddr address, size_t limit) const override
    {
        if (address.value() < memory_base || address.value() - memory_base >= m_bytes.size())
            return {};
        const size_t offset = address.value() - memory_base;
        return m_bytes.subspan(offset, std::min(limit, m_bytes.size() - offset));
    }

    // The physical address of a byte inside the input.
    uint64_t physical(const char* at) const
    {
        return memory_base + static_cast<uint64_t>(reinterpret_cast<const std::byte*>(at) - m_bytes.data());
    }
    std::span<const std::byte> bytes() const { return m_bytes; }

private:
    std::span<const std::byte> m_bytes;
};

template <typename T>
T field(std::span<const std::byte> input, size_t offset)
{
    T value;
    std::memcpy(&value, input.data() + offset, sizeof value);
    return value;
}

bool valid_type(boot::MemoryType type)
{
    const auto value = static_cast<uint32_t>(type);
    return value >= 1 && value <= 5;
}

// [start, start + bytes) lies inside one of the ranges the parser kept.
bool is_kept(const BootInfo& out, uint64_t start, uint64_t bytes)
{
    return std::any_of(out.kept_ranges().begin(), out.kept_ranges().end(), [&](const boot::KeptRange& range) {
        return range.start.value() <= start && start + bytes <= range.end.value();
    });
}

// A string of the result: absent (null address), or the whole of a
// NUL-terminated string inside the memory whose bytes, NUL included, are kept.
bool string_inside(std::string_view text, const InputMemory& memory, const BootInfo& out)
{
    if (text.data() == nullptr)
        return text.empty();
    return fuzz::terminated_inside(text, memory.bytes()) && fuzz::is_c_string(text) &&
           is_kept(out, memory.physical(text.data()), text.size() + 1);
}

void check_success(const InputMemory& memory, BootInfo& out)
{
    const std::span<const std::byte> start = memory.bytes(); // start_info is at the base
    FUZZ_CHECK(out.protocol == boot::BootProtocol::Pvh, "the protocol is PVH");
    FUZZ_CHECK(out.total_size == boot::pvh_start_info_size, "total_size is start_info's size");
    FUZZ_CHECK(out.bootloader_name == "QEMU -kernel (PVH)", "the boot loader is named");

    FUZZ_CHECK(out.kept_count >= 1 && out.kept_count <= BootInfo::max_kept_ranges, "1 to 24 kept ranges");
    FUZZ_CHECK(out.kept[0].start.value() == memory_base && out.kept[0].end.value() == memory_base + 56,
               "start_info is kept first");
    for (const boot::KeptRange& range : out.kept_ranges()) {
        FUZZ_CHECK(range.start < range.end, "every kept range is non-empty and does not wrap");
        FUZZ_CHECK(range.start.value() >= memory_base && range.end.value() <= memory_base + memory.bytes().size(),
                   "every kept range is memory the parser read");
    }

#ifdef FUZZ_SELFTEST_BROKEN_INVARIANT
    // The self-test build (CTest fuzz.*_fires): a planted off-by-one, as if
    // read_string counted the NUL into the string. The check below must fire.
    if (!out.command_line.empty())
        out.command_line = std::string_view(out.command_line.data(), out.command_line.size() + 1);
#endif
    FUZZ_CHECK(string_inside(out.command_line, memory, out), "the command line is a whole, kept string");

    const uint32_t version = field<uint32_t>(start, 4);
    const uint32_t memmap_entries = field<uint32_t>(start, 48);
    const bool has_map = version >= 1 && memmap_entries > 0;
    FUZZ_CHECK(out.has_memory_map == has_map, "a memory map exactly when version >= 1 and it has entries");
    FUZZ_CHECK(out.memory_region_count == (has_map ? memmap_entries : 0), "every memory map entry is read");
    FUZZ_CHECK(out.memory_region_count <= BootInfo::max_memory_regions, "at most 128 memory regions");
    if (has_map)
        FUZZ_CHECK(is_kept(out, field<uint64_t>(start, 40), uint64_t{memmap_entries} * 24), "the memory map is kept");
    for (const boot::MemoryRegion& region : out.memory_map()) {
        FUZZ_CHECK(region.base.value() + region.length >= region.base.value(), "no region wraps around");
        FUZZ_CHECK(valid_type(region.type), "every region has a known type");
    }

    const uint64_t rsdp_paddr = field<uint64_t>(start, 32);
    FUZZ_CHECK(out.rsdp.has_value() == (rsdp_paddr != 0) &&
                   (!out.rsdp || (out.rsdp->address.value() == rsdp_paddr && out.rsdp->copy_size == 0)),
               "rsdp_paddr is carried as it is, unread");

    const uint32_t nr_modules = field<uint32_t>(start, 12);
    FUZZ_CHECK(out.module_count == nr_modules && out.module_count <= BootInfo::max_modules,
               "every module is read, at most 16");
    if (nr_modules > 0)
        FUZZ_CHECK(is_kept(out, field<uint64_t>(start, 16), uint64_t{nr_modules} * 32), "the module list is kept");
    for (const boot::BootModule& module : out.boot_modules()) {
        FUZZ_CHECK(module.start <= module.end, "no module ends before it starts (or wraps)");
        FUZZ_CHECK(string_inside(module.command_line, memory, out), "a module's command line is a whole, kept string");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const InputMemory memory(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
    BootInfo out;
    auto parsed = boot::parse_pvh(memory, arch::PhysAddr(memory_base), out);
    if (parsed) {
        check_success(memory, out);
    } else {
        fuzz::BufferSink sink;
        kstd::format_to(sink, "{}", parsed.error());
        FUZZ_CHECK(sink.size() > 0, "an error prints as text");
    }
    return 0;
}
