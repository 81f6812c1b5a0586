// KBENCH benchmarks of mapping pages in the kernel's address space
// (address_space.cpp), on its real page tables, in the scratch region: TSC
// cycles per operation, run by the benchmark kernel (`make bench`).

#include "arch/x86_64/memory_layout.h"
#include "ktest/bench.h"
#include "mem/kernel_address_space.h"
#include "mem/physical_memory.h"

namespace {

const arch::VirtAddr base(arch::layout::scratch_region_base);
const arch::VirtAddr next_page = base + arch::page_size;

// A frame to map, and (with `anchored`) a page kept mapped at `base` in the
// same page table as next_page, so its tables stay between operations.
struct Pages {
    arch::PhysAddr frame;
    bool anchored;
    arch::PhysAddr anchor;
};

void set_up(Pages& pages)
{
    auto frame = mem::physical::allocate();
    ASSERT_OK(frame);
    pages.frame = *frame;
    if (pages.anchored) {
        auto anchor = mem::physical::allocate();
        ASSERT_OK(anchor);
        pages.anchor = *anchor;
        ASSERT_OK(mem::kernel_address_space().map(base, *anchor, arch::Protection::read_write()));
    }
}

void tear_down(const Pages& pages)
{
    if (pages.anchored) {
        EXPECT_OK(mem::kernel_address_space().unmap(base));
        mem::physical::free(pages.anchor);
    }
    mem::physical::free(pages.frame);
}

void map_unmap_pairs(ktest::Bench& bench, const Pages& pages)
{
    mem::AddressSpace& space = mem::kernel_address_space();
    bench.run(5000, [&] {
        ASSERT_OK(space.map(next_page, pages.frame, arch::Protection::read_write()));
        ASSERT_OK(space.unmap(next_page));
    });
}

} // namespace

KBENCH(map, map_unmap_4k_pair)
{
    Pages pages{{}, true, {}};
    set_up(pages);
    map_unmap_pairs(bench, pages);
    tear_down(pages);
}

// Alone in its tables: every map makes a PT and a PD, every unmap frees them.
KBENCH(map, map_unmap_with_tables_pair)
{
    Pages pages{{}, false, {}};
    set_up(pages);
    map_unmap_pairs(bench, pages);
    tear_down(pages);
}

KBENCH(map, translate)
{
    Pages pages{{}, true, {}};
    set_up(pages);
    mem::AddressSpace& space = mem::kernel_address_space();
    bench.run(5000, [&] { ASSERT_OK(space.translate(base + 8)); });
    tear_down(pages);
}

// Fresh memory, per page: map_fresh (a frame and a mapping), then
// unmap_and_free, 256 pages at a time.
KBENCH(map, fresh_page_map_unmap_free)
{
    mem::AddressSpace& space = mem::kernel_address_space();
    const uint64_t pages = bench.iterations(256);
    bench.rounds(pages, [&](ktest::BenchTimer& timer) {
        timer.start();
        ASSERT_OK(space.map_fresh(base, pages * arch::page_size, arch::Protection::read_write()));
        space.unmap_and_free(base, pages * arch::page_size);
        timer.stop();
    });
}
