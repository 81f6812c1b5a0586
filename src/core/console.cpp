#include "core/console.h"

namespace core {

bool ConsoleMux::attach(Console& console)
{
    for (size_t i = 0; i < m_count; ++i) {
        if (m_consoles[i] == &console)
            return true;
    }
    if (m_count == max_consoles)
        return false;
    m_consoles[m_count++] = &console;
    return true;
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
