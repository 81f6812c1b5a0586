// KTEST cases of smp/: every CPU QEMU was given is online and takes
// threads, and a mapping changed under readers on other CPUs is never read
// through a stale TLB entry (the shootdown), with the proof that the check
// catches a missing shootdown. On one CPU they skip; CTest runs the unit
// kernel with -smp 2 and -smp 4 (unit.ktest_smp2, unit.ktest_smp4).

#include "arch/x86_64/cpu.h"
#include "core/print.h"
#include "arch/x86_64/memory_layout.h"
#include "arch/x86_64/per_cpu.h"
#include "arch/x86_64/tsc.h"
#include "drivers/fw_cfg.h"
#include "ktest/ktest.h"
#include "mem/address_space.h"
#include "mem/direct_map.h"
#include "mem/kernel_address_space.h"
#include "mem/physical_memory.h"
#include "sched/test_threads.h"
#include "sched/thread.h"
#include "smp/nmi_requests.h"
#include "sync/interrupt_guard.h"

namespace {

void skip_on_one_cpu()
{
    if (arch::online_cpu_count() < 2)
        KTEST_SKIP("one CPU online (CTest runs this kernel with -smp 2 and -smp 4 too)");
}

} // namespace

KTEST(smp, every_cpu_qemu_was_given_is_online)
{
    auto expected = drivers::fw_cfg::cpu_count();
    if (!expected)
        KTEST_SKIP("no QEMU fw_cfg to say how many CPUs it started");
    EXPECT_EQ(arch::online_cpu_count(), uint32_t{*expected});
}

KTEST(smp, threads_run_on_every_online_cpu)
{
    skip_on_one_cpu();
    // Spinners that note each CPU they find themselves on, until all were seen.
    uint32_t seen = 0; // bit per CPU id (GCC atomics)
    const uint32_t all = (1u << arch::online_cpu_count()) - 1; // ids are 0..n-1, in start order
    const uint64_t give_up = arch::tsc::now() + 20 * *arch::tsc::frequency_hz(); // 20 s of TSC time
    auto spin = [&] {
        while (__atomic_load_n(&seen, __ATOMIC_RELAXED) != all && arch::tsc::now() < give_up) {
            uint32_t cpu;
            {
                sync::InterruptGuard stay;
                cpu = arch::this_cpu_data().id;
            }
            __atomic_or_fetch(&seen, 1u << cpu, __ATOMIC_RELAXED);
            arch::pause();
        }
        return 0;
    };
    sched::Thread* threads[2 * arch::max_cpus] = {};
    const uint32_t count = 2 * arch::online_cpu_count();
    for (uint32_t i = 0; i < count; ++i)
        threads[i] = &sched::testing::start("spinner", spin);
    for (uint32_t i = 0; i < count; ++i)
        sched::join(*threads[i]);
    EXPECT_EQ(seen, all, "CPUs seen (a bit per id): {:#x}", seen);
}

namespace {

// A page of the scratch region whose frame is replaced again and again
// while threads on the other CPUs read it: three frames in turn, each
// holding its own value, and a generation the writer advances after each
// replacement has returned (the shootdown done). A reader that reads the
// generation, the page, and the same generation again must see the frame
// of that generation or of the next one (a replacement may land between
// its two reads of the generation, before the count moves), never the
// previous one: that would come from a stale TLB entry.
constexpr uint64_t shared_page = arch::layout::scratch_region_base + (512ull << 20);
constexpr unsigned frames = 3;

uint64_t value_of(uint64_t generation)
{
    return 0x5EED'0000'0000'0000ull | (generation % frames);
}

struct RemapRun {
    uint64_t replacements = 0;
    uint64_t checked_reads = 0; // reads with the generation unchanged around them
    uint64_t stale_reads = 0;   // of the previous generation's frame
};

RemapRun replace_under_readers(uint64_t replacements)
{
    arch::PhysAddr frame[frames];
    for (unsigned i = 0; i < frames; ++i) {
        frame[i] = MUST(mem::physical::allocate());
        uint64_t* words = mem::direct_map_address(frame[i]).as_pointer<uint64_t>();
        for (unsigned word = 0; word < arch::page_size / 8; ++word)
            words[word] = value_of(i);
    }
    mem::AddressSpace& kernel = mem::kernel_address_space();
    MUST(kernel.map(arch::VirtAddr(shared_page), frame[0], arch::Protection::read_only()));

    uint64_t generation = 0; // GCC atomics; frame[generation % 3] is mapped once it reads so
    bool stop = false;
    uint64_t checked = 0, stale = 0;
    auto reader = [&] {
        const volatile uint64_t* word = arch::VirtAddr(shared_page).as_pointer<const volatile uint64_t>();
        while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
            const uint64_t before = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
            const uint64_t value = *word;
            __atomic_thread_fence(__ATOMIC_ACQUIRE);
            const uint64_t after = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
            if (before != after)
                continue;
            __atomic_add_fetch(&checked, 1, __ATOMIC_RELAXED);
            if (value != value_of(before) && value != value_of(before + 1))
                __atomic_add_fetch(&stale, 1, __ATOMIC_RELAXED);
        }
        return 0;
    };
    sched::Thread* readers[arch::max_cpus] = {};
    const uint32_t count = arch::online_cpu_count() - 1;
    for (uint32_t i = 0; i < count; ++i)
        readers[i] = &sched::testing::start("reader", reader);
    sched::sleep_for(std::chrono::milliseconds(2)); // the readers run and cache the translation
    RemapRun run;
    for (uint64_t i = 1; i <= replacements; ++i) {
        (void)MUST(kernel.replace_frame(arch::VirtAddr(shared_page), frame[i % frames]));
        __atomic_store_n(&generation, i, __ATOMIC_RELEASE);
        ++run.replacements;
        // Let the readers read this generation a while (their TLBs take it in).
        const uint64_t until = arch::tsc::now() + *arch::tsc::frequency_hz() / 5000; // 0.2 ms
        while (arch::tsc::now() < until)
            arch::pause();
    }
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    for (uint32_t i = 0; i < count; ++i)
        sched::join(*readers[i]);
    const arch::PhysAddr last = MUST(kernel.unmap(arch::VirtAddr(shared_page)));
    (void)last;
    for (unsigned i = 0; i < frames; ++i)
        mem::physical::free(frame[i]);
    run.checked_reads = checked;
    run.stale_reads = stale;
    return run;
}

} // namespace

KTEST(smp, a_page_remapped_under_readers_on_other_cpus_is_never_read_stale)
{
    skip_on_one_cpu();
    const uint64_t sent = smp::shootdowns_sent();
    const RemapRun run = replace_under_readers(300);
    core::println("    # smp: {} replacements, {} checked reads, {} stale; {} shootdowns", run.replacements,
                  run.checked_reads, run.stale_reads, smp::shootdowns_sent() - sent);
    EXPECT_GE(smp::shootdowns_sent() - sent, run.replacements, "each replacement shot the page down");
    EXPECT_GT(run.checked_reads, run.replacements, "the readers read throughout");
    EXPECT_EQ(run.stale_reads, 0u);
}

// The check fires: without the shootdown (the hook taken away for the
// run), the readers' CPUs keep the old translation and read old frames.
KTEST(smp, without_the_shootdown_a_reader_on_another_cpu_reads_a_stale_frame)
{
    skip_on_one_cpu();
    mem::set_tlb_shootdown(nullptr);
    const RemapRun run = replace_under_readers(300);
    mem::set_tlb_shootdown(&smp::shoot_down_tlb);
    core::println("    # smp: without shootdowns: {} replacements, {} checked reads, {} stale", run.replacements,
                  run.checked_reads, run.stale_reads);
    EXPECT_GT(run.stale_reads, 0u, "a missing shootdown shows as stale reads");
}
