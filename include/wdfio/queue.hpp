// Queue: how a device receives requests (KMDF WDFQUEUE): sequential (one at a
// time), parallel (as they come), or manual (held until the driver retrieves them).
#pragma once
#include <wdfio/callback_lock.hpp>
#include <wdfio/delivered_request.hpp>
#include <wdfio/detail/request_fifo.hpp>
#include <wdfio/detail/spin_lock.hpp>
#include <wdfio/object.hpp>
#include <wdfio/request.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Device;
class Driver;
class FileObject;

enum class QueueDispatch : std::uint8_t { Sequential, Parallel, Manual };
// Started: accepting and presenting. Stopped: accepting, not presenting.
// Purged: neither. Draining: presenting what waits, accepting nothing new.
enum class QueueState : std::uint8_t { Started, Stopped, Purged, Draining };
// Why a queue is held (KMDF's WdfRequestStopAction*): the device leaves D0,
// or it is being removed (the queue was purged first).
enum class StopAction : std::uint8_t { Suspend = 1, Purge = 2 };

class Queue final : public Object {
public:
    QueueDispatch dispatch() const noexcept { return dispatch_; }
    QueueState state() const;
    Device& device() const noexcept { return device_; }
    // Requests waiting (not yet presented to the driver).
    std::uint32_t waiting() const;

    // Manual (and sequential) queues: the next waiting request, now owned by
    // the driver (spec R5.32); STATUS_NO_MORE_ENTRIES if none;
    // STATUS_WDF_PAUSED while stopped; STATUS_INVALID_DEVICE_STATE on a
    // parallel queue. On a sequential queue it counts as the one presented.
    Result<DeliveredRequest*> retrieve_next_request();
    // The same, for the oldest waiting request sent through `file` (spec R5.32;
    // null: one that came through no open).
    Result<DeliveredRequest*> retrieve_request_by_file_object(const FileObject* file);

    // Manual queues (spec R5.33): the first waiting request after `after` (or
    // the first, for null) whose file object is `file_object` (null: any),
    // referenced; it stays waiting and not the driver's. Requests being
    // cancelled are skipped. `after` no longer waiting → STATUS_NOT_FOUND
    // (start over); none → STATUS_NO_MORE_ENTRIES; not manual →
    // STATUS_INVALID_DEVICE_REQUEST.
    Result<Ref<DeliveredRequest>> find_request(const DeliveredRequest* after, const FileObject* file = nullptr);
    // Takes exactly `found` out (spec R5.34), now the driver's;
    // STATUS_NOT_FOUND if it no longer waits here; otherwise as retrieve_next_request.
    Result<DeliveredRequest*> retrieve_found_request(DeliveredRequest& found);
    // Manual queues (spec R5.35): `callback` runs once each time the queue
    // goes from empty to not empty while presenting, also on start() and
    // within this call when requests wait already. An empty callback cancels
    // it, which needs a stopped (or purged) queue. Not manual, registered
    // twice, nothing to cancel, cancelled while presenting →
    // STATUS_INVALID_DEVICE_REQUEST; deleted → STATUS_DELETE_PENDING.
    Status ready_notify(std::function<void(Queue&)> callback);

    // Stopped: requests are still accepted, not presented, until start().
    void stop();
    void start();
    // Purged: waiting requests complete with STATUS_CANCELLED, the cancel
    // callbacks of cancelable requests the driver holds are called, and new
    // requests fail with STATUS_INVALID_DEVICE_STATE until start().
    void purge();
    // Stopped, and purged of what waits now (spec R5.18): as stop(), plus the
    // waiting requests are cancelled as purge() cancels them, and the cancel
    // callbacks of the cancelable requests the driver holds are called;
    // requests arriving later are accepted and wait. Until start(), a
    // requeue is cancelled (purge's cancel-requeue mode).
    void stop_and_purge();
    // Draining (spec R5.20): new requests fail with STATUS_INVALID_DEVICE_STATE,
    // waiting ones are still presented, nothing is cancelled; start() ends it.
    void drain();

    // Power (spec R4.11-R4.13), apart from the driver's start and stop: a held
    // queue accepts and keeps requests but presents none, and retrieval gets
    // STATUS_WDF_PAUSED. hold() then tells the driver of each request it holds
    // from here (Driver::on_io_stop) and waits until each is acknowledged or
    // completed — without bound, as KMDF does. From the engine thread or a
    // callback, where waiting would deadlock → STATUS_INVALID_DEVICE_STATE,
    // the queue held all the same. StopAction::Purge is for a queue purged
    // for removal: requests kept at an earlier hold are asked again.
    Status hold(StopAction action);
    // hold()'s first step alone: a device stops all its queues presenting
    // before it tells the driver of any request (R4.11).
    void hold_presentation();
    // Presenting again: requests acknowledged without requeue get
    // Driver::on_io_resume, then waiting ones are presented (R4.13).
    void release_hold();
    bool held() const noexcept { return held_.load(std::memory_order_acquire); }

    // The driver's callbacks from this queue — the requests it presents (and
    // on_canceled_on_queue), on_io_stop, on_io_resume, the ready callback and
    // the cancel callbacks of requests it presented — run holding `lock`:
    // KMDF's synchronization scope (spec R7.3), a lock of the queue's own for
    // scope Queue, the device's for scope Device. A callback that would wait
    // for it on the thread that holds it, or where waiting is not allowed,
    // runs when its holder releases it (R5.13). Set once, before requests
    // arrive; a second call → STATUS_INVALID_DEVICE_STATE.
    Status set_callback_lock(CallbackLock& lock);
    CallbackLock* callback_lock() const noexcept { return lock_.get(); }

private:
    friend class Device;
    friend struct detail::DeliveredAccess;
    // limit: how many the driver may hold at once (sequential: 1; UINT32_MAX: no count kept).
    Queue(Device& device, QueueDispatch dispatch, std::uint32_t limit, Driver* handler);
    bool deletable() const noexcept override;
    // Purged, then waits until the driver holds nothing it presented, before
    // the cleanup callback (R5.40); not where nothing may wait (the engine
    // thread, a completion routine).
    void rundown() noexcept override;

    // A request arrives (or is forwarded here). `now`: the recorder's time of
    // its arrival when the sender's thread took it just before (0: read the clock).
    void add(Request& q, std::uint64_t now = 0);
    bool remove_waiting(Request& q);              // cancel of a request not yet presented
    void cancel_waiting_of(const FileObject& f);  // the open's cleanup (R9.12)
    void requeue(Request& q);                     // back to the head (a manual queue's; R5.38)
    // The ready callback, if q's arrival made a presenting manual queue non-empty (under mutex_).
    std::function<void(Queue&)> ready_to_fire_locked();
    void presented_done(Request& q);    // the driver completed or forwarded q
    void track_cancelable(Request& q);  // mark_cancelable: purge finds it here
    void untrack_cancelable(Request& q);
    void deliver_ready();
    // Presents what may go now; the first at `now` (add's), the others when they go.
    void deliver_locked(std::unique_lock<detail::SpinLock>& lock, std::uint64_t now = 0);
    void present(Request& q, std::uint64_t now = 0);
    template <class Callback>
    void present(Request& q, Callback&& callback, std::uint64_t now = 0);  // q to the driver through `callback`,
                                                                           // under lock_
    template <class Callback>
    void present_now(Request& q, Callback& callback, std::uint64_t now);
    // A driver callback other than a presentation, under lock_ (if set).
    template <class F>
    void run_callback(F&& f);
    void run_callback_fn(std::function<void()> f);  // the same, from outside this file (a cancel callback)
    // q, taken off waiting_ by a cancel, goes to the driver's canceled-on-queue
    // callback if the driver had handed it back here (R5.30), else completes
    // with STATUS_CANCELLED; then a drain that this emptied is told. Without mutex_.
    void cancelled_while_waiting(Request& q);
    // purge() and stop_and_purge(): `next_state()` under mutex_, then cancels
    // what waits and calls the cancel callbacks of what the driver holds.
    template <class NextState>
    void cancel_queued_and_held(NextState&& next_state);
    void stop_locked();  // stop()'s state change (under mutex_)
    void dispatch_to_handler(Request& r);

    using List = detail::RequestFifo<&Request::pool_next_, &Request::pool_prev_>;
    // q goes to the driver: under mutex_, or lock-free from a parallel queue's add().
    void hand_to_driver(Request& q, std::uint32_t holds);
    Request* take_next_locked(std::uint32_t holds);

    Device& device_;
    QueueDispatch dispatch_;
    Driver* handler_;
    mutable detail::SpinLock mutex_;
    std::atomic<QueueState> state_{QueueState::Started};  // changed under mutex_; read without it by add()
    std::atomic<std::uint32_t> backlog_{0};               // waiting_.count, for add() to read without mutex_
    List waiting_;                                        // not yet presented
    List cancelable_;                                     // presented and marked cancelable (what purge cancels)
    std::uint32_t presented_ = 0;                         // presented and not completed, when counted_
    const std::uint32_t limit_;                           // presents while presented_ < limit_ (R5.8, R5.9)
    const bool counted_;                                  // sequential, or parallel with a limit
    bool delivering_ = false;                             // sequential: one thread presents at a time
    std::function<void(Queue&)> ready_;                   // manual queues' ready_notify callback
    bool cancel_requeue_ = false;                         // purged, not started since: requeues are cancelled
    std::atomic<bool> held_{false};                       // power: presents nothing (changed under mutex_)
    Ref<CallbackLock> lock_;                              // the driver's callbacks run holding it (set once)
};

}  // namespace wdfio
#pragma GCC visibility pop
