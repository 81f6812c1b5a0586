// KTEST cases for the console mux (src/core/console.cpp).

#include "core/console.h"
#include "arch/x86_64/cpu.h"
#include "ktest/ktest.h"

namespace {

class RecordingConsole final : public core::Console {
public:
    void write(std::string_view text) override { m_text.write(text); }
    std::string_view text() const { return m_text.view(); }

private:
    kstd::StringBuffer<64> m_text;
};

// Records whether the mux was locked, and how deep, during each write, and
// can write into the mux from inside its own write once.
class ReentrantConsole final : public core::Console {
public:
    explicit ReentrantConsole(core::ConsoleMux& mux) : m_mux(mux) {}
    void write(std::string_view text) override
    {
        m_text.write(text);
        m_locked_every_time = m_locked_every_time && m_mux.is_locked();
        if (m_mux.lock_depth() > m_deepest)
            m_deepest = m_mux.lock_depth();
        if (m_reenter) {
            m_reenter = false;
            m_mux.write("[inner]"); // as an exception report printed from inside a console's write would
        }
    }
    std::string_view text() const { return m_text.view(); }
    bool locked_every_time() const { return m_locked_every_time; }
    uint32_t deepest() const { return m_deepest; }
    void reenter_once() { m_reenter = true; }

private:
    core::ConsoleMux& m_mux;
    kstd::StringBuffer<64> m_text;
    bool m_locked_every_time = true;
    bool m_reenter = false;
    uint32_t m_deepest = 0;
};

} // namespace

KTEST(console_mux, every_write_holds_the_lock_and_a_guard_holds_it_for_a_line)
{
    core::ConsoleMux mux;
    ReentrantConsole console(mux);
    ASSERT_OK(mux.attach(console));
    EXPECT_FALSE(mux.is_locked());
    mux.write("a");
    {
        const core::ConsoleMux::Guard line(mux);
        EXPECT_TRUE(mux.is_locked());
        EXPECT_FALSE(arch::interrupts_enabled(), "the lock is held with interrupts off");
        mux.write("b");
        mux.write("c");
    }
    EXPECT_TRUE(arch::interrupts_enabled());
    EXPECT_FALSE(mux.is_locked());
    EXPECT_TRUE(console.locked_every_time());
    EXPECT_EQ(console.deepest(), 2u, "a write inside a Guard nests in it");
    EXPECT_STREQ(console.text(), "abc");
}

KTEST(console_mux, a_write_from_inside_a_write_nests_instead_of_deadlocking)
{
    core::ConsoleMux mux;
    ReentrantConsole console(mux);
    ASSERT_OK(mux.attach(console));
    console.reenter_once();
    mux.write("outer");
    EXPECT_STREQ(console.text(), "outer[inner]");
    EXPECT_FALSE(mux.is_locked());
}

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
