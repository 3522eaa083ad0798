// SyncWaiter: a one-shot event a synchronous sender sleeps on. It spins
// briefly first (waking a sleeping thread on the other vCPU costs ~27 µs) and
// is safe to signal even if the waiter returns and its stack frame goes away
// right after the store (the futex wake only uses the address).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

namespace wdfio::detail {

class SyncWaiter {
public:
    void signal() noexcept;
    void wait() noexcept;
    // false if the deadline passed first.
    bool wait_for(std::chrono::nanoseconds timeout) noexcept;

private:
    std::atomic<std::uint32_t> state_{0};
};

}  // namespace wdfio::detail
