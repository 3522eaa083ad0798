// WdfRequestCreate, Reuse, ChangeTarget, SetCompletionRoutine, Send,
// GetStatus, GetInformation, CancelSentRequest, GetCompletionParams.
#include "compat/boundary.hpp"
#include "compat/completion.hpp"
#include "compat/conversions.hpp"
#include "compat/driver_model.hpp"
#include "compat/fault_injection.hpp"

using namespace wdfio;
using namespace wdfio::compat;

NTSTATUS WdfRequestCreate(PWDF_OBJECT_ATTRIBUTES RequestAttributes, WDFIOTARGET IoTarget, WDFREQUEST* Request) {
    constexpr const char* call = "WdfRequestCreate";
    return guard(call, [&]() -> Status {
        if (!Request) return STATUS_INVALID_PARAMETER;
        *Request = nullptr;
        Ref<Handle> parent;
        if (Status s = HandleTable::check_attributes(call, RequestAttributes, parent); !s.ok()) return s;
        Result<Ref<wdfio::Request>> made = STATUS_UNSUCCESSFUL;
        if (IoTarget) {
            auto t = HandleTable::find<TargetHandle>(IoTarget, call);
            if (!t) return STATUS_INVALID_HANDLE;
            auto core = t->current();
            if (!core) return STATUS_INVALID_DEVICE_STATE;  // never opened (spec §1.2 step 3)
            made = wdfio::Request::create(*core);
        } else {
            made = wdfio::Request::create();
        }
        if (!made) return made.status();
        auto h = Ref<RequestHandle>::adopt(new RequestHandle(std::move(made).value()));
        if (Status s = HandleTable::publish(*h, RequestAttributes, parent.get()); !s.ok()) return s;
        *Request = to_c<WDFREQUEST>(h.detach());
        return STATUS_SUCCESS;
    });
}

NTSTATUS WdfRequestReuse(WDFREQUEST Request, PWDF_REQUEST_REUSE_PARAMS ReuseParams) {
    constexpr const char* call = "WdfRequestReuse";
    return guard(call, [&]() -> Status {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        if (!h) return STATUS_INVALID_HANDLE;
        if (!ReuseParams || ReuseParams->Size != sizeof(WDF_REQUEST_REUSE_PARAMS)) {
            log(LogLevel::Error,
                "%s: missing WDF_REQUEST_REUSE_PARAMS or wrong Size (use WDF_REQUEST_REUSE_PARAMS_INIT)", call);
            return STATUS_INVALID_PARAMETER;  // KMDF's status for a wrong Size too (spec §1.6)
        }
        Status s = h->request->reuse(ReuseParams->Flags, ReuseParams->Status);
        if (s.ok()) {
            h->forget_format();
            h->routine = nullptr;
            h->context = nullptr;
            h->refusal.store(STATUS_SUCCESS, std::memory_order_relaxed);
        }
        return s;
    });
}

NTSTATUS WdfRequestChangeTarget(WDFREQUEST Request, WDFIOTARGET IoTarget) {
    constexpr const char* call = "WdfRequestChangeTarget";
    return guard(call, [&]() -> Status {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        auto t = HandleTable::find<TargetHandle>(IoTarget, call);
        if (!h || !t) return STATUS_INVALID_HANDLE;
        auto core = t->current();
        if (!core) return STATUS_INVALID_DEVICE_STATE;
        Status s = h->request->change_target(*core);
        if (!h->request->is_outstanding()) h->forget_format();  // the core dropped it (unless it refused)
        return s;
    });
}

void WdfRequestSetCompletionRoutine(WDFREQUEST Request, PFN_WDF_REQUEST_COMPLETION_ROUTINE CompletionRoutine,
                                    WDFCONTEXT CompletionContext) {
    constexpr const char* call = "WdfRequestSetCompletionRoutine";
    guard_void(call, [&] {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        if (!h) return;
        if (h->request->is_outstanding()) {  // the routine of the send in flight would change under it
            log(LogLevel::Error, "%s: WDFREQUEST %p is outstanding; routine not changed", call,
                static_cast<void*>(Request));
            detail::verifier_violation(VerifierCheck::SetCompletionWhileOutstanding, Request, call);
            return;
        }
        h->routine = CompletionRoutine;
        h->context = CompletionRoutine ? CompletionContext : nullptr;
    });
}

BOOLEAN WdfRequestSend(WDFREQUEST Request, WDFIOTARGET Target, PWDF_REQUEST_SEND_OPTIONS Options) {
    constexpr const char* call = "WdfRequestSend";
    return guard_value(call, BOOLEAN(FALSE), [&]() -> BOOLEAN {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        if (!h) return FALSE;
        wdfio::Request& core = *h->request;
        auto t = HandleTable::find<TargetHandle>(Target, call);
        Ref<IoTarget> core_target = t ? t->current() : nullptr;
        // An outstanding request: nothing of it may change; the core's verifier reports the send.
        if (core.is_outstanding()) return core_target && core.send(*core_target);
        auto refuse = [&](NTSTATUS status) -> BOOLEAN {
            h->refusal.store(status, std::memory_order_relaxed);
            return FALSE;
        };
        if (!t) return refuse(STATUS_INVALID_HANDLE);
        if (!core_target) return refuse(STATUS_INVALID_DEVICE_STATE);  // never opened
        SendOptions options;
        // Any option error reads STATUS_INVALID_PARAMETER here, a wrong Size too (spec §4.1).
        if (!to_send_options(call, Options, options).ok()) return refuse(STATUS_INVALID_PARAMETER);
        h->refusal.store(STATUS_SUCCESS, std::memory_order_relaxed);
        if (options.has(SEND_OPTION_SEND_AND_FORGET)) {  // no completion: no trampoline
            core.set_completion(nullptr, nullptr);
            if (!h->queue) return core.send(*core_target, options);
            // A presented request: the driver lets it go.
            return DeviceBridge::let_go(*h, [&] { return core.send(*core_target, options); });
        }
        h->sent_to = t;
        h->add_ref();  // for the trampoline, which may run before send returns
        core.set_completion(&completion_trampoline, h.get());
        if (core.send(*core_target, options)) return TRUE;
        h->sent_to = nullptr;
        h->release();
        return FALSE;
    });
}

NTSTATUS WdfRequestGetStatus(WDFREQUEST Request) {
    constexpr const char* call = "WdfRequestGetStatus";
    return guard(call, [&]() -> Status {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        if (!h) return STATUS_INVALID_HANDLE;
        const NTSTATUS refused = h->refusal.load(std::memory_order_relaxed);
        return refused != STATUS_SUCCESS ? Status(refused) : h->request->status();
    });
}

ULONG_PTR WdfRequestGetInformation(WDFREQUEST Request) {
    constexpr const char* call = "WdfRequestGetInformation";
    return guard_value(call, ULONG_PTR(0), [&]() -> ULONG_PTR {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        return h ? static_cast<ULONG_PTR>(h->request->information()) : 0;
    });
}

// wdfio's timeouts live in the engine's timer wheel: a request needs no
// timer of its own, so there is nothing to allocate beforehand.
NTSTATUS WdfRequestAllocateTimer(WDFREQUEST Request) {
    constexpr const char* call = "WdfRequestAllocateTimer";
    return guard(call, [&]() -> Status {
        if (!HandleTable::find<RequestHandle>(Request, call)) return STATUS_INVALID_HANDLE;
        return fault::fail_here() ? STATUS_INSUFFICIENT_RESOURCES : STATUS_SUCCESS;
    });
}

BOOLEAN WdfRequestCancelSentRequest(WDFREQUEST Request) {
    constexpr const char* call = "WdfRequestCancelSentRequest";
    return guard_value(call, BOOLEAN(FALSE), [&]() -> BOOLEAN {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        return h && h->request->cancel_sent_request();
    });
}

void WdfRequestGetCompletionParams(WDFREQUEST Request, PWDF_REQUEST_COMPLETION_PARAMS Params) {
    constexpr const char* call = "WdfRequestGetCompletionParams";
    guard_void(call, [&] {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        if (!h) return;
        if (!Params || Params->Size != sizeof(WDF_REQUEST_COMPLETION_PARAMS)) {
            log(LogLevel::Error, "%s: missing params or wrong Size (use WDF_REQUEST_COMPLETION_PARAMS_INIT)", call);
            return;  // nothing written (spec §3.3)
        }
        to_wdf_params(*h, h->request->completion_params(), *Params);
    });
}
