// The glue between a device, its queues, the local target and the
// queue-delivered requests they hand around.
#pragma once
#include <wdfio/device.hpp>
#include <wdfio/queue.hpp>
#include <wdfio/request.hpp>

#include "device/delivered_request.hpp"

#include <vector>

namespace wdfio::detail {

struct DeliveredAccess {
    // A request r arrives at device d (from its target's start_io; r holds
    // its lower claim): wrap it in a queue-delivered request and queue it.
    static void dispatch(Device& d, Request& r);
    static void in_caller_context(Device& d, Request& q);
    // The queue d dispatches requests of type t to; null for a type it takes none of.
    static Queue* queue_for(Device& d, RequestType t) noexcept;
    static Request* take_lower(Device& d, Request& r);
    // Cancel the delivered request standing for r one level down.
    static bool cancel_child(Request& r);
    // q is finished at this level: the sender's request completes with its result.
    static void finish(Request& q, Status status, std::uint64_t information);

    using Owner = Request::Owner;
    static void set_owner(Request& q, Owner o) noexcept { q.owner_.store(o, std::memory_order_release); }
    static Owner owner(const Request& q) noexcept { return q.owner_.load(std::memory_order_acquire); }
    static void set_queue(Request& q, Queue* queue) noexcept {
        DeliveredRequestImpl::of(q).queue.store(queue, std::memory_order_release);
    }
    static Queue* queue_of(const Request& q) noexcept {
        return DeliveredRequestImpl::of(q).queue.load(std::memory_order_acquire);
    }
    static bool cancel_requested(const Request& q) noexcept {
        return q.cancel_requested_.load(std::memory_order_seq_cst);
    }
    static bool cancel_listed(const Request& q) noexcept { return q.cancel_listed_.load(std::memory_order_acquire); }
    static void set_cancel_listed(Request& q, bool on) noexcept {
        q.cancel_listed_.store(on, std::memory_order_release);
    }
    // Runs the cancel callback of a cancelable request the driver holds.
    static bool cancel_held(Request& q);
    static void destroy_pooled(Request& q);
    // Whether the driver holds a request `queue` presented (R5.40's wait): a
    // walk of every request the device made, for the rare queue delete.
    static bool holds_from(Device& d, const Queue& queue) noexcept;
    // The requests the driver holds from `queue`, referenced (a hold's rare walk).
    static std::vector<Ref<Request>> held_from(Device& d, const Queue& queue);
    static void recycle(Request& done) noexcept;  // its last reference went: back to its device's pool
    // Device activity (what remove() waits for): requests the driver owns and
    // callbacks running; in_callback() is true inside a callback on this thread.
    static void owned_begin(Device& d, std::uint32_t n = 1) noexcept { d.activity_begin(n); }
    static void owned_done(Device& d, std::uint32_t n = 1) noexcept { d.activity_done(n); }
    static bool in_callback() noexcept;
    // q is completed inside its own callback on this thread: the callback's
    // end will count its ownership done too (Queue::present).
    static bool completing_inline(Request& q) noexcept;
    static void presented_done(Queue& queue, Request& q) { queue.presented_done(q); }
    static void enqueue(Queue& queue, Request& q) { queue.add(q); }
    static void requeue(Queue& queue, Request& q) { queue.requeue(q); }
    // Whether `queue` takes new requests (started or stopped; not purged or draining).
    static bool accepting(const Queue& queue) noexcept {
        const QueueState s = queue.state_.load(std::memory_order_acquire);
        return s == QueueState::Started || s == QueueState::Stopped;
    }
    // The links of a device target's list of the requests it sent.
    static Request*& target_next(Request& r) noexcept { return r.target_next_; }
    static Request*& target_prev(Request& r) noexcept { return r.target_prev_; }
    static void track_cancelable(Queue& queue, Request& q) { queue.track_cancelable(q); }
    static void untrack_cancelable(Queue& queue, Request& q) { queue.untrack_cancelable(q); }
};

}  // namespace wdfio::detail
