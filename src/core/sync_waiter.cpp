#include "core/sync_waiter.hpp"

#include "core/futex.hpp"
#include "engine/spin_policy.hpp"

namespace wdfio::detail {

namespace {
constexpr std::int64_t kSpinNs = 20'000;  // polling before sleeping, while the core is ours (engine/spin_policy.hpp)
constexpr std::uint32_t kWaiting = 0, kSignaled = 1, kSleeping = 2;
thread_local SpinPolicy t_spin;  // per waiting thread: what it learnt of its core outlives one wait

bool spin(const std::atomic<std::uint32_t>& s) {
    return t_spin.spin([&] { return s.load(std::memory_order_acquire) == kSignaled; }, kSpinNs);
}
}  // namespace

// Only a waiter that went to sleep costs a futex wake (a syscall); the wake
// uses only the address, so it is safe if the waiter has already returned.
void SyncWaiter::signal() noexcept {
    if (state_.exchange(kSignaled, std::memory_order_acq_rel) == kSleeping) futex_wake_all(state_);
}

void SyncWaiter::wait() noexcept {
    if (spin(state_)) return;
    std::uint32_t s = kWaiting;
    while (s != kSignaled) {
        if (s == kWaiting && !state_.compare_exchange_strong(s, kSleeping, std::memory_order_acq_rel)) continue;
        futex_wait(state_, kSleeping, -1);
        s = state_.load(std::memory_order_acquire);
    }
}

bool SyncWaiter::wait_for(std::chrono::nanoseconds timeout) noexcept {
    if (spin(state_)) return true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::uint32_t s = kWaiting;
    while (s != kSignaled) {
        if (s == kWaiting && !state_.compare_exchange_strong(s, kSleeping, std::memory_order_acq_rel)) continue;
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds::zero()) return false;
        futex_wait(state_, kSleeping, std::chrono::duration_cast<std::chrono::nanoseconds>(left).count());
        s = state_.load(std::memory_order_acquire);
    }
    return true;
}

}  // namespace wdfio::detail
