// KTEST cases that prove the kernel heap (and its per-CPU cache), the frame
// allocator and the kernel address space safe under preemption (issue 9,
// part 4): several kernel threads hammer one of them at once, never
// yielding, so only the 1 ms timer tick switches between them, anywhere
// outside a spinlock or a preemption guard. Each thread checks its own
// memory, filled with a pattern that names the thread and the allocation,
// so a block, frame or page handed to two threads, or written by another,
// shows; afterwards every counter must be back exactly where it was.
//
// Proof that they really interleaved: before and after each of its steps a
// thread reads how many steps the others have made. On one CPU, a change
// means the thread was switched out in between: preempted, since nobody
// yields. Each thread must have seen that; without preemption the first
// thread would run to the deadline alone and the others after it, and no
// thread would see another move.

#include <cstdint>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/memory_layout.h"
#include "arch/x86_64/per_cpu.h"
#include "arch/x86_64/tsc.h"
#include "ktest/ktest.h"
#include "mem/direct_map.h"
#include "mem/heap/cpu_cache.h"
#include "mem/heap/heap_address.h"
#include "mem/kasan/shadow.h"
#include "mem/kernel_address_space.h"
#include "mem/kernel_heap.h"
#include "mem/physical_memory.h"
#include "sched/thread.h"
#include "sync/atomic.h"

namespace {

constexpr unsigned thread_count = 4;
// Each case hammers for this long (some 25 ticks shared by 4 threads and the
// joining boot thread), and each thread makes at least min_steps.
constexpr uint64_t run_microseconds = 25'000;
constexpr uint64_t min_steps = 20;

struct Shared {
    sync::Atomic<uint64_t> steps[thread_count]; // each written by its own thread only
    sync::Atomic<uint32_t> started{0};          // threads at the start line
    sync::Atomic<uint64_t> deadline{0};         // TSC; set by the last to start
    sync::Atomic<uint32_t> blind{0};            // threads that have not seen another move yet
    uint64_t run_ticks = 0;                     // TSC ticks from then to the deadline
};

struct Worker {
    Shared* shared = nullptr;
    unsigned index = 0;
    uint64_t random = 0;
    uint64_t steps = 0;
    uint64_t saw_others_between_steps = 0; // switched out between two of its steps
    uint64_t saw_others_during_a_step = 0; // switched out in the middle of one
    uint64_t corrupted = 0;                // pattern mismatches
    uint64_t failed = 0;                   // errors from the API under test
    uint64_t allocations = 0;              // for the pattern's tag

    uint64_t next_random()
    {
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        return random;
    }
    // A value no other allocation of any thread has.
    uint64_t new_tag() { return (uint64_t{index + 1} << 56) | ++allocations; }
};

Shared g_shared;

uint64_t others_steps(const Worker& worker)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < thread_count; ++i)
        if (i != worker.index)
            sum += worker.shared->steps[i].load(sync::MemoryOrder::Relaxed);
    return sum;
}

// Waits (yielding) until every thread has started, so that they all hammer
// in the same window, whichever the scheduler ran first; the last one to
// arrive sets the deadline. The yields are over before the counting starts.
uint64_t start_together(Shared& shared)
{
    if (shared.started.fetch_add(1) + 1 == thread_count)
        shared.deadline.store(arch::tsc::now() + shared.run_ticks);
    uint64_t deadline;
    while ((deadline = shared.deadline.load()) == 0)
        sched::yield();
    return deadline;
}

// Runs step() until the deadline (and at least min_steps times), counting
// the other threads' progress seen between and during its steps. While any
// thread has not seen another move, all go on, up to 200 windows (5 s): on a busy
// host the guest (or one of its CPUs) may be stopped for most of a window
// (the TSC runs on meanwhile, the guest's ticks do not come), which is no
// proof of anything.
template <typename Step>
void hammer(Worker& worker, Step&& step)
{
    const uint64_t deadline = start_together(*worker.shared);
    const uint64_t last_chance = deadline + 199 * worker.shared->run_ticks;
    uint64_t seen = others_steps(worker);
    bool blind = true;
    while (worker.steps < min_steps || arch::tsc::now() < deadline
           || (worker.shared->blind.load() > 0 && arch::tsc::now() < last_chance)) {
        const uint64_t before = others_steps(worker);
        worker.saw_others_between_steps += before != seen;
        step();
        seen = others_steps(worker);
        worker.saw_others_during_a_step += seen != before;
        worker.shared->steps[worker.index].store(++worker.steps, sync::MemoryOrder::Relaxed);
        if (blind && worker.saw_others_between_steps + worker.saw_others_during_a_step > 0) {
            blind = false;
            worker.shared->blind.fetch_add(static_cast<uint32_t>(-1));
        }
    }
}

// The word at `i` of a block tagged `tag`.
constexpr uint64_t pattern(uint64_t tag, uint64_t i)
{
    return tag ^ (i * uint64_t{0x9E37'79B9'7F4A'7C15});
}

void fill(void* memory, size_t bytes, uint64_t tag)
{
    auto* words = static_cast<uint64_t*>(memory);
    for (size_t i = 0; i < bytes / 8; ++i)
        words[i] = pattern(tag, i);
}

bool intact(const void* memory, size_t bytes, uint64_t tag)
{
    const auto* words = static_cast<const uint64_t*>(memory);
    for (size_t i = 0; i < bytes / 8; ++i)
        if (words[i] != pattern(tag, i))
            return false;
    return true;
}

// Starts one thread per worker on `entry`, waits for them all and checks
// what every case checks: no corruption, no failure, and interleaving.
// Creates and joins thread_count idle threads: their stack slots (the
// lowest free ones, which run_threads gets again) then have their page
// tables, and the heap has room for their records, so a case's counters
// taken after this see only what its workers do.
void warm_up_threads()
{
    sched::Thread* threads[thread_count] = {};
    for (auto& thread : threads)
        thread = MUST(sched::Thread::create("warm-up", [](void*) { return 0; }, nullptr));
    for (sched::Thread* thread : threads)
        (void)sched::join(*thread);
}

void run_threads(Worker (&workers)[thread_count], int (*entry)(void*))
{
    ASSERT_TRUE(arch::interrupts_enabled(), "the timer must tick");

    const uint64_t hz = MUST(arch::tsc::frequency_hz());
    for (auto& steps : g_shared.steps)
        steps.store(0);
    g_shared.started.store(0);
    g_shared.deadline.store(0);
    g_shared.blind.store(thread_count);
    g_shared.run_ticks = hz / 1'000'000 * run_microseconds;
    sched::Thread* threads[thread_count] = {};
    for (unsigned i = 0; i < thread_count; ++i) {
        workers[i].shared = &g_shared;
        workers[i].index = i;
        workers[i].random = uint64_t{0x2545'F491'4F6C'DD1D} * (i + 1);
        auto thread = sched::Thread::create("hammer", entry, &workers[i]);
        ASSERT_OK(thread, "thread {}", i);
        threads[i] = *thread;
    }
    for (sched::Thread* thread : threads)
        EXPECT_EQ(sched::join(*thread), 0);
    for (const Worker& worker : workers) {
        EXPECT_GE(worker.steps, min_steps, "thread {}", worker.index);
        EXPECT_EQ(worker.corrupted, 0u, "thread {}: memory it owned was changed", worker.index);
        EXPECT_EQ(worker.failed, 0u, "thread {}: calls failed", worker.index);
        // Each was preempted at least once while the others were running.
        EXPECT_GT(worker.saw_others_between_steps + worker.saw_others_during_a_step, 0u,
                  "thread {} never saw another thread move: no preemption", worker.index);
    }
    uint64_t during = 0;
    for (const Worker& worker : workers)
        during += worker.saw_others_during_a_step;
    EXPECT_GT(during, 0u, "some thread was preempted in the middle of a step");
}

// --- The kernel heap ------------------------------------------------------

struct Block {
    void* memory = nullptr;
    size_t bytes = 0;
    uint64_t tag = 0;
};
constexpr unsigned heap_slots = 48;

// Mixed sizes (multiples of 8), small ones most often: every class of the
// per-CPU cache, the large blocks past it, and now and then an alignment
// beyond the class (the slow path).
struct Request {
    size_t bytes;
    size_t alignment;
};
template <size_t N>
Request random_request(Worker& worker, const size_t (&sizes)[N])
{
    const uint64_t r = worker.next_random();
    return {sizes[r % N], (r >> 32) % 8 == 0 ? size_t{256} : size_t{16}};
}
constexpr size_t mixed_sizes[] = {8, 16, 24, 32, 48, 64, 64, 96, 128, 200, 256, 512, 1000, 2048, 3000, 4096};

int kernel_heap_worker(void* argument)
{
    Worker& worker = *static_cast<Worker*>(argument);
    Block blocks[heap_slots];
    const auto release = [&](Block& block) {
        worker.corrupted += !intact(block.memory, block.bytes, block.tag);
        worker.failed += !mem::kernel_heap::deallocate(block.memory).has_value();
        block = {};
    };
    hammer(worker, [&] {
        Block& block = blocks[worker.next_random() % heap_slots];
        if (block.memory)
            release(block);
        const Request request = random_request(worker, mixed_sizes);
        auto memory = mem::kernel_heap::allocate(request.bytes, request.alignment);
        if (!memory) {
            ++worker.failed;
            return;
        }
        block = {*memory, request.bytes, worker.new_tag()};
        worker.failed += mem::heap::address_of(block.memory) % request.alignment != 0;
        fill(block.memory, block.bytes, block.tag);
    });
    for (Block& block : blocks)
        if (block.memory)
            release(block);
    return 0;
}

} // namespace

KTEST(concurrency, preempted_threads_share_the_kernel_heap)
{
    const mem::KernelHeapStatistics before = mem::kernel_heap::statistics();
    Worker workers[thread_count];
    run_threads(workers, &kernel_heap_worker);
    const mem::KernelHeapStatistics after = mem::kernel_heap::statistics();
    EXPECT_EQ(after.heap.live_allocations, before.heap.live_allocations);
    EXPECT_EQ(after.heap.used_bytes, before.heap.used_bytes);
}

// --- A per-CPU cache alone ------------------------------------------------
// In a test kernel the kernel heap runs behind KASAN, whose lock keeps
// preemption off around the cache. Here the threads use a cache of their own,
// as the product's kernel heap does: its fast path under preemption.

namespace {

KESTREL_PER_CPU mem::heap::CpuMagazines g_hammered_magazines;
// Small blocks mostly, so that a good part of each step is spent in the
// cache rather than in filling and checking memory (a preemption inside a
// push or pop is what this case is after), and a large one now and then.
constexpr size_t small_sizes[] = {8, 16, 16, 24, 32, 32, 48, 64, 64, 64, 96, 128, 128, 256, 512, 4096};
mem::heap::CpuCache* g_hammered_cache = nullptr;

// The design's memory is poisoned for KASAN until a payload is handed out
// (the bare cache does not unpoison it, KASAN's allocate would).
void lend([[maybe_unused]] const Block& block)
{
#ifdef KESTREL_KASAN
    mem::kasan::unpoison(mem::heap::address_of(block.memory), block.bytes);
#endif
}
void take_back([[maybe_unused]] const Block& block)
{
#ifdef KESTREL_KASAN
    mem::kasan::poison(mem::heap::address_of(block.memory), block.bytes, mem::kasan::unallocated);
#endif
}

int cpu_cache_worker(void* argument)
{
    Worker& worker = *static_cast<Worker*>(argument);
    mem::heap::CpuCache& cache = *g_hammered_cache;
    Block blocks[heap_slots];
    const auto release = [&](Block& block) {
        worker.corrupted += !intact(block.memory, block.bytes, block.tag);
        take_back(block);
        worker.failed += !cache.deallocate(block.memory).has_value();
        block = {};
    };
    hammer(worker, [&] {
        Block& block = blocks[worker.next_random() % heap_slots];
        if (block.memory)
            release(block);
        const Request request = random_request(worker, small_sizes);
        auto memory = cache.allocate(request.bytes, request.alignment);
        if (!memory) {
            ++worker.failed;
            return;
        }
        block = {*memory, request.bytes, worker.new_tag()};
        lend(block);
        fill(block.memory, block.bytes, block.tag);
    });
    for (Block& block : blocks)
        if (block.memory)
            release(block);
    return 0;
}

struct HammeredCache {
    mem::HeapInstance instance{mem::HeapDesign::FixedSizeBlocks};
    sync::Spinlock lock{"hammered CPU cache", sync::LockRank::KernelHeap};
    mem::heap::CpuCache cache{*instance.fixed_size_blocks(), lock, g_hammered_magazines};
};

} // namespace

KTEST(concurrency, preempted_threads_share_a_per_cpu_cache_without_its_lock)
{
    HammeredCache hammered;
    g_hammered_cache = &hammered.cache;
    Worker workers[thread_count];
    run_threads(workers, &cpu_cache_worker);
    EXPECT_EQ(hammered.cache.statistics().live_allocations, 0u);
    EXPECT_EQ(hammered.cache.statistics().used_bytes, 0u);
    hammered.cache.flush_every_cpu(); // the workers have ended: no CPU is in its magazines
    EXPECT_EQ(hammered.cache.design().statistics().live_allocations, 0u, "every cached block went back");
    EXPECT_TRUE(hammered.cache.design().check_consistency());
    g_hammered_cache = nullptr;
}

// --- The frame allocator --------------------------------------------------

namespace {

struct Frame {
    arch::PhysAddr address;
    uint64_t tag = 0;
};
constexpr unsigned frame_slots = 16;
constexpr size_t words_per_frame = arch::frame_size / 8;

// Every 8th word of the frame and its last, through the direct map.
bool frame_intact(const Frame& frame)
{
    const auto* words = MUST(mem::phys_to_virt(frame.address)).as_pointer<const uint64_t>();
    for (size_t i = 0; i < words_per_frame; i += 8)
        if (words[i] != pattern(frame.tag, i))
            return false;
    return words[words_per_frame - 1] == pattern(frame.tag, words_per_frame - 1);
}

void fill_frame(const Frame& frame)
{
    auto* words = MUST(mem::phys_to_virt(frame.address)).as_pointer<uint64_t>();
    for (size_t i = 0; i < words_per_frame; i += 8)
        words[i] = pattern(frame.tag, i);
    words[words_per_frame - 1] = pattern(frame.tag, words_per_frame - 1);
}

int frame_worker(void* argument)
{
    Worker& worker = *static_cast<Worker*>(argument);
    Frame frames[frame_slots];
    const auto release = [&](Frame& frame) {
        worker.corrupted += !frame_intact(frame);
        worker.failed += !mem::physical::try_free(frame.address).has_value();
        frame = {};
    };
    hammer(worker, [&] {
        Frame& frame = frames[worker.next_random() % frame_slots];
        if (frame.tag != 0)
            release(frame);
        auto allocated = mem::physical::allocate();
        if (!allocated) {
            ++worker.failed;
            return;
        }
        frame = {*allocated, worker.new_tag()};
        fill_frame(frame);
    });
    for (Frame& frame : frames)
        if (frame.tag != 0)
            release(frame);
    return 0;
}

} // namespace

// The free frames before and after a run, from a run in which the kernel
// heap did not grow: on several CPUs a thread record freed on one CPU waits
// in that CPU's cache while another CPU's allocation grows the heap (frames
// for its pages and their KASAN shadow), which says nothing about the code
// under test. Up to three runs; each one checks everything else.
struct FrameCount {
    uint64_t before = 0;
    uint64_t after = 0;
    bool steady = false; // the heap did not grow in that run
};

template <typename Run>
FrameCount count_frames_around(Run run)
{
    FrameCount count;
    for (int attempt = 0; attempt < 3 && !count.steady; ++attempt) {
        warm_up_threads();
        const uint64_t heap_before = mem::kernel_heap::statistics().mapped_bytes;
        count.before = mem::physical::statistics().free_frames;
        run();
        count.after = mem::physical::statistics().free_frames;
        count.steady = mem::kernel_heap::statistics().mapped_bytes == heap_before;
    }
    return count;
}

KTEST(concurrency, preempted_threads_share_the_frame_allocator)
{
    const FrameCount frames = count_frames_around([] {
        Worker workers[thread_count];
        run_threads(workers, &frame_worker);
    });
    ASSERT_TRUE(frames.steady, "the kernel heap grew in each of three runs");
    EXPECT_EQ(frames.after, frames.before);
}

// --- The kernel address space ---------------------------------------------

namespace {

// Pages of the scratch region, 256 MiB in (the address-space tests use its
// start): thread i owns every thread_count-th page from page i, so all of
// them share one page table, made and freed as they map and unmap.
constexpr unsigned page_slots = 8;
constexpr uint64_t pages_base = arch::layout::scratch_region_base + (256ull << 20);

arch::VirtAddr page_of(const Worker& worker, unsigned slot)
{
    return arch::VirtAddr(pages_base + (uint64_t{slot} * thread_count + worker.index) * arch::page_size);
}

int address_space_worker(void* argument)
{
    Worker& worker = *static_cast<Worker*>(argument);
    mem::AddressSpace& space = mem::kernel_address_space();
    Frame mapped[page_slots]; // the frame behind each of its pages, and the page's tag
    const auto unmap = [&](unsigned slot) {
        Frame& frame = mapped[slot];
        const arch::VirtAddr page = page_of(worker, slot);
        // The page and the frame's direct-map address must show the same words.
        worker.corrupted += !intact(page.as_pointer<const uint64_t>(), arch::page_size, frame.tag);
        worker.corrupted += !frame_intact(frame);
        auto translated = space.translate(page);
        worker.corrupted += !translated || translated->physical != frame.address;
        auto unmapped = space.unmap(page);
        worker.failed += !unmapped;
        worker.corrupted += unmapped && *unmapped != frame.address;
        mem::physical::free(frame.address);
        frame = {};
    };
    hammer(worker, [&] {
        const unsigned slot = static_cast<unsigned>(worker.next_random() % page_slots);
        if (mapped[slot].tag != 0)
            unmap(slot);
        auto allocated = mem::physical::allocate();
        if (!allocated) {
            ++worker.failed;
            return;
        }
        const arch::VirtAddr page = page_of(worker, slot);
        if (!space.map(page, *allocated, arch::Protection::read_write())) {
            ++worker.failed;
            mem::physical::free(*allocated);
            return;
        }
        mapped[slot] = {*allocated, worker.new_tag()};
        fill(page.as_pointer<uint64_t>(), arch::page_size, mapped[slot].tag); // through the new mapping
    });
    for (unsigned slot = 0; slot < page_slots; ++slot)
        if (mapped[slot].tag != 0)
            unmap(slot);
    return 0;
}

} // namespace

KTEST(concurrency, preempted_threads_map_and_unmap_pages_of_the_kernel_address_space)
{
    mem::AddressSpace& space = mem::kernel_address_space();
    uint64_t tables_before = 0, tables_after = 0;
    const FrameCount frames = count_frames_around([&] {
        tables_before = space.table_frames();
        Worker workers[thread_count];
        run_threads(workers, &address_space_worker);
        tables_after = space.table_frames();
    });
    ASSERT_TRUE(frames.steady, "the kernel heap grew in each of three runs");
    EXPECT_EQ(tables_after, tables_before, "the shared page table was freed with the last page");
    EXPECT_EQ(frames.after, frames.before);
    EXPECT_FALSE(space.translate(arch::VirtAddr(pages_base)).has_value());
}
