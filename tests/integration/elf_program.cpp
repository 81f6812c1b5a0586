// ELF programs end to end: a file built in memory is parsed (user/elf.h),
// loaded (user/program_loader.h: segments mapped with their protection, the
// System V initial stack with argv, envp and the auxiliary vector) and run
// in ring 3; each program's exit status reports what it found.

#include <cstring>
#include "arch/x86_64/user_mode.h"
#include "ktest/binary.h"
#include "ktest/ktest.h"
#include "mem/kernel_address_space.h"
#include "mem/physical_memory.h"
#include "sched/thread.h"
#include "tests/elf_builder.h"
#include "user/program_loader.h"

KTEST_INIT_STAGE(Everything);

namespace {

using test_elf::load, test_elf::r, test_elf::w, test_elf::x;

constexpr uint64_t stack_top = 0x7FF0'0000;
constexpr uint8_t exit_with_edi[] = {0xB8, 60, 0, 0, 0, 0x0F, 0x05}; // mov eax, 60; syscall

// A program: `code` at 0x401000 (read+execute), 4 bytes of data holding 41
// at 0x402000, then bss up to 0x404000 (read+write).
test_elf::ElfFile& program(std::span<const uint8_t> code)
{
    static test_elf::ElfFile file;
    file = test_elf::ElfFile{};
    file.entry = 0x401000;
    file.add({load, r | x, 0x1000, 0x401000, code.size(), code.size(), 0x1000});
    file.add({load, r | w, 0x2000, 0x402000, 4, 0x2000, 0x1000});
    file.put(0x1000, code.data(), code.size());
    const uint32_t data = 41;
    file.put(0x2000, &data, sizeof data);
    return file;
}

// Parses, loads and runs `file` with `argv` and `envp`; unloads it after.
int run(test_elf::ElfFile& file, std::span<const std::string_view> argv, std::span<const std::string_view> envp)
{
    const std::span<const std::byte> bytes = file.bytes();
    const user::elf::Image image = MUST(user::elf::parse(bytes));
    mem::AddressSpace& space = mem::kernel_address_space();
    static user::LoadedProgram loaded;
    loaded = MUST(user::load_program(space, bytes, image, stack_top, argv, envp));
    auto enter = [](void*) -> int { arch::enter_user_mode(loaded.entry, loaded.stack_pointer); };
    const int status = sched::join(*MUST(sched::Thread::create("program", enter, nullptr)));
    user::unload_program(space, image, stack_top);
    return status;
}

constexpr std::string_view three_arguments[] = {"prog", "kestrel", "x"};
constexpr std::string_view one_variable[] = {"PATH=/bin"};

template <size_t N>
std::span<const uint8_t> with_exit(const uint8_t (&prefix)[N], uint8_t (&buffer)[N + sizeof exit_with_edi])
{
    std::memcpy(buffer, prefix, N);
    std::memcpy(buffer + N, exit_with_edi, sizeof exit_with_edi);
    return buffer;
}

} // namespace

KTEST(elf_program, argc_is_at_the_stack_pointer)
{
    const uint8_t code[] = {0x48, 0x8B, 0x3C, 0x24}; // mov rdi, [rsp]
    uint8_t buffer[sizeof code + sizeof exit_with_edi];
    EXPECT_EQ(run(program(with_exit(code, buffer)), three_arguments, one_variable), 3);
}

KTEST(elf_program, argv_strings_are_on_the_stack)
{
    // mov rax, [rsp + 16] (argv[1]); movzx edi, byte [rax + 1]: 'e' of "kestrel".
    const uint8_t code[] = {0x48, 0x8B, 0x44, 0x24, 0x10, 0x0F, 0xB6, 0x78, 0x01};
    uint8_t buffer[sizeof code + sizeof exit_with_edi];
    EXPECT_EQ(run(program(with_exit(code, buffer)), three_arguments, one_variable), 'e');
}

KTEST(elf_program, envp_follows_argv_and_its_null)
{
    // mov rcx, [rsp]; mov rax, [rsp + rcx*8 + 16] (envp[0]); movzx edi, byte [rax]: 'P'.
    const uint8_t code[] = {0x48, 0x8B, 0x0C, 0x24, 0x48, 0x8B, 0x44, 0xCC, 0x10, 0x0F, 0xB6, 0x38};
    uint8_t buffer[sizeof code + sizeof exit_with_edi];
    EXPECT_EQ(run(program(with_exit(code, buffer)), three_arguments, one_variable), 'P');
}

KTEST(elf_program, the_stack_pointer_is_16_byte_aligned)
{
    const uint8_t code[] = {0x48, 0x89, 0xE7, 0x83, 0xE7, 0x0F, 0x83, 0xC7, 0x20}; // mov rdi, rsp; and edi, 15; add edi, 32
    uint8_t buffer[sizeof code + sizeof exit_with_edi];
    EXPECT_EQ(run(program(with_exit(code, buffer)), three_arguments, one_variable), 32);
    constexpr std::string_view two[] = {"prog", "one"};
    EXPECT_EQ(run(program(with_exit(code, buffer)), two, {}), 32, "with the other parity of words");
}

KTEST(elf_program, data_is_loaded_and_bss_is_zero)
{
    // mov edi, [0x402000] (41); add edi, [0x402ffc] (bss in the data page); add edi, [0x403800] (bss page).
    const uint8_t code[] = {0x8B, 0x3C, 0x25, 0x00, 0x20, 0x40, 0x00, 0x03, 0x3C, 0x25, 0xFC, 0x2F, 0x40, 0x00,
                            0x03, 0x3C, 0x25, 0x00, 0x38, 0x40, 0x00};
    uint8_t buffer[sizeof code + sizeof exit_with_edi];
    EXPECT_EQ(run(program(with_exit(code, buffer)), three_arguments, one_variable), 41);
}

KTEST(elf_program, the_auxiliary_vector_gives_the_entry_point)
{
    // rsi = &argv[argc + 1] (envp); skip to its NULL; then walk (type, value)
    // pairs to AT_ENTRY (9); exit with value - 0x401000 + 1 (1 if right).
    const uint8_t code[] = {
        0x48, 0x8B, 0x0C, 0x24,             // mov rcx, [rsp]
        0x48, 0x8D, 0x74, 0xCC, 0x10,       // lea rsi, [rsp + rcx*8 + 16]
        0x48, 0x83, 0x3E, 0x00,             // .env: cmp qword [rsi], 0
        0x48, 0x8D, 0x76, 0x08,             //       lea rsi, [rsi + 8]
        0x75, 0xF6,                         //       jne .env
        0x48, 0x83, 0x3E, 0x09,             // .aux: cmp qword [rsi], 9
        0x74, 0x06,                         //       je .found
        0x48, 0x83, 0xC6, 0x10,             //       add rsi, 16
        0xEB, 0xF4,                         //       jmp .aux
        0x48, 0x8B, 0x7E, 0x08,             // .found: mov rdi, [rsi + 8]
        0x48, 0x81, 0xEF, 0xFF, 0x0F, 0x40, 0x00, // sub rdi, 0x400fff
    };
    uint8_t buffer[sizeof code + sizeof exit_with_edi];
    EXPECT_EQ(run(program(with_exit(code, buffer)), three_arguments, one_variable), 1);
}

KTEST(elf_program, loading_and_unloading_gives_every_frame_back)
{
    const uint8_t code[] = {0x31, 0xFF}; // xor edi, edi
    uint8_t buffer[sizeof code + sizeof exit_with_edi];
    test_elf::ElfFile& file = program(with_exit(code, buffer));
    EXPECT_EQ(run(file, three_arguments, one_variable), 0); // the page tables exist from here on
    const uint64_t free_before = mem::physical::statistics().free_frames;
    for (int i = 0; i < 20; ++i)
        ASSERT_EQ(run(file, three_arguments, one_variable), 0);
    EXPECT_EQ(mem::physical::statistics().free_frames, free_before);
}

KTEST(elf_program, a_page_in_use_fails_the_load_and_undoes_it)
{
    const uint8_t code[] = {0x31, 0xFF};
    uint8_t buffer[sizeof code + sizeof exit_with_edi];
    test_elf::ElfFile& file = program(with_exit(code, buffer));
    const std::span<const std::byte> bytes = file.bytes();
    const user::elf::Image image = MUST(user::elf::parse(bytes));
    mem::AddressSpace& space = mem::kernel_address_space();
    // The stack's lowest page is taken: the segments were mapped first, and go again.
    const arch::VirtAddr taken(stack_top - user::stack_size);
    ASSERT_OK(space.map_fresh(taken, 4096, arch::Protection::user_read_write()));
    const uint64_t free_before = mem::physical::statistics().free_frames;
    EXPECT_ERROR(user::load_program(space, bytes, image, stack_top, three_arguments, one_variable),
                 user::LoadError::AlreadyMapped);
    EXPECT_EQ(mem::physical::statistics().free_frames, free_before);
    EXPECT_FALSE(space.translate(arch::VirtAddr(0x401000)).has_value(), "the text went again");
    space.unmap_and_free(taken, 4096);
}
