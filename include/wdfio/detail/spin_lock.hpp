// SpinLock: for critical sections of a few pointer updates (queue and pool
// links) on the per-request path, where a pthread mutex costs more than the
// work it guards. Spins briefly, then yields: on 2 vCPUs the holder may have
// been preempted.
#pragma once
#include <atomic>
#include <thread>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio::detail {

class SpinLock {
public:
    void lock() noexcept {
        while (locked_.exchange(true, std::memory_order_acquire)) {
            for (int spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
                if (spins < 64) __builtin_ia32_pause();
                else std::this_thread::yield();
            }
        }
    }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> locked_{false};
};

}  // namespace wdfio::detail
#pragma GCC visibility pop
