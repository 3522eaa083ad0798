#include "core/sync_waiter.hpp"

#include "core/futex.hpp"

namespace wdfio::detail {

namespace {
constexpr int kSpins = 4000;  // ~10 µs of polling before sleeping

bool spin(const std::atomic<std::uint32_t>& s) {
    for (int i = 0; i < kSpins; ++i) {
        if (s.load(std::memory_order_acquire)) return true;
        __builtin_ia32_pause();
    }
    return false;
}
}  // namespace

void SyncWaiter::signal() noexcept {
    state_.store(1, std::memory_order_release);
    futex_wake_all(state_);  // uses only the address: safe if the waiter is already gone
}

void SyncWaiter::wait() noexcept {
    if (spin(state_)) return;
    while (!state_.load(std::memory_order_acquire)) futex_wait(state_, 0, -1);
}

bool SyncWaiter::wait_for(std::chrono::nanoseconds timeout) noexcept {
    if (spin(state_)) return true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!state_.load(std::memory_order_acquire)) {
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds::zero()) return false;
        futex_wait(state_, 0, std::chrono::duration_cast<std::chrono::nanoseconds>(left).count());
    }
    return true;
}

}  // namespace wdfio::detail
