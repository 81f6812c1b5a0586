// kstd::IntrusiveList: links inside the elements, O(1) removal, several lists
// per element through tags.

#include <gtest/gtest.h>
#include <vector>
#include "kstd/intrusive_list.h"

namespace {

struct RunQueue {};
struct AllThreads {};

struct Thread : kstd::IntrusiveListNode<RunQueue>, kstd::IntrusiveListNode<AllThreads> {
    explicit Thread(int i) : id(i) {}
    int id;
};

using RunList = kstd::IntrusiveList<Thread, RunQueue>;
using AllList = kstd::IntrusiveList<Thread, AllThreads>;

std::vector<int> ids(const RunList& list)
{
    std::vector<int> result;
    for (const Thread& thread : list)
        result.push_back(thread.id);
    return result;
}

TEST(IntrusiveList, pushes_pops_and_iterates_in_order)
{
    Thread a(1), b(2), c(3);
    RunList list;
    EXPECT_TRUE(list.empty());
    EXPECT_EQ(list.front(), nullptr);
    EXPECT_EQ(list.pop_front(), nullptr);
    list.push_back(b);
    list.push_front(a);
    list.push_back(c);
    EXPECT_EQ(list.size(), 3u);
    EXPECT_EQ(ids(list), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(list.front(), &a);
    EXPECT_EQ(list.back(), &c);
    EXPECT_EQ(list.pop_front(), &a);
    EXPECT_EQ(list.pop_back(), &c);
    EXPECT_EQ(ids(list), (std::vector<int>{2}));
    EXPECT_FALSE(static_cast<kstd::IntrusiveListNode<RunQueue>&>(a).is_linked());
    list.clear();
    EXPECT_TRUE(list.empty());
    EXPECT_FALSE(static_cast<kstd::IntrusiveListNode<RunQueue>&>(b).is_linked());
}

TEST(IntrusiveList, removes_from_the_middle_and_inserts_anywhere)
{
    Thread t[5] = {Thread(0), Thread(1), Thread(2), Thread(3), Thread(4)};
    RunList list;
    for (Thread& thread : t)
        list.push_back(thread);
    list.remove(t[2]);
    EXPECT_EQ(ids(list), (std::vector<int>{0, 1, 3, 4}));
    EXPECT_FALSE(list.contains(t[2]));
    auto position = list.begin();
    ++position;
    ++position; // at 3
    list.insert(position, t[2]);
    EXPECT_EQ(ids(list), (std::vector<int>{0, 1, 2, 3, 4}));
    list.insert(list.end(), *list.pop_front());
    EXPECT_EQ(ids(list), (std::vector<int>{1, 2, 3, 4, 0}));
    // Backwards from the end.
    auto last = list.end();
    --last;
    EXPECT_EQ(last->id, 0);
    list.clear();
}

TEST(IntrusiveList, one_element_in_two_lists_through_tags)
{
    Thread a(1), b(2);
    RunList ready;
    AllList all;
    all.push_back(a);
    all.push_back(b);
    ready.push_back(b);
    EXPECT_EQ(all.size(), 2u);
    EXPECT_EQ(ready.size(), 1u);
    ready.remove(b);
    EXPECT_TRUE(all.contains(b));
    all.clear();
}

TEST(IntrusiveList, copying_an_element_does_not_copy_its_links)
{
    Thread a(1);
    RunList list;
    list.push_back(a);
    Thread copy = a;
    EXPECT_FALSE(static_cast<kstd::IntrusiveListNode<RunQueue>&>(copy).is_linked());
    EXPECT_EQ(list.size(), 1u);
    list.clear();
}

} // namespace
