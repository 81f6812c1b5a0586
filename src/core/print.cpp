#include "core/print.h"

namespace core {

core::ConsoleMux& console()
{
    static core::ConsoleMux mux;
    return mux;
}

} // namespace core
