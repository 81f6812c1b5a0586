#include "core/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/per_cpu.h"
#include "core/panic.h"

namespace core {

ConsoleMux::Guard::Guard(ConsoleMux& mux) : m_mux(mux), m_interrupts_were_enabled(arch::interrupts_enabled()), m_held(true)
{
    arch::disable_interrupts();
    // Interrupts are off, so this CPU stays this CPU until the destructor.
    const uint32_t me = arch::this_cpu_data().id + 1;
    if (__atomic_load_n(&mux.m_owner, __ATOMIC_RELAXED) == me) {
        ++mux.m_depth; // nested on the holder's CPU
        return;
    }
    for (uint32_t expected = 0;
         !__atomic_compare_exchange_n(&mux.m_owner, &expected, me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
         expected = 0) {
        if (panic_in_progress()) {
            m_held = false; // write past the holder, which may never let go
            return;
        }
        arch::pause();
    }
    mux.m_depth = 1;
}

ConsoleMux::Guard::~Guard()
{
    if (m_held && --m_mux.m_depth == 0)
        __atomic_store_n(&m_mux.m_owner, 0, __ATOMIC_RELEASE);
    if (m_interrupts_were_enabled)
        arch::enable_interrupts();
}

std::string_view to_string(ConsoleError error)
{
    switch (error) {
    case ConsoleError::MuxFull: return "the console mux is full: every slot holds a console";
    }
    return "unknown console error";
}

kstd::Expected<void, ConsoleError> ConsoleMux::attach(Console& console)
{
    for (size_t i = 0; i < m_count; ++i) {
        if (m_consoles[i] == &console)
            return {};
    }
    if (m_count == max_consoles)
        return kstd::unexpected(ConsoleError::MuxFull);
    m_consoles[m_count++] = &console;
    return {};
}

void ConsoleMux::detach(Console& console)
{
    for (size_t i = 0; i < m_count; ++i) {
        if (m_consoles[i] == &console) {
            m_consoles[i] = m_consoles[--m_count];
            m_consoles[m_count] = nullptr;
            return;
        }
    }
}

void ConsoleMux::write(std::string_view text)
{
    const Guard guard(*this);
    if (!text.empty())
        m_at_line_start = text.back() == '\n';
    for (size_t i = 0; i < m_count; ++i)
        m_consoles[i]->write(text);
}

void ConsoleMux::write_terminal(std::string_view bytes)
{
    const Guard guard(*this);
    if (!bytes.empty())
        m_at_line_start = bytes.back() == '\n';
    for (size_t i = 0; i < m_count; ++i)
        m_consoles[i]->write_terminal(bytes);
}

} // namespace core
