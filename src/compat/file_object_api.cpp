// WdfFileObject*, and a request's file object and requestor mode (driver
// driver spec §9.4, R5.32, R6.20, R6.21). The file objects themselves are the
// device bridge's (driver_model.cpp).
#include "compat/boundary.hpp"
#include "compat/driver_model.hpp"

using namespace wdfio;
using namespace wdfio::compat;

namespace {
// The core file object of a request the driver holds: the open a queue's
// request came through. Null for a request not held, or not presented.
FileObject* held_file(RequestHandle& h) noexcept {
    if (!h.queue || h.retired.load(std::memory_order_acquire) || h.found.load(std::memory_order_acquire))
        return nullptr;  // found (WdfIoQueueFindRequest) is not held either
    DeliveredRequest* r = DeliveredRequest::from(*h.request);
    return r ? r->file_object() : nullptr;
}
}  // namespace

WDFDEVICE WdfFileObjectGetDevice(WDFFILEOBJECT FileObject) {
    constexpr const char* call = "WdfFileObjectGetDevice";
    return guard_value(call, WDFDEVICE{nullptr}, [&]() -> WDFDEVICE {
        auto fo = HandleTable::find<FileObjectHandle>(FileObject, call);
        return fo ? reinterpret_cast<WDFDEVICE>(fo->device) : nullptr;
    });
}

ULONG WdfFileObjectGetFlags(WDFFILEOBJECT FileObject) {
    constexpr const char* call = "WdfFileObjectGetFlags";
    return guard_value(call, ULONG{0}, [&]() -> ULONG {
        (void)HandleTable::find<FileObjectHandle>(FileObject, call);  // a bad handle is reported
        return 0;                                                     // no OS file object, no flags (R9.10)
    });
}

PUNICODE_STRING WdfFileObjectGetFileName(WDFFILEOBJECT FileObject) {
    constexpr const char* call = "WdfFileObjectGetFileName";
    return guard_value(call, PUNICODE_STRING{nullptr}, [&]() -> PUNICODE_STRING {
        auto fo = HandleTable::find<FileObjectHandle>(FileObject, call);
        return fo ? &fo->file_name : nullptr;  // lives as long as the file object
    });
}

WDFFILEOBJECT WdfRequestGetFileObject(WDFREQUEST Request) {
    constexpr const char* call = "WdfRequestGetFileObject";
    return guard_value(call, WDFFILEOBJECT{nullptr}, [&]() -> WDFFILEOBJECT {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        if (!h) return nullptr;
        if (h->create) return h->retired.load(std::memory_order_acquire) ? nullptr : h->create_file;
        return file_object_of(held_file(*h));
    });
}

KPROCESSOR_MODE WdfRequestGetRequestorMode(WDFREQUEST Request) {
    constexpr const char* call = "WdfRequestGetRequestorMode";
    return guard_value(call, KPROCESSOR_MODE{KernelMode}, [&]() -> KPROCESSOR_MODE {
        auto h = HandleTable::find<RequestHandle>(Request, call);
        if (!h) return KernelMode;
        // UserMode: it came through an open by name the host program made (an
        // application's handle); a driver's own open, a device's local target
        // and a request a driver made are KernelMode.
        if (h->create) return h->create_by_driver ? KernelMode : UserMode;
        const FileObject* f = held_file(*h);
        return f && !f->opened_by_driver ? UserMode : KernelMode;
    });
}

NTSTATUS WdfIoQueueRetrieveRequestByFileObject(WDFQUEUE Queue, WDFFILEOBJECT FileObject, WDFREQUEST* OutRequest) {
    constexpr const char* call = "WdfIoQueueRetrieveRequestByFileObject";
    return guard(call, [&]() -> Status {
        if (OutRequest) *OutRequest = nullptr;
        auto q = HandleTable::find<QueueHandle>(Queue, call);
        if (!q) return STATUS_INVALID_HANDLE;
        auto fo = HandleTable::find<FileObjectHandle>(FileObject, call);
        if (!fo) return STATUS_INVALID_HANDLE;
        if (!OutRequest) return required_null(call, "OutRequest");
        auto next = q->queue->retrieve_request_by_file_object(&fo->file);
        if (!next) return next.status();
        RequestHandle* h = q->bridge.present(*next.value(), *q);
        if (!h) return STATUS_INSUFFICIENT_RESOURCES;
        *OutRequest = to_c<WDFREQUEST>(h);
        return STATUS_SUCCESS;
    });
}
