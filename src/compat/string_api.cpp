// WdfStringCreate, WdfStringGetUnicodeString (driver spec §9.2), and the
// driver calls that fill a string or ask for a version.
#include "compat/boundary.hpp"
#include "compat/device_interfaces.hpp"
#include "compat/driver_model.hpp"
#include "compat/handle.hpp"

#include <mutex>
#include <string>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

struct StringHandle final : Handle {
    static constexpr HandleType kType = HandleType::String;
    StringHandle() noexcept : Handle(kType) {}

    std::mutex mutex;
    std::wstring text;  // NUL-terminated by std::wstring

    void assign(std::wstring value) {
        std::lock_guard lock(mutex);
        text = std::move(value);
    }
};

// The checks KMDF makes of a UNICODE_STRING it copies (R9.5).
bool well_formed(const UNICODE_STRING& s) {
    return s.Length % sizeof(WCHAR) == 0 && s.Length <= s.MaximumLength && (s.Buffer || s.Length == 0);
}

}  // namespace

NTSTATUS WdfStringCreate(PCUNICODE_STRING UnicodeString, PWDF_OBJECT_ATTRIBUTES StringAttributes, WDFSTRING* String) {
    constexpr const char* call = "WdfStringCreate";
    return guard(call, [&]() -> Status {
        if (!String) return required_null(call, "String");
        *String = nullptr;
        if (UnicodeString && !well_formed(*UnicodeString)) {
            log(LogLevel::Error, "%s: UnicodeString is malformed (Length %u, MaximumLength %u; Length counts bytes)",
                call, UnicodeString->Length, UnicodeString->MaximumLength);
            return STATUS_INVALID_PARAMETER;
        }
        Ref<Handle> parent;
        if (Status s = HandleTable::check_attributes(call, StringAttributes, parent); !s.ok()) return s;
        auto h = Ref<StringHandle>::adopt(new StringHandle);
        if (UnicodeString && UnicodeString->Length > 0)
            h->text.assign(UnicodeString->Buffer, UnicodeString->Length / sizeof(WCHAR));
        if (Status s = HandleTable::publish(*h, StringAttributes, parent.get()); !s.ok()) return s;
        *String = to_c<WDFSTRING>(h.detach());
        return STATUS_SUCCESS;
    });
}

VOID WdfStringGetUnicodeString(WDFSTRING String, PUNICODE_STRING UnicodeString) {
    constexpr const char* call = "WdfStringGetUnicodeString";
    guard_void(call, [&] {
        auto h = HandleTable::find<StringHandle>(String, call);
        if (!h) return;
        if (!UnicodeString) {
            required_null(call, "UnicodeString", String);
            return;
        }
        std::lock_guard lock(h->mutex);
        UnicodeString->Buffer = h->text.data();
        UnicodeString->Length = static_cast<USHORT>(h->text.size() * sizeof(WCHAR));
        UnicodeString->MaximumLength = static_cast<USHORT>(UnicodeString->Length + sizeof(WCHAR));
    });
}

NTSTATUS WdfDriverRetrieveVersionString(WDFDRIVER Driver, WDFSTRING String) {
    constexpr const char* call = "WdfDriverRetrieveVersionString";
    return guard(call, [&]() -> Status {
        auto d = HandleTable::find<DriverHandle>(Driver, call);
        auto s = HandleTable::find<StringHandle>(String, call);
        if (!d || !s) return STATUS_INVALID_HANDLE;
        s->assign(L"wdfio " WDFIO_VERSION_WIDE L", KMDF 1.33");
        return STATUS_SUCCESS;
    });
}

NTSTATUS WdfDeviceRetrieveDeviceInterfaceString(WDFDEVICE Device, CONST GUID* InterfaceClassGUID,
                                                PCUNICODE_STRING ReferenceString, WDFSTRING String) {
    constexpr const char* call = "WdfDeviceRetrieveDeviceInterfaceString";
    return guard(call, [&]() -> Status {
        auto d = HandleTable::find<DeviceHandle>(Device, call);
        auto s = HandleTable::find<StringHandle>(String, call);
        if (!d || !s) return STATUS_INVALID_HANDLE;
        if (!InterfaceClassGUID) return required_null(call, "InterfaceClassGUID", Device);
        DeviceBridge* b = bridge_of(*d);
        if (!b) return STATUS_OBJECT_NAME_NOT_FOUND;  // a built-in driver's device has no interfaces
        std::wstring link;
        if (Status st = device_interface_link(*b, *InterfaceClassGUID, ReferenceString, link); !st.ok()) return st;
        s->assign(std::move(link));
        return STATUS_SUCCESS;
    });
}

BOOLEAN WdfDriverIsVersionAvailable(WDFDRIVER Driver, PWDF_DRIVER_VERSION_AVAILABLE_PARAMS VersionAvailableParams) {
    constexpr const char* call = "WdfDriverIsVersionAvailable";
    return guard_value(call, BOOLEAN{FALSE}, [&]() -> BOOLEAN {
        if (!HandleTable::find<DriverHandle>(Driver, call)) return FALSE;
        if (!VersionAvailableParams) {
            required_null(call, "VersionAvailableParams");
            return FALSE;
        }
        if (!check_size(call, *VersionAvailableParams, "WDF_DRIVER_VERSION_AVAILABLE_PARAMS",
                        "WDF_DRIVER_VERSION_AVAILABLE_PARAMS_INIT")
                 .ok()) {
            detail::verifier_violation(VerifierCheck::InvalidParameter, VersionAvailableParams, call);
            return FALSE;
        }
        return VersionAvailableParams->MajorVersion == 1 && VersionAvailableParams->MinorVersion <= 33 ? TRUE : FALSE;
    });
}
