// WaitLock: a driver's lock that may be waited for, with a timeout (KMDF
// WDFWAITLOCK, driver spec R7.14). Not recursive.
#pragma once
#include <wdfio/object.hpp>
#include <wdfio/result.hpp>
#include <wdfio/status.hpp>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class WaitLock final : public Object {
public:
    // WdfWaitLockCreate: attributes as any object's.
    static Result<Ref<WaitLock>> create(const ObjectAttributes& attributes = {});

    // WdfWaitLockAcquire. No timeout: wait until it is free → STATUS_SUCCESS.
    // A timeout in KMDF ticks (negative relative, positive absolute; 0: one
    // try) → STATUS_SUCCESS or STATUS_TIMEOUT, a success-class status: compare
    // with STATUS_SUCCESS. A wait (any timeout but 0) on the engine thread or
    // in a completion routine, or an acquire by its holder → verifier report,
    // STATUS_INVALID_DEVICE_REQUEST.
    Status lock(std::optional<std::int64_t> timeout = std::nullopt);
    // WdfWaitLockRelease: wakes one waiter. By a thread that does not hold
    // it → verifier report, ignored.
    void unlock() noexcept;

private:
    WaitLock() = default;
    std::mutex mutex_;
    std::condition_variable freed_;
    bool held_ = false;
    std::thread::id holder_{};
};

}  // namespace wdfio
#pragma GCC visibility pop
