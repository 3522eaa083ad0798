// Control devices and symbolic links (driver spec §3.2, §3.7):
// WdfControlDeviceInitAllocate, WdfDeviceInitFree, WdfControlFinishInitializing,
// WdfDeviceCreateSymbolicLink.
#include "compat/boundary.hpp"
#include "compat/driver_model.hpp"
#include "compat/unicode.hpp"

#include <wdfio/verifier.hpp>

#include <memory>

using namespace wdfio;
using namespace wdfio::compat;

namespace {
// An SDDL string a driver passes: present, and a DACL ("D:..."), as those of wdmsec.h are.
bool sddl_ok(const UNICODE_STRING* s) {
    return s && s->Buffer && s->Length >= 2 * sizeof(WCHAR) && s->Length % sizeof(WCHAR) == 0 &&
           s->Length <= s->MaximumLength && s->Buffer[0] == L'D' && s->Buffer[1] == L':';
}
}  // namespace

PWDFDEVICE_INIT WdfControlDeviceInitAllocate(WDFDRIVER Driver, CONST UNICODE_STRING* SDDLString) {
    constexpr const char* call = "WdfControlDeviceInitAllocate";
    return guard_value(call, PWDFDEVICE_INIT{nullptr}, [&]() -> PWDFDEVICE_INIT {
        auto driver = HandleTable::find<DriverHandle>(Driver, call);
        if (!driver) return nullptr;
        if (!sddl_ok(SDDLString)) {
            log(LogLevel::Error, "%s: SDDLString must be an SDDL string such as SDDL_DEVOBJ_SYS_ALL_ADM_ALL (wdmsec.h)",
                call);
            detail::verifier_violation(VerifierCheck::InvalidParameter, Driver, call);
            return nullptr;
        }
        auto init = std::make_unique<WDFDEVICE_INIT>();
        init->data.driver = std::move(driver);
        init->data.control = true;
        return init.release();
    });
}

VOID WdfDeviceInitFree(PWDFDEVICE_INIT DeviceInit) {
    constexpr const char* call = "WdfDeviceInitFree";
    guard_void(call, [&] {
        // The framework's own init (EvtDriverDeviceAdd's) is not the driver's to free (R3.2).
        if (DeviceInit && DeviceInit->data.control) delete DeviceInit;
    });
}

VOID WdfControlFinishInitializing(WDFDEVICE Device) {
    constexpr const char* call = "WdfControlFinishInitializing";
    guard_void(call, [&] {
        auto h = HandleTable::find<DeviceHandle>(Device, call);
        if (!h) return;
        DeviceBridge* b = bridge_of(*h);
        if (!b || !b->init().control) {
            log(LogLevel::Error, "%s: not a control device (WdfControlDeviceInitAllocate); nothing done", call);
            detail::verifier_violation(VerifierCheck::InvalidParameter, Device, call);
            return;
        }
        std::lock_guard lock(b->mutex);
        if (b->control_finished) {
            log(LogLevel::Error, "%s: called twice; nothing done", call);
            detail::verifier_violation(VerifierCheck::InvalidParameter, Device, call);
            return;
        }
        b->control_finished = true;
        // Openable from now on: its name, then the links made before.
        if (!b->init().name.empty()) {
            if (Status s = b->device_ref->add_name(b->init().name); !s.ok())
                log(LogLevel::Error, "%s: the name %s: 0x%08X (opens by it fail)", call, b->init().name.c_str(),
                    static_cast<unsigned>(s.value()));
        }
        for (const std::string& link : b->pending_links) {
            if (Status s = b->device_ref->add_name(link); !s.ok())
                log(LogLevel::Error, "%s: the link %s: 0x%08X (opens by it fail)", call, link.c_str(),
                    static_cast<unsigned>(s.value()));
        }
        b->pending_links.clear();
    });
}

NTSTATUS WdfDeviceCreateSymbolicLink(WDFDEVICE Device, PCUNICODE_STRING SymbolicLinkName) {
    constexpr const char* call = "WdfDeviceCreateSymbolicLink";
    return guard(call, [&]() -> Status {
        auto h = HandleTable::find<DeviceHandle>(Device, call);
        if (!h) return STATUS_INVALID_HANDLE;
        if (!SymbolicLinkName) return required_null(call, "SymbolicLinkName", Device);
        std::string link;
        if (Status s = to_utf8_name(call, "SymbolicLinkName", *SymbolicLinkName, link); !s.ok()) return s;
        if (!wdfio::Device::is_device_name(link) || link.starts_with("\\Device\\")) {
            log(LogLevel::Error, "%s: \"%s\" is not a link name (\\DosDevices\\Name or \\??\\Name)", call,
                link.c_str());
            return STATUS_OBJECT_NAME_INVALID;
        }
        DeviceBridge* b = bridge_of(*h);
        if (!b) {
            log(LogLevel::Error, "%s: the device runs a built-in driver, not this one", call);
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        if (b->init().name.empty()) {
            log(LogLevel::Error, "%s: a link needs a named device (WdfDeviceInitAssignName)", call);
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        std::lock_guard lock(b->mutex);
        if (b->init().control && !b->control_finished) {  // registered when it finishes initializing
            for (const std::string& l : b->pending_links)
                if (l == link) return STATUS_OBJECT_NAME_COLLISION;
            b->pending_links.push_back(std::move(link));
            return STATUS_SUCCESS;
        }
        return b->device_ref->add_name(link);
    });
}
