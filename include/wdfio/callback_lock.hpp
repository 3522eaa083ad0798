// CallbackLock: the lock a queue's driver callbacks run under — KMDF's
// synchronization scope Queue (a lock of the queue's own) or Device (one lock
// the device's queues share), driver spec R7.2–R7.4, R7.11, R7.12.
//
// A thread that holds it never waits for it again, and a thread that must not
// block never waits for it at all: what needs the lock then (the next request
// presented, a timer's callback) is kept, and runs holding it as soon as its
// holder lets it go, on the holder's thread — KMDF moves such work to a DPC
// (R5.13). Not recursive.
#pragma once
#include <wdfio/object.hpp>
#include <wdfio/result.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class CallbackLock final : public Object {
public:
    static Result<Ref<CallbackLock>> create(const ObjectAttributes& attributes = {});

    // WdfObjectAcquireLock. By the thread that holds it → verifier report
    // (KMDF's bugcheck WDF_RECURSIVE_LOCK), and nothing is taken (the holder
    // keeps it, as SpinLock does).
    void lock() noexcept;
    // WdfObjectReleaseLock; then runs, still holding it, what was kept for it
    // meanwhile. By a thread that does not hold it → verifier report, ignored.
    void unlock() noexcept;
    bool held_here() const noexcept { return holder_.load(std::memory_order_relaxed) == std::this_thread::get_id(); }

    // f() holding the lock: now, waiting for it if `may_wait`; or, when this
    // thread holds it already or it is busy and waiting is not allowed, kept
    // and run by the thread that holds it, when that thread releases it.
    template <class F>
    void run_locked(F&& f, bool may_wait) {
        if (!held_here()) {
            if (may_wait) {
                lock();
            } else if (!try_lock()) {
                keep(std::function<void()>(std::forward<F>(f)));
                return;
            }
            f();
            unlock();
            return;
        }
        keep(std::function<void()>(std::forward<F>(f)));
    }

private:
    CallbackLock() = default;
    bool try_lock() noexcept;
    void keep(std::function<void()> f) noexcept;  // for the holder's unlock()
    void take_kept() noexcept;                    // runs what was kept, holding the lock
    bool has_kept();

    std::mutex mutex_;
    std::atomic<std::thread::id> holder_{};
    std::mutex kept_mutex_;
    std::vector<std::function<void()>> kept_;
};

}  // namespace wdfio
#pragma GCC visibility pop
