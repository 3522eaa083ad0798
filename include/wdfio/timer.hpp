// Timer: a callback after a due time, once or every period (KMDF WDFTIMER,
// driver spec §8.1–8.2). It belongs to a device: its parent is the device or
// an object under it (a queue, ...). The callback runs on the engine thread
// (KMDF's DISPATCH_LEVEL); deleting the timer stops it and waits for a
// running callback, before the cleanup callback runs (R8.7).
#pragma once
#include <wdfio/object.hpp>
#include <wdfio/result.hpp>

#include <cstdint>

namespace wdfio::detail {
struct TimerState;
struct TimerAccess;
}  // namespace wdfio::detail

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Timer;

// EvtTimerFunc. The timer's state: its context area (ObjectAttributes), or its parent.
using TimerCallback = void (*)(Timer& timer);

// WDF_TIMER_CONFIG: what the C API's _INIT (one-shot) and _INIT_PERIODIC set.
struct TimerConfig {
    TimerCallback callback = nullptr;
    std::uint32_t period_ms = 0;  // 0: once per start
    // ExecutionLevel Passive: the callback runs on a worker thread of the
    // engine, where it may block (a synchronous send, a wait lock), not on
    // the engine thread. One-shot only (R8.2).
    bool passive = false;
};

class Timer final : public Object {
public:
    // WdfTimerCreate. attributes.parent must be a device or under one, else
    // STATUS_INVALID_DEVICE_REQUEST (R8.3); no callback, or a period above
    // MAXLONG → STATUS_INVALID_PARAMETER (R8.1); passive with a period →
    // STATUS_NOT_SUPPORTED (R8.2).
    static Result<Ref<Timer>> create(const TimerConfig& config, const ObjectAttributes& attributes);

    // WdfTimerStart (R8.5): due_time in KMDF ticks — negative relative,
    // positive absolute (a time past, 0 included, expires at once). true iff
    // the timer was pending (its due time is replaced). A timer being
    // deleted (verifier report), or stopped meanwhile by another thread's
    // stop(true), is not started: false.
    bool start(std::int64_t due_time);
    // WdfTimerStop (R8.6): true iff a pending expiry was cancelled (or a
    // concurrent start aborted). wait: also wait for a running callback (and
    // cancel again if it restarted the timer); from the timer's own callback
    // or the engine thread it is a verifier report, nothing is stopped, false.
    bool stop(bool wait);

private:
    friend struct detail::TimerAccess;
    explicit Timer(detail::TimerState* state) noexcept : state_(state) {}
    ~Timer() override;
    void rundown() noexcept override;

    detail::TimerState* state_;
};

}  // namespace wdfio
#pragma GCC visibility pop
