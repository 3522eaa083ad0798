// Queue: how a device receives requests (KMDF WDFQUEUE): sequential (one at a
// time), parallel (as they come), or manual (held until the driver retrieves them).
#pragma once
#include <wdfio/delivered_request.hpp>
#include <wdfio/detail/request_fifo.hpp>
#include <wdfio/detail/spin_lock.hpp>
#include <wdfio/object.hpp>
#include <wdfio/request.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Device;
class Driver;
class FileObject;

enum class QueueDispatch : std::uint8_t { Sequential, Parallel, Manual };
enum class QueueState : std::uint8_t { Started, Stopped, Purged };

class Queue final : public Object {
public:
    QueueDispatch dispatch() const noexcept { return dispatch_; }
    QueueState state() const;
    Device& device() const noexcept { return device_; }
    // Requests waiting (not yet presented to the driver).
    std::uint32_t waiting() const;

    // Manual queues: the next waiting request, now owned by the driver;
    // STATUS_NO_MORE_ENTRIES if none; STATUS_INVALID_DEVICE_REQUEST on a queue
    // that dispatches by itself.
    Result<DeliveredRequest*> retrieve_next_request();
    // The same, for the oldest waiting request sent through `file` (spec R5.32;
    // null: one that came through no open).
    Result<DeliveredRequest*> retrieve_request_by_file_object(const FileObject* file);

    // Stopped: requests are still accepted, not presented, until start().
    void stop();
    void start();
    // Purged: waiting requests complete with STATUS_CANCELLED, the cancel
    // callbacks of cancelable requests the driver holds are called, and new
    // requests fail with STATUS_INVALID_DEVICE_STATE until start().
    void purge();

private:
    friend class Device;
    friend struct detail::DeliveredAccess;
    Queue(Device& device, QueueDispatch dispatch, Driver* handler);
    bool deletable() const noexcept override;
    // Purged, then waits until the driver holds nothing it presented, before
    // the cleanup callback (R5.40); not where nothing may wait (the engine
    // thread, a completion routine).
    void rundown() noexcept override;

    void add(Request& q);                         // a request arrives (or is forwarded here)
    bool remove_waiting(Request& q);              // cancel of a request not yet presented
    void cancel_waiting_of(const FileObject& f);  // the open's cleanup (R9.12)
    void presented_done(Request& q);              // the driver completed or forwarded q
    void track_cancelable(Request& q);            // mark_cancelable: purge finds it here
    void untrack_cancelable(Request& q);
    void deliver_ready();
    void deliver_locked(std::unique_lock<detail::SpinLock>& lock);  // presents what may go now
    void present(Request& q);
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
    std::uint32_t presented_ = 0;                         // presented and not completed (sequential queues wait for 0)
    bool delivering_ = false;                             // sequential: one thread presents at a time
};

}  // namespace wdfio
#pragma GCC visibility pop
