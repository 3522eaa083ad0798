// The lock every device and queue owns (driver spec R7.2), which
// WdfObjectAcquireLock takes (R7.11) and, with synchronization scope Queue or
// Device, the driver's callbacks run under (R7.3, R7.4): a core
// CallbackLock, made on first use so that objects nobody locks cost nothing.
#pragma once
#include <wdfio/callback_lock.hpp>

#include <atomic>

namespace wdfio::compat {

class LazyCallbackLock {
public:
    LazyCallbackLock() = default;
    LazyCallbackLock(const LazyCallbackLock&) = delete;
    LazyCallbackLock& operator=(const LazyCallbackLock&) = delete;
    ~LazyCallbackLock() {
        if (CallbackLock* l = lock_.load(std::memory_order_acquire)) l->release();
    }

    // Null only when the lock could not be made (out of memory). Two first
    // users race to publish theirs; the loser drops its own.
    CallbackLock* get() noexcept {
        if (CallbackLock* l = lock_.load(std::memory_order_acquire)) return l;
        auto made = CallbackLock::create();
        if (!made) return nullptr;
        CallbackLock* mine = std::move(made).value().detach();
        CallbackLock* first = nullptr;
        if (lock_.compare_exchange_strong(first, mine, std::memory_order_acq_rel)) return mine;
        mine->release();
        return first;
    }

private:
    std::atomic<CallbackLock*> lock_{nullptr};
};

}  // namespace wdfio::compat
