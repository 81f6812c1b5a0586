#include "kernel/print.h"

namespace kernel {

drivers::ConsoleMux& console()
{
    static drivers::ConsoleMux mux;
    return mux;
}

} // namespace kernel
