// The lock every device and queue owns (driver spec R7.2), which
// WdfObjectAcquireLock takes (R7.11): a core SpinLock, made on first use so
// that objects nobody locks cost nothing.
#pragma once
#include <wdfio/spin_lock.hpp>

#include <mutex>

namespace wdfio::compat {

class CallbackLock {
public:
    // Null only when the lock could not be made (out of memory).
    SpinLock* get() noexcept {
        std::call_once(once_, [this] {
            if (auto made = SpinLock::create()) lock_ = std::move(made).value();
        });
        return lock_.get();
    }

private:
    std::once_flag once_;
    Ref<SpinLock> lock_;
};

}  // namespace wdfio::compat
