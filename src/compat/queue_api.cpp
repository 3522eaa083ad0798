// WdfIoQueue*: a C driver's queues over the core's (driver spec §5).
#include "compat/boundary.hpp"
#include "compat/driver_model.hpp"
#include "core/blocking.hpp"
#include "device/delivered_access.hpp"

#include <wdfio/verifier.hpp>

#include <cstddef>
#include <functional>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

// KMDF 1.7's and 1.9's WDF_IO_QUEUE_CONFIG ended before Settings and Driver.
constexpr std::size_t kQueueConfigV1_9 = offsetof(WDF_IO_QUEUE_CONFIG, Settings);

Status check_config(const char* call, const WDF_IO_QUEUE_CONFIG& c, WDF_IO_QUEUE_CONFIG& out) {
    if (c.Size != sizeof(WDF_IO_QUEUE_CONFIG) && c.Size != kQueueConfigV1_9) {
        log(LogLevel::Error, "%s: WDF_IO_QUEUE_CONFIG.Size is %u, expected %zu (use WDF_IO_QUEUE_CONFIG_INIT)", call,
            static_cast<unsigned>(c.Size), sizeof(WDF_IO_QUEUE_CONFIG));
        return STATUS_INFO_LENGTH_MISMATCH;
    }
    out = WDF_IO_QUEUE_CONFIG{};
    std::memcpy(&out, &c, c.Size);
    if (c.Size == kQueueConfigV1_9 && raw_enum(out.DispatchType) == WdfIoQueueDispatchParallel)
        out.Settings.Parallel.NumberOfPresentedRequests = static_cast<ULONG>(-1);
    return STATUS_SUCCESS;
}

QueueDispatch dispatch_of(std::uint32_t type) {
    return type == WdfIoQueueDispatchSequential ? QueueDispatch::Sequential
           : type == WdfIoQueueDispatchParallel ? QueueDispatch::Parallel
                                                : QueueDispatch::Manual;
}

// The Synchronously forms wait for callbacks to finish: never where one runs
// (R5.23: an EvtIo callback waiting could wait for its own request).
bool may_wait(const char* call, QueueHandle& q) {
    if (detail::may_block_here() && !detail::DeliveredAccess::in_callback()) return true;
    log(LogLevel::Error,
        "%s: would wait on the engine thread, in a completion routine or in a queue's EvtIo callback; not waiting "
        "(use the form with a callback)",
        call);
    detail::verifier_violation(VerifierCheck::BlockingOnEngineThread, &q, call);
    return false;
}

}  // namespace

NTSTATUS WdfIoQueueCreate(WDFDEVICE Device, PWDF_IO_QUEUE_CONFIG Config, PWDF_OBJECT_ATTRIBUTES QueueAttributes,
                          WDFQUEUE* Queue) {
    constexpr const char* call = "WdfIoQueueCreate";
    return guard(call, [&]() -> Status {
        if (Queue) *Queue = nullptr;
        auto device = HandleTable::find<DeviceHandle>(Device, call);
        if (!device) return STATUS_INVALID_HANDLE;
        DeviceBridge* bridge = bridge_of(*device);
        if (!bridge) {
            log(LogLevel::Error, "%s: the device runs a built-in driver, not this one", call);
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        if (!Config) {
            return required_null(call, "Config");
        }
        // Spec R5.1, in its order.
        Ref<Handle> parent;
        if (Status s = HandleTable::check_attributes(call, QueueAttributes, parent, {.level = true, .scope = true});
            !s.ok())
            return s;
        WDF_IO_QUEUE_CONFIG c;
        if (Status s = check_config(call, *Config, c); !s.ok()) return s;
        if (!c.DefaultQueue && !Queue) {
            log(LogLevel::Error, "%s: a queue that is not the default one needs its WDFQUEUE out", call);
            return STATUS_INVALID_PARAMETER_4;
        }
        if (parent) {
            Ref<Handle> at = parent;
            while (at && at.get() != device.get()) at = Ref<Handle>::adopt(static_cast<Handle*>(at->parent_ref()));
            if (!at) {
                log(LogLevel::Error, "%s: the ParentObject is not under this device", call);
                return STATUS_INVALID_DEVICE_REQUEST;
            }
        }
        const std::uint32_t type = raw_enum(c.DispatchType);
        if (type < WdfIoQueueDispatchSequential || type > WdfIoQueueDispatchManual) {
            log(LogLevel::Error, "%s: DispatchType %u is not a WDF_IO_QUEUE_DISPATCH_TYPE", call, type);
            return STATUS_INVALID_PARAMETER;
        }
        const bool any_io =
            c.EvtIoDefault || c.EvtIoRead || c.EvtIoWrite || c.EvtIoDeviceControl || c.EvtIoInternalDeviceControl;
        if (type != WdfIoQueueDispatchManual && !any_io) {
            log(LogLevel::Error,
                "%s: a dispatching queue needs EvtIoDefault, EvtIoRead, EvtIoWrite, "
                "EvtIoDeviceControl or EvtIoInternalDeviceControl",
                call);
            return STATUS_WDF_NO_CALLBACK;
        }
        if (type == WdfIoQueueDispatchManual && any_io) {
            log(LogLevel::Error, "%s: a manual queue presents nothing; it takes no EvtIo callbacks", call);
            return STATUS_INVALID_PARAMETER;
        }
        const ULONG presented = c.Settings.Parallel.NumberOfPresentedRequests;
        if (type != WdfIoQueueDispatchParallel && presented != 0) {
            log(LogLevel::Error, "%s: NumberOfPresentedRequests is for parallel queues", call);
            return STATUS_INVALID_PARAMETER;
        }
        if (c.DefaultQueue && bridge->control_fixed()) {
            log(LogLevel::Error, "%s: a control device's default queue comes before WdfControlFinishInitializing",
                call);
            return STATUS_INVALID_DEVICE_STATE;  // R3.23
        }
        {
            std::lock_guard lock(bridge->mutex);
            if (c.DefaultQueue && bridge->default_queue) {
                log(LogLevel::Error, "%s: the device has a default queue already", call);
                return STATUS_UNSUCCESSFUL;
            }
        }
        QueueBridge* handler = bridge->add_queue_handler(c);
        auto h = Ref<QueueHandle>::adopt(new QueueHandle(*bridge, *handler, c.DefaultQueue != FALSE));
        handler->set_handle(h.get());
        // R5.9: (ULONG)-1 is unlimited, as the core's kUnlimited.
        auto made = type == WdfIoQueueDispatchParallel ? bridge->device_ref->create_parallel_queue(presented, handler)
                                                       : bridge->device_ref->create_queue(dispatch_of(type), handler);
        if (!made) return made.status();
        h->queue = std::move(made).value();
        // R7.1, R7.3: Queue or Device scope serializes its callbacks under its effective lock.
        h->scope = resolved_scope(QueueAttributes, device->scope);
        if (h->scope != WdfSynchronizationScopeNone) {
            CallbackLock* lock = h->effective_lock();
            if (!lock) return STATUS_INSUFFICIENT_RESOURCES;
            if (Status s = h->queue->set_callback_lock(*lock); !s.ok()) return s;
        }
        if (Status s = HandleTable::publish(*h, QueueAttributes, parent ? parent.get() : device.get()); !s.ok())
            return s;
        {
            std::lock_guard lock(bridge->mutex);
            // R4.2: power-managed, made before the start or in Dx: accepts and holds until powered.
            if (handler->power_managed() && !bridge->queues_powered) h->queue->hold_presentation();
            if (h->is_default) {
                bridge->default_queue = h;
                for (int slot = 0; slot < 4; ++slot)
                    if (!bridge->configured[slot])
                        bridge->device_ref->configure_dispatching(kDispatchSlots[slot], *h->queue);
            }
            bridge->queues.push_back(h);
        }
        if (Queue) *Queue = to_c<WDFQUEUE>(h.get());
        h.detach();  // C's, until the device (or WdfObjectDelete) deletes it
        return STATUS_SUCCESS;
    });
}

WDFDEVICE WdfIoQueueGetDevice(WDFQUEUE Queue) {
    constexpr const char* call = "WdfIoQueueGetDevice";
    return guard_value(call, WDFDEVICE{nullptr}, [&]() -> WDFDEVICE {
        auto q = HandleTable::find<QueueHandle>(Queue, call);
        return q ? to_c<WDFDEVICE>(q->bridge.handle) : nullptr;
    });
}

NTSTATUS WdfIoQueueRetrieveNextRequest(WDFQUEUE Queue, WDFREQUEST* OutRequest) {
    constexpr const char* call = "WdfIoQueueRetrieveNextRequest";
    return guard(call, [&]() -> Status {
        if (OutRequest) *OutRequest = nullptr;
        auto q = HandleTable::find<QueueHandle>(Queue, call);
        if (!q) return STATUS_INVALID_HANDLE;
        if (!OutRequest) {
            return required_null(call, "OutRequest");
        }
        auto next = q->queue->retrieve_next_request();  // R5.32's statuses
        if (!next) return next.status();
        RequestHandle* h = q->bridge.present(*next.value(), *q);
        if (!h) return STATUS_INSUFFICIENT_RESOURCES;
        *OutRequest = to_c<WDFREQUEST>(h);
        return STATUS_SUCCESS;
    });
}

namespace {

// FindRequest's and RetrieveFoundRequest's tag: a request handle the caller
// holds a reference on, which may have been completed (and deleted) since.
Status found_tag(const char* call, WDFREQUEST tag, Ref<RequestHandle>& out) {
    Ref<Handle> h = HandleTable::find_any(tag, call, /*allow_deleted=*/true);
    if (!h) return STATUS_INVALID_HANDLE;
    if (h->type != HandleType::Request) {
        log(LogLevel::Error, "%s: %p is a %s, not a WDFREQUEST", call, static_cast<const void*>(tag),
            to_string(h->type));
        detail::verifier_violation(VerifierCheck::InvalidHandle, tag, call);
        return STATUS_INVALID_HANDLE;
    }
    out = Ref<RequestHandle>(static_cast<RequestHandle*>(h.get()));
    return STATUS_SUCCESS;
}

// Only a manual queue may be searched (R5.33, R5.34): KMDF breaks into the debugger.
bool manual_only(const char* call, QueueHandle& q) {
    if (q.queue->dispatch() == QueueDispatch::Manual) return true;
    log(LogLevel::Error, "%s: the queue is not a manual one (WdfIoQueueDispatchManual)", call);
    detail::verifier_break(VerifierCheck::QueueMisuse, &q, call);
    return false;
}

}  // namespace

NTSTATUS WdfIoQueueFindRequest(WDFQUEUE Queue, WDFREQUEST FoundRequest, WDFFILEOBJECT FileObject,
                               PWDF_REQUEST_PARAMETERS Parameters, WDFREQUEST* OutRequest) {
    constexpr const char* call = "WdfIoQueueFindRequest";
    return guard(call, [&]() -> Status {
        if (OutRequest) *OutRequest = nullptr;
        auto q = HandleTable::find<QueueHandle>(Queue, call);
        if (!q) return STATUS_INVALID_HANDLE;
        if (!OutRequest) {
            return required_null(call, "OutRequest");
        }
        // Spec R5.33, in its order.
        if (Parameters && Parameters->Size < sizeof(WDF_REQUEST_PARAMETERS)) {
            log(LogLevel::Error, "%s: Parameters->Size is %u, expected %zu (use WDF_REQUEST_PARAMETERS_INIT)", call,
                static_cast<unsigned>(Parameters->Size), sizeof(WDF_REQUEST_PARAMETERS));
            return STATUS_INVALID_PARAMETER_4;
        }
        if (!manual_only(call, *q)) return STATUS_INVALID_DEVICE_REQUEST;
        const DeliveredRequest* after = nullptr;
        Ref<RequestHandle> tag;
        if (FoundRequest) {
            if (Status s = found_tag(call, FoundRequest, tag); !s.ok()) return s;
            after = DeliveredRequest::from(*tag->request);
            if (!after) return STATUS_NOT_FOUND;  // driver-created: never in a queue
        }
        Ref<FileObjectHandle> file;
        if (FileObject && !(file = HandleTable::find<FileObjectHandle>(FileObject, call))) return STATUS_INVALID_HANDLE;
        auto found = q->queue->find_request(after, file ? &file->file : nullptr);
        if (!found) return found.status();
        RequestHandle* h = q->bridge.found(*found.value());
        if (!h) return STATUS_INSUFFICIENT_RESOURCES;
        if (Parameters) fill_parameters(found.value().get(), *Parameters);
        *OutRequest = to_c<WDFREQUEST>(h);  // with found()'s reference, the caller's to drop
        return STATUS_SUCCESS;
    });
}

NTSTATUS WdfIoQueueRetrieveFoundRequest(WDFQUEUE Queue, WDFREQUEST FoundRequest, WDFREQUEST* OutRequest) {
    constexpr const char* call = "WdfIoQueueRetrieveFoundRequest";
    return guard(call, [&]() -> Status {
        if (OutRequest) *OutRequest = nullptr;
        auto q = HandleTable::find<QueueHandle>(Queue, call);
        if (!q) return STATUS_INVALID_HANDLE;
        if (!OutRequest) {
            return required_null(call, "OutRequest");
        }
        Ref<RequestHandle> tag;
        if (Status s = found_tag(call, FoundRequest, tag); !s.ok()) return s;
        if (!manual_only(call, *q)) return STATUS_INVALID_DEVICE_REQUEST;  // R5.34 (verifier ≥1.11)
        DeliveredRequest* r = DeliveredRequest::from(*tag->request);
        if (!r) return STATUS_NOT_FOUND;
        auto taken = q->queue->retrieve_found_request(*r);
        if (!taken) return taken.status();
        RequestHandle* h = q->bridge.present(*taken.value(), *q);
        if (!h) return STATUS_INSUFFICIENT_RESOURCES;
        *OutRequest = to_c<WDFREQUEST>(h);
        return STATUS_SUCCESS;
    });
}

NTSTATUS WdfIoQueueReadyNotify(WDFQUEUE Queue, PFN_WDF_IO_QUEUE_STATE QueueReady, WDFCONTEXT Context) {
    constexpr const char* call = "WdfIoQueueReadyNotify";
    return guard(call, [&]() -> Status {
        auto q = HandleTable::find<QueueHandle>(Queue, call);
        if (!q) return STATUS_INVALID_HANDLE;
        std::function<void(wdfio::Queue&)> ready;
        if (QueueReady) {
            QueueHandle* handle = q.get();  // the core queue, which calls this, goes before its handle
            ready = [handle, QueueReady, Context](wdfio::Queue&) {
                CurrentDriver current(&handle->bridge.driver());
                QueueReady(to_c<WDFQUEUE>(handle), Context);
            };
        }
        const Status s = q->queue->ready_notify(std::move(ready));
        if (s == Status(STATUS_INVALID_DEVICE_REQUEST)) {  // R5.35's misuse: a DbgBreak in KMDF
            log(LogLevel::Error, "%s: %s", call,
                q->queue->dispatch() != QueueDispatch::Manual ? "the queue is not a manual one"
                : QueueReady ? "a callback is registered already (cancel it with NULL first)"
                             : "no callback to cancel, or the queue still presents (stop it first)");
            detail::verifier_break(VerifierCheck::QueueMisuse, q.get(), call);
        }
        return s;
    });
}

VOID WdfIoQueueStart(WDFQUEUE Queue) {
    constexpr const char* call = "WdfIoQueueStart";
    guard_void(call, [&] {
        if (auto q = HandleTable::find<QueueHandle>(Queue, call)) q->queue->start();
    });
}

namespace {
// Stop, Purge and Drain, with a callback or waiting (spec R5.17–R5.23).
template <class Act>
void idle_call(const char* call, WDFQUEUE queue, QueueHandle::WaitKind kind, PFN_WDF_IO_QUEUE_STATE callback,
               WDFCONTEXT context, bool synchronously, Act&& act) {
    auto q = HandleTable::find<QueueHandle>(queue, call);
    if (!q) return;
    const bool wait = synchronously && may_wait(call, *q);
    if (synchronously && !wait) return act(*q->queue);  // done, without the wait (reported)
    q->idle_call(call, kind, callback, context, wait, [&] { act(*q->queue); });
}
}  // namespace

VOID WdfIoQueueStop(WDFQUEUE Queue, PFN_WDF_IO_QUEUE_STATE StopComplete, WDFCONTEXT Context) {
    constexpr const char* call = "WdfIoQueueStop";
    guard_void(call, [&] {
        idle_call(call, Queue, QueueHandle::WaitKind::Stop, StopComplete, Context, false,
                  [](wdfio::Queue& q) { q.stop(); });
    });
}

VOID WdfIoQueueStopSynchronously(WDFQUEUE Queue) {
    constexpr const char* call = "WdfIoQueueStopSynchronously";
    guard_void(call, [&] {
        idle_call(call, Queue, QueueHandle::WaitKind::Stop, nullptr, nullptr, true, [](wdfio::Queue& q) { q.stop(); });
    });
}

VOID WdfIoQueuePurge(WDFQUEUE Queue, PFN_WDF_IO_QUEUE_STATE PurgeComplete, WDFCONTEXT Context) {
    constexpr const char* call = "WdfIoQueuePurge";
    guard_void(call, [&] {
        idle_call(call, Queue, QueueHandle::WaitKind::Empty, PurgeComplete, Context, false,
                  [](wdfio::Queue& q) { q.purge(); });
    });
}

VOID WdfIoQueuePurgeSynchronously(WDFQUEUE Queue) {
    constexpr const char* call = "WdfIoQueuePurgeSynchronously";
    guard_void(call, [&] {
        idle_call(call, Queue, QueueHandle::WaitKind::Empty, nullptr, nullptr, true,
                  [](wdfio::Queue& q) { q.purge(); });
    });
}

// R5.18: a Stop-type call (its callback when the driver holds nothing), which cancels what waits now.
VOID WdfIoQueueStopAndPurge(WDFQUEUE Queue, PFN_WDF_IO_QUEUE_STATE StopAndPurgeComplete, WDFCONTEXT Context) {
    constexpr const char* call = "WdfIoQueueStopAndPurge";
    guard_void(call, [&] {
        idle_call(call, Queue, QueueHandle::WaitKind::Stop, StopAndPurgeComplete, Context, false,
                  [](wdfio::Queue& q) { q.stop_and_purge(); });
    });
}

VOID WdfIoQueueStopAndPurgeSynchronously(WDFQUEUE Queue) {
    constexpr const char* call = "WdfIoQueueStopAndPurgeSynchronously";
    guard_void(call, [&] {
        idle_call(call, Queue, QueueHandle::WaitKind::Stop, nullptr, nullptr, true,
                  [](wdfio::Queue& q) { q.stop_and_purge(); });
    });
}

VOID WdfIoQueueDrain(WDFQUEUE Queue, PFN_WDF_IO_QUEUE_STATE DrainComplete, WDFCONTEXT Context) {
    constexpr const char* call = "WdfIoQueueDrain";
    guard_void(call, [&] {
        idle_call(call, Queue, QueueHandle::WaitKind::Empty, DrainComplete, Context, false,
                  [](wdfio::Queue& q) { q.drain(); });
    });
}

VOID WdfIoQueueDrainSynchronously(WDFQUEUE Queue) {
    constexpr const char* call = "WdfIoQueueDrainSynchronously";
    guard_void(call, [&] {
        idle_call(call, Queue, QueueHandle::WaitKind::Empty, nullptr, nullptr, true,
                  [](wdfio::Queue& q) { q.drain(); });
    });
}

WDF_IO_QUEUE_STATE WdfIoQueueGetState(WDFQUEUE Queue, PULONG QueueRequests, PULONG DriverRequests) {
    constexpr const char* call = "WdfIoQueueGetState";
    return guard_value(call, WDF_IO_QUEUE_STATE{}, [&]() -> WDF_IO_QUEUE_STATE {
        if (QueueRequests) *QueueRequests = 0;
        if (DriverRequests) *DriverRequests = 0;
        auto q = HandleTable::find<QueueHandle>(Queue, call);
        if (!q) return WDF_IO_QUEUE_STATE{};
        const std::uint32_t waiting = q->queue->waiting();
        std::uint32_t owned;
        {
            std::lock_guard lock(q->mutex);
            owned = q->owned;
        }
        unsigned bits = 0;
        switch (q->queue->state()) {
        case QueueState::Started: bits |= WdfIoQueueAcceptRequests | WdfIoQueueDispatchRequests; break;
        case QueueState::Stopped: bits |= WdfIoQueueAcceptRequests; break;
        case QueueState::Purged: break;
        case QueueState::Draining: bits |= WdfIoQueueDispatchRequests; break;
        }
        if (q->handler.power_managed() && q->queue->held()) bits |= WdfIoQueuePnpHeld;  // not powered on
        if (waiting == 0) bits |= WdfIoQueueNoRequests;
        if (owned == 0) bits |= WdfIoQueueDriverNoRequests;
        if (QueueRequests) *QueueRequests = waiting;
        if (DriverRequests) *DriverRequests = owned;
        return static_cast<WDF_IO_QUEUE_STATE>(bits);
    });
}
