// DDI fault injection (what WdfFiTester does on Windows): chosen C API calls
// that can fail for want of memory fail with STATUS_INSUFFICIENT_RESOURCES
// (or NULL) on their N-th call, every K-th call, or a seeded share of calls,
// so a driver's failure paths run in ordinary tests. Set by
// WDFIO_FAULT_DDI=NAME[:N|:every=K|:rate=P][,...] (NAME "*": every such call,
// counted together; WDFIO_FAULT_SEED seeds rate=), read when the host
// starts, or WdfioHostSetDdiFaults.
#pragma once
#include "compat/boundary.hpp"

#include <atomic>
#include <string_view>

namespace wdfio::compat::fault {

namespace detail {
extern std::atomic<bool> g_armed;
bool decide(const char* call) noexcept;
}  // namespace detail

// Whether the call this thread runs fails here. Decided once per call (at its
// first point: a create that publishes two handles is one call), and only
// for the calls that can fail this way; free when nothing is configured.
inline bool fail_here() noexcept {
    if (!detail::g_armed.load(std::memory_order_relaxed)) return false;
    CallScope* scope = CallScope::current;
    if (!scope) return false;
    if (scope->fail < 0) scope->fail = detail::decide(scope->call) ? 1 : 0;
    return scope->fail == 1;
}

// Replaces the configuration (empty: none); a bad one → STATUS_INVALID_PARAMETER, the old one kept.
Status configure(std::string_view spec);
// The calls failed so far.
unsigned long long injected() noexcept;
// WDFIO_FAULT_DDI and WDFIO_FAULT_SEED, read once, when the host starts.
void load_environment();

}  // namespace wdfio::compat::fault
