// KTEST cases of copy-on-write (user_address_space.cpp's clone_for_fork,
// address_space.cpp's resolve_copy_on_write) on real frames and tables. The
// proof is in the frame counters: each case compares the free frames before
// and after, exactly. User pages are read and written through the direct
// map after a translation; the spaces are never activated, except in the
// two TLB cases, which restore the kernel's tables.

#include <cstring>
#include <new>
#include "arch/x86_64/control_registers.h"
#include "ktest/expect_fault.h"
#include "ktest/ktest.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"
#include "mem/kernel_heap.h"
#include "mem/physical_memory.h"
#include "mem/user_address_space.h"
#include "sched/thread.h"
#include "sync/atomic.h"
#include "sync/interrupt_guard.h"

namespace {

using arch::PhysAddr;
using arch::VirtAddr;
using mem::UserAddressSpace;

constexpr arch::Protection user_read_only{.writable = false, .executable = false, .user = true};

// The parent of most cases: 8 writable pages, then 2 read-only ones, in one
// PT (so its tables are a PDPT, a PD and a PT).
constexpr VirtAddr data_start(0x40'0000);
constexpr unsigned data_pages = 8;
constexpr VirtAddr read_only_start = data_start + data_pages * arch::page_size;
constexpr unsigned read_only_pages = 2;
constexpr uint64_t parent_tables = 3;

VirtAddr data_page(unsigned index)
{
    return data_start + index * arch::page_size;
}

uint64_t free_frames()
{
    return mem::physical::statistics().free_frames;
}

uint64_t heap_mapped()
{
    return mem::kernel_heap::statistics().mapped_bytes;
}

mem::Translation translation_of(UserAddressSpace& space, VirtAddr page)
{
    return MUST(space.space().translate(page));
}

PhysAddr frame_of(UserAddressSpace& space, VirtAddr page)
{
    return translation_of(space, page).physical;
}

// The page's bytes through the direct map (the space need not be active).
std::byte* bytes_of(UserAddressSpace& space, VirtAddr page)
{
    return MUST(mem::phys_to_pointer<std::byte>(frame_of(space, page)));
}

std::byte pattern(uint64_t seed, uint64_t offset)
{
    return static_cast<std::byte>((seed * 31 + offset * 7) & 0xFF);
}

void fill(UserAddressSpace& space, VirtAddr page, uint64_t seed)
{
    std::byte* bytes = bytes_of(space, page);
    for (uint64_t i = 0; i < arch::page_size; ++i)
        bytes[i] = pattern(seed, i);
}

// The page holds fill(seed)'s bytes.
bool holds_pattern(UserAddressSpace& space, VirtAddr page, uint64_t seed)
{
    const std::byte* bytes = bytes_of(space, page);
    for (uint64_t i = 0; i < arch::page_size; ++i) {
        if (bytes[i] != pattern(seed, i))
            return false;
    }
    return true;
}

uint64_t first_word(UserAddressSpace& space, VirtAddr page)
{
    uint64_t word;
    std::memcpy(&word, bytes_of(space, page), sizeof word);
    return word;
}

bool is_copy_on_write(UserAddressSpace& space, VirtAddr page)
{
    const mem::Translation t = translation_of(space, page);
    return t.copy_on_write && !t.protection.writable && t.user;
}

bool is_plain_writable(UserAddressSpace& space, VirtAddr page)
{
    const mem::Translation t = translation_of(space, page);
    return !t.copy_on_write && t.protection.writable && t.user;
}

// Brings the kernel heap to a steady state for blocks of `bytes`, so that a
// case's own allocations of that size reuse freed blocks and the heap maps
// no frame while a case counts them: more blocks than KASAN's quarantine
// holds (the last 256 frees) go through it and back to the heap. Once per
// suite: a case frees as many blocks as it takes, so the state holds.
void warm_up_heap(size_t bytes)
{
    constexpr unsigned count = 300;
    static void* blocks[count];
    for (void*& block : blocks)
        block = ::operator new(bytes);
    for (void* block : blocks)
        ::operator delete(block);
}

// Frames taken away so that only a few stay free (out of memory on demand),
// kept as runs in an array made beforehand: nothing may need the heap while
// frames are short.
class Hoard {
public:
    Hoard() : m_runs(new Run[capacity]) {}
    ~Hoard()
    {
        give_back();
        delete[] m_runs;
    }
    Hoard(const Hoard&) = delete;
    Hoard& operator=(const Hoard&) = delete;

    // Takes runs, largest first, until exactly `left` frames are free.
    bool leave_only(uint64_t left)
    {
        for (int order = mem::FrameAllocator::max_order; order >= 0; --order) {
            const uint64_t run = uint64_t{1} << order;
            while (free_frames() >= left + run && m_count < capacity) {
                auto taken = mem::physical::allocate_run(static_cast<unsigned>(order));
                if (!taken)
                    break; // no run of this order any more: go smaller
                m_runs[m_count++] = {*taken, static_cast<unsigned>(order)};
            }
        }
        return free_frames() == left;
    }
    void give_back()
    {
        for (; m_count > 0; --m_count)
            mem::physical::free_run(m_runs[m_count - 1].start, m_runs[m_count - 1].order);
    }

private:
    static constexpr size_t capacity = 4096;
    struct Run {
        PhysAddr start;
        unsigned order;
    };
    Run* m_runs;
    size_t m_count = 0;
};

// Every case: a parent with data_pages writable and read_only_pages
// read-only pages, each filled with its own pattern. `start` is the free
// frame count before the parent was made; tear_down destroys what is left
// and checks that every frame came back and the heap did not grow.
struct copy_on_write {
    UserAddressSpace* parent = nullptr;
    UserAddressSpace* child = nullptr;
    Hoard hoard;
    uint64_t start = 0;
    uint64_t heap_start = 0;

    void set_up()
    {
        start = free_frames();
        heap_start = heap_mapped();
        parent = MUST(UserAddressSpace::create());
        ASSERT_OK(parent->space().map_fresh(data_start, data_pages * arch::page_size, arch::Protection::user_read_write()));
        ASSERT_OK(parent->space().map_fresh(read_only_start, read_only_pages * arch::page_size, user_read_only));
        for (unsigned i = 0; i < data_pages + read_only_pages; ++i)
            fill(*parent, data_page(i), i);
        ASSERT_EQ(parent->space().table_frames(), parent_tables);
    }
    void tear_down()
    {
        // A TLB case that ended early may have left a user space active.
        if (mem::active_root() != mem::kernel_address_space().root())
            arch::write_page_table_root(mem::kernel_address_space().root());
        hoard.give_back();
        delete child;
        delete parent;
        EXPECT_EQ(heap_mapped(), heap_start, "the heap grew during the case: its frames would count as taken");
        EXPECT_EQ(free_frames(), start, "every frame came back");
        EXPECT_TRUE(mem::physical::check_consistency());
    }
};

} // namespace

KTEST_SUITE_SETUP(copy_on_write)
{
    // The objects a case makes: address spaces, and the racers' threads.
    warm_up_heap(sizeof(UserAddressSpace));
    warm_up_heap(sizeof(sched::Thread));
}

KTEST_F(copy_on_write, a_clone_takes_only_page_tables_and_shares_every_page)
{
    const uint64_t before = free_frames();
    child = MUST(parent->clone_for_fork());
    EXPECT_EQ(child->space().table_frames(), parent_tables, "the same shape of tables");
    EXPECT_EQ(parent->space().table_frames(), parent_tables);
    EXPECT_EQ(before - free_frames(), parent_tables + 1, "the child's PDPT, PD, PT and PML4, and no data page");
    for (unsigned i = 0; i < data_pages + read_only_pages; ++i) {
        const VirtAddr page = data_page(i);
        EXPECT_EQ(frame_of(*child, page), frame_of(*parent, page), "page {}: the same frame", i);
        EXPECT_EQ(mem::physical::reference_count(frame_of(*parent, page)), 2u, "page {}", i);
        EXPECT_TRUE(holds_pattern(*child, page, i), "page {}: the child sees the parent's bytes", i);
        EXPECT_MEMEQ(bytes_of(*child, page), bytes_of(*parent, page), arch::page_size);
        if (i < data_pages) {
            EXPECT_TRUE(is_copy_on_write(*parent, page), "page {}: read-only + copy-on-write in the parent", i);
            EXPECT_TRUE(is_copy_on_write(*child, page), "page {}: and in the child", i);
        } else {
            const mem::Translation parent_page = translation_of(*parent, page);
            const mem::Translation child_page = translation_of(*child, page);
            EXPECT_TRUE(!parent_page.protection.writable && !parent_page.copy_on_write, "page {} stays read-only", i);
            EXPECT_TRUE(!child_page.protection.writable && !child_page.copy_on_write, "page {}", i);
        }
    }
    EXPECT_FALSE(child->space().translate(data_page(data_pages + read_only_pages)).has_value(), "nothing more");
}

KTEST_F(copy_on_write, a_write_in_the_child_copies_one_frame_and_the_last_sharer_copies_none)
{
    child = MUST(parent->clone_for_fork());
    const VirtAddr page = data_page(3);
    const PhysAddr shared = frame_of(*parent, page);
    const uint64_t before = free_frames();

    ASSERT_EQ(MUST(child->space().resolve_copy_on_write(page + 0x123)), true);
    EXPECT_EQ(before - free_frames(), 1u, "exactly one frame copied");
    const PhysAddr copy = frame_of(*child, page);
    EXPECT_NE(copy, shared);
    EXPECT_EQ(frame_of(*parent, page), shared, "the parent keeps its frame");
    EXPECT_EQ(mem::physical::reference_count(shared), 1u, "the child let go of it");
    EXPECT_EQ(mem::physical::reference_count(copy), 1u);
    EXPECT_TRUE(is_plain_writable(*child, page));
    EXPECT_TRUE(is_copy_on_write(*parent, page), "the parent's entry is not changed by the child's write");
    EXPECT_TRUE(holds_pattern(*child, page, 3), "the copy has the bytes");

    // The write, then parent and child differ exactly there.
    std::byte* child_bytes = bytes_of(*child, page);
    const char written[] = "child";
    std::memcpy(child_bytes + 0x123, written, sizeof written);
    EXPECT_TRUE(holds_pattern(*parent, page, 3), "the parent's page is untouched");
    const std::byte* parent_bytes = bytes_of(*parent, page);
    EXPECT_MEMEQ(child_bytes, parent_bytes, 0x123);
    EXPECT_MEMEQ(child_bytes + 0x123 + sizeof written, parent_bytes + 0x123 + sizeof written,
                 arch::page_size - 0x123 - sizeof written);
    EXPECT_NE(std::memcmp(child_bytes + 0x123, parent_bytes + 0x123, sizeof written), 0);
    for (unsigned i = 0; i < data_pages; ++i) {
        if (i != 3)
            EXPECT_EQ(frame_of(*child, data_page(i)), frame_of(*parent, data_page(i)), "page {} still shared", i);
    }

    // The parent holds the last reference: made writable without a copy.
    ASSERT_EQ(MUST(parent->space().resolve_copy_on_write(page)), true);
    EXPECT_EQ(before - free_frames(), 1u, "no second copy");
    EXPECT_EQ(frame_of(*parent, page), shared);
    EXPECT_TRUE(is_plain_writable(*parent, page));
    EXPECT_TRUE(holds_pattern(*parent, page, 3));
}

KTEST_F(copy_on_write, resolving_a_resolved_page_again_copies_nothing)
{
    // What a second thread that faulted on the page at the same time does.
    child = MUST(parent->clone_for_fork());
    const VirtAddr page = data_page(0);
    ASSERT_EQ(MUST(child->space().resolve_copy_on_write(page)), true);
    const PhysAddr copy = frame_of(*child, page);
    const uint64_t before = free_frames();
    EXPECT_EQ(MUST(child->space().resolve_copy_on_write(page + 8)), true, "handled: the access is retried");
    EXPECT_EQ(free_frames(), before);
    EXPECT_EQ(frame_of(*child, page), copy);
}

KTEST_F(copy_on_write, read_only_pages_are_shared_and_never_copied)
{
    child = MUST(parent->clone_for_fork());
    const uint64_t before = free_frames();
    for (unsigned i = data_pages; i < data_pages + read_only_pages; ++i) {
        const VirtAddr page = data_page(i);
        EXPECT_EQ(MUST(child->space().resolve_copy_on_write(page)), false, "page {}: a real fault", i);
        EXPECT_EQ(MUST(parent->space().resolve_copy_on_write(page)), false, "page {}", i);
        EXPECT_EQ(frame_of(*child, page), frame_of(*parent, page));
        EXPECT_EQ(mem::physical::reference_count(frame_of(*parent, page)), 2u);
        EXPECT_FALSE(translation_of(*child, page).protection.writable);
    }
    EXPECT_EQ(free_frames(), before, "nothing copied");
}

KTEST_F(copy_on_write, what_is_not_copy_on_write_is_refused)
{
    const uint64_t before = free_frames();
    auto refused = [&](VirtAddr address) { return MUST(parent->space().resolve_copy_on_write(address)) == false; };
    EXPECT_TRUE(refused(read_only_start), "a read-only page that no fork shares");
    EXPECT_TRUE(refused(data_page(40)), "an unmapped page");
    EXPECT_TRUE(refused(VirtAddr(0x4000'0000)), "no table there at all");
    EXPECT_TRUE(refused(VirtAddr(arch::layout::direct_map_base)), "a kernel page (not user)");
    EXPECT_TRUE(refused(VirtAddr(0x0000'8000'0000'0000)), "not canonical");
    EXPECT_FALSE(translation_of(*parent, read_only_start).protection.writable, "left read-only");
    EXPECT_EQ(free_frames(), before);
}

KTEST_F(copy_on_write, unmapping_a_shared_page_releases_its_frame)
{
    child = MUST(parent->clone_for_fork());
    const VirtAddr page = data_page(7);
    const PhysAddr shared = frame_of(*parent, page);
    const uint64_t before = free_frames();
    child->space().unmap_and_free(page, arch::page_size);
    EXPECT_EQ(free_frames(), before, "the parent still maps the frame: nothing freed");
    EXPECT_EQ(mem::physical::reference_count(shared), 1u);
    EXPECT_TRUE(holds_pattern(*parent, page, 7));
    parent->space().unmap_and_free(page, arch::page_size);
    EXPECT_EQ(free_frames(), before + 1, "the last reference: freed");
}

namespace {
struct DestroyOrder {
    bool parent_first;
    const char* name;
};
constexpr DestroyOrder destroy_orders[] = {{true, "parent_first"}, {false, "child_first"}};
} // namespace

KTEST_FP(copy_on_write, destroying_both_returns_every_frame, destroy_orders)
{
    child = MUST(parent->clone_for_fork());
    // A private page on each side as well as the shared ones.
    ASSERT_EQ(MUST(child->space().resolve_copy_on_write(data_page(1))), true);
    fill(*child, data_page(1), 100);
    ASSERT_EQ(MUST(parent->space().resolve_copy_on_write(data_page(2))), true);
    fill(*parent, data_page(2), 200);

    UserAddressSpace*& first = param.parent_first ? parent : child;
    UserAddressSpace*& survivor = param.parent_first ? child : parent;
    const bool child_survives = param.parent_first;
    delete first;
    first = nullptr;
    // The shared frames outlive the space that went: the survivor reads them.
    for (unsigned i = 0; i < data_pages + read_only_pages; ++i) {
        const VirtAddr page = data_page(i);
        uint64_t seed = i; // shared, or the parent's own after the child copied it
        if (i == 1 && child_survives)
            seed = 100; // the child's copy
        if (i == 2 && !child_survives)
            seed = 200; // the parent's copy
        EXPECT_TRUE(holds_pattern(*survivor, page, seed), "page {}", i);
        EXPECT_EQ(mem::physical::reference_count(frame_of(*survivor, page)), 1u, "page {}: the last reference", i);
    }
    delete survivor;
    survivor = nullptr;
    EXPECT_EQ(free_frames(), start, "back to the count before the parent was made");
}

namespace {
// Pages beside the fixture's, spread so that the parent's tables are many:
// PML4 entries 0 and 1 (two PDPTs), three PDs, four PTs.
constexpr VirtAddr spread_pages[] = {VirtAddr(0x60'0000), VirtAddr(0x4000'0000), VirtAddr(0x80'0000'0000)};
constexpr unsigned spread_count = 3;
constexpr uint64_t spread_tables = 2 + 3 + 4;
// The frames left free before the clone: the clone needs its PML4 and
// spread_tables more (plus the parent's tables already made).
constexpr uint64_t frames_left[] = {0, 1, 2, 5, spread_tables, spread_tables + 1};
} // namespace

KTEST_FP(copy_on_write, out_of_frames_in_the_middle_of_a_clone_undoes_it, frames_left)
{
    for (unsigned i = 0; i < spread_count; ++i) {
        ASSERT_OK(parent->space().map_fresh(spread_pages[i], arch::page_size, arch::Protection::user_read_write()));
        fill(*parent, spread_pages[i], 50 + i);
    }
    const uint64_t tables = parent->space().table_frames();
    ASSERT_EQ(tables, spread_tables);
    ASSERT_TRUE(hoard.leave_only(param), "could not leave {} frames free", param);

    auto clone = parent->clone_for_fork();
    if (param == spread_tables + 1) {
        ASSERT_OK(clone, "a PML4 and the tables: enough");
        child = *clone;
        EXPECT_EQ(free_frames(), 0u);
        EXPECT_TRUE(is_copy_on_write(*parent, spread_pages[2]));
        EXPECT_TRUE(holds_pattern(*child, spread_pages[2], 52));
        return;
    }
    ASSERT_ERROR(clone, mem::MapError::OutOfFrames);
    EXPECT_EQ(free_frames(), param, "every frame the clone took is back");
    EXPECT_EQ(parent->space().table_frames(), tables);
    for (unsigned i = 0; i < data_pages + spread_count; ++i) {
        const VirtAddr page = i < data_pages ? data_page(i) : spread_pages[i - data_pages];
        EXPECT_TRUE(is_plain_writable(*parent, page), "{}: still writable, no copy-on-write bit", page);
        EXPECT_EQ(mem::physical::reference_count(frame_of(*parent, page)), 1u, "{}: shared with no one", page);
    }
    EXPECT_TRUE(holds_pattern(*parent, spread_pages[2], 52));
}

KTEST_F(copy_on_write, out_of_frames_for_a_copy_changes_nothing)
{
    child = MUST(parent->clone_for_fork());
    const VirtAddr page = data_page(5);
    ASSERT_TRUE(hoard.leave_only(0));
    EXPECT_ERROR(child->space().resolve_copy_on_write(page), mem::MapError::OutOfFrames);
    EXPECT_TRUE(is_copy_on_write(*child, page));
    EXPECT_EQ(frame_of(*child, page), frame_of(*parent, page));
    EXPECT_EQ(mem::physical::reference_count(frame_of(*parent, page)), 2u);
    hoard.give_back();
    EXPECT_EQ(MUST(child->space().resolve_copy_on_write(page)), true, "with frames again, it copies");
    EXPECT_TRUE(holds_pattern(*child, page, 5));
}

KTEST_F(copy_on_write, protect_never_makes_a_shared_frame_writable)
{
    child = MUST(parent->clone_for_fork());
    const VirtAddr page = data_page(6);
    ASSERT_OK(parent->space().protect(page, arch::Protection::user_read_write()));
    EXPECT_TRUE(is_copy_on_write(*parent, page), "shared: made copy-on-write, not writable");
    ASSERT_OK(parent->space().protect(page, user_read_only));
    const mem::Translation read_only = translation_of(*parent, page);
    EXPECT_TRUE(!read_only.protection.writable && !read_only.copy_on_write, "read-only now: a write is a real fault");
    EXPECT_EQ(MUST(parent->space().resolve_copy_on_write(page)), false);
    ASSERT_OK(parent->space().protect(page, arch::Protection::user_read_write()));
    EXPECT_TRUE(is_copy_on_write(*parent, page), "writable again: copy-on-write while shared");
    ASSERT_EQ(MUST(child->space().resolve_copy_on_write(page)), true);
    ASSERT_OK(parent->space().protect(page, arch::Protection::user_read_write()));
    EXPECT_TRUE(is_plain_writable(*parent, page), "no longer shared: plainly writable");
}

namespace {
// The racers' pages: enough that copying them takes a few timer ticks, so
// the timer switches threads in the middle of resolutions.
constexpr VirtAddr race_start(0x80'0000);
constexpr unsigned race_pages = 256;

struct Race {
    UserAddressSpace* space = nullptr;
    sync::Atomic<uint32_t> started{0};
    sync::Atomic<bool> go{false};
    sync::Atomic<uint32_t> finished{0};
};

struct Racer {
    Race* race;
    unsigned handled = 0;
    unsigned errors = 0;
};

// The race's state outlives a case that ends early: its threads still read it.
Race g_race;

int run_racer(void* argument)
{
    auto& racer = *static_cast<Racer*>(argument); // the case passes its Racer
    Race& race = *racer.race;
    race.started.fetch_add(1);
    while (!race.go.load())
        sched::yield();
    // Both threads fault on each page in the same order: the one switched
    // out in the middle of a copy finds the other at the same page.
    for (unsigned i = 0; i < race_pages; ++i) {
        auto handled = race.space->space().resolve_copy_on_write(race_start + i * arch::page_size + 8 * i);
        if (!handled)
            ++racer.errors;
        else if (*handled)
            ++racer.handled;
    }
    race.finished.fetch_add(1);
    return 0;
}
} // namespace

KTEST_F(copy_on_write, two_threads_faulting_on_the_same_pages_copy_each_once)
{
    ASSERT_OK(parent->space().map_fresh(race_start, race_pages * arch::page_size, arch::Protection::user_read_write()));
    for (unsigned i = 0; i < race_pages; ++i)
        fill(*parent, race_start + i * arch::page_size, 1000 + i);
    child = MUST(parent->clone_for_fork());
    Race& race = g_race;
    race.space = child;
    race.started.store(0);
    race.go.store(false);
    race.finished.store(0);
    Racer racers[2] = {{&race}, {&race}};
    sched::Thread* threads[2];
    for (int i = 0; i < 2; ++i)
        threads[i] = MUST(sched::Thread::create("cow racer", &run_racer, &racers[i]));
    while (race.started.load() < 2)
        sched::yield();
    // Counted from here, with the threads' stacks made and not yet freed.
    const uint64_t before = free_frames();
    race.go.store(true);
    while (race.finished.load() < 2)
        sched::yield();
    EXPECT_EQ(before - free_frames(), race_pages, "each page copied exactly once");
    for (sched::Thread* thread : threads)
        EXPECT_EQ(sched::join(*thread), 0);
    for (const Racer& racer : racers) {
        EXPECT_EQ(racer.errors, 0u);
        EXPECT_EQ(racer.handled, race_pages, "every call handled: it copied, or found the copy");
    }
    for (unsigned i = 0; i < race_pages; ++i) {
        const VirtAddr page = race_start + i * arch::page_size;
        ASSERT_TRUE(is_plain_writable(*child, page), "page {}", i);
        ASSERT_NE(frame_of(*child, page), frame_of(*parent, page), "page {}", i);
        ASSERT_EQ(mem::physical::reference_count(frame_of(*parent, page)), 1u, "page {}", i);
        ASSERT_TRUE(holds_pattern(*child, page, 1000 + i), "page {}", i);
    }
}

// The TLB cases run on the user tables themselves, with interrupts off (a
// switch would load the kernel's tables and flush the TLB for us). SMAP is
// off, so the kernel may touch user pages.
KTEST_F(copy_on_write, a_clone_of_the_active_space_flushes_its_writable_translations)
{
    auto* word = data_page(4).as_pointer<volatile uint64_t>(); // the user page, through the parent's tables
    {
        sync::InterruptGuard no_switch;
        arch::write_page_table_root(parent->space().root());
        *word = 1; // the TLB now holds a writable translation of the page
        child = MUST(parent->clone_for_fork());
        EXPECT_FAULT(PageFault, *ktest::opaque(word) = 2);
        EXPECT_EQ(ktest::last_fault().frame.error_code & 3, 3u, "present + write: the page is read-only now");
        EXPECT_EQ(*word, 1u);
        arch::write_page_table_root(mem::kernel_address_space().root());
    }
    EXPECT_EQ(first_word(*child, data_page(4)), 1u, "the child sees the write from before the fork");
}

KTEST_F(copy_on_write, a_resolution_in_the_active_space_drops_the_old_translation)
{
    child = MUST(parent->clone_for_fork());
    auto* word = data_page(4).as_pointer<volatile uint64_t>(); // the user page, through the child's tables
    sync::InterruptGuard no_switch;
    arch::write_page_table_root(child->space().root());
    const uint64_t shared_word = *word; // the TLB now maps the page to the shared frame
    ASSERT_EQ(MUST(child->space().resolve_copy_on_write(data_page(4))), true);
    const uint64_t marker = shared_word + 1;
    std::memcpy(bytes_of(*child, data_page(4)), &marker, sizeof marker); // into the copy, through the direct map
    EXPECT_EQ(*word, marker, "a read reaches the copy: the translation to the shared frame is gone");
    *word = marker + 1; // and a write, without a fault
    arch::write_page_table_root(mem::kernel_address_space().root());
    EXPECT_EQ(first_word(*child, data_page(4)), marker + 1);
    EXPECT_TRUE(holds_pattern(*parent, data_page(4), 4), "the shared frame is untouched");
}
