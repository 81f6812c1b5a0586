// KTEST cases of semaphore.cpp: a bounded buffer between producers and
// consumers, and acquiring with a deadline.

#include "sched/semaphore.h"
#include "drivers/system_timer.h"
#include "ktest/ktest.h"
#include "sched/mutex.h"
#include "sched/test_threads.h"

using namespace std::chrono_literals;

namespace {

// The textbook bounded buffer: `free` counts empty slots, `filled` full
// ones, the mutex guards the ring itself.
struct BoundedBuffer {
    static constexpr uint32_t capacity = 4;
    uint32_t slots[capacity] = {};
    uint32_t head = 0, tail = 0;
    uint32_t most_filled = 0;
    sched::Semaphore free{capacity, "free slots"};
    sched::Semaphore filled{0, "filled slots"};
    sched::Mutex lock{"ring"};

    void put(uint32_t value)
    {
        free.acquire();
        {
            const sched::MutexGuard guard(lock);
            slots[tail++ % capacity] = value;
            const uint32_t in_use = tail - head;
            most_filled = in_use > most_filled ? in_use : most_filled;
        }
        filled.release();
    }
    uint32_t take()
    {
        filled.acquire();
        uint32_t value;
        {
            const sched::MutexGuard guard(lock);
            value = slots[head++ % capacity];
        }
        free.release();
        return value;
    }
};

} // namespace

KTEST(semaphore, producers_and_consumers_pass_every_item_exactly_once_through_a_bounded_buffer)
{
    constexpr uint32_t per_producer = 2000;
    BoundedBuffer buffer;
    static bool seen[2 * per_producer];
    for (bool& s : seen)
        s = false;
    uint32_t duplicates = 0;
    uint64_t sum = 0;
    sched::Mutex tally{"tally"}; // the two consumers share the tally
    auto producer = [&](uint32_t first) {
        return [&, first] {
            for (uint32_t i = 0; i < per_producer; ++i)
                buffer.put(first + i);
            return 0;
        };
    };
    auto consumer = [&] {
        for (uint32_t i = 0; i < per_producer; ++i) {
            const uint32_t value = buffer.take();
            const sched::MutexGuard guard(tally);
            duplicates += seen[value];
            seen[value] = true;
            sum += value;
        }
        return 0;
    };
    auto p0 = producer(0), p1 = producer(per_producer);
    sched::Thread* threads[] = {&sched::testing::start("producer", p0), &sched::testing::start("producer", p1),
                                &sched::testing::start("consumer", consumer),
                                &sched::testing::start("consumer", consumer)};
    for (auto* thread : threads)
        sched::join(*thread);
    const uint64_t n = 2 * per_producer;
    EXPECT_EQ(duplicates, 0u);
    EXPECT_EQ(sum, n * (n - 1) / 2, "every item arrived");
    EXPECT_LE(buffer.most_filled, BoundedBuffer::capacity, "the producers blocked on a full buffer");
    EXPECT_EQ(buffer.free.count(), BoundedBuffer::capacity);
    EXPECT_EQ(buffer.filled.count(), 0u);
}

KTEST(semaphore, acquire_until_times_out_without_a_unit_and_succeeds_with_one)
{
    sched::Semaphore empty{0, "empty"};
    const uint64_t before = drivers::system_timer::uptime_ns();
    EXPECT_FALSE(empty.acquire_until(sched::Deadline::after(3ms)));
    EXPECT_GE(drivers::system_timer::uptime_ns() - before, 3'000'000u);
    empty.release();
    EXPECT_TRUE(empty.acquire_until(sched::Deadline::after(3ms)));
    EXPECT_EQ(empty.count(), 0u);
    EXPECT_FALSE(empty.try_acquire());
}

KTEST(semaphore, release_wakes_as_many_waiters_as_units)
{
    sched::Semaphore gate{0, "gate"};
    int passed = 0;
    auto body = [&] {
        gate.acquire();
        __atomic_add_fetch(&passed, 1, __ATOMIC_RELAXED); // the waiters may run on different CPUs at once
        return 0;
    };
    sched::Thread* threads[] = {&sched::testing::start("w", body), &sched::testing::start("w", body),
                                &sched::testing::start("w", body)};
    sched::sleep_for(1ms); // all three block
    gate.release(2);
    sched::sleep_for(1ms);
    EXPECT_EQ(__atomic_load_n(&passed, __ATOMIC_RELAXED), 2);
    gate.release();
    for (auto* thread : threads)
        sched::join(*thread);
    EXPECT_EQ(passed, 3);
}
