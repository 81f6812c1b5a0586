// KTEST cases for the console mux (src/core/console.cpp).

#include "core/console.h"
#include "ktest/ktest.h"

namespace {

class RecordingConsole final : public core::Console {
public:
    void write(std::string_view text) override { m_text.write(text); }
    std::string_view text() const { return m_text.view(); }

private:
    kstd::StringBuffer<64> m_text;
};

} // namespace

KTEST(console_mux, forwards_every_write_to_each_console)
{
    core::ConsoleMux mux;
    RecordingConsole a, b;
    ASSERT_OK(mux.attach(a));
    ASSERT_OK(mux.attach(b));
    kstd::format_to(mux, "n={}", 5);
    EXPECT_STREQ(a.text(), "n=5");
    EXPECT_STREQ(b.text(), "n=5");
}

KTEST(console_mux, attach_twice_is_once_and_detach_stops_output)
{
    core::ConsoleMux mux;
    RecordingConsole a, b;
    ASSERT_OK(mux.attach(a));
    ASSERT_OK(mux.attach(a));
    EXPECT_EQ(mux.count(), 1u);
    ASSERT_OK(mux.attach(b));
    mux.detach(a);
    mux.write("x");
    EXPECT_STREQ(a.text(), "");
    EXPECT_STREQ(b.text(), "x");
}

KTEST(console_mux, refuses_a_fifth_console)
{
    core::ConsoleMux mux;
    RecordingConsole consoles[core::ConsoleMux::max_consoles + 1];
    for (size_t i = 0; i < core::ConsoleMux::max_consoles; ++i)
        EXPECT_OK(mux.attach(consoles[i]));
    EXPECT_ERROR(mux.attach(consoles[core::ConsoleMux::max_consoles]), core::ConsoleError::MuxFull);
    EXPECT_EQ(mux.count(), core::ConsoleMux::max_consoles, "the refused console is not attached");
}
