// KTEST cases for the kstd containers in the kernel, with the kernel's flags:
// the intrusive list, and std::unique_ptr from the freestanding <memory>
// (which the kernel uses as its unique pointer). Vector runs on each heap
// design in src/mem/heap/heap_tests.cpp; the full suites are on the host
// (tests/host/vector_test.cpp, intrusive_list_test.cpp, unique_ptr_test.cpp).

#include <memory>
#include "ktest/ktest.h"
#include "kstd/intrusive_list.h"

namespace {

struct Waiter : kstd::IntrusiveListNode<> {
    explicit Waiter(int i) : id(i) {}
    int id;
};

// Objects in static storage, "freed" by marking them, so unique_ptr is tested
// without a heap.
struct Slot {
    bool released = false;
};
struct ReleaseSlot {
    void operator()(Slot* slot) const { slot->released = true; }
};

} // namespace

KTEST(intrusive_list, links_and_unlinks_without_allocating)
{
    Waiter a(1), b(2), c(3);
    kstd::IntrusiveList<Waiter> list;
    list.push_back(a);
    list.push_back(b);
    list.push_front(c);
    EXPECT_EQ(list.size(), 3u);
    int order[3] = {};
    int i = 0;
    for (const Waiter& waiter : list)
        order[i++] = waiter.id;
    EXPECT_EQ(order[0], 3);
    EXPECT_EQ(order[1], 1);
    EXPECT_EQ(order[2], 2);
    list.remove(a);
    EXPECT_FALSE(a.is_linked());
    EXPECT_EQ(list.pop_front(), &c);
    EXPECT_EQ(list.pop_front(), &b);
    EXPECT_TRUE(list.empty());
    EXPECT_NULL(list.pop_front());
}

KTEST(unique_ptr, freestanding_unique_ptr_runs_its_deleter)
{
    static Slot slots[2];
    // Static storage outlives the case: start every run (--repeat) unreleased.
    for (Slot& slot : slots)
        slot = Slot{};
    {
        std::unique_ptr<Slot, ReleaseSlot> first(&slots[0]);
        std::unique_ptr<Slot, ReleaseSlot> second(&slots[1]);
        std::unique_ptr<Slot, ReleaseSlot> moved = std::move(first);
        EXPECT_NULL(first.get());
        EXPECT_FALSE(slots[1].released);
        second.reset();
        EXPECT_TRUE(slots[1].released);
        EXPECT_FALSE(slots[0].released);
    }
    EXPECT_TRUE(slots[0].released);
    static_assert(sizeof(std::unique_ptr<Slot, ReleaseSlot>) == sizeof(Slot*));
}
