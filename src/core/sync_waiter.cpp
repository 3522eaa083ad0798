#include "core/sync_waiter.hpp"

#include "core/futex.hpp"

namespace wdfio::detail {

namespace {
constexpr int kSpins = 4000;  // ~10 µs of polling before sleeping
constexpr std::uint32_t kWaiting = 0, kSignaled = 1, kSleeping = 2;

bool spin(const std::atomic<std::uint32_t>& s) {
    for (int i = 0; i < kSpins; ++i) {
        if (s.load(std::memory_order_acquire) == kSignaled) return true;
        __builtin_ia32_pause();
    }
    return false;
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
