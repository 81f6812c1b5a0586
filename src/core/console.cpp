#include "core/console.h"

namespace core {

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
    for (size_t i = 0; i < m_count; ++i)
        m_consoles[i]->write(text);
}

} // namespace core
