// The PVH start_info parser: QEMU's layout parsed exactly, each malformation
// with its message, and random corruption of every structure (which must give
// an error or a result, never a bad read: the sanitizers watch every byte,
// and the fake memory hands out exactly the bytes that exist).

#include <gtest/gtest.h>
#include "formatted_text.h"
#include <cstring>
#include <map>
#include <string>
#include <vector>
#include "boot/pvh.h"
#include "test_seed.h"

namespace {

using boot::BootInfo;
using boot::MemoryType;

// Physical memory made of separate pieces, as QEMU's option ROM leaves them.
class FakeMemory final : public boot::PhysicalMemory {
public:
    void place(uint64_t address, std::vector<std::byte> bytes) { m_pieces[address] = std::move(bytes); }
    std::vector<std::byte>& piece(uint64_t address) { return m_pieces.at(address); }

    std::span<const std::byte> read_up_to(arch::PhysAddr address, size_t limit) const override
    {
        auto it = m_pieces.upper_bound(address.value());
        if (it == m_pieces.begin())
            return {};
        --it;
        const uint64_t offset = address.value() - it->first;
        if (offset >= it->second.size())
            return {};
        return std::span<const std::byte>(it->second).subspan(offset, std::min<size_t>(limit, it->second.size() - offset));
    }

private:
    std::map<uint64_t, std::vector<std::byte>> m_pieces;
};

void put(std::vector<std::byte>& bytes, size_t offset, uint64_t value, size_t size)
{
    if (bytes.size() < offset + size)
        bytes.resize(offset + size);
    std::memcpy(bytes.data() + offset, &value, size);
}

std::vector<std::byte> string_bytes(std::string_view text)
{
    std::vector<std::byte> bytes;
    for (char c : text)
        bytes.push_back(static_cast<std::byte>(c));
    bytes.push_back(std::byte{0});
    return bytes;
}

constexpr uint64_t start_at = 0x6000;
constexpr uint64_t cmdline_at = 0x20000;
constexpr uint64_t memmap_at = 0x7000;
constexpr uint64_t modlist_at = 0x8000;
constexpr uint64_t module_cmdline_at = 0x9000;

// What QEMU 7.2 gives a 128 MiB machine booted with -kernel -append -initrd.
FakeMemory qemu_like(uint32_t version = 1)
{
    FakeMemory memory;
    std::vector<std::byte> start(56);
    put(start, 0, boot::pvh_start_info_magic, 4);
    put(start, 4, version, 4);
    put(start, 12, 1, 4);               // nr_modules
    put(start, 16, modlist_at, 8);
    put(start, 24, cmdline_at, 8);
    put(start, 32, 0xF5A00, 8);         // rsdp
    put(start, 40, memmap_at, 8);
    put(start, 48, 3, 4);               // memmap_entries
    memory.place(start_at, start);
    memory.place(cmdline_at, string_bytes("ktest.filter=pvh.* heap=linked"));
    std::vector<std::byte> map;
    const uint64_t regions[3][3] = {{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0x100000, 0x7EE0000, 1}};
    for (size_t i = 0; i < 3; ++i) {
        put(map, i * 24, regions[i][0], 8);
        put(map, i * 24 + 8, regions[i][1], 8);
        put(map, i * 24 + 16, regions[i][2], 4);
        put(map, i * 24 + 20, 0, 4);
    }
    memory.place(memmap_at, map);
    std::vector<std::byte> modules(32);
    put(modules, 0, 0x7F00000, 8);
    put(modules, 8, 0x1234, 8);
    put(modules, 16, module_cmdline_at, 8);
    memory.place(modlist_at, modules);
    memory.place(module_cmdline_at, string_bytes("initrd.tar"));
    return memory;
}

std::string error_of(const FakeMemory& memory)
{
    BootInfo info;
    auto parsed = boot::parse_pvh(memory, arch::PhysAddr(start_at), info);
    if (parsed)
        return "";
    return formatted_text(parsed.error());
}

TEST(Pvh, parses_what_qemu_gives)
{
    const FakeMemory memory = qemu_like();
    BootInfo info;
    ASSERT_TRUE(boot::parse_pvh(memory, arch::PhysAddr(start_at), info).has_value());
    EXPECT_EQ(info.protocol, boot::BootProtocol::Pvh);
    EXPECT_EQ(info.command_line, "ktest.filter=pvh.* heap=linked");
    ASSERT_TRUE(info.has_memory_map);
    ASSERT_EQ(info.memory_region_count, 3u);
    EXPECT_EQ(info.memory_regions[1].type, MemoryType::Reserved);
    EXPECT_EQ(info.memory_regions[2].base.value(), 0x100000u);
    EXPECT_EQ(info.usable_bytes(), 0x9FC00u + 0x7EE0000u);
    ASSERT_EQ(info.module_count, 1u);
    EXPECT_EQ(info.modules[0].start.value(), 0x7F00000u);
    EXPECT_EQ(info.modules[0].end.value(), 0x7F01234u);
    EXPECT_EQ(info.modules[0].command_line, "initrd.tar");
    // start_info, command line, module list, module command line, memory map.
    ASSERT_EQ(info.kept_count, 5u);
    EXPECT_EQ(info.kept[0].start.value(), start_at);
    EXPECT_EQ(info.kept[0].end.value(), start_at + 56);
    EXPECT_EQ(info.kept[1].end.value(), cmdline_at + 31);
}

TEST(Pvh, carries_the_rsdp_address_unread)
{
    FakeMemory memory = qemu_like();
    BootInfo info;
    ASSERT_TRUE(boot::parse_pvh(memory, arch::PhysAddr(start_at), info).has_value());
    ASSERT_TRUE(info.rsdp.has_value());
    EXPECT_EQ(info.rsdp->origin, boot::RsdpOrigin::PvhAddress);
    EXPECT_EQ(info.rsdp->address.value(), 0xF5A00u); // not in the fake memory: the parser does not read it
    EXPECT_EQ(info.rsdp->copy_size, 0u);
    EXPECT_EQ(info.kept_count, 5u);                  // and does not keep it

    put(memory.piece(start_at), 32, 0, 8); // rsdp_paddr 0: none
    ASSERT_TRUE(boot::parse_pvh(memory, arch::PhysAddr(start_at), info).has_value());
    EXPECT_FALSE(info.rsdp.has_value());
}

TEST(Pvh, version_zero_has_no_memory_map_and_null_strings_are_empty)
{
    FakeMemory memory = qemu_like(0);
    put(memory.piece(start_at), 24, 0, 8);  // no command line
    put(memory.piece(start_at), 12, 0, 4);  // no modules
    BootInfo info;
    ASSERT_TRUE(boot::parse_pvh(memory, arch::PhysAddr(start_at), info).has_value());
    EXPECT_FALSE(info.has_memory_map);
    EXPECT_EQ(info.command_line, "");
    EXPECT_EQ(info.module_count, 0u);
}

TEST(Pvh, each_malformation_says_what_and_where)
{
    {
        FakeMemory memory;
        EXPECT_EQ(error_of(memory), "start_info is not in readable memory (start_info = 0x6000)");
    }
    {
        FakeMemory memory = qemu_like();
        put(memory.piece(start_at), 0, 0x12345678, 4);
        EXPECT_EQ(error_of(memory), "start_info magic is not 0x336ec578 (magic = 0x12345678)");
    }
    {
        FakeMemory memory = qemu_like();
        put(memory.piece(start_at), 48, 129, 4);
        EXPECT_EQ(error_of(memory), "memory map has more entries than the kernel keeps (128) (memmap_entries = 0x81)");
    }
    {
        FakeMemory memory = qemu_like();
        put(memory.piece(start_at), 48, 4, 4);  // one entry more than there are bytes
        EXPECT_EQ(error_of(memory), "table is not in readable memory (memmap_paddr = 0x7000)");
    }
    {
        FakeMemory memory = qemu_like();
        put(memory.piece(start_at), 40, ~uint64_t{0} - 8, 8);
        EXPECT_EQ(error_of(memory), "table wraps around the end of the address space (memmap_paddr = 0xfffffffffffffff7)");
    }
    {
        FakeMemory memory = qemu_like();
        put(memory.piece(memmap_at), 24 + 8, ~uint64_t{0}, 8);
        EXPECT_EQ(error_of(memory),
                  "memory region wraps around the end of the address space (memmap entry = 0x9fc00, entry 1)");
    }
    {
        FakeMemory memory = qemu_like();
        put(memory.piece(start_at), 12, 17, 4);
        EXPECT_EQ(error_of(memory), "more boot modules than the kernel keeps (16) (nr_modules = 0x11)");
    }
    {
        FakeMemory memory = qemu_like();
        put(memory.piece(start_at), 16, 0, 8);
        EXPECT_EQ(error_of(memory), "table address is null (modlist_paddr = 0x0)");
    }
    {
        FakeMemory memory = qemu_like();
        memory.piece(module_cmdline_at).back() = std::byte{'x'};
        EXPECT_EQ(error_of(memory), "string is not NUL-terminated before readable memory ends "
                                    "(module cmdline_paddr = 0x9000, entry 0)");
    }
    {
        FakeMemory memory = qemu_like();
        memory.place(cmdline_at, std::vector<std::byte>(5000, std::byte{'a'}));
        EXPECT_EQ(error_of(memory), "string is longer than 4096 bytes (cmdline_paddr = 0x20000)");
    }
    {
        FakeMemory memory = qemu_like();
        put(memory.piece(start_at), 24, 0x50000, 8);
        EXPECT_EQ(error_of(memory), "string is not in readable memory (cmdline_paddr = 0x50000)");
    }
}

// Random bytes over every field of every structure: an error or a result,
// and a result's strings and regions always inside the fake memory.
TEST(Pvh, random_corruption_never_reads_out_of_bounds)
{
    host_test::Random random(host_test::test_seed("Pvh.random_corruption_never_reads_out_of_bounds"));
    const uint64_t pieces[] = {start_at, memmap_at, modlist_at, cmdline_at, module_cmdline_at};
    size_t parsed = 0;
    for (int round = 0; round < 20000; ++round) {
        FakeMemory memory = qemu_like(host_test::uniform<uint32_t>(random, 0, 2));
        const int flips = host_test::uniform(random, 1, 4);
        for (int i = 0; i < flips; ++i) {
            auto& bytes = memory.piece(pieces[host_test::uniform<size_t>(random, 0, 4)]);
            const size_t at = host_test::uniform<size_t>(random, 0, bytes.size() - 1);
            // Small numbers are likelier to be accepted and then used.
            bytes[at] = static_cast<std::byte>(host_test::uniform(random, 0, 3) == 0
                                                   ? host_test::uniform(random, 0, 255)
                                                   : host_test::uniform(random, 0, 4));
        }
        BootInfo info;
        if (boot::parse_pvh(memory, arch::PhysAddr(start_at), info)) {
            ++parsed;
            ASSERT_LE(info.memory_region_count, BootInfo::max_memory_regions);
            ASSERT_LE(info.module_count, BootInfo::max_modules);
            for (char c : info.command_line)
                ASSERT_NE(c, '\0');
        }
    }
    EXPECT_GT(parsed, 0u);
}

} // namespace
