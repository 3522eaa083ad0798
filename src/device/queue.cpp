// Queue: FIFO of waiting requests, presented to the driver by dispatch type.
#include <wdfio/device.hpp>
#include <wdfio/log.hpp>
#include <wdfio/queue.hpp>

#include <wdfio/verifier.hpp>

#include "core/blocking.hpp"
#include "core/recorder.hpp"
#include "device/delivered_access.hpp"
#include "engine/engine_core.hpp"

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace wdfio {

using detail::DeliveredAccess;

namespace {
// The callback running on this thread. One block, initial-exec: one cheap
// thread-pointer access (the library is loaded with the program, not dlopen'ed late).
struct CallbackFrame {
    int depth = 0;                 // callbacks nested on this thread
    Request* presented = nullptr;  // the request of the innermost one
    bool completed = false;        // completed inside it: its end also ends the ownership
};
__attribute__((tls_model("initial-exec"))) thread_local CallbackFrame t_frame;
}  // namespace

bool detail::DeliveredAccess::in_callback() noexcept { return t_frame.depth > 0; }

bool detail::DeliveredAccess::completing_inline(Request& q) noexcept {
    CallbackFrame& f = t_frame;
    if (f.presented != &q) return false;
    f.completed = true;
    return true;
}

Queue::Queue(Device& device, QueueDispatch dispatch, std::uint32_t limit, Driver* handler)
    : device_(device),
      dispatch_(dispatch),
      handler_(handler),
      limit_(dispatch == QueueDispatch::Sequential ? 1 : limit),
      counted_(dispatch == QueueDispatch::Sequential || (dispatch == QueueDispatch::Parallel && limit != UINT32_MAX)) {
    char name[96];
    std::snprintf(name, sizeof name, "queue %p of device %s", static_cast<const void*>(this),
                  device.name().empty() ? "(unnamed)" : device.name().c_str());
    detail::recorder_of(detail::EngineAccess::core(device.engine())).name(this, name);
}

bool Queue::deletable() const noexcept {
    if (this == &device_.default_queue()) return false;
    for (const Queue* routed : device_.dispatch_)
        if (routed == this) return false;
    return true;
}

QueueState Queue::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

std::uint32_t Queue::waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_.count;
}

void Queue::add(Request& q, std::uint64_t now) {
    if (dispatch_ == QueueDispatch::Parallel && !counted_ &&
        state_.load(std::memory_order_acquire) == QueueState::Started &&
        backlog_.load(std::memory_order_acquire) == 0 && !held_.load(std::memory_order_acquire) &&
        !DeliveredAccess::cancel_requested(q)) {
        // Nothing waits ahead of it: presented at once, without the lock. A
        // stop or purge racing this could not have held it back under the
        // lock either (it would have been taken first); a cancel finds it
        // owned by the driver, as it would a moment later — the owner is set
        // before the queue is published, so remove_waiting never takes it
        // for a waiting one.
        hand_to_driver(q, 2);
        DeliveredAccess::set_queue(q, this);
        present(q, now);
        return;
    }
    std::unique_lock lock(mutex_);
    if (state_ == QueueState::Purged || state_ == QueueState::Draining) {
        lock.unlock();
        DeliveredAccess::finish(q, STATUS_INVALID_DEVICE_STATE, 0);  // R5.15: not accepting
        return;
    }
    DeliveredAccess::set_owner(q, DeliveredAccess::Owner::Queued);
    DeliveredAccess::set_queue(q, this);
    // A cancel that came before it was queued (the sender's sticky flag); one
    // that comes later finds it through its queue (remove_waiting).
    if (DeliveredAccess::cancel_requested(q)) {
        DeliveredAccess::set_queue(q, nullptr);
        lock.unlock();
        cancelled_while_waiting(q);  // a forwarded one may go to EvtIoCanceledOnQueue (R5.36, R5.30)
        return;
    }
    waiting_.push_back(q);
    backlog_.store(waiting_.count, std::memory_order_release);
    if (dispatch_ != QueueDispatch::Manual) return deliver_locked(lock, now);  // one lock for queueing and presenting
    std::function<void(Queue&)> ready = ready_to_fire_locked();
    lock.unlock();
    if (ready) run_callback([this, ready] { ready(*this); });
}

std::function<void(Queue&)> Queue::ready_to_fire_locked() {
    const bool presenting = (state_ == QueueState::Started || state_ == QueueState::Draining) && !held_;
    if (ready_ && presenting && waiting_.count == 1) return ready_;  // a copy: it runs without the lock
    return {};
}

void Queue::requeue(Request& q) {
    std::unique_lock lock(mutex_);
    DeliveredAccess::set_owner(q, DeliveredAccess::Owner::Queued);
    DeliveredAccess::set_queue(q, this);
    // Cancel-requeue mode (R5.19; here: from a purge until start()), or a
    // cancel that came while the driver held it: cancelled here (R5.30).
    if (cancel_requeue_ || DeliveredAccess::cancel_requested(q)) {
        DeliveredAccess::set_queue(q, nullptr);
        lock.unlock();
        cancelled_while_waiting(q);
        return;
    }
    waiting_.push_front(q);
    backlog_.store(waiting_.count, std::memory_order_release);
    // Acknowledged with requeue (R5.26) after the hold was released: presented again now.
    if (dispatch_ != QueueDispatch::Manual) return deliver_locked(lock);
    std::function<void(Queue&)> ready = ready_to_fire_locked();
    lock.unlock();
    if (ready) run_callback([this, ready] { ready(*this); });
}

bool Queue::remove_waiting(Request& q) {
    std::unique_lock lock(mutex_);
    if (DeliveredAccess::owner(q) != DeliveredAccess::Owner::Queued || DeliveredAccess::queue_of(q) != this)
        return false;
    waiting_.remove(q);
    backlog_.store(waiting_.count, std::memory_order_release);
    DeliveredAccess::set_queue(q, nullptr);
    return true;
}

void Queue::cancelled_while_waiting(Request& q) {
    auto& r = static_cast<DeliveredRequest&>(q);
    if (detail::DeliveredRequestImpl::of(q).returned && handler_ && handler_->wants_canceled_on_queue()) {
        {
            std::lock_guard lock(mutex_);
            hand_to_driver(q, 2);  // the driver's again, and the callback's
            DeliveredAccess::set_queue(q, this);
        }
        present(q, [this, &r] { handler_->on_canceled_on_queue(r); });
    } else {
        DeliveredAccess::finish(q, STATUS_CANCELLED, 0);
    }
    // Emptied by a cancel, not by the driver: no completion of the driver's
    // may come to tell a drain's waiter, so the handler hears it here.
    bool drained;
    {
        std::lock_guard lock(mutex_);
        drained = state_ == QueueState::Draining && waiting_.count == 0;
    }
    if (drained) handler_->on_drained_by_cancel(*this);
}

void Queue::presented_done(Request& q) {
    if (DeliveredAccess::cancel_listed(q)) untrack_cancelable(q);  // completed while cancelable
    if (!counted_) return;                                         // only a sequential or limited queue waits for it
    {
        std::lock_guard lock(mutex_);
        --presented_;
    }
    deliver_ready();
}

void Queue::track_cancelable(Request& q) {
    std::lock_guard lock(mutex_);
    cancelable_.push_back(q);
    DeliveredAccess::set_cancel_listed(q, true);
}

void Queue::untrack_cancelable(Request& q) {
    std::lock_guard lock(mutex_);
    if (!DeliveredAccess::cancel_listed(q)) return;
    cancelable_.remove(q);
    DeliveredAccess::set_cancel_listed(q, false);
}

// `holds`: the driver's ownership, plus the callback about to run when presented
// (one atomic add for both; present() ends the callback's).
void Queue::hand_to_driver(Request& q, std::uint32_t holds) {
    if (counted_) ++presented_;
    DeliveredAccess::set_owner(q, DeliveredAccess::Owner::Driver);
    DeliveredAccess::owned_begin(device_, holds);
}

Request* Queue::take_next_locked(std::uint32_t holds) {
    Request* q = waiting_.pop_front();
    backlog_.store(waiting_.count, std::memory_order_release);
    if (q) hand_to_driver(*q, holds);
    return q;
}

// Presents what the dispatch type allows. Sequential queues present from one
// thread at a time, so that a callback completing its request inline does not
// recurse into the next one: the loop already running takes it.
void Queue::deliver_ready() {
    if (dispatch_ == QueueDispatch::Manual) return;
    std::unique_lock lock(mutex_);
    deliver_locked(lock);
}

void Queue::deliver_locked(std::unique_lock<detail::SpinLock>& lock, std::uint64_t now) {
    if (counted_) {
        if (delivering_) return;
        delivering_ = true;
    }
    while ((state_ == QueueState::Started || state_ == QueueState::Draining) && !held_ &&
           !(counted_ && presented_ >= limit_)) {
        Request* q = take_next_locked(2);
        if (!q) break;
        lock.unlock();
        present(*q, std::exchange(now, 0));  // the next ones go after a callback: their own time
        lock.lock();
    }
    if (counted_) delivering_ = false;
}

void Queue::present(Request& q, std::uint64_t now) {
    present(
        q, [this, &q] { dispatch_to_handler(q); }, now);
}

template <class Callback>
void Queue::present(Request& q, Callback&& callback, std::uint64_t now) {
    if (!lock_) return present_now(q, callback, now);
    // R7.3: under the callback lock; R5.13: later, by its holder, if that is this thread or waiting is not allowed.
    lock_->run_locked([this, &q, callback]() mutable { present_now(q, callback, 0); }, detail::may_block_here());
}

template <class Callback>
void Queue::present_now(Request& q, Callback& callback, std::uint64_t now) {
    // Counted as activity while it runs (hand_to_driver): Device::remove() waits for it.
    CallbackFrame& f = t_frame;
    const CallbackFrame outer = f;
    f = {outer.depth + 1, &q, false};
    const IoOperation& p = static_cast<DeliveredRequest&>(q).parameters();  // everything a queue holds was delivered
    detail::recorder_of(detail::EngineAccess::core(device_.engine()))
        .record({RecorderEventKind::QueuePresent, reinterpret_cast<std::uintptr_t>(&q),
                 reinterpret_cast<std::uintptr_t>(this),
                 p.type == RequestType::Read || p.type == RequestType::Write ? p.length : 0, STATUS_PENDING, 0, p.type,
                 IoTargetState::Undefined, now});
    callback();
    const std::uint32_t done = f.completed ? 2 : 1;  // the callback, and the ownership if completed inline
    f = outer;
    DeliveredAccess::owned_done(device_, done);
}

template <class F>
void Queue::run_callback(F&& f) {
    if (!lock_) return f();
    lock_->run_locked(std::forward<F>(f), detail::may_block_here());
}

void Queue::run_callback_fn(std::function<void()> f) { run_callback(std::move(f)); }

Status Queue::set_callback_lock(CallbackLock& lock) {
    std::lock_guard guard(mutex_);
    if (lock_) {
        log(LogLevel::Error, "queue: its callback lock is set already (once, before requests arrive)");
        return STATUS_INVALID_DEVICE_STATE;
    }
    lock_ = Ref<CallbackLock>(&lock);
    return STATUS_SUCCESS;
}

void Queue::dispatch_to_handler(Request& r) {
    auto& q = static_cast<DeliveredRequest&>(r);  // everything a queue holds was delivered
    const IoOperation& p = q.parameters();
    switch (p.type) {
    case RequestType::Read: handler_->on_read(q, p.length); break;
    case RequestType::Write: handler_->on_write(q, p.length); break;
    case RequestType::DeviceControl:
        handler_->on_device_control(q, p.output_length, p.input_length, p.ioctl_code);
        break;
    case RequestType::DeviceControlInternal:
    case RequestType::Other:
        handler_->on_internal_device_control(q, p.output_length, p.input_length, p.ioctl_code);
        break;
    default: handler_->on_default(q); break;
    }
}

Result<DeliveredRequest*> Queue::retrieve_next_request() {
    if (dispatch_ == QueueDispatch::Parallel) return STATUS_INVALID_DEVICE_STATE;  // R5.32
    std::lock_guard lock(mutex_);
    if (state_ == QueueState::Stopped || held_) return STATUS_WDF_PAUSED;
    // A sequential queue presents by itself while it holds nothing: a DbgBreak in KMDF.
    if (dispatch_ == QueueDispatch::Sequential && presented_ == 0)
        detail::verifier_break(VerifierCheck::QueueMisuse, this, "retrieve_next_request (sequential, nothing held)");
    Request* q = take_next_locked(1);
    if (!q) return STATUS_NO_MORE_ENTRIES;
    return static_cast<DeliveredRequest*>(q);
}

Result<DeliveredRequest*> Queue::retrieve_request_by_file_object(const FileObject* file) {
    if (dispatch_ != QueueDispatch::Manual) return STATUS_INVALID_DEVICE_REQUEST;
    std::lock_guard lock(mutex_);
    if (state_ == QueueState::Stopped || held_) return STATUS_WDF_PAUSED;  // R5.32 (source, not the doc's BUSY)
    for (Request* q = waiting_.head; q; q = q->pool_next_) {
        if (static_cast<DeliveredRequest*>(q)->file_object() != file) continue;
        waiting_.remove(*q);
        backlog_.store(waiting_.count, std::memory_order_release);
        hand_to_driver(*q, 1);
        return static_cast<DeliveredRequest*>(q);
    }
    return STATUS_NO_MORE_ENTRIES;
}

Result<Ref<DeliveredRequest>> Queue::find_request(const DeliveredRequest* after, const FileObject* file) {
    if (dispatch_ != QueueDispatch::Manual) return STATUS_INVALID_DEVICE_REQUEST;
    std::lock_guard lock(mutex_);
    Request* at = waiting_.head;
    if (after) {
        // Under mutex_, "queued here" is exactly "on waiting_" (add, requeue and remove_waiting keep it so).
        if (DeliveredAccess::owner(*after) != DeliveredAccess::Owner::Queued ||
            DeliveredAccess::queue_of(*after) != this)
            return STATUS_NOT_FOUND;
        at = after->pool_next_;
    }
    for (; at; at = at->pool_next_) {
        if (DeliveredAccess::cancel_requested(*at)) continue;  // being cancelled: not the driver's to find
        if (file && static_cast<DeliveredRequest*>(at)->file_object() != file) continue;  // R5.33: that open's
        return Ref<DeliveredRequest>(static_cast<DeliveredRequest*>(at));
    }
    return STATUS_NO_MORE_ENTRIES;
}

// A walk of the waiting list: cleanup is rare, and a request carries its
// open already (no index to keep up on the presentation path).
void Queue::cancel_waiting_of(const FileObject& f) {
    std::vector<Request*> cancelled;
    {
        std::lock_guard lock(mutex_);
        for (Request* q = waiting_.head; q;) {
            Request* next = q->pool_next_;
            if (static_cast<DeliveredRequest*>(q)->file_object() == &f) {
                waiting_.remove(*q);
                DeliveredAccess::set_queue(*q, nullptr);
                cancelled.push_back(q);
            }
            q = next;
        }
        backlog_.store(waiting_.count, std::memory_order_release);
    }
    for (Request* q : cancelled) DeliveredAccess::finish(*q, STATUS_CANCELLED, 0);
}

Result<DeliveredRequest*> Queue::retrieve_found_request(DeliveredRequest& found) {
    if (dispatch_ != QueueDispatch::Manual) return STATUS_INVALID_DEVICE_REQUEST;
    std::lock_guard lock(mutex_);
    if (state_ == QueueState::Stopped || held_) return STATUS_WDF_PAUSED;
    if (DeliveredAccess::owner(found) != DeliveredAccess::Owner::Queued || DeliveredAccess::queue_of(found) != this)
        return STATUS_NOT_FOUND;
    waiting_.remove(found);
    backlog_.store(waiting_.count, std::memory_order_release);
    hand_to_driver(found, 1);
    return &found;
}

Status Queue::ready_notify(std::function<void(Queue&)> callback) {
    if (dispatch_ != QueueDispatch::Manual) return STATUS_INVALID_DEVICE_REQUEST;
    if (deleted()) return STATUS_DELETE_PENDING;
    std::function<void(Queue&)> fire;
    {
        std::lock_guard lock(mutex_);
        const bool presenting = (state_ == QueueState::Started || state_ == QueueState::Draining) && !held_;
        if (!callback) {
            // R5.35: the callback may be running or about to; only a stopped queue can drop it safely.
            if (!ready_ || presenting) return STATUS_INVALID_DEVICE_REQUEST;
            ready_ = nullptr;
            return STATUS_SUCCESS;
        }
        if (ready_) return STATUS_INVALID_DEVICE_REQUEST;
        ready_ = std::move(callback);
        if (presenting && waiting_.count > 0) fire = ready_;
    }
    if (fire) fire(*this);
    return STATUS_SUCCESS;
}

void Queue::stop() {
    std::lock_guard lock(mutex_);
    stop_locked();
}

void Queue::stop_locked() {
    // Presenting no more; a draining queue accepts nothing either (KMDF's two state bits).
    if (state_ == QueueState::Started) state_.store(QueueState::Stopped, std::memory_order_release);
    else if (state_ == QueueState::Draining) state_.store(QueueState::Purged, std::memory_order_release);
}

void Queue::drain() {
    std::lock_guard lock(mutex_);
    // Accepting no more; presenting as before (a stopped queue: neither).
    if (state_ == QueueState::Started) state_.store(QueueState::Draining, std::memory_order_release);
    else if (state_ == QueueState::Stopped) state_.store(QueueState::Purged, std::memory_order_release);
}

void Queue::start() {
    std::function<void(Queue&)> ready;
    {
        std::lock_guard lock(mutex_);
        state_.store(QueueState::Started, std::memory_order_release);
        cancel_requeue_ = false;
        if (ready_ && waiting_.count > 0 && !held_) ready = ready_;  // R5.35: on start when requests wait
    }
    if (ready) run_callback([this, ready] { ready(*this); });
    deliver_ready();
}

// R5.40 without a count on the presentation path (a hop is ~100 ns; a
// counter there costs it ~7): the device knows every request it made, and a
// delete, which is rare, polls them until none is held from this queue.
void Queue::rundown() noexcept {
    std::function<void(Queue&)> ready;
    {
        std::lock_guard lock(mutex_);
        ready.swap(ready_);  // a deleted queue tells no one (what it calls may go before the queue does)
    }
    purge();
    if (!DeliveredAccess::holds_from(device_, *this)) return;
    if (!detail::may_block_here()) {
        log(LogLevel::Warning,
            "queue delete: the driver still holds requests this queue presented; not waiting for them here (the "
            "engine thread or a completion routine)");
        return;
    }
    while (DeliveredAccess::holds_from(device_, *this)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Queue::purge() {
    cancel_queued_and_held([this] { state_.store(QueueState::Purged, std::memory_order_release); });
}

void Queue::stop_and_purge() {
    cancel_queued_and_held([this] { stop_locked(); });
}

template <class NextState>
void Queue::cancel_queued_and_held(NextState&& next_state) {
    std::vector<Request*> waiting;
    std::vector<Ref<Request>> held;
    {
        std::lock_guard lock(mutex_);
        next_state();
        cancel_requeue_ = true;
        backlog_.store(0, std::memory_order_release);
        while (Request* q = waiting_.pop_front()) {
            DeliveredAccess::set_queue(*q, nullptr);
            waiting.push_back(q);
        }
        for (Request* q = cancelable_.head; q; q = q->pool_next_) held.emplace_back(q);
    }
    for (Request* q : waiting) cancelled_while_waiting(*q);
    for (auto& q : held) DeliveredAccess::cancel_held(*q);  // only those marked cancelable
}

// A hold is rare (power-down, removal): the requests the driver holds are
// found by a walk of the device's, and the wait polls, as rundown() does.
Status Queue::hold(StopAction action) {
    using Stop = detail::DeliveredRequestImpl::Stop;
    hold_presentation();
    if (action == StopAction::Purge)  // kept at a suspend: asked again (R4.12)
        for (auto& q : DeliveredAccess::held_from(device_, *this)) {
            Stop kept = Stop::Kept;
            detail::DeliveredRequestImpl::of(*q).stop.compare_exchange_strong(kept, Stop::None);
        }
    const bool tell = handler_ && handler_->wants_io_stop();
    const bool may_wait = detail::may_block_here();
    const auto warn_at = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    bool warned = false;
    for (;;) {
        bool unanswered = false;
        // Rescanned each round: a request presented just as the hold began is told too.
        for (auto& q : DeliveredAccess::held_from(device_, *this)) {
            auto& stop = detail::DeliveredRequestImpl::of(*q).stop;
            Stop none = Stop::None;
            if (tell && !DeliveredAccess::cancel_requested(*q) && stop.compare_exchange_strong(none, Stop::Notified))
                run_callback([this, q, action] {
                    handler_->on_io_stop(*this, static_cast<DeliveredRequest&>(*q), action,
                                         DeliveredAccess::cancel_listed(*q));
                });
            if (DeliveredAccess::owner(*q) == DeliveredAccess::Owner::Driver && DeliveredAccess::queue_of(*q) == this &&
                stop.load(std::memory_order_acquire) != Stop::Kept)
                unanswered = true;
        }
        if (!unanswered) return STATUS_SUCCESS;
        if (!may_wait) {
            log(LogLevel::Warning,
                "queue hold: the driver still holds unanswered requests; not waiting for them here (the engine "
                "thread or a callback)");
            return STATUS_INVALID_DEVICE_STATE;
        }
        if (!warned && std::chrono::steady_clock::now() > warn_at) {
            warned = true;  // KMDF waits here too, without bound: say why, once
            log(LogLevel::Warning,
                "queue hold: still waiting for the driver to complete or acknowledge the requests it holds from "
                "this queue%s",
                tell ? "" : " (it has no stop callback, EvtIoStop: only their completion ends the wait)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void Queue::hold_presentation() {
    std::lock_guard lock(mutex_);
    held_.store(true, std::memory_order_release);
}

void Queue::release_hold() {
    using Stop = detail::DeliveredRequestImpl::Stop;
    std::function<void(Queue&)> ready;
    {
        std::lock_guard lock(mutex_);
        held_.store(false, std::memory_order_release);
        const bool presenting = state_ == QueueState::Started || state_ == QueueState::Draining;
        if (ready_ && presenting && waiting_.count > 0) ready = ready_;
    }
    for (auto& q : DeliveredAccess::held_from(device_, *this)) {
        Stop kept = Stop::Kept;
        if (detail::DeliveredRequestImpl::of(*q).stop.compare_exchange_strong(kept, Stop::None) && handler_ &&
            !DeliveredAccess::cancel_requested(*q))  // R4.13: kept and not cancelled
            run_callback([this, q] { handler_->on_io_resume(*this, static_cast<DeliveredRequest&>(*q)); });
    }
    if (ready) run_callback([this, ready] { ready(*this); });
    deliver_ready();
}

}  // namespace wdfio
