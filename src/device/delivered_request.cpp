// Queue-delivered requests: what a driver can do with a request it received
// (spec §1.1 kind "queue-delivered"; §10 #11–#15 for completion checks).
#include <wdfio/device.hpp>
#include <wdfio/engine.hpp>
#include <wdfio/log.hpp>
#include <wdfio/verifier.hpp>

#include "core/recorder.hpp"
#include "core/request_access.hpp"
#include "device/delivered_access.hpp"
#include "device/delivered_request.hpp"
#include "device/device_target.hpp"
#include "engine/engine_core.hpp"

#include <new>

namespace wdfio {

using detail::DeliveredRequestImpl;
using detail::verifier_violation;

DeliveredRequestImpl* DeliveredRequestImpl::create(Device& device) noexcept {
    auto* q = new (std::nothrow) DeliveredRequestImpl();
    if (!q) return nullptr;
    q->device = &device;
    return q;
}

void DeliveredRequestImpl::last_reference_dropped() const noexcept {
    auto* self = const_cast<DeliveredRequestImpl*>(this);
    end_of_life();  // never in a block with contexts: devices make them
    if (device) {
        detail::DeliveredAccess::recycle(*self);  // back to its device's pool
        return;
    }
    delete self;
}

namespace {
Result<std::span<std::byte>> window(void* p, std::uint64_t len, std::size_t min_length) {
    if (!p || len < min_length || len == 0) return STATUS_BUFFER_TOO_SMALL;
    return std::span<std::byte>(static_cast<std::byte*>(p), len);
}
}  // namespace

Result<std::span<std::byte>> DeliveredRequest::retrieve_input_buffer(std::size_t min_length) const {
    const IoOperation& current = parameters();
    switch (current.type) {
    case RequestType::Write: return window(current.data, current.length, min_length);
    case RequestType::DeviceControl:
    case RequestType::DeviceControlInternal: return window(current.input, current.input_length, min_length);
    default: return STATUS_INVALID_DEVICE_REQUEST;
    }
}

Result<std::span<std::byte>> DeliveredRequest::retrieve_output_buffer(std::size_t min_length) const {
    const IoOperation& current = parameters();
    switch (current.type) {
    case RequestType::Read: return window(current.data, current.length, min_length);
    case RequestType::DeviceControl:
    case RequestType::DeviceControlInternal: return window(current.output, current.output_length, min_length);
    default: return STATUS_INVALID_DEVICE_REQUEST;
    }
}

namespace {
// One wrapper per request, re-pointed per delivery; a new one only if the old
// is still referenced elsewhere.
Result<Ref<Memory>> view(Ref<Memory>& slot, std::span<std::byte> s) {
    if (slot && slot->ref_count() == 1) {
        slot->assign_buffer(s.data(), s.size());
        return slot;
    }
    auto m = Memory::wrap(s.data(), s.size());
    if (!m) return m.status();
    slot = m.value();
    return slot;
}
}  // namespace

Result<Ref<Memory>> DeliveredRequest::retrieve_input_memory() {
    auto b = retrieve_input_buffer(1);
    if (!b) return b.status();
    return view(DeliveredRequestImpl::of(*this).input_view, *b);
}

Result<Ref<Memory>> DeliveredRequest::retrieve_output_memory() {
    auto b = retrieve_output_buffer(1);
    if (!b) return b.status();
    return view(DeliveredRequestImpl::of(*this).output_view, *b);
}

Status DeliveredRequest::complete(Status status) { return complete_with_information(status, information_); }

void DeliveredRequest::set_information(std::uint64_t information) noexcept { information_ = information; }

Status DeliveredRequest::complete_with_information(Status status, std::uint64_t information) {
    if (owner() != Owner::Driver) {  // #11, #12: twice, or never presented
        verifier_violation(VerifierCheck::CompleteNotOwned, this, "complete");
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    if (is_outstanding()) {  // still sent to a target (spec §10, last paragraph)
        verifier_violation(VerifierCheck::CompleteWhileOutstanding, this, "complete");
        return STATUS_INVALID_DEVICE_STATE;
    }
    std::uint64_t limit = 0;
    const IoOperation& current = parameters();
    switch (current.type) {
    case RequestType::Read:
    case RequestType::Write: limit = current.length; break;
    case RequestType::DeviceControl:
    case RequestType::DeviceControlInternal: limit = current.output_length; break;
    default: limit = UINT64_MAX; break;
    }
    if (status.ok() && information > limit) {  // #14
        verifier_violation(VerifierCheck::InformationTooLarge, this, "complete");
        return STATUS_INVALID_PARAMETER;
    }
    if (cancel_state_.load(std::memory_order_acquire) ==
        Cancelable::Yes)  // #15: a DbgBreak in KMDF, completion goes on
        detail::verifier_break(VerifierCheck::CompleteWhileCancelable, this, "complete");
    owner_.store(Owner::Completed, std::memory_order_release);
    status_ = status;
    information_ = information;
    // Only the owner completes (the checks above), so no one else changes its queue now.
    auto& queue = DeliveredRequestImpl::of(*this).queue;
    Queue* q = queue.load(std::memory_order_relaxed);
    queue.store(nullptr, std::memory_order_relaxed);
    if (q) {
        detail::recorder_of(detail::EngineAccess::core(q->device().engine()))
            .record({RecorderEventKind::QueueComplete, reinterpret_cast<std::uintptr_t>(this),
                     reinterpret_cast<std::uintptr_t>(q), information, status.value(), 0, current.type});
        detail::Recorder::offer_last_time();  // its time, for the sender's Complete if finish hands it up at once
        detail::DeliveredAccess::presented_done(*q, *this);
        // Before finish: that may re-dispatch us. Inside our own callback, its end counts this.
        if (!detail::DeliveredAccess::completing_inline(*this)) detail::DeliveredAccess::owned_done(q->device());
    } else if (auto& self = DeliveredRequestImpl::of(*this); self.let_go_of_caller_hold() && self.device) {
        detail::DeliveredAccess::owned_done(*self.device);  // kept past EvtIoInCallerContext: removal may go on
    }
    detail::DeliveredAccess::finish(*this, status, information);
    detail::Recorder::take_offered_time();  // not taken (finished later, elsewhere): gone
    return STATUS_SUCCESS;
}

Status DeliveredRequest::mark_cancelable(CancelCallback callback, void* context) {
    if (owner() != Owner::Driver || !callback) return STATUS_INVALID_DEVICE_REQUEST;
    auto& self = DeliveredRequestImpl::of(*this);
    Queue* queue = self.queue.load(std::memory_order_acquire);
    if (!queue) return STATUS_INVALID_DEVICE_REQUEST;
    self.cancel_callback = callback;
    self.cancel_context = context;
    // On its queue's cancelable list: what purge cancels.
    if (!cancel_listed_.load(std::memory_order_acquire)) detail::DeliveredAccess::track_cancelable(*queue, *this);
    cancel_state_.store(Cancelable::Yes, std::memory_order_seq_cst);
    if (cancel_requested_.load(std::memory_order_seq_cst)) {
        Cancelable expected = Cancelable::Yes;
        // Cancelled before it was marked: not marked, the driver completes it.
        if (cancel_state_.compare_exchange_strong(expected, Cancelable::No)) {
            detail::DeliveredAccess::untrack_cancelable(*queue, *this);
            return STATUS_CANCELLED;
        }
    }
    return STATUS_SUCCESS;
}

Status DeliveredRequest::unmark_cancelable() {
    Cancelable expected = Cancelable::Yes;
    if (cancel_state_.compare_exchange_strong(expected, Cancelable::No)) {
        if (Queue* queue = DeliveredRequestImpl::of(*this).queue.load(std::memory_order_acquire))  // marked: delivered
            detail::DeliveredAccess::untrack_cancelable(*queue, *this);
        return STATUS_SUCCESS;
    }
    return expected == Cancelable::CallbackClaimed ? Status(STATUS_CANCELLED) : Status(STATUS_INVALID_DEVICE_REQUEST);
}

void DeliveredRequest::format_using_current_type() {
    if (is_outstanding()) {
        verifier_violation(VerifierCheck::FormatWhileOutstanding, this, "format_using_current_type");
        return;
    }
    forget_format();  // the rest of the old format is overwritten here:
    op_ = parameters();
    params_ = {};
    params_.type = op_.type;
    set_life(Life::Formatted);
    wdm_formatted_ = true;
    format_target_ = nullptr;  // any target deep enough
}

bool Request::send_and_forget(IoTarget& target) {
    // Spec §4.2 step 3: only unformatted queue-delivered requests.
    if (kind_ != RequestKind::QueueDelivered) {
        status_ = STATUS_INVALID_DEVICE_STATE;
        return false;
    }
    if (format_context_) {
        verifier_violation(VerifierCheck::ForgetFormattedRequest, this, "send and forget");
        status_ = STATUS_INVALID_DEVICE_REQUEST;
        return false;
    }
    if (routine_) detail::verifier_break(VerifierCheck::ForgetWithRoutine, this, "send and forget");
    auto& self = static_cast<DeliveredRequest&>(*this);  // queue-delivered: checked above
    // Handed down unchanged; its result becomes this request's completion.
    if (!wdm_formatted_) self.format_using_current_type();
    routine_ = detail::CompletionRoutine([](Request& r, IoTarget&, const CompletionParams& p) {
        static_cast<DeliveredRequest&>(r).complete_with_information(p.status, p.information);
    });
    // Target state is not checked for a forgotten request (spec §4.2 step 3c).
    if (submit(target, SendOptions().ignore_target_state(), "send and forget") != SubmitResult::Accepted) {
        routine_.reset();
        self.complete_with_information(status_, 0);  // forgotten all the same: the sender learns why
    }
    return true;
}

Status DeliveredRequest::forward_to_queue(Queue& queue) {
    if (owner() != Owner::Driver) return STATUS_INVALID_DEVICE_REQUEST;
    auto& current = DeliveredRequestImpl::of(*this).queue;
    // None: kept from EvtIoInCallerContext, presented by no queue (the C API refuses it as KMDF does).
    if (!current.load() || &queue.device() != &current.load()->device()) return STATUS_INVALID_DEVICE_REQUEST;
    if (is_outstanding()) return STATUS_INVALID_DEVICE_STATE;
    // R5.36: refused, still the driver's. (A purge or drain that comes after
    // this check still fails it there, as a new arrival.)
    if (!detail::DeliveredAccess::accepting(queue)) return STATUS_WDF_BUSY;
    Queue* from = current.exchange(nullptr, std::memory_order_acq_rel);
    DeliveredRequestImpl::of(*this).returned = true;
    DeliveredRequestImpl::of(*this).stop.store(DeliveredRequestImpl::Stop::None, std::memory_order_release);
    owner_.store(Owner::Queued, std::memory_order_release);
    detail::DeliveredAccess::presented_done(*from, *this);
    detail::DeliveredAccess::owned_done(from->device());
    detail::DeliveredAccess::enqueue(queue, *this);
    return STATUS_SUCCESS;
}

Status DeliveredRequest::enqueue() {
    auto& self = DeliveredRequestImpl::of(*this);
    if (owner() != Owner::Driver || !self.in_caller_context()) {
        detail::verifier_break(VerifierCheck::EnqueueOutsideCallerContext, this, "enqueue");
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    Queue* queue = detail::DeliveredAccess::queue_for(*self.device, parameters().type);
    if (!queue) return STATUS_INVALID_DEVICE_REQUEST;
    // R5.39: refused, still the driver's (a purge that comes after this check fails it there, as a new arrival).
    if (!detail::DeliveredAccess::accepting(*queue)) return STATUS_WDF_BUSY;
    self.let_go_of_caller_hold();  // the queue counts it now; the callback's end gives the share back
    owner_.store(Owner::Queued, std::memory_order_release);
    detail::DeliveredAccess::enqueue(*queue, *this);
    return STATUS_SUCCESS;
}

Status DeliveredRequest::requeue() {
    if (owner() != Owner::Driver) return STATUS_INVALID_DEVICE_REQUEST;
    auto& current = DeliveredRequestImpl::of(*this).queue;
    Queue* from = current.load(std::memory_order_acquire);
    if (!from || from->dispatch() != QueueDispatch::Manual) return STATUS_INVALID_DEVICE_REQUEST;
    if (cancel_state_.load(std::memory_order_acquire) != Cancelable::No) return STATUS_INVALID_DEVICE_REQUEST;
    if (is_outstanding()) return STATUS_INVALID_DEVICE_STATE;
    current.store(nullptr, std::memory_order_release);
    DeliveredRequestImpl::of(*this).returned = true;
    DeliveredRequestImpl::of(*this).stop.store(DeliveredRequestImpl::Stop::None, std::memory_order_release);
    owner_.store(Owner::Queued, std::memory_order_release);
    detail::DeliveredAccess::presented_done(*from, *this);
    detail::DeliveredAccess::owned_done(from->device());
    detail::DeliveredAccess::requeue(*from, *this);
    return STATUS_SUCCESS;
}

Status DeliveredRequest::stop_acknowledge(bool requeue) {
    using Stop = DeliveredRequestImpl::Stop;
    auto& self = DeliveredRequestImpl::of(*this);
    // R5.27: with no on_io_stop to answer, or not the driver's: a DbgBreak in KMDF, ignored.
    if (owner() != Owner::Driver || self.stop.load(std::memory_order_acquire) != Stop::Notified) {
        detail::verifier_break(VerifierCheck::StopAcknowledgeMisuse, this, "stop_acknowledge");
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    if (!requeue) {
        self.stop.store(Stop::Kept, std::memory_order_release);
        return STATUS_SUCCESS;
    }
    if (cancel_state_.load(std::memory_order_acquire) != Cancelable::No) {
        detail::verifier_break(VerifierCheck::StopAcknowledgeMisuse, this, "stop_acknowledge (requeue)");
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    if (is_outstanding()) return STATUS_INVALID_DEVICE_STATE;
    // Off its queue's held list first, so that the hold's next scan does not take it for a new one.
    Queue* from = self.queue.exchange(nullptr, std::memory_order_acq_rel);
    self.stop.store(Stop::None, std::memory_order_release);
    self.returned = true;  // R5.30: presented before
    owner_.store(Owner::Queued, std::memory_order_release);
    detail::DeliveredAccess::presented_done(*from, *this);
    detail::DeliveredAccess::owned_done(from->device());
    detail::DeliveredAccess::requeue(*from, *this);  // the head; cancelled instead while purged (R5.29)
    return STATUS_SUCCESS;
}

}  // namespace wdfio
