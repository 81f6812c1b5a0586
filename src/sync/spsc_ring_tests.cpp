#include "sync/spsc_ring.h"
#include "ktest/ktest.h"

KTEST(spsc_ring, items_come_out_in_order)
{
    sync::SpscRing<int, 8> ring;
    EXPECT_TRUE(ring.empty());
    for (int i = 1; i <= 5; ++i)
        ASSERT_TRUE(ring.push(i));
    EXPECT_EQ(ring.size(), 5u);
    for (int i = 1; i <= 5; ++i) {
        auto item = ring.pop();
        ASSERT_TRUE(item.has_value());
        EXPECT_EQ(*item, i);
    }
    EXPECT_FALSE(ring.pop().has_value());
}

KTEST(spsc_ring, a_full_ring_refuses_items_and_keeps_the_old_ones)
{
    sync::SpscRing<uint8_t, 4> ring;
    for (uint8_t i = 0; i < 4; ++i)
        ASSERT_TRUE(ring.push(i));
    EXPECT_FALSE(ring.push(99));
    EXPECT_EQ(ring.size(), 4u);
    EXPECT_EQ(*ring.pop(), 0);
    EXPECT_TRUE(ring.push(4), "one slot is free again");
    EXPECT_EQ(*ring.pop(), 1);
}

KTEST(spsc_ring, wraps_around_many_times)
{
    sync::SpscRing<uint32_t, 4> ring;
    uint32_t next_out = 0;
    for (uint32_t i = 0; i < 1000; ++i) {
        ASSERT_TRUE(ring.push(i));
        if (i % 3 != 0) {
            auto item = ring.pop();
            ASSERT_TRUE(item.has_value());
            ASSERT_EQ(*item, next_out++);
        }
        if (ring.size() == 4) {
            while (auto item = ring.pop())
                ASSERT_EQ(*item, next_out++);
        }
    }
}
