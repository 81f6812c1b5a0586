// KTEST cases for the early-output recorder (src/core/console_recorder.cpp).

#include "core/console_recorder.h"
#include "ktest/ktest.h"

KTEST(console_recorder, keeps_text_in_order)
{
    static core::ConsoleRecorder recorder;
    recorder.clear();
    recorder.write("Kestrel ");
    recorder.write("boots\n");
    EXPECT_STREQ(recorder.text(), "Kestrel boots\n");
    EXPECT_EQ(recorder.dropped(), 0u);
}

KTEST(console_recorder, counts_what_does_not_fit)
{
    static core::ConsoleRecorder recorder;
    recorder.clear();
    char block[100];
    for (char& c : block)
        c = 'x';
    for (size_t i = 0; i < core::ConsoleRecorder::capacity / sizeof block; ++i)
        recorder.write({block, sizeof block});
    recorder.write("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz");
    EXPECT_EQ(recorder.text().size(), core::ConsoleRecorder::capacity);
    EXPECT_EQ(recorder.dropped(), 12u, "4000 + 108 bytes written, 4096 kept");
    EXPECT_EQ(recorder.text().back(), 'n', "the 96th of the last 108 bytes");
}
