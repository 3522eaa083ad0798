// The driver's side of a request (driver spec §6): parameters, buffers,
// completion, cancelation, forwarding, for a request a C queue presented.
#include "compat/boundary.hpp"
#include "compat/driver_model.hpp"

#include <wdfio/verifier.hpp>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

// The presented request `value` names, still the driver's; else null, and a
// verifier report (a driver-created request, or one already let go).
Ref<RequestHandle> held(Ref<RequestHandle> h, const void* value, const char* call) {
    if (!h) return nullptr;
    if ((!h->queue && !h->caller_context) || h->retired.load(std::memory_order_acquire)) {
        log(LogLevel::Error, "%s: WDFREQUEST %p was not presented by a queue, or the driver let it go already", call,
            value);
        detail::verifier_violation(VerifierCheck::CompleteNotOwned, value, call);
        return nullptr;
    }
    return h;
}
Ref<RequestHandle> presented(const void* value, const char* call) {
    return held(HandleTable::find<RequestHandle>(value, call), value, call);
}

// The driver's request that came from a queue: one still in EvtIoInCallerContext has none to
// forward from, requeue to or cancel against → null, with a log line saying what to do.
Ref<RequestHandle> from_queue(const void* value, const char* call) {
    auto h = presented(value, call);
    if (h && !h->queue) {
        log(LogLevel::Error,
            "%s: WDFREQUEST %p is in EvtIoInCallerContext, in no queue yet: "
            "hand it to one with WdfDeviceEnqueueRequest first",
            call, value);
        detail::verifier_violation(VerifierCheck::InvalidParameter, value, call);
        return nullptr;
    }
    return h;
}

DeliveredRequest& delivered(RequestHandle& h) noexcept { return *DeliveredRequest::from(*h.request); }
QueueHandle& queue_of(RequestHandle& h) noexcept { return static_cast<QueueHandle&>(*h.queue); }

// EvtDeviceFileCreate's request: its status is the open's (R9.11). The
// completion that retires the handle wakes the opener, whose wait is gone after.
void complete_create(const char* call, const Ref<RequestHandle>& h, WDFREQUEST request, NTSTATUS status) {
    if (h->retired.exchange(true, std::memory_order_acq_rel)) {
        log(LogLevel::Error, "%s: the create request %p was completed already", call, static_cast<void*>(request));
        detail::verifier_violation(VerifierCheck::CompleteNotOwned, request, call);
        return;
    }
    CreateWait& wait = *h->create;
    HandleTable::remove(*h);  // C's reference goes; its cleanup and destroy callbacks run
    std::lock_guard lock(wait.mutex);
    wait.status = status;
    wait.done = true;
    wait.done_cv.notify_all();  // under the lock: the opener frees `wait` once it sees done
}

void complete(const char* call, WDFREQUEST request, NTSTATUS status, const ULONG_PTR* information) {
    auto found = HandleTable::find<RequestHandle>(request, call);
    if (found && found->create) return complete_create(call, found, request, status);
    auto h = held(std::move(found), request, call);
    if (!h) return;
    DeliveredRequest& r = delivered(*h);
    // Refused: the core's verifier said why; still the driver's.
    DeviceBridge::let_go(*h, [&] {
        return (information ? r.complete_with_information(status, *information) : r.complete(status)).ok();
    });
}

// The cancel routine the core calls for a request marked cancelable.
void cancel_trampoline(DeliveredRequest&, void* context) {
    auto* h = static_cast<RequestHandle*>(context);
    CurrentDriver current(&queue_of(*h).bridge.driver());
    if (PFN_WDF_REQUEST_CANCEL routine = h->cancel_routine) routine(to_c<WDFREQUEST>(h));
}

}  // namespace

VOID WdfRequestComplete(WDFREQUEST Request, NTSTATUS Status) {
    guard_void("WdfRequestComplete", [&] { complete("WdfRequestComplete", Request, Status, nullptr); });
}

VOID WdfRequestCompleteWithInformation(WDFREQUEST Request, NTSTATUS Status, ULONG_PTR Information) {
    constexpr const char* call = "WdfRequestCompleteWithInformation";
    guard_void(call, [&] { complete(call, Request, Status, &Information); });
}

VOID WdfRequestCompleteWithPriorityBoost(WDFREQUEST Request, NTSTATUS Status, CCHAR) {
    constexpr const char* call = "WdfRequestCompleteWithPriorityBoost";
    guard_void(call, [&] { complete(call, Request, Status, nullptr); });
}

VOID WdfRequestSetInformation(WDFREQUEST Request, ULONG_PTR Information) {
    constexpr const char* call = "WdfRequestSetInformation";
    guard_void(call, [&] {
        if (auto h = presented(Request, call)) delivered(*h).set_information(Information);
    });
}

VOID WdfRequestGetParameters(WDFREQUEST Request, PWDF_REQUEST_PARAMETERS Parameters) {
    constexpr const char* call = "WdfRequestGetParameters";
    guard_void(call, [&] {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        if (!h) return;
        if (!Parameters || Parameters->Size != sizeof(WDF_REQUEST_PARAMETERS)) {
            log(LogLevel::Error, "%s: Parameters NULL or of a wrong Size (use WDF_REQUEST_PARAMETERS_INIT)", call);
            detail::verifier_violation(VerifierCheck::InvalidParameter, Request, call);
            return;
        }
        if (h->create) {  // EvtDeviceFileCreate's
            WDF_REQUEST_PARAMETERS_INIT(Parameters);
            Parameters->Type = WdfRequestTypeCreate;
            return;
        }
        fill_parameters(DeliveredRequest::from(*h->request), *Parameters);
    });
}

void wdfio::compat::fill_parameters(const DeliveredRequest* r, WDF_REQUEST_PARAMETERS& parameters) noexcept {
    WDF_REQUEST_PARAMETERS_INIT(&parameters);
    if (!r) {
        parameters.Type = WdfRequestTypeNoFormat;  // driver-created: nothing arrived
        return;
    }
    const IoOperation& op = r->parameters();
    parameters.Type = static_cast<WDF_REQUEST_TYPE>(op.type);
    auto& p = parameters.Parameters;
    switch (op.type) {
    case RequestType::Read:
        p.Read.Length = op.length;
        p.Read.DeviceOffset = op.device_offset;
        break;
    case RequestType::Write:
        p.Write.Length = op.length;
        p.Write.DeviceOffset = op.device_offset;
        break;
    case RequestType::DeviceControl:
    case RequestType::DeviceControlInternal:
        p.DeviceIoControl.OutputBufferLength = op.output_length;
        p.DeviceIoControl.InputBufferLength = op.input_length;
        p.DeviceIoControl.IoControlCode = op.ioctl_code;
        break;
    case RequestType::Other:
        parameters.Type = WdfRequestTypeDeviceControlInternal;  // KMDF's type for the "others" form
        p.Others.Arg1 = op.arguments[0];
        p.Others.Arg2 = op.arguments[1];
        p.Others.IoControlCode = op.ioctl_code;
        p.Others.Arg4 = op.arguments[2];
        break;
    case RequestType::NoFormat: break;
    }
}

namespace {
template <class Retrieve>
NTSTATUS retrieve_buffer(const char* call, WDFREQUEST request, size_t minimum, PVOID* buffer, size_t* length,
                         Retrieve&& retrieve) {
    return guard(call, [&]() -> Status {
        if (buffer) *buffer = nullptr;
        if (length) *length = 0;
        auto h = presented(request, call);
        if (!h) return STATUS_INVALID_DEVICE_REQUEST;
        if (!buffer) {
            return required_null(call, "Buffer", request);
        }
        auto span = retrieve(delivered(*h), minimum);
        if (!span) return span.status();
        *buffer = span.value().data();
        if (length) *length = span.value().size();
        return STATUS_SUCCESS;
    });
}

template <class Retrieve>
NTSTATUS retrieve_memory(const char* call, WDFREQUEST request, WDFMEMORY* memory, Retrieve&& retrieve) {
    return guard(call, [&]() -> Status {
        if (memory) *memory = nullptr;
        auto h = presented(request, call);
        if (!h) return STATUS_INVALID_DEVICE_REQUEST;
        if (!memory) {
            return required_null(call, "Memory", request);
        }
        auto made = retrieve(delivered(*h));
        if (!made) return made.status();
        // A child of the request: it goes when the driver lets the request go.
        auto m = Ref<MemoryHandle>::adopt(new MemoryHandle(std::move(made).value()));
        if (Status s = HandleTable::publish(*m, nullptr, h.get()); !s.ok()) return s;
        *memory = to_c<WDFMEMORY>(m.detach());
        return STATUS_SUCCESS;
    });
}
}  // namespace

NTSTATUS WdfRequestRetrieveInputBuffer(WDFREQUEST Request, size_t MinimumRequiredLength, PVOID* Buffer,
                                       size_t* Length) {
    return retrieve_buffer("WdfRequestRetrieveInputBuffer", Request, MinimumRequiredLength, Buffer, Length,
                           [](DeliveredRequest& r, size_t min) { return r.retrieve_input_buffer(min); });
}

NTSTATUS WdfRequestRetrieveOutputBuffer(WDFREQUEST Request, size_t MinimumRequiredSize, PVOID* Buffer, size_t* Length) {
    return retrieve_buffer("WdfRequestRetrieveOutputBuffer", Request, MinimumRequiredSize, Buffer, Length,
                           [](DeliveredRequest& r, size_t min) { return r.retrieve_output_buffer(min); });
}

NTSTATUS WdfRequestRetrieveInputMemory(WDFREQUEST Request, WDFMEMORY* Memory) {
    return retrieve_memory("WdfRequestRetrieveInputMemory", Request, Memory,
                           [](DeliveredRequest& r) { return r.retrieve_input_memory(); });
}

NTSTATUS WdfRequestRetrieveOutputMemory(WDFREQUEST Request, WDFMEMORY* Memory) {
    return retrieve_memory("WdfRequestRetrieveOutputMemory", Request, Memory,
                           [](DeliveredRequest& r) { return r.retrieve_output_memory(); });
}

VOID WdfRequestFormatRequestUsingCurrentType(WDFREQUEST Request) {
    constexpr const char* call = "WdfRequestFormatRequestUsingCurrentType";
    guard_void(call, [&] {
        auto h = presented(Request, call);
        if (!h) return;
        h->forget_format();
        delivered(*h).format_using_current_type();
    });
}

WDFQUEUE WdfRequestGetIoQueue(WDFREQUEST Request) {
    constexpr const char* call = "WdfRequestGetIoQueue";
    return guard_value(call, WDFQUEUE{nullptr}, [&]() -> WDFQUEUE {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        if (h && h->create) {  // R6.19: EvtDeviceFileCreate's request came through no queue
            log(LogLevel::Error, "%s: the create request of EvtDeviceFileCreate has no queue", call);
            detail::verifier_violation(VerifierCheck::InvalidParameter, Request, call);
            return nullptr;
        }
        return h && !h->retired.load() ? to_c<WDFQUEUE>(h->queue.get()) : nullptr;
    });
}

NTSTATUS WdfRequestForwardToIoQueue(WDFREQUEST Request, WDFQUEUE DestinationQueue) {
    constexpr const char* call = "WdfRequestForwardToIoQueue";
    return guard(call, [&]() -> Status {
        auto h = from_queue(Request, call);
        if (!h) return STATUS_INVALID_DEVICE_REQUEST;
        auto q = HandleTable::find<QueueHandle>(DestinationQueue, call);
        if (!q) return STATUS_INVALID_HANDLE;
        QueueHandle& from = queue_of(*h);
        if (&q->bridge != &from.bridge) {
            log(LogLevel::Error, "%s: the destination queue belongs to another device", call);
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        if (q.get() == &from) {
            log(LogLevel::Error, "%s: the request is in that queue already", call);
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        // Waiting again, as after a requeue: not the driver's (a completion of
        // it is refused, the source's count untouched) until the destination
        // presents it; cleared first, since that may happen at once.
        Ref<Handle> keep = std::move(h->queue);
        h->found.store(true, std::memory_order_release);
        from.owned_done();
        const Status s = delivered(*h).forward_to_queue(*q->queue);
        if (!s.ok()) {  // still the driver's, from the same queue
            h->found.store(false, std::memory_order_release);
            h->queue = std::move(keep);
            from.owned_begin();
        }
        return s;
    });
}

NTSTATUS WdfRequestRequeue(WDFREQUEST Request) {
    constexpr const char* call = "WdfRequestRequeue";
    return guard(call, [&]() -> Status {
        auto h = from_queue(Request, call);
        if (!h) return STATUS_INVALID_DEVICE_REQUEST;
        QueueHandle& from = queue_of(*h);
        if (from.queue->dispatch() != QueueDispatch::Manual) {  // R5.38: always a DbgBreak in KMDF
            log(LogLevel::Error, "%s: only a manual queue's request can be requeued; forward it instead", call);
            detail::verifier_break(VerifierCheck::QueueMisuse, Request, call);
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        // Waiting again: not the driver's (its calls on it are refused) until
        // retrieved, and kept, not deletable. Cleared before it is back in the
        // queue, where another thread may retrieve it at once.
        Ref<Handle> queue = std::move(h->queue);
        h->found.store(true, std::memory_order_release);
        // Back in the queue before the driver's count drops: a Purge or Drain
        // waiting for both to reach 0 must not see the moment in between.
        const Status s = delivered(*h).requeue();
        if (!s.ok()) {
            h->queue = std::move(queue);
            log(LogLevel::Error, "%s: the request is still marked cancelable, or sent to a target", call);
            detail::verifier_break(VerifierCheck::QueueMisuse, Request, call);
            return s;
        }
        static_cast<QueueHandle&>(*queue).owned_done();
        return STATUS_SUCCESS;
    });
}

VOID WdfRequestStopAcknowledge(WDFREQUEST Request, BOOLEAN Requeue) {
    constexpr const char* call = "WdfRequestStopAcknowledge";
    guard_void(call, [&] {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        if (!h) return;
        if (!h->queue || h->retired.load(std::memory_order_acquire)) {  // R5.27
            log(LogLevel::Error, "%s: WDFREQUEST %p is not the driver's (not presented, or let go already)", call,
                static_cast<void*>(Request));
            detail::verifier_break(VerifierCheck::StopAcknowledgeMisuse, Request, call);
            return;
        }
        if (!Requeue) {
            if (!delivered(*h).stop_acknowledge(false).ok())
                log(LogLevel::Error, "%s: no EvtIoStop of this request is waiting for an answer", call);
            return;
        }
        // As WdfRequestRequeue: waiting again, not the driver's, before the core puts it back.
        Ref<Handle> queue = std::move(h->queue);
        h->found.store(true, std::memory_order_release);
        if (const Status s = delivered(*h).stop_acknowledge(true); !s.ok()) {
            h->queue = std::move(queue);
            h->found.store(false, std::memory_order_release);
            log(LogLevel::Error,
                "%s: no EvtIoStop of this request is waiting for an answer, or it is still marked cancelable or "
                "sent to a target (unmark it, or keep it with Requeue FALSE)",
                call);
            return;
        }
        static_cast<QueueHandle&>(*queue).owned_done();
    });
}

VOID WdfRequestMarkCancelable(WDFREQUEST Request, PFN_WDF_REQUEST_CANCEL EvtRequestCancel) {
    constexpr const char* call = "WdfRequestMarkCancelable";
    guard_void(call, [&] {
        auto h = from_queue(Request, call);
        if (!h) return;
        if (!EvtRequestCancel) {
            required_null(call, "EvtRequestCancel", Request);
            return;
        }
        h->cancel_routine = EvtRequestCancel;
        // Already cancelled: KMDF calls the routine at once for this form.
        if (delivered(*h).mark_cancelable(&cancel_trampoline, h.get()) == Status(STATUS_CANCELLED))
            cancel_trampoline(delivered(*h), h.get());
    });
}

NTSTATUS WdfRequestMarkCancelableEx(WDFREQUEST Request, PFN_WDF_REQUEST_CANCEL EvtRequestCancel) {
    constexpr const char* call = "WdfRequestMarkCancelableEx";
    return guard(call, [&]() -> Status {
        auto h = from_queue(Request, call);
        if (!h) return STATUS_INVALID_DEVICE_REQUEST;
        if (!EvtRequestCancel) {
            return required_null(call, "EvtRequestCancel", Request);
        }
        h->cancel_routine = EvtRequestCancel;
        return delivered(*h).mark_cancelable(&cancel_trampoline, h.get());  // STATUS_CANCELLED: the caller completes it
    });
}

NTSTATUS WdfRequestUnmarkCancelable(WDFREQUEST Request) {
    constexpr const char* call = "WdfRequestUnmarkCancelable";
    return guard(call, [&]() -> Status {
        auto h = presented(Request, call);
        if (!h) return STATUS_INVALID_DEVICE_REQUEST;
        return delivered(*h).unmark_cancelable();
    });
}

BOOLEAN WdfRequestIsCanceled(WDFREQUEST Request) {
    constexpr const char* call = "WdfRequestIsCanceled";
    return guard_value(call, BOOLEAN{FALSE}, [&]() -> BOOLEAN {
        auto h = presented(Request, call);
        return h && h->request->is_canceled() ? TRUE : FALSE;
    });
}
