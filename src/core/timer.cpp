// Timer: a device's callback after a due time, once or periodically, on the
// engine's timer wheel (driver spec §8.1–8.2); a passive one's callback on a
// worker thread, submitted as a Blocking engine operation as a work item's is.
#include <wdfio/log.hpp>
#include <wdfio/timer.hpp>
#include <wdfio/verifier.hpp>

#include "core/blocking.hpp"
#include "core/device_ancestor.hpp"
#include "core/owned_operation.hpp"
#include "core/ticks.hpp"
#include "core/timer_access.hpp"
#include "engine/engine_core.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace wdfio::detail {

struct TimerState;

// A passive timer's callback run: its own operation, on a worker.
struct PassiveRun : Owned {
    explicit PassiveRun(TimerState& s) noexcept : Owned(OwnerKind::WorkItem), state(s) {
        op.code = OpCode::Blocking;
        op.unbounded = true;  // it may block: the pool adds a thread rather than queue behind it
        op.ops = &kOps;
    }
    TimerState& state;
    static std::int64_t run(Operation& op, const WorkerContext&);
    static void complete(Operation& op, std::int64_t) noexcept;
    static constexpr OperationOps kOps{&PassiveRun::complete, &PassiveRun::run};
};

// Every start arms the wheel with a new sequence number; a stop voids every
// number given so far, so an expiry already taken off the wheel (about to
// run on the engine thread) does not run its callback. An expiry a start
// replaced is off the wheel already.
struct TimerState : Owned {
    TimerState(const TimerConfig& c, std::shared_ptr<EngineCore> e)
        : Owned(OwnerKind::Timer), config(c), core(std::move(e)), passive(*this) {}

    const TimerConfig config;
    const std::shared_ptr<EngineCore> core;  // the timer may outlive its Engine
    std::mutex mutex;
    std::condition_variable idle;  // `running` went false
    std::uint32_t seq = 0;         // of the last arming
    std::uint32_t void_below = 1;  // expiries armed before the last stop
    std::int64_t deadline = 0;     // of the last arming (steady-clock ns): a period counts from it
    bool running = false;          // the callback runs (on the engine thread)
    std::thread::id runner;
    bool stopping = false;       // a stop(true) waits for the callback
    bool start_aborted = false;  // a start refused meanwhile: that stop returns true
    bool deleting = false;
    // Passive: the run submitted and not completed (it holds a reference),
    // and an expiry that came due meanwhile (its seq; 0: none), run next.
    PassiveRun passive;
    bool run_in_flight = false;
    std::uint32_t rerun_seq = 0;

    Timer& timer() noexcept { return *static_cast<Timer*>(object); }
    bool in_own_callback() const noexcept { return running && runner == std::this_thread::get_id(); }
    // Under mutex: voids every expiry armed so far; true if one was pending.
    bool cancel_locked() noexcept {
        void_below = seq + 1;
        return core->disarm_timer(op);
    }
    void arm_locked(std::int64_t at) noexcept {
        deadline = at;
        core->arm_timer(op, at, ++seq);
    }
};

// Engine thread, under mutex: the passive callback goes to a worker; running
// from now until the run completes, so that stop(wait) and delete wait for it.
void submit_passive_locked(TimerState& s) {
    s.running = true;
    s.runner = {};  // the worker's, once it starts
    s.run_in_flight = true;
    s.passive.object = s.object;  // what the engine's table reaches (operation_owners.cpp)
    s.object->add_ref();          // the run's, released when it completes
    s.core->submit(s.passive.op);
}

std::int64_t PassiveRun::run(Operation& op, const WorkerContext&) {
    TimerState& s = static_cast<PassiveRun&>(Owned::of(op)).state;
    {
        std::lock_guard lock(s.mutex);
        s.runner = std::this_thread::get_id();
    }
    s.config.callback(s.timer());
    return 0;
}

void PassiveRun::complete(Operation& op, std::int64_t) noexcept {
    TimerState& s = static_cast<PassiveRun&>(Owned::of(op)).state;
    std::unique_lock lock(s.mutex);
    s.run_in_flight = false;
    s.running = false;
    const std::uint32_t next = std::exchange(s.rerun_seq, 0);
    if (next >= s.void_below && !s.deleting) {
        submit_passive_locked(s);  // restarted from its callback and due already: runs again
    } else {
        s.idle.notify_all();
    }
    Object* object = s.object;
    lock.unlock();
    object->release();  // may be the last: nothing of s is touched after
}

void TimerAccess::fired(Operation& op, std::uint32_t seq) noexcept {
    auto& s = static_cast<TimerState&>(Owned::of(op));
    std::unique_lock lock(s.mutex);
    if (seq < s.void_below) return;  // stopped since it was armed
    if (s.config.passive) {
        if (s.run_in_flight) s.rerun_seq = seq;  // after the run that is still going
        else submit_passive_locked(s);
        return;
    }
    s.running = true;
    s.runner = std::this_thread::get_id();
    lock.unlock();
    s.config.callback(s.timer());
    lock.lock();
    s.running = false;
    // Periodic, and neither restarted, stopped nor deleted by then: the next
    // period counts from this due time (a late engine skips what it missed).
    if (s.config.period_ms && seq == s.seq && !s.stopping && !s.deleting) {
        const std::int64_t period = std::int64_t{s.config.period_ms} * 1'000'000;
        const std::int64_t now = TimerWheel::now_ns();
        std::int64_t next = s.deadline + period;
        if (next <= now) next = now + period - (now - s.deadline) % period;
        s.arm_locked(next);
    }
    s.idle.notify_all();
}

}  // namespace wdfio::detail

namespace wdfio {

using detail::TimerState;

Result<Ref<Timer>> Timer::create(const TimerConfig& config, const ObjectAttributes& attributes) {
    if (!config.callback) {
        log(LogLevel::Warning, "Timer::create: a timer needs a callback");
        return STATUS_INVALID_PARAMETER;
    }
    constexpr std::uint32_t kMaxLong = 0x7FFF'FFFF;                    // KMDF's MAXLONG: its LONG is 32 bits
    if (config.period_ms > kMaxLong) return STATUS_INVALID_PARAMETER;  // R8.1
    if (config.passive && config.period_ms) {                          // R8.2
        log(LogLevel::Warning, "Timer::create: a passive timer cannot be periodic (restart it from its callback)");
        return STATUS_NOT_SUPPORTED;
    }
    return detail::make_device_owned<Timer, TimerState>(  // R8.3
        "Timer::create", config, attributes,
        [](void* storage, TimerState* state) { return new (storage) Timer(state); });
}

Timer::~Timer() { delete state_; }

bool Timer::start(std::int64_t due_time) {
    TimerState& s = *state_;
    std::lock_guard lock(s.mutex);
    if (s.deleting) {  // R8.5
        detail::verifier_break(VerifierCheck::UseWhileDeleting, this, "Timer::start");
        return false;
    }
    if (s.stopping) {  // another thread's stop(true) waits: that stop wins (R8.5)
        s.start_aborted = true;
        return false;
    }
    if (s.core->gone()) {
        log(LogLevel::Warning,
            "Timer::start: the timer's engine has been destroyed; delete timers before their engine");
        return false;
    }
    const bool was_pending = s.core->disarm_timer(s.op);
    s.arm_locked(detail::TimerWheel::now_ns() + detail::wait_for_ticks(due_time).count());
    return was_pending;
}

bool Timer::stop(bool wait) {
    TimerState& s = *state_;
    std::unique_lock lock(s.mutex);
    if (wait && s.in_own_callback()) {  // R8.6: nothing stopped
        detail::verifier_break(VerifierCheck::WaitForOwnCallback, this, "Timer::stop(wait)");
        return false;
    }
    if (wait && !detail::may_block(*s.core)) {  // the engine thread runs the callbacks it would wait for
        detail::verifier_break(VerifierCheck::BlockingOnEngineThread, this, "Timer::stop(wait)");
        return false;
    }
    bool cancelled = s.cancel_locked();
    if (!wait) return cancelled;
    s.stopping = true;
    s.idle.wait(lock, [&] { return !s.running; });
    s.stopping = false;
    if (std::exchange(s.start_aborted, false)) cancelled = true;
    return cancelled;
}

// R8.7: a deleted timer stops, and its running callback is waited for,
// before the cleanup callback runs — unless it is deleted from that
// callback (a verifier report) or where nothing may wait.
void Timer::rundown() noexcept {
    TimerState& s = *state_;
    std::unique_lock lock(s.mutex);
    s.deleting = true;
    s.cancel_locked();
    if (s.in_own_callback()) {
        detail::verifier_break(VerifierCheck::WaitForOwnCallback, this, "delete of a timer from its callback");
        return;
    }
    if (!detail::may_block(*s.core)) return;
    s.idle.wait(lock, [&] { return !s.running; });
}

}  // namespace wdfio
