// The lock every device and queue owns (driver spec R7.2), which
// WdfObjectAcquireLock takes (R7.11): a core SpinLock, made on first use so
// that objects nobody locks cost nothing.
#pragma once
#include <wdfio/spin_lock.hpp>

#include <atomic>

namespace wdfio::compat {

class CallbackLock {
public:
    CallbackLock() = default;
    CallbackLock(const CallbackLock&) = delete;
    CallbackLock& operator=(const CallbackLock&) = delete;
    ~CallbackLock() {
        if (SpinLock* l = lock_.load(std::memory_order_acquire)) l->release();
    }

    // Null only when the lock could not be made (out of memory). Two first
    // users race to publish theirs; the loser drops its own.
    SpinLock* get() noexcept {
        if (SpinLock* l = lock_.load(std::memory_order_acquire)) return l;
        auto made = SpinLock::create();
        if (!made) return nullptr;
        SpinLock* mine = std::move(made).value().detach();
        SpinLock* first = nullptr;
        if (lock_.compare_exchange_strong(first, mine, std::memory_order_acq_rel)) return mine;
        mine->release();
        return first;
    }

private:
    std::atomic<SpinLock*> lock_{nullptr};
};

}  // namespace wdfio::compat
