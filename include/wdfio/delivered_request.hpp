// DeliveredRequest: a request as the driver that received it from a queue
// sees it (KMDF's EvtIoRead, EvtIoWrite, ... and WdfIoQueueRetrieveNextRequest):
// what arrived, its buffers, completing it, marking it cancelable, forwarding
// it. It is a Request too: the driver can format it and send it on (spec §2.7).
#pragma once
#include <wdfio/memory.hpp>
#include <wdfio/request.hpp>
#include <wdfio/result.hpp>
#include <wdfio/status.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

namespace wdfio::detail {
class DeliveredRequestImpl;
struct DeliveredAccess;
}  // namespace wdfio::detail

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Queue;
class FileObject;

// A driver's cancel callback for a request it holds (mark_cancelable).
using CancelCallback = void (*)(DeliveredRequest& request, void* context);

class DeliveredRequest : public Request {
public:
    // r as the driver's view, if it was delivered by a queue (kind()); else null.
    static DeliveredRequest* from(Request& r) noexcept {
        return r.kind() == RequestKind::QueueDelivered ? static_cast<DeliveredRequest*>(&r) : nullptr;
    }

    // What arrived: the operation at this driver's level (type, lengths, offset, code).
    const IoOperation& parameters() const noexcept {
        return parent_ ? parent_->op_ : kNoOperation;  // the sender's next location is this one's current
    }
    // The buffers of that operation, at least min_length bytes: a read's or an
    // ioctl's output, a write's or an ioctl's input. Shorter or absent →
    // STATUS_BUFFER_TOO_SMALL; none for this type → STATUS_INVALID_DEVICE_REQUEST.
    Result<std::span<std::byte>> retrieve_input_buffer(std::size_t min_length = 0) const;
    Result<std::span<std::byte>> retrieve_output_buffer(std::size_t min_length = 0) const;
    Result<Ref<Memory>> retrieve_input_memory();
    Result<Ref<Memory>> retrieve_output_memory();

    // Complete it back to the sender: status and Information (bytes). The
    // verifier refuses a completion the driver may not make (not owned, twice,
    // still sent to a target, Information larger than the buffer).
    Status complete(Status status);
    Status complete_with_information(Status status, std::uint64_t information);
    void set_information(std::uint64_t information) noexcept;

    // While held by the driver: a cancel from above calls `callback`, which must
    // complete the request. Already cancelled → STATUS_CANCELLED (not marked);
    // not held by the driver, or no callback → STATUS_INVALID_DEVICE_REQUEST.
    Status mark_cancelable(CancelCallback callback, void* context = nullptr);
    // STATUS_CANCELLED if the cancel callback has been (or is being) called;
    // STATUS_INVALID_DEVICE_REQUEST if it was not marked.
    Status unmark_cancelable();

    // A completion routine for this request as it is sent on may take the
    // driver's view: (DeliveredRequest&, IoTarget&, const CompletionParams&).
    using Request::set_completion;
    template <class F,
              class = std::enable_if_t<
                  std::is_invocable_v<std::decay_t<F>&, DeliveredRequest&, IoTarget&, const CompletionParams&> &&
                  !std::is_invocable_v<std::decay_t<F>&, Request&, IoTarget&, const CompletionParams&>>,
              class = void>
    void set_completion(F&& routine) {
        Request::set_completion(
            [f = std::forward<F>(routine)](Request& r, IoTarget& t, const CompletionParams& p) mutable {
                f(static_cast<DeliveredRequest&>(r), t, p);  // the routine runs on the request it was set on
            });
    }

    // The open by name it was sent through (driver spec §9.4): that target's file
    // object, or for a request passed down unchanged from the device above,
    // the file object the above one's open made here (forward_file_events).
    // Null for a request that came through no open (a device's local target,
    // a request the device above made itself).
    FileObject* file_object() const noexcept { return file_object_; }

    // Forward the arrived operation unchanged to the next target (spec §2.7).
    void format_using_current_type();
    // Move it to another queue of the same device (WdfRequestForwardToIoQueue);
    // one that accepts nothing (purged, draining) → STATUS_WDF_BUSY, still the driver's.
    Status forward_to_queue(Queue& queue);
    // From Driver::on_in_caller_context: on to the queue its type is
    // dispatched to, as if it had just arrived (WdfDeviceEnqueueRequest, spec
    // R5.39); no longer the driver's. Elsewhere, or not the driver's →
    // STATUS_INVALID_DEVICE_REQUEST and a verifier report; the queue takes
    // nothing (purged, draining) → STATUS_WDF_BUSY, still the driver's.
    Status enqueue();
    // Back to the head of its own queue, which must be manual (WdfRequestRequeue,
    // spec R5.38): no longer the driver's. Not held by the driver or not from
    // a queue → STATUS_INVALID_DEVICE_REQUEST; not a manual queue → the same.
    // A purged queue, or a cancel already asked for: it is cancelled there
    // (STATUS_CANCELLED to the sender), and still STATUS_SUCCESS.
    Status requeue();
    // The answer to Driver::on_io_stop (spec R5.25-R5.27), then or later.
    // requeue false: the driver keeps it and gets on_io_resume when the queue
    // is powered again; true: back to the head of its queue, no longer the
    // driver's, presented again after power-up (cancelled instead while the
    // queue is purged, R5.29). Not waiting for an answer, not owned, or
    // requeue of a cancelable request → STATUS_INVALID_DEVICE_REQUEST and a
    // verifier report; still sent to a target → STATUS_INVALID_DEVICE_STATE.
    Status stop_acknowledge(bool requeue);

private:
    friend class detail::DeliveredRequestImpl;  // devices make them
    friend struct detail::DeliveredAccess;      // and set its file object at each dispatch
    DeliveredRequest() noexcept { kind_ = RequestKind::QueueDelivered; }
    ~DeliveredRequest() override = default;

    Request* parent_ = nullptr;          // the request one level up (holds its lower claim)
    FileObject* file_object_ = nullptr;  // set at each dispatch; the open outlives its requests
};

}  // namespace wdfio
#pragma GCC visibility pop
