#include "core/sync_waiter.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace wdfio::detail {

namespace {
constexpr int kSpins = 4000;  // ~10 µs of polling before sleeping

long futex(std::atomic<std::uint32_t>* addr, int op, std::uint32_t val, const timespec* ts) {
    return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), op | FUTEX_PRIVATE_FLAG, val, ts, nullptr, 0);
}

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
    futex(&state_, FUTEX_WAKE, 1, nullptr);
}

void SyncWaiter::wait() noexcept {
    if (spin(state_)) return;
    while (!state_.load(std::memory_order_acquire)) futex(&state_, FUTEX_WAIT, 0, nullptr);
}

bool SyncWaiter::wait_for(std::chrono::nanoseconds timeout) noexcept {
    if (spin(state_)) return true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!state_.load(std::memory_order_acquire)) {
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds::zero()) return false;
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
        futex(&state_, FUTEX_WAIT, 0, &ts);
    }
    return true;
}

}  // namespace wdfio::detail
