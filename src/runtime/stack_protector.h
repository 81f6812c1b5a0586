#pragma once

namespace runtime {

// Must be called before any function with a protected frame that will
// return: the functions active during the change would fail their check.
[[gnu::no_stack_protector]] void randomize_stack_guard();

} // namespace runtime
