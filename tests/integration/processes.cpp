// Processes: each program runs in an address space of its own (the same
// user addresses in two processes are different memory), and when it ends
// every frame it had comes back: after 1,000 spawn and wait cycles the free
// frames and the heap are exactly as before.

#include <cstring>
#include "ktest/binary.h"
#include "ktest/ktest.h"
#include "mem/kernel_heap.h"
#include "mem/physical_memory.h"
#include "tests/elf_builder.h"
#include "user/process.h"
#include "user/system_calls.h"

KTEST_INIT_STAGE(Everything);

namespace {

using test_elf::load, test_elf::r, test_elf::w, test_elf::x;

constexpr uint8_t exit_with_edi[] = {0xB8, 60, 0, 0, 0, 0x0F, 0x05}; // mov eax, 60; syscall

// A program file: `code` at 0x401000, then exit(edi); a data page at 0x402000.
std::span<const std::byte> program(std::span<const uint8_t> code)
{
    static test_elf::ElfFile file;
    file = test_elf::ElfFile{};
    file.entry = 0x401000;
    uint8_t text[256];
    std::memcpy(text, code.data(), code.size());
    std::memcpy(text + code.size(), exit_with_edi, sizeof exit_with_edi);
    const size_t size = code.size() + sizeof exit_with_edi;
    file.add({load, r | x, 0x1000, 0x401000, size, size, 0x1000});
    file.add({load, r | w, 0x2000, 0x402000, 4, 0x1000, 0x1000});
    file.put(0x1000, text, size);
    const uint32_t data = 0;
    file.put(0x2000, &data, sizeof data);
    return file.bytes();
}

constexpr std::string_view one[] = {"a"};
constexpr std::string_view three[] = {"b", "c", "d"};

} // namespace

KTEST(process, a_program_runs_in_its_own_address_space_and_exits)
{
    const uint8_t code[] = {0x48, 0x8B, 0x3C, 0x24}; // mov rdi, [rsp]: argc
    user::Process* process = MUST(user::Process::spawn("argc", program(code), three, {}));
    EXPECT_GT(process->pid(), 0u);
    EXPECT_EQ(user::Process::wait(process), 3);
}

KTEST(process, two_processes_at_the_same_addresses_do_not_share_memory)
{
    // mov rax, [rsp] (argc); mov [0x402000], eax; then spin 2 million times
    // (the timer switches between the two meanwhile); mov edi, [0x402000].
    const uint8_t code[] = {0x48, 0x8B, 0x04, 0x24, 0x89, 0x04, 0x25, 0x00, 0x20, 0x40, 0x00,
                            0xB9, 0x80, 0x84, 0x1E, 0x00, 0xFF, 0xC9, 0x75, 0xFC,
                            0x8B, 0x3C, 0x25, 0x00, 0x20, 0x40, 0x00};
    user::Process* first = MUST(user::Process::spawn("first", program(code), one, {}));
    user::Process* second = MUST(user::Process::spawn("second", program(code), three, {}));
    EXPECT_EQ(user::Process::wait(first), 1, "it read back what it wrote, not the other's");
    EXPECT_EQ(user::Process::wait(second), 3);
}

KTEST(process, a_thousand_spawns_and_waits_give_back_every_frame_and_byte)
{
    const uint8_t code[] = {0x31, 0xFF}; // xor edi, edi
    const std::span<const std::byte> file = program(code);
    // First the heap's steady state: in a test kernel KASAN's quarantine keeps
    // the last 256 freed blocks, and the heap maps frames to make up for them.
    for (int i = 0; i < 300; ++i)
        ASSERT_EQ(user::Process::wait(MUST(user::Process::spawn("warm-up", file, one, {}))), 0);
    const uint64_t free_frames = mem::physical::statistics().free_frames;
    const auto heap = mem::kernel_heap::statistics().heap;
    const uint64_t heap_mapped = mem::kernel_heap::statistics().mapped_bytes;
    for (int i = 0; i < 1000; ++i)
        ASSERT_EQ(user::Process::wait(MUST(user::Process::spawn("cycle", file, one, {}))), 0, "cycle {}", i);
    EXPECT_EQ(mem::physical::statistics().free_frames, free_frames);
    EXPECT_EQ(mem::kernel_heap::statistics().heap.live_allocations, heap.live_allocations);
    EXPECT_EQ(mem::kernel_heap::statistics().heap.used_bytes, heap.used_bytes);
    EXPECT_EQ(mem::kernel_heap::statistics().mapped_bytes, heap_mapped);
}

KTEST(process, a_program_that_faults_ends_and_gives_its_frames_back)
{
    const uint8_t code[] = {0x0F, 0x0B}; // ud2
    const std::span<const std::byte> file = program(code);
    ASSERT_EQ(user::Process::wait(MUST(user::Process::spawn("faulty", file, one, {}))), user::fault_exit_status(6));
    const uint64_t free_frames = mem::physical::statistics().free_frames;
    EXPECT_EQ(user::Process::wait(MUST(user::Process::spawn("faulty", file, one, {}))), user::fault_exit_status(6));
    EXPECT_EQ(mem::physical::statistics().free_frames, free_frames);
}

KTEST(process, a_file_that_is_not_a_program_is_refused_with_the_reason)
{
    const std::byte junk[64] = {};
    auto process = user::Process::spawn("junk", junk, one, {});
    ASSERT_FALSE(process.has_value());
    kstd::StringBuffer<128> text;
    kstd::format_to(text, "{}", process.error());
    EXPECT_STREQ(text.view(), "not a program we can run: ELF: not an ELF file (no \\x7fELF magic)");
}
