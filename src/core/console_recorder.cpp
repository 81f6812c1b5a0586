#include "core/console_recorder.h"

namespace core {

void ConsoleRecorder::write(std::string_view text)
{
    const size_t room = capacity - m_size;
    const size_t kept = text.size() < room ? text.size() : room;
    for (size_t i = 0; i < kept; ++i)
        m_text[m_size + i] = text[i];
    m_size += kept;
    m_dropped += text.size() - kept;
}

} // namespace core
