#include "user/program_loader.h"
#include <cstring>
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/random.h"
#include "arch/x86_64/page_fill.h"
#include "mem/direct_map.h"
#include "mem/physical_memory.h"

namespace user {

namespace {

// Allocates a frame, lets `fill` write all of it through the direct map,
// and maps it at `page` with `protection`.
template <typename Fill>
kstd::Expected<void, LoadError> map_page(mem::AddressSpace& space, uint64_t page, arch::Protection protection,
                                         Fill fill)
{
    auto frame = mem::physical::allocate();
    if (!frame)
        return kstd::unexpected(LoadError::OutOfMemory);
    // The frame through the direct map: kernel memory, writable, this page's 4 KiB.
    auto* bytes = mem::direct_map_address(*frame).as_pointer<std::byte>();
    fill(bytes);
    if (!space.map(arch::VirtAddr(page), *frame, protection)) {
        mem::physical::free(*frame);
        return kstd::unexpected(LoadError::AlreadyMapped);
    }
    return {};
}

void unmap_pages(mem::AddressSpace& space, uint64_t first, uint64_t end)
{
    for (uint64_t page = first; page < end; page += arch::page_size) {
        if (auto frame = space.unmap(arch::VirtAddr(page)))
            mem::physical::free(*frame);
    }
}

kstd::Expected<void, LoadError> map_segment(mem::AddressSpace& space, std::span<const std::byte> file,
                                            const elf::Segment& segment)
{
    const arch::Protection protection{segment.writable, segment.executable, true};
    for (uint64_t page = segment.first_page(); page < segment.end_page(); page += arch::page_size) {
        auto mapped = map_page(space, page, protection, [&](std::byte* bytes) {
            // The file bytes of [page, page + 4 KiB): those at addresses
            // [segment.address, segment.address + file_size); zeros around
            // them (only there: a text page is copied, not zeroed first).
            const uint64_t from = page > segment.address ? page : segment.address;
            const uint64_t file_end = segment.address + segment.file_size;
            const uint64_t to = page + arch::page_size < file_end ? page + arch::page_size : file_end;
            if (from >= to) {
                arch::zero_page(bytes);
                return;
            }
            std::memset(bytes, 0, from - page);
            std::memcpy(bytes + (from - page), file.data() + segment.file_offset + (from - segment.address), to - from);
            std::memset(bytes + (to - page), 0, page + arch::page_size - to);
        });
        if (!mapped) {
            unmap_pages(space, segment.first_page(), page);
            return mapped;
        }
    }
    return {};
}

// Builds the initial stack in `stack` (the top page's bytes and below, as
// the kernel writes it: index 0 is the lowest byte of the stack) and returns
// the user RSP, or an error if it does not fit.
class StackBuilder {
public:
    StackBuilder(std::span<std::byte> stack, uint64_t user_base) : m_stack(stack), m_base(user_base), m_top(stack.size()) {}

    // Copies bytes to the top; returns their user address.
    kstd::Expected<uint64_t, LoadError> push_bytes(const void* data, size_t size)
    {
        if (size > m_top)
            return kstd::unexpected(LoadError::StackTooSmall);
        m_top -= size;
        std::memcpy(m_stack.data() + m_top, data, size);
        return m_base + m_top;
    }
    kstd::Expected<uint64_t, LoadError> push_string(std::string_view text)
    {
        static constexpr char nul = '\0';
        TRY(push_bytes(&nul, 1));
        return push_bytes(text.data(), text.size());
    }
    kstd::Expected<void, LoadError> push_word(uint64_t word)
    {
        TRY(push_bytes(&word, sizeof word));
        return {};
    }
    void align_down(uint64_t alignment) { m_top &= ~(alignment - 1); }
    uint64_t user_top() const { return m_base + m_top; }
    size_t used() const { return m_stack.size() - m_top; }

private:
    std::span<std::byte> m_stack;
    uint64_t m_base;
    size_t m_top;
};

} // namespace

std::string_view to_string(LoadError error)
{
    switch (error) {
    case LoadError::OutOfMemory: return "out of memory loading a program";
    case LoadError::AlreadyMapped: return "a page of the program is mapped already";
    case LoadError::StackTooSmall: return "the arguments and environment do not fit the stack";
    }
    return "unknown load error";
}

kstd::Expected<LoadedProgram, LoadError> load_program(mem::AddressSpace& space, std::span<const std::byte> file,
                                                      const elf::Image& image, uint64_t stack_top,
                                                      std::span<const std::string_view> argv,
                                                      std::span<const std::string_view> envp, std::string_view path)
{
    uint32_t loaded = 0;
    const auto undo = [&] {
        for (uint32_t i = 0; i < loaded; ++i)
            unmap_pages(space, image.segments[i].first_page(), image.segments[i].end_page());
    };
    for (; loaded < image.segment_count; ++loaded) {
        if (auto mapped = map_segment(space, file, image.segments[loaded]); !mapped) {
            undo();
            return kstd::unexpected(mapped.error());
        }
    }
    // The stack's top page holds the arguments, the environment and the
    // vectors (at most 32 strings each, all in 4 KiB): built in its frame
    // through the direct map, then mapped.
    auto top_frame = mem::physical::allocate();
    if (!top_frame) {
        undo();
        return kstd::unexpected(LoadError::OutOfMemory);
    }
    // The frame through the direct map: kernel memory, writable, 4 KiB.
    std::byte* top_bytes = mem::direct_map_address(*top_frame).as_pointer<std::byte>();
    arch::zero_page(top_bytes);
    StackBuilder stack({top_bytes, arch::page_size}, stack_top - arch::page_size);
    uint64_t argv_addresses[32], envp_addresses[32];
    kstd::Expected<void, LoadError> built = [&]() -> kstd::Expected<void, LoadError> {
        if (argv.size() > 32 || envp.size() > 32)
            return kstd::unexpected(LoadError::StackTooSmall);
        for (size_t i = envp.size(); i-- > 0;)
            envp_addresses[i] = TRY(stack.push_string(envp[i]));
        for (size_t i = argv.size(); i-- > 0;)
            argv_addresses[i] = TRY(stack.push_string(argv[i]));
        const uint64_t execfn_address = TRY(stack.push_string(path.empty() && !argv.empty() ? argv[0] : path));
        const uint64_t platform_address = TRY(stack.push_string("x86_64"));
        std::byte random[16];
        arch::fill_random(random);
        stack.align_down(16);
        const uint64_t random_address = TRY(stack.push_bytes(random, sizeof random));
        // The vector Linux gives a static program (fs/binfmt_elf.c's
        // create_elf_tables, without a vDSO: no AT_SYSINFO_EHDR).
        const uint64_t auxv[][2] = {{at_phdr, image.program_headers},
                                    {at_phent, image.program_header_size},
                                    {at_phnum, image.program_header_count},
                                    {at_pagesz, arch::page_size},
                                    {at_base, 0}, // no interpreter
                                    {at_flags, 0},
                                    {at_entry, image.entry},
                                    {at_uid, 0}, // root: there are no users yet
                                    {at_euid, 0},
                                    {at_gid, 0},
                                    {at_egid, 0},
                                    {at_platform, platform_address},
                                    {at_hwcap, arch::cpu_features().basic_edx},
                                    {at_clktck, 100}, // times(2)'s unit, as Linux's USER_HZ
                                    {at_secure, 0},
                                    {at_random, random_address},
                                    {at_hwcap2, 0},
                                    {at_execfn, execfn_address},
                                    {at_null, 0}};
        constexpr size_t auxv_count = sizeof auxv / sizeof auxv[0];
        // What follows is an even number of words past here when argc is
        // included: pad once if needed so RSP at argc is 16-byte aligned.
        const size_t words = 1 + argv.size() + 1 + envp.size() + 1 + 2 * auxv_count;
        if (words % 2 != 0)
            TRY(stack.push_word(0));
        for (size_t i = auxv_count; i-- > 0;) {
            TRY(stack.push_word(auxv[i][1]));
            TRY(stack.push_word(auxv[i][0]));
        }
        TRY(stack.push_word(0));
        for (size_t i = envp.size(); i-- > 0;)
            TRY(stack.push_word(envp_addresses[i]));
        TRY(stack.push_word(0));
        for (size_t i = argv.size(); i-- > 0;)
            TRY(stack.push_word(argv_addresses[i]));
        TRY(stack.push_word(argv.size()));
        return {};
    }();
    if (!built) {
        mem::physical::free(*top_frame);
        undo();
        return kstd::unexpected(built.error());
    }
    // The stack: stack_size below stack_top, user read/write, never executable.
    const uint64_t stack_bottom = stack_top - stack_size;
    const uint64_t top_page = stack_top - arch::page_size;
    for (uint64_t page = stack_bottom; page < top_page; page += arch::page_size) {
        if (auto mapped = map_page(space, page, arch::Protection::user_read_write(), [](std::byte* bytes) { arch::zero_page(bytes); }); !mapped) {
            mem::physical::free(*top_frame);
            unmap_pages(space, stack_bottom, page);
            undo();
            return kstd::unexpected(mapped.error());
        }
    }
    if (!space.map(arch::VirtAddr(top_page), *top_frame, arch::Protection::user_read_write())) {
        mem::physical::free(*top_frame);
        unmap_pages(space, stack_bottom, top_page);
        undo();
        return kstd::unexpected(LoadError::AlreadyMapped);
    }
    return LoadedProgram{image.entry, stack.user_top()};
}

void unload_program(mem::AddressSpace& space, const elf::Image& image, uint64_t stack_top)
{
    for (const elf::Segment& segment : image.loadable())
        unmap_pages(space, segment.first_page(), segment.end_page());
    unmap_pages(space, stack_top - stack_size, stack_top);
}

} // namespace user
