// WdfDeviceCreateDeviceInterface, WdfDeviceSetDeviceInterfaceState[Ex] and
// IoGetDeviceInterfaces over one process-wide list of interfaces, each a
// symbolic link of its device's (device_interfaces.hpp).
#include "compat/boundary.hpp"
#include "compat/device_interfaces.hpp"
#include "compat/driver_model.hpp"
#include "compat/unicode.hpp"

#include <wdfio/verifier.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

struct Interface {
    DeviceBridge* device;
    GUID guid;
    std::wstring reference;
    std::wstring link;   // what IoGetDeviceInterfaces and WdfDeviceRetrieveDeviceInterfaceString give
    std::string name;    // the link, UTF-8: the device's name for it while enabled
    unsigned instance;   // the device's number in every link of its
    bool wanted = true;  // enabled at start (WdfDeviceSetDeviceInterfaceStateEx FALSE before it: not)
    bool enabled = false;
};

std::mutex g_mutex;
std::vector<Interface> g_interfaces;
std::vector<DeviceBridge*> g_started;  // devices whose interfaces are live (enable_device_interfaces .. disable)
std::atomic<unsigned> g_instances{0};

bool started(DeviceBridge& d) { return std::find(g_started.begin(), g_started.end(), &d) != g_started.end(); }

// A reference string as KMDF takes it: well formed, no path separator; NULL or empty: none.
Status reference_of(const char* call, const UNICODE_STRING* s, std::wstring& out) {
    out.clear();
    if (!s || s->Length == 0) return STATUS_SUCCESS;
    if (s->Length % sizeof(WCHAR) != 0 || s->Length > s->MaximumLength || !s->Buffer) {
        log(LogLevel::Error, "%s: ReferenceString is not a valid UNICODE_STRING", call);
        return STATUS_INVALID_PARAMETER;
    }
    out.assign(s->Buffer, s->Length / sizeof(WCHAR));
    if (out.find_first_of(L"\\/") != std::wstring::npos || out.find(L'\0') != std::wstring::npos) {
        log(LogLevel::Error, "%s: a ReferenceString holds no path separator", call);
        return STATUS_INVALID_PARAMETER;
    }
    return STATUS_SUCCESS;
}

std::string utf8(const std::wstring& w) {
    std::string out;
    for (wchar_t c : w)
        append_utf8(out, is_scalar_value(static_cast<char32_t>(c)) ? static_cast<char32_t>(c) : kReplacementCharacter);
    return out;
}

// "\??\WDFIO#Driver#0001#{GUID}\reference", as Windows' interface links look.
std::wstring make_link(const std::string& driver, unsigned instance, const GUID& g, const std::wstring& reference) {
    char text[160];
    std::snprintf(text, sizeof text, "\\??\\WDFIO#%.64s#%04u#{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                  driver.c_str(), instance, static_cast<unsigned>(g.Data1), g.Data2, g.Data3, g.Data4[0], g.Data4[1],
                  g.Data4[2], g.Data4[3], g.Data4[4], g.Data4[5], g.Data4[6], g.Data4[7]);
    std::wstring link(text, text + std::strlen(text));
    if (!reference.empty()) link += L"\\" + reference;
    return link;
}

Interface* find(DeviceBridge& d, const GUID& g, const std::wstring& reference) {
    for (Interface& i : g_interfaces)
        if (i.device == &d && std::memcmp(&i.guid, &g, sizeof g) == 0 && i.reference == reference) return &i;
    return nullptr;
}

void set_enabled(Interface& i, bool on) {
    if (i.enabled == on) return;
    if (on) {
        if (Status s = i.device->device_ref->add_name(i.name); !s.ok()) {
            log(LogLevel::Error, "device interface %s: not enabled (0x%08X)", i.name.c_str(),
                static_cast<unsigned>(s.value()));
            return;
        }
    } else {
        i.device->device_ref->remove_name(i.name);
    }
    i.enabled = on;
}

// The interface of Device named by the arguments; null (and logged) if none.
Interface* interface_of(const char* call, WDFDEVICE Device, const GUID* guid, PCUNICODE_STRING reference,
                        Ref<DeviceHandle>& h) {
    h = HandleTable::find<DeviceHandle>(Device, call);
    if (!h) return nullptr;
    DeviceBridge* b = bridge_of(*h);
    std::wstring ref;
    if (!b || !guid || !reference_of(call, reference, ref).ok()) {
        log(LogLevel::Error, "%s: %s", call, !b ? "the device runs a built-in driver" : "no such interface");
        detail::verifier_violation(VerifierCheck::InvalidParameter, Device, call);
        return nullptr;
    }
    Interface* i = find(*b, *guid, ref);
    if (!i) {
        log(LogLevel::Error, "%s: the device has no such interface (WdfDeviceCreateDeviceInterface first)", call);
        detail::verifier_violation(VerifierCheck::InvalidParameter, Device, call);
    }
    return i;
}

}  // namespace

namespace wdfio::compat {

void enable_device_interfaces(DeviceBridge& device) {
    std::lock_guard lock(g_mutex);
    if (!started(device)) g_started.push_back(&device);
    for (Interface& i : g_interfaces)
        if (i.device == &device && i.wanted) set_enabled(i, true);
}

void disable_device_interfaces(DeviceBridge& device) {
    std::lock_guard lock(g_mutex);
    std::erase(g_started, &device);
    for (Interface& i : g_interfaces)
        if (i.device == &device) set_enabled(i, false);
}

void forget_device_interfaces(DeviceBridge& device) {
    std::lock_guard lock(g_mutex);
    std::erase(g_started, &device);
    std::erase_if(g_interfaces, [&](const Interface& i) { return i.device == &device; });
}

Status device_interface_link(DeviceBridge& device, const GUID& guid, const UNICODE_STRING* reference,
                             std::wstring& link) {
    std::wstring ref;
    if (Status s = reference_of("WdfDeviceRetrieveDeviceInterfaceString", reference, ref); !s.ok()) return s;
    std::lock_guard lock(g_mutex);
    Interface* i = find(device, guid, ref);
    if (!i) return STATUS_OBJECT_NAME_NOT_FOUND;
    link = i->link;
    return STATUS_SUCCESS;
}

}  // namespace wdfio::compat

NTSTATUS WdfDeviceCreateDeviceInterface(WDFDEVICE Device, CONST GUID* InterfaceClassGUID,
                                        PCUNICODE_STRING ReferenceString) {
    constexpr const char* call = "WdfDeviceCreateDeviceInterface";
    return guard(call, [&]() -> Status {
        auto h = HandleTable::find<DeviceHandle>(Device, call);
        if (!h) return STATUS_INVALID_HANDLE;
        if (!InterfaceClassGUID) return required_null(call, "InterfaceClassGUID", Device);
        std::wstring ref;
        if (Status s = reference_of(call, ReferenceString, ref); !s.ok()) return s;
        DeviceBridge* b = bridge_of(*h);
        if (!b || b->init().control) {
            log(LogLevel::Error, "%s: %s has no device interfaces (R3.18)", call,
                b ? "a control device" : "a device of a built-in driver");
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        std::lock_guard lock(g_mutex);
        if (find(*b, *InterfaceClassGUID, ref))
            return STATUS_SUCCESS;  // registered already, as IoRegisterDeviceInterface says
        unsigned instance = 0;
        for (const Interface& other : g_interfaces)
            if (other.device == b) instance = other.instance;
        if (instance == 0) instance = ++g_instances;
        Interface i{
            b, *InterfaceClassGUID, ref, make_link(b->driver().name, instance, *InterfaceClassGUID, ref), {}, instance};
        i.name = utf8(i.link);
        g_interfaces.push_back(std::move(i));
        if (started(*b)) set_enabled(g_interfaces.back(), true);  // made after the start: enabled now
        return STATUS_SUCCESS;
    });
}

namespace {
void set_state(const char* call, WDFDEVICE Device, const GUID* guid, PCUNICODE_STRING reference, BOOLEAN enable) {
    Ref<DeviceHandle> h;
    std::lock_guard lock(g_mutex);
    Interface* i = interface_of(call, Device, guid, reference, h);
    if (!i) return;
    i->wanted = enable != FALSE;
    if (started(*i->device)) set_enabled(*i, enable != FALSE);
}
}  // namespace

VOID WdfDeviceSetDeviceInterfaceState(WDFDEVICE Device, CONST GUID* InterfaceClassGUID,
                                      PCUNICODE_STRING ReferenceString, BOOLEAN IsInterfaceEnabled) {
    constexpr const char* call = "WdfDeviceSetDeviceInterfaceState";
    guard_void(call, [&] { set_state(call, Device, InterfaceClassGUID, ReferenceString, IsInterfaceEnabled); });
}

VOID WdfDeviceSetDeviceInterfaceStateEx(WDFDEVICE Device, CONST GUID* InterfaceClassGUID,
                                        PCUNICODE_STRING ReferenceString, BOOLEAN IsInterfaceEnabled) {
    constexpr const char* call = "WdfDeviceSetDeviceInterfaceStateEx";
    guard_void(call, [&] { set_state(call, Device, InterfaceClassGUID, ReferenceString, IsInterfaceEnabled); });
}

NTSTATUS IoGetDeviceInterfaces(CONST GUID* InterfaceClassGuid, PDEVICE_OBJECT PhysicalDeviceObject, ULONG Flags,
                               PZZWSTR* SymbolicLinkList) {
    constexpr const char* call = "IoGetDeviceInterfaces";
    return guard(call, [&]() -> Status {
        if (SymbolicLinkList) *SymbolicLinkList = nullptr;
        if (!InterfaceClassGuid || !SymbolicLinkList)
            return required_null(call, "InterfaceClassGuid and SymbolicLinkList");
        if (PhysicalDeviceObject) {
            log(LogLevel::Error, "%s: PhysicalDeviceObject must be NULL (no PDOs here)", call);
            return STATUS_INVALID_PARAMETER;
        }
        if (Flags & ~static_cast<ULONG>(DEVICE_INTERFACE_INCLUDE_NONACTIVE)) {
            log(LogLevel::Error, "%s: unknown Flags 0x%X", call, static_cast<unsigned>(Flags));
            return STATUS_INVALID_PARAMETER;
        }
        std::wstring list;  // each link NUL-terminated, then one more NUL
        {
            std::lock_guard lock(g_mutex);
            for (const Interface& i : g_interfaces)
                if (std::memcmp(&i.guid, InterfaceClassGuid, sizeof(GUID)) == 0 &&
                    (i.enabled || (Flags & DEVICE_INTERFACE_INCLUDE_NONACTIVE)))
                    list.append(i.link).push_back(L'\0');
        }
        list.push_back(L'\0');
        // The caller frees it with ExFreePool, as on Windows.
        auto* out = static_cast<WCHAR*>(ExAllocatePoolWithTag(PagedPool, list.size() * sizeof(WCHAR), 0x49626457));
        if (!out) return STATUS_INSUFFICIENT_RESOURCES;
        std::copy(list.begin(), list.end(), out);  // list's NULs included
        *SymbolicLinkList = out;
        return STATUS_SUCCESS;
    });
}
