// WDFDEVICE_INIT's setters, WdfDeviceCreate, and the device's accessors for
// a C driver's device (driver spec §3).
#include "compat/boundary.hpp"
#include "compat/driver_model.hpp"
#include "compat/host.hpp"
#include "compat/unicode.hpp"

#include <wdfio/verifier.hpp>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

// R1.6: the setters are VOID; bad input is a report and the call is ignored.
bool init_ok(const char* call, const WDFDEVICE_INIT* init) {
    if (init && !init->data.created) return true;
    log(LogLevel::Error, "%s: %s", call,
        init ? "this WDFDEVICE_INIT was used by WdfDeviceCreate already" : "DeviceInit is NULL");
    detail::verifier_violation(init ? VerifierCheck::InvalidParameter : VerifierCheck::RequiredParameterNull, init,
                               call);
    return false;
}

// The dispatch slot of a WDF_REQUEST_TYPE (read, write, ioctl, internal ioctl); -1 for another.
int slot_of(std::uint32_t type) {
    switch (type) {
    case WdfRequestTypeRead: return 0;
    case WdfRequestTypeWrite: return 1;
    case WdfRequestTypeDeviceControl: return 2;
    case WdfRequestTypeDeviceControlInternal: return 3;
    default: return -1;
    }
}
}  // namespace

VOID WdfDeviceInitSetIoType(PWDFDEVICE_INIT DeviceInit, WDF_DEVICE_IO_TYPE IoType) {
    constexpr const char* call = "WdfDeviceInitSetIoType";
    guard_void(call, [&] {
        if (!init_ok(call, DeviceInit)) return;
        const std::uint32_t type = raw_enum(IoType);
        if (type < WdfDeviceIoNeither || type > WdfDeviceIoBufferedOrDirect) {
            log(LogLevel::Error, "%s: IoType %u is not a WDF_DEVICE_IO_TYPE; ignored", call, type);
            detail::verifier_violation(VerifierCheck::InvalidParameter, DeviceInit, call);
            return;
        }
        DeviceInit->data.io_type = IoType;
    });
}

VOID WdfDeviceInitSetIoInCallerContextCallback(PWDFDEVICE_INIT DeviceInit,
                                               PFN_WDF_IO_IN_CALLER_CONTEXT EvtIoInCallerContext) {
    constexpr const char* call = "WdfDeviceInitSetIoInCallerContextCallback";
    guard_void(call, [&] {
        if (init_ok(call, DeviceInit)) DeviceInit->data.in_caller_context = EvtIoInCallerContext;
    });
}

NTSTATUS WdfDeviceEnqueueRequest(WDFDEVICE Device, WDFREQUEST Request) {
    constexpr const char* call = "WdfDeviceEnqueueRequest";
    return guard(call, [&]() -> Status {
        auto d = HandleTable::find<DeviceHandle>(Device, call);
        auto h = HandleTable::find<RequestHandle>(Request, call);
        if (!d || !h) return STATUS_INVALID_HANDLE;
        DeviceBridge* b = bridge_of(*d);
        if (!b || h->caller_context != b || h->retired.load(std::memory_order_acquire)) {
            log(LogLevel::Error,
                "%s: WDFREQUEST %p is not in this device's EvtIoInCallerContext (call it from there, once)", call,
                static_cast<void*>(Request));
            detail::verifier_break(VerifierCheck::EnqueueOutsideCallerContext, Request, call);
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        DeliveredRequest& r = *DeliveredRequest::from(*h->request);
        // No C queue for its type: a filter sends it down as it came (the core's
        // default handler does), anyone else refuses, and keeps it (R5.39).
        if (!b->init().filter && !b->has_queue_for(r.parameters().type)) {
            log(LogLevel::Error, "%s: no queue of this device takes %s requests", call, to_string(r.parameters().type));
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        // In a queue: not the driver's until presented (cleared first: that may happen at once).
        h->caller_context = nullptr;
        h->found.store(true, std::memory_order_release);
        const Status s = r.enqueue();
        if (!s.ok()) {  // still the driver's, in its callback
            h->found.store(false, std::memory_order_release);
            h->caller_context = b;
        }
        return s;
    });
}

VOID WdfDeviceInitSetExclusive(PWDFDEVICE_INIT DeviceInit, BOOLEAN IsExclusive) {
    constexpr const char* call = "WdfDeviceInitSetExclusive";
    guard_void(call, [&] {
        if (init_ok(call, DeviceInit)) DeviceInit->data.exclusive = IsExclusive != FALSE;
    });
}

VOID WdfDeviceInitSetDeviceType(PWDFDEVICE_INIT DeviceInit, DEVICE_TYPE DeviceType) {
    constexpr const char* call = "WdfDeviceInitSetDeviceType";
    guard_void(call, [&] {
        if (init_ok(call, DeviceInit)) DeviceInit->data.device_type = DeviceType;
    });
}

VOID WdfDeviceInitSetPnpPowerEventCallbacks(PWDFDEVICE_INIT DeviceInit,
                                            PWDF_PNPPOWER_EVENT_CALLBACKS PnpPowerEventCallbacks) {
    constexpr const char* call = "WdfDeviceInitSetPnpPowerEventCallbacks";
    guard_void(call, [&] {
        if (!init_ok(call, DeviceInit)) return;
        if (!PnpPowerEventCallbacks) {
            log(LogLevel::Error, "%s: PnpPowerEventCallbacks is NULL; ignored", call);
            detail::verifier_violation(VerifierCheck::RequiredParameterNull, DeviceInit, call);
            return;
        }
        if (!check_size(call, *PnpPowerEventCallbacks, "WDF_PNPPOWER_EVENT_CALLBACKS",
                        "WDF_PNPPOWER_EVENT_CALLBACKS_INIT")
                 .ok()) {
            detail::verifier_violation(VerifierCheck::InvalidParameter, DeviceInit, call);
            return;
        }
        DeviceInit->data.pnp = *PnpPowerEventCallbacks;
    });
}

VOID WdfDeviceInitSetRequestAttributes(PWDFDEVICE_INIT DeviceInit, PWDF_OBJECT_ATTRIBUTES RequestAttributes) {
    constexpr const char* call = "WdfDeviceInitSetRequestAttributes";
    guard_void(call, [&] {
        if (!init_ok(call, DeviceInit)) return;
        Ref<Handle> parent;
        if (!RequestAttributes || !HandleTable::check_attributes(call, RequestAttributes, parent).ok() || parent) {
            log(LogLevel::Error, "%s: RequestAttributes NULL, invalid, or with a ParentObject; ignored", call);
            detail::verifier_violation(VerifierCheck::InvalidParameter, DeviceInit, call);
            return;
        }
        DeviceInit->data.request_attributes = *RequestAttributes;
        DeviceInit->data.has_request_attributes = true;
    });
}

VOID WdfDeviceInitSetFileObjectConfig(PWDFDEVICE_INIT DeviceInit, PWDF_FILEOBJECT_CONFIG FileObjectConfig,
                                      PWDF_OBJECT_ATTRIBUTES FileObjectAttributes) {
    constexpr const char* call = "WdfDeviceInitSetFileObjectConfig";
    guard_void(call, [&] {
        if (!init_ok(call, DeviceInit)) return;
        // R9.9: bad input is a report, and the configuration stays as it was.
        auto refuse = [&](const char* why) {
            log(LogLevel::Error, "%s: %s; ignored (use WDF_FILEOBJECT_CONFIG_INIT)", call, why);
            detail::verifier_violation(VerifierCheck::InvalidParameter, DeviceInit, call);
        };
        if (!FileObjectConfig) return refuse("FileObjectConfig is NULL");
        if (FileObjectConfig->Size != sizeof(WDF_FILEOBJECT_CONFIG)) return refuse("FileObjectConfig->Size is wrong");
        const std::uint32_t forward = raw_enum(FileObjectConfig->AutoForwardCleanupClose);
        if (forward > WdfUseDefault) return refuse("AutoForwardCleanupClose is not a WDF_TRI_STATE");
        const std::uint32_t raw_class = raw_enum(FileObjectConfig->FileObjectClass);
        const std::uint32_t file_class = raw_class & ~static_cast<std::uint32_t>(WdfFileObjectCanBeOptional);
        if (file_class < WdfFileObjectNotRequired || file_class > WdfFileObjectWdfCannotUseFsContexts)
            return refuse("FileObjectClass is out of range");
        if (file_class == WdfFileObjectNotRequired && raw_class != file_class)
            return refuse("WdfFileObjectCanBeOptional does not go with WdfFileObjectNotRequired");
        WDF_OBJECT_ATTRIBUTES attributes{};
        WDF_SYNCHRONIZATION_SCOPE scope = WdfSynchronizationScopeInheritFromParent;
        if (FileObjectAttributes) {
            // Scope and level are R7.7's, decided at WdfDeviceCreate; the rest is any object's.
            attributes = *FileObjectAttributes;
            if (attributes.Size == sizeof(WDF_OBJECT_ATTRIBUTES)) {
                scope = attributes.SynchronizationScope;
                attributes.SynchronizationScope = WdfSynchronizationScopeInheritFromParent;
                attributes.ExecutionLevel = WdfExecutionLevelInheritFromParent;
            }
            Ref<Handle> parent;
            if (!HandleTable::check_attributes(call, &attributes, parent).ok() || parent)
                return refuse("FileObjectAttributes invalid, or with a ParentObject");
        }
        WDFDEVICE_INIT_DATA& init = DeviceInit->data;
        init.file_config = *FileObjectConfig;
        init.has_file_config = true;
        init.has_file_attributes = FileObjectAttributes != nullptr;
        init.file_attributes = attributes;
        init.file_scope = scope;
    });
}

VOID WdfFdoInitSetFilter(PWDFDEVICE_INIT DeviceInit) {
    constexpr const char* call = "WdfFdoInitSetFilter";
    guard_void(call, [&] {
        if (init_ok(call, DeviceInit)) DeviceInit->data.filter = true;
    });
}

NTSTATUS WdfDeviceInitAssignName(PWDFDEVICE_INIT DeviceInit, PCUNICODE_STRING DeviceName) {
    constexpr const char* call = "WdfDeviceInitAssignName";
    return guard(call, [&]() -> Status {
        if (!init_ok(call, DeviceInit)) return STATUS_INVALID_PARAMETER;
        if (!DeviceName) {
            DeviceInit->data.name.clear();
            return STATUS_SUCCESS;
        }
        std::string name;
        if (Status s = to_utf8_name(call, "DeviceName", *DeviceName, name); !s.ok()) return s;
        if (name.rfind("\\Device\\", 0) != 0 || name.size() == 8) {
            log(LogLevel::Error, "%s: \"%s\" is not a name under \\Device\\", call, name.c_str());
            return STATUS_OBJECT_NAME_INVALID;
        }
        DeviceInit->data.name = std::move(name);
        return STATUS_SUCCESS;
    });
}

NTSTATUS WdfDeviceCreate(PWDFDEVICE_INIT* DeviceInit, PWDF_OBJECT_ATTRIBUTES DeviceAttributes, WDFDEVICE* Device) {
    constexpr const char* call = "WdfDeviceCreate";
    return guard(call, [&]() -> Status {
        if (Device) *Device = nullptr;
        if (!DeviceInit || !*DeviceInit || !Device) {
            log(LogLevel::Error, "%s: DeviceInit, *DeviceInit and Device are required", call);
            detail::verifier_violation(VerifierCheck::RequiredParameterNull, nullptr, call);
            return STATUS_INVALID_PARAMETER;
        }
        WDFDEVICE_INIT_DATA& init = (*DeviceInit)->data;
        if (init.created) return STATUS_INVALID_DEVICE_STATE;
        Ref<Handle> parent;
        if (Status s = HandleTable::check_attributes(call, DeviceAttributes, parent, {.level = true, .scope = true});
            !s.ok())
            return s;
        if (parent) {
            log(LogLevel::Error, "%s: a device's parent is its driver; no ParentObject", call);
            return STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED;
        }
        auto engine = host_engine();
        if (!engine) return engine.status();
        // A control device registers its name when it finishes initializing;
        // one in use already is refused here, as KMDF does (R3.9).
        if (init.control && !init.name.empty() && wdfio::Device::find(init.name)) {
            log(LogLevel::Error, "%s: the name %s is in use", call, init.name.c_str());
            return STATUS_OBJECT_NAME_COLLISION;
        }
        // R7.7: a file object takes no scope of its own (Queue), nor the
        // device's (Device: its callbacks would run under a non-passive lock).
        if (init.file_scope == WdfSynchronizationScopeQueue || init.file_scope == WdfSynchronizationScopeDevice) {
            log(LogLevel::Error,
                "%s: the file objects' SynchronizationScope must be None or InheritFromParent (the device's "
                "callbacks do not run at PASSIVE_LEVEL)",
                call);
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        auto bridge = std::make_unique<DeviceBridge>(init);
        DeviceOptions options;
        if (!init.control) options.name = init.name;  // a control device's: at WdfControlFinishInitializing
        options.exclusive = init.exclusive;
        // R9.14: WdfUseDefault forwards for a filter only; a control device never forwards.
        const std::uint32_t forward =
            init.has_file_config ? raw_enum(init.file_config.AutoForwardCleanupClose) : std::uint32_t{WdfUseDefault};
        options.forward_file_events =
            !init.control && (forward == WdfTrue || (forward == WdfUseDefault && init.filter));
        Result<Ref<wdfio::Device>> made = STATUS_UNSUCCESSFUL;
        Ref<IoTarget> lower;
        if (init.lower) {
            const Status opened = init.lower->with_device([&](wdfio::Device& below, FaultFilter*) -> Status {
                auto t = below.open_target();
                if (!t) return t.status();
                lower = std::move(t).value();
                return STATUS_SUCCESS;
            });
            if (!opened.ok()) return opened;
            made = wdfio::Device::create_above(**engine, *bridge, *lower, options);
        } else {
            made = wdfio::Device::create(**engine, *bridge, options);
        }
        if (!made) return made.status();
        DeviceBridge& b = *bridge;
        b.device_ref = std::move(made).value();
        auto h = Ref<DeviceHandle>::adopt(new DeviceHandle(std::move(bridge), nullptr));
        h->made_by_driver = !init.control;  // a control device is the driver's to delete (R3.24)
        h->scope = resolved_scope(DeviceAttributes, init.driver ? init.driver->scope : WdfSynchronizationScopeNone);
        b.handle = h.get();
        if (Status s = HandleTable::publish(*h, DeviceAttributes, init.driver.get()); !s.ok()) return s;
        if (IoTarget* below = b.device_ref->default_target()) {
            auto t = Ref<TargetHandle>::adopt(new TargetHandle(Ref<IoTarget>(below)));
            t->taken_over.store(true);  // the device owns its local target
            if (Status s = HandleTable::publish(*t, nullptr, h.get()); !s.ok()) {
                h->host_removes = true;
                HandleTable::remove(*h);
                h.detach();
                return s;
            }
            b.lower_target = t;  // C never deletes it: the device does
            t.detach();
        }
        {
            std::lock_guard lock(init.driver->mutex);
            init.driver->devices.push_back(h);
        }
        init.created = h;
        if (init.control) delete *DeviceInit;  // R3.2: the driver's init, freed by a create that succeeds
        *DeviceInit = nullptr;                 // used up
        *Device = to_c<WDFDEVICE>(h.detach());
        return STATUS_SUCCESS;
    });
}

WDFIOTARGET WdfDeviceGetIoTarget(WDFDEVICE Device) {
    constexpr const char* call = "WdfDeviceGetIoTarget";
    return guard_value(call, WDFIOTARGET{nullptr}, [&]() -> WDFIOTARGET {
        auto h = HandleTable::find<DeviceHandle>(Device, call);
        DeviceBridge* b = h ? bridge_of(*h) : nullptr;
        return b ? to_c<WDFIOTARGET>(b->lower_target.get()) : nullptr;
    });
}

WDFQUEUE WdfDeviceGetDefaultQueue(WDFDEVICE Device) {
    constexpr const char* call = "WdfDeviceGetDefaultQueue";
    return guard_value(call, WDFQUEUE{nullptr}, [&]() -> WDFQUEUE {
        auto h = HandleTable::find<DeviceHandle>(Device, call);
        DeviceBridge* b = h ? bridge_of(*h) : nullptr;
        if (!b) return nullptr;
        std::lock_guard lock(b->mutex);
        return to_c<WDFQUEUE>(b->default_queue.get());
    });
}

WDFDRIVER WdfDeviceGetDriver(WDFDEVICE Device) {
    constexpr const char* call = "WdfDeviceGetDriver";
    return guard_value(call, WDFDRIVER{nullptr}, [&]() -> WDFDRIVER {
        auto h = HandleTable::find<DeviceHandle>(Device, call);
        DeviceBridge* b = h ? bridge_of(*h) : nullptr;
        return b ? to_c<WDFDRIVER>(&b->driver()) : nullptr;
    });
}

NTSTATUS WdfDeviceConfigureRequestDispatching(WDFDEVICE Device, WDFQUEUE Queue, WDF_REQUEST_TYPE RequestType) {
    constexpr const char* call = "WdfDeviceConfigureRequestDispatching";
    return guard(call, [&]() -> Status {
        auto h = HandleTable::find<DeviceHandle>(Device, call);
        auto q = HandleTable::find<QueueHandle>(Queue, call);
        if (!h || !q) return STATUS_INVALID_HANDLE;
        DeviceBridge* b = bridge_of(*h);
        if (!b || &q->bridge != b) {
            log(LogLevel::Error, "%s: the queue belongs to another device", call);
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        const int slot = slot_of(raw_enum(RequestType));
        if (slot < 0) {
            log(LogLevel::Error,
                "%s: request type %u cannot be dispatched here (Read, Write, DeviceControl, "
                "DeviceControlInternal)",
                call, raw_enum(RequestType));
            return STATUS_INVALID_PARAMETER;
        }
        if (b->control_fixed()) {
            log(LogLevel::Error, "%s: configure dispatching before WdfControlFinishInitializing", call);
            return STATUS_INVALID_DEVICE_STATE;  // R3.23
        }
        std::lock_guard lock(b->mutex);
        if (Status s = b->device_ref->configure_dispatching(kDispatchSlots[slot], *q->queue); !s.ok()) return s;
        b->configured[slot] = true;
        q->dispatch_target = true;
        return STATUS_SUCCESS;
    });
}
