// SpinLock: a driver's lock for short critical sections (KMDF WDFSPINLOCK,
// driver spec R7.13). Not recursive. Works with std::lock_guard.
#pragma once
#include <wdfio/detail/spin_lock.hpp>
#include <wdfio/object.hpp>
#include <wdfio/result.hpp>

#include <atomic>
#include <thread>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class SpinLock final : public Object {
public:
    // WdfSpinLockCreate: attributes as any object's (a parent, callbacks, a context).
    static Result<Ref<SpinLock>> create(const ObjectAttributes& attributes = {});

    // WdfSpinLockAcquire. By the thread that holds it → verifier report, and
    // nothing is done (the holder keeps it).
    void lock() noexcept;
    // WdfSpinLockRelease. By a thread that does not hold it → verifier report, ignored.
    void unlock() noexcept;

private:
    SpinLock() = default;
    detail::SpinLock lock_;
    std::atomic<std::thread::id> holder_{};
};

}  // namespace wdfio
#pragma GCC visibility pop
