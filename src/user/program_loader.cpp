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
            fill_program_page(bytes, page, file, segment.address, segment.address + segment.file_size,
                              segment.file_offset);
        });
        if (!mapped) {
            unmap_pages(space, segment.first_page(), page);
            return mapped;
        }
    }
    return {};
}

// Builds the initial stack downwards from its top, in frames seen through
// the direct map (pages[0] is the top page, pages[1] the one below, ...),
// and knows the user address of what it writes. Not a heap buffer: a
// program's start costs no heap.
class StackBuilder {
public:
    StackBuilder(std::span<std::byte* const> pages, uint64_t user_top)
        : m_pages(pages), m_user_top(user_top), m_used(0) {}

    // Copies bytes below what is there; returns their user address.
    kstd::Expected<uint64_t, LoadError> push_bytes(const void* data, size_t size)
    {
        if (size > capacity() - m_used)
            return kstd::unexpected(LoadError::StackTooSmall);
        m_used += size;
        write(m_used, data, size);
        return m_user_top - m_used;
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
    void align_down(uint64_t alignment) { m_used = (m_used + alignment - 1) & ~(alignment - 1); }
    uint64_t user_top() const { return m_user_top - m_used; }

private:
    size_t capacity() const { return m_pages.size() * arch::page_size; }
    // `size` bytes whose lowest is `depth` bytes below the top, across pages.
    void write(size_t depth, const void* data, size_t size)
    {
        const auto* from = static_cast<const std::byte*>(data);
        size_t offset_from_top = depth; // of the byte being written, plus one
        for (size_t done = 0; done < size;) {
            const size_t page = (offset_from_top - 1) / arch::page_size;
            const size_t within = arch::page_size - 1 - (offset_from_top - 1) % arch::page_size; // index in the page
            const size_t run = arch::page_size - within < size - done ? arch::page_size - within : size - done;
            std::memcpy(m_pages[page] + within, from + done, run);
            done += run;
            offset_from_top -= run;
        }
    }

    std::span<std::byte* const> m_pages;
    uint64_t m_user_top;
    size_t m_used;
};

} // namespace

void fill_program_page(std::byte* bytes, uint64_t page, std::span<const std::byte> file, uint64_t file_start,
                       uint64_t file_end, uint64_t file_offset)
{
    const uint64_t from = page > file_start ? page : file_start;
    const uint64_t to = page + arch::page_size < file_end ? page + arch::page_size : file_end;
    if (from >= to) {
        arch::zero_page(bytes);
        return;
    }
    // Zeros only around the copy: a text page is copied, not zeroed first.
    // (The ELF parser checked that the segment's bytes lie in the file.)
    std::memset(bytes, 0, from - page);
    std::memcpy(bytes + (from - page), file.data() + file_offset + (from - file_start), to - from);
    std::memset(bytes + (to - page), 0, page + arch::page_size - to);
}

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
                                                      std::span<const std::string_view> envp, std::string_view path,
                                                      SegmentLoading loading)
{
    uint32_t loaded = 0;
    const auto undo = [&] {
        for (uint32_t i = 0; i < loaded; ++i)
            unmap_pages(space, image.segments[i].first_page(), image.segments[i].end_page());
    };
    for (; loading == SegmentLoading::Now && loaded < image.segment_count; ++loaded) {
        if (auto mapped = map_segment(space, file, image.segments[loaded]); !mapped) {
            undo();
            return kstd::unexpected(mapped.error());
        }
    }
    // The initial stack (the argument and environment strings, the vectors)
    // takes as many whole pages as it needs, at most max_initial_stack: it
    // is written into their frames through the direct map, then they are
    // mapped at the stack's top, with zeroed pages below down to stack_size.
    const std::string_view execfn = path.empty() && !argv.empty() ? argv[0] : path; // AT_EXECFN's
    size_t strings = execfn.size() + 1 + sizeof "x86_64";
    for (const std::string_view text : argv)
        strings += text.size() + 1;
    for (const std::string_view text : envp)
        strings += text.size() + 1;
    constexpr size_t auxv_count = 19;
    const size_t words = 1 + argv.size() + 1 + envp.size() + 1 + 2 * auxv_count;
    const size_t needed = strings + 16 + 16 + 8 * (words + 1); // the random bytes, alignment, a padding word
    if (needed > max_initial_stack) {
        undo();
        return kstd::unexpected(LoadError::StackTooSmall);
    }
    constexpr size_t max_pages = max_initial_stack / arch::page_size;
    const size_t page_count = (needed + arch::page_size - 1) / arch::page_size;
    arch::PhysAddr frames[max_pages];
    std::byte* pages[max_pages];
    for (size_t i = 0; i < page_count; ++i) {
        auto frame = mem::physical::allocate();
        if (!frame) {
            for (size_t j = 0; j < i; ++j)
                mem::physical::free(frames[j]);
            undo();
            return kstd::unexpected(LoadError::OutOfMemory);
        }
        frames[i] = *frame;
        // The frame through the direct map: kernel memory, writable, 4 KiB.
        pages[i] = mem::direct_map_address(*frame).as_pointer<std::byte>();
        arch::zero_page(pages[i]);
    }
    StackBuilder stack({pages, page_count}, stack_top);
    kstd::Expected<void, LoadError> built = [&]() -> kstd::Expected<void, LoadError> {
        // The strings first, at the top: envp's last the highest, then argv's.
        // Their addresses come back in the same order when the pointers are
        // pushed below, from these running totals (nothing kept per string).
        size_t envp_bytes = 0, argv_bytes = 0;
        for (size_t i = envp.size(); i-- > 0;) {
            TRY(stack.push_string(envp[i]));
            envp_bytes += envp[i].size() + 1;
        }
        for (size_t i = argv.size(); i-- > 0;) {
            TRY(stack.push_string(argv[i]));
            argv_bytes += argv[i].size() + 1;
        }
        const uint64_t argv_start = stack.user_top(), envp_start = argv_start + argv_bytes;
        const uint64_t execfn_address = TRY(stack.push_string(execfn));
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
        static_assert(sizeof auxv / sizeof auxv[0] == auxv_count);
        // What follows is an even number of words past here when argc is
        // included: pad once if needed so RSP at argc is 16-byte aligned.
        if (words % 2 != 0)
            TRY(stack.push_word(0));
        for (size_t i = auxv_count; i-- > 0;) {
            TRY(stack.push_word(auxv[i][1]));
            TRY(stack.push_word(auxv[i][0]));
        }
        TRY(stack.push_word(0));
        uint64_t address = envp_start + envp_bytes; // walking back down the strings
        for (size_t i = envp.size(); i-- > 0;) {
            address -= envp[i].size() + 1;
            TRY(stack.push_word(address));
        }
        TRY(stack.push_word(0));
        address = argv_start + argv_bytes;
        for (size_t i = argv.size(); i-- > 0;) {
            address -= argv[i].size() + 1;
            TRY(stack.push_word(address));
        }
        TRY(stack.push_word(argv.size()));
        return {};
    }();
    // The stack: the built pages at its top, zeroed ones below down to
    // stack_size (at least); user read/write, never executable.
    const uint64_t built_bottom = stack_top - page_count * arch::page_size;
    const uint64_t stack_bottom = built_bottom < stack_top - stack_size ? built_bottom : stack_top - stack_size;
    size_t mapped_pages = 0; // of the built ones, from the top: the rest are freed on an error
    kstd::Expected<void, LoadError> placed = built;
    while (placed && mapped_pages < page_count) {
        const uint64_t page = stack_top - (mapped_pages + 1) * arch::page_size;
        if (space.map(arch::VirtAddr(page), frames[mapped_pages], arch::Protection::user_read_write()))
            ++mapped_pages;
        else
            placed = kstd::unexpected(LoadError::AlreadyMapped);
    }
    for (uint64_t page = stack_bottom; placed && page < built_bottom; page += arch::page_size) {
        placed = map_page(space, page, arch::Protection::user_read_write(), [](std::byte* bytes) { arch::zero_page(bytes); });
        if (!placed)
            unmap_pages(space, stack_bottom, page);
    }
    if (!placed) {
        unmap_pages(space, stack_top - mapped_pages * arch::page_size, stack_top);
        for (size_t i = mapped_pages; i < page_count; ++i)
            mem::physical::free(frames[i]);
        undo();
        return kstd::unexpected(placed.error());
    }
    return LoadedProgram{image.entry, stack.user_top()};
}

void unload_program(mem::AddressSpace& space, const elf::Image& image, uint64_t stack_top)
{
    for (const elf::Segment& segment : image.loadable())
        unmap_pages(space, segment.first_page(), segment.end_page());
    const uint64_t most = max_initial_stack > stack_size ? max_initial_stack : stack_size;
    unmap_pages(space, stack_top - (most + arch::page_size - 1) / arch::page_size * arch::page_size, stack_top);
}

} // namespace user
