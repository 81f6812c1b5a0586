// Cleanup actions of a case (ktest::defer in ktest.h): a fixed table, since
// a case may fail because the heap is broken.

#include "core/panic.h"
#include "ktest/internal.h"
#include "ktest/ktest.h"

namespace ktest {

namespace {
struct Deferred {
    DeferredCall call;
    DeferredCall destroy;
    alignas(16) std::byte storage[max_deferred_bytes];
};
Deferred g_deferred[max_deferred];
uint32_t g_count = 0;
} // namespace

void* defer_slot(DeferredCall call, DeferredCall destroy, size_t bytes)
{
    if (!internal::state().running())
        core::panic("ktest::defer used outside a test case");
    if (g_count == max_deferred)
        core::panic("ktest::defer: more than {} cleanup actions in one case", max_deferred);
    if (bytes > max_deferred_bytes)
        core::panic("ktest::defer: an action of {} bytes (at most {})", bytes, max_deferred_bytes);
    Deferred& slot = g_deferred[g_count++];
    slot.call = call;
    slot.destroy = destroy;
    return slot.storage;
}

uint32_t internal::deferred_actions()
{
    return g_count;
}

void internal::run_deferred_actions()
{
    // Each is taken off before it runs: one that fails (an ASSERT in it
    // runs the rest at once) or panics is not run again.
    while (g_count > 0) {
        Deferred& action = g_deferred[--g_count];
        (void)run_protected(Phase::CaseTeardown, [&] { action.call(action.storage); });
        action.destroy(action.storage);
    }
}

} // namespace ktest
