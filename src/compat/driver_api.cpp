// WdfDriverCreate, WdfGetDriver, WdfDriverGetRegistryPath, and the host's
// side of a driver's life: WdfioDriverLoad (DriverEntry), WdfioDeviceAdd
// (EvtDriverDeviceAdd, then the start of spec §4.1), WdfioDriverUnload (the
// removal of spec §4.3, then EvtDriverUnload).
#include "compat/boundary.hpp"
#include "compat/device_interfaces.hpp"
#include "compat/driver_model.hpp"
#include "core/blocking.hpp"
#include "device/delivered_access.hpp"

#include <wdfio/verifier.hpp>

#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

// The DRIVER_OBJECT a driver's DriverEntry receives: opaque to the driver,
// the host's key to the WDFDRIVER that WdfDriverCreate makes for it.
struct _DRIVER_OBJECT {
    wdfio::compat::DriverHandle* driver;
};

using namespace wdfio;
using namespace wdfio::compat;

namespace {

std::mutex g_drivers_mutex;
std::vector<DriverHandle*> g_drivers;  // loaded (WdfioDriverLoad .. WdfioDriverUnload); for WdfGetDriver

// The C devices of a driver still there, newest first.
std::vector<Ref<DeviceHandle>> devices_of(DriverHandle& driver) {
    std::lock_guard lock(driver.mutex);
    std::vector<Ref<DeviceHandle>> out;
    for (auto it = driver.devices.rbegin(); it != driver.devices.rend(); ++it)
        if (!(*it)->deleted()) out.push_back(*it);
    driver.devices.clear();
    return out;
}

// The device's C queues that a power transition holds (R5.2), or the others
// (bridge.mutex held; queues_of takes it).
std::vector<Ref<QueueHandle>> queues_of_locked(DeviceBridge& bridge, bool power_managed) {
    std::vector<Ref<QueueHandle>> out;
    for (auto& q : bridge.queues)
        if (q->handler.power_managed() == power_managed) out.push_back(q);
    return out;
}

// The device's power-managed queues, now powered on (R4.1 step 4, R4.13:
// the caller releases their hold) or off (R4.11: the caller holds them).
// Flag and list together, under the bridge's mutex: a queue created
// meanwhile is either in the list or created held as it should be.
std::vector<Ref<QueueHandle>> power_queues(DeviceBridge& bridge, bool on) {
    std::lock_guard lock(bridge.mutex);
    bridge.queues_powered = on;
    return queues_of_locked(bridge, true);
}

// R4.11: every one stops presenting before the driver hears of any request it holds.
void hold_queues(const std::vector<Ref<QueueHandle>>& queues) {
    for (auto& q : queues) q->queue->hold_presentation();
    for (auto& q : queues) (void)q->queue->hold(StopAction::Suspend);
}

// Spec §4.1, after EvtDriverDeviceAdd made the device: the first failure
// stops, and what started is undone as R4.3 says.
Status bring_up(DeviceHandle& device, DeviceBridge& bridge) {
    const WDF_PNPPOWER_EVENT_CALLBACKS& pnp = bridge.init().pnp;
    const auto d = to_c<WDFDEVICE>(&device);
    CurrentDriver current(&bridge.driver());
    if (pnp.EvtDevicePrepareHardware) {
        if (Status s = pnp.EvtDevicePrepareHardware(d, nullptr, nullptr); !s.ok()) {
            if (pnp.EvtDeviceReleaseHardware) pnp.EvtDeviceReleaseHardware(d, nullptr);
            return s;
        }
    }
    if (pnp.EvtDeviceD0Entry) {
        if (Status s = pnp.EvtDeviceD0Entry(d, WdfPowerDeviceD3Final); !s.ok()) {
            if (pnp.EvtDeviceReleaseHardware) pnp.EvtDeviceReleaseHardware(d, nullptr);
            return s;
        }
    }
    auto undo_d0 = [&](Status s) {
        if (pnp.EvtDeviceD0ExitPreInterruptsDisabled)
            pnp.EvtDeviceD0ExitPreInterruptsDisabled(d, WdfPowerDeviceD3Final);
        if (pnp.EvtDeviceD0Exit) pnp.EvtDeviceD0Exit(d, WdfPowerDeviceD3Final);
        if (pnp.EvtDeviceReleaseHardware) pnp.EvtDeviceReleaseHardware(d, nullptr);
        return s;
    };
    if (pnp.EvtDeviceD0EntryPostInterruptsEnabled) {
        if (Status s = pnp.EvtDeviceD0EntryPostInterruptsEnabled(d, WdfPowerDeviceD3Final); !s.ok()) return undo_d0(s);
    }
    // Step 4: power-managed queues, held since they were created (R4.2), present.
    for (auto& q : power_queues(bridge, true)) q->queue->release_hold();
    if (pnp.EvtDeviceSelfManagedIoInit) {
        bridge.self_managed_io_init = true;
        if (Status s = pnp.EvtDeviceSelfManagedIoInit(d); !s.ok()) {
            hold_queues(power_queues(bridge, false));  // R4.3: held again
            return undo_d0(s);
        }
    }
    enable_device_interfaces(bridge);  // R4.1 step 6
    std::lock_guard lock(bridge.power_mutex);
    bridge.started = true;
    return STATUS_SUCCESS;
}

std::vector<Ref<QueueHandle>> queues_of(DeviceBridge& bridge, bool power_managed) {
    std::lock_guard lock(bridge.mutex);
    return queues_of_locked(bridge, power_managed);
}

// R4.4: D0 to `target` (under power_mutex, the device in D0).
void power_down(DeviceHandle& device, DeviceBridge& bridge, WDF_POWER_DEVICE_STATE target) {
    const WDF_PNPPOWER_EVENT_CALLBACKS& pnp = bridge.init().pnp;
    const auto d = to_c<WDFDEVICE>(&device);
    CurrentDriver current(&bridge.driver());
    if (pnp.EvtDeviceSelfManagedIoSuspend && bridge.self_managed_io_init) pnp.EvtDeviceSelfManagedIoSuspend(d);
    hold_queues(power_queues(bridge, false));
    if (pnp.EvtDeviceD0ExitPreInterruptsDisabled) pnp.EvtDeviceD0ExitPreInterruptsDisabled(d, target);
    if (pnp.EvtDeviceD0Exit) pnp.EvtDeviceD0Exit(d, target);
    bridge.power_state = target;
}

// R4.5: back to D0 from the Dx it is in (under power_mutex).
Status power_up(DeviceHandle& device, DeviceBridge& bridge) {
    const WDF_PNPPOWER_EVENT_CALLBACKS& pnp = bridge.init().pnp;
    const auto d = to_c<WDFDEVICE>(&device);
    const WDF_POWER_DEVICE_STATE from = bridge.power_state;
    CurrentDriver current(&bridge.driver());
    if (pnp.EvtDeviceD0Entry)
        if (Status s = pnp.EvtDeviceD0Entry(d, from); !s.ok()) return s;
    if (pnp.EvtDeviceD0EntryPostInterruptsEnabled) {
        if (Status s = pnp.EvtDeviceD0EntryPostInterruptsEnabled(d, from); !s.ok()) {
            if (pnp.EvtDeviceD0ExitPreInterruptsDisabled) pnp.EvtDeviceD0ExitPreInterruptsDisabled(d, from);
            if (pnp.EvtDeviceD0Exit) pnp.EvtDeviceD0Exit(d, from);
            return s;
        }
    }
    bridge.power_state = WdfPowerDeviceD0;
    for (auto& q : power_queues(bridge, true)) q->queue->release_hold();  // R4.13
    if (pnp.EvtDeviceSelfManagedIoRestart && bridge.self_managed_io_init)
        if (Status s = pnp.EvtDeviceSelfManagedIoRestart(d); !s.ok()) return s;
    return STATUS_SUCCESS;
}

// R4.8 steps 4 and 6: purged for good, then each request the driver still
// holds gets EvtIoStop(Purge), and the removal waits for the answers.
void purge_for_removal(const std::vector<Ref<QueueHandle>>& queues) {
    for (auto& q : queues) q->queue->purge();
    for (auto& q : queues) (void)q->queue->hold(StopAction::Purge);
}

// Spec §4.3 for a started device, then its deletion (cleanup callbacks, the core device removed).
void take_down(DeviceHandle& device) {
    device.host_removes = true;
    DeviceBridge* bridge = bridge_of(device);
    if (!bridge) {
        HandleTable::remove(device);
        return;
    }
    const WDF_PNPPOWER_EVENT_CALLBACKS& pnp = bridge->init().pnp;
    const auto d = to_c<WDFDEVICE>(&device);
    {
        std::lock_guard power(bridge->power_mutex);
        if (bridge->power_state == WdfPowerDeviceD0) power_down(device, *bridge, WdfPowerDeviceD3Final);  // step 1
        bridge->started = false;
        CurrentDriver current(&bridge->driver());
        if (pnp.EvtDeviceReleaseHardware) pnp.EvtDeviceReleaseHardware(d, nullptr);
        disable_device_interfaces(*bridge);           // step 3
        purge_for_removal(queues_of(*bridge, true));  // step 4
        if (bridge->self_managed_io_init && pnp.EvtDeviceSelfManagedIoFlush) pnp.EvtDeviceSelfManagedIoFlush(d);
        purge_for_removal(queues_of(*bridge, false));  // step 6
        if (bridge->self_managed_io_init && pnp.EvtDeviceSelfManagedIoCleanup) pnp.EvtDeviceSelfManagedIoCleanup(d);
    }
    // Opens by name still open end now, while their WDFFILEOBJECTs (children
    // of the device) are alive: EvtFileCleanup and EvtFileClose see valid handles.
    bridge->device_ref->close_files();
    CurrentDriver current(&bridge->driver());
    HandleTable::remove(device);  // children first (queues, timers, ...), cleanup, the core device removed
}

}  // namespace

NTSTATUS WdfDriverCreate(PDRIVER_OBJECT DriverObject, PCUNICODE_STRING RegistryPath,
                         PWDF_OBJECT_ATTRIBUTES DriverAttributes, PWDF_DRIVER_CONFIG DriverConfig, WDFDRIVER* Driver) {
    constexpr const char* call = "WdfDriverCreate";
    return guard(call, [&]() -> Status {
        if (Driver) *Driver = nullptr;
        if (!DriverObject || !DriverObject->driver)
            return required_null(call, "DriverObject (the one DriverEntry received)");
        if (!DriverConfig) return required_null(call, "DriverConfig");
        DriverHandle& d = *DriverObject->driver;
        if (Status s = check_size(call, *DriverConfig, "WDF_DRIVER_CONFIG", "WDF_DRIVER_CONFIG_INIT"); !s.ok())
            return s;
        if (d.created) {
            log(LogLevel::Error, "%s: this DriverObject has its WDFDRIVER already", call);
            return STATUS_INVALID_DEVICE_STATE;
        }
        if (!DriverConfig->EvtDriverDeviceAdd && !(DriverConfig->DriverInitFlags & WdfDriverInitNonPnpDriver)) {
            log(LogLevel::Error, "%s: a PnP driver needs EvtDriverDeviceAdd (or WdfDriverInitNonPnpDriver)", call);
            return STATUS_INVALID_PARAMETER;
        }
        Ref<Handle> parent;
        if (Status s = HandleTable::check_attributes(call, DriverAttributes, parent, {.level = true, .scope = true});
            !s.ok())
            return s;
        if (parent) {
            log(LogLevel::Error, "%s: a driver takes no ParentObject", call);
            return STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED;
        }
        if (RegistryPath && RegistryPath->Buffer)
            d.registry_path.assign(RegistryPath->Buffer, RegistryPath->Length / sizeof(WCHAR));
        d.config = *DriverConfig;
        d.scope = resolved_scope(DriverAttributes, WdfSynchronizationScopeNone);
        // The host made the handle for DriverEntry; it becomes a WDFDRIVER now, with these attributes.
        if (Status s = HandleTable::publish(d, DriverAttributes, nullptr); !s.ok()) return s;
        d.created = true;
        if (Driver) *Driver = to_c<WDFDRIVER>(&d);
        return STATUS_SUCCESS;
    });
}

WDFDRIVER WdfGetDriver(VOID) {
    constexpr const char* call = "WdfGetDriver";
    return guard_value(call, WDFDRIVER{nullptr}, [&]() -> WDFDRIVER {
        if (DriverHandle* d = CurrentDriver::get()) return to_c<WDFDRIVER>(d);
        std::lock_guard lock(g_drivers_mutex);
        if (g_drivers.size() == 1 && g_drivers.front()->created) return to_c<WDFDRIVER>(g_drivers.front());
        log(LogLevel::Error, "%s: %zu drivers are loaded and none of them is being called on this thread", call,
            g_drivers.size());
        return nullptr;
    });
}

PWSTR WdfDriverGetRegistryPath(WDFDRIVER Driver) {
    constexpr const char* call = "WdfDriverGetRegistryPath";
    return guard_value(call, PWSTR{nullptr}, [&]() -> PWSTR {
        auto d = HandleTable::find<DriverHandle>(Driver, call);
        return d ? d->registry_path.data() : nullptr;
    });
}

// ---- The host

NTSTATUS WdfioDriverLoad(PFN_WDFIO_DRIVER_ENTRY DriverEntry, PCSTR DriverName, WDFDRIVER* Driver) {
    constexpr const char* call = "WdfioDriverLoad";
    return guard(call, [&]() -> Status {
        if (Driver) *Driver = nullptr;
        if (!DriverEntry) return required_null(call, "DriverEntry");
        if (!Driver) return required_null(call, "Driver");
        auto d = Ref<DriverHandle>::adopt(new DriverHandle);
        d->name = DriverName && *DriverName ? DriverName : "driver";
        _DRIVER_OBJECT object{d.get()};
        std::wstring path = L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\";
        for (char c : d->name) path.push_back(static_cast<wchar_t>(static_cast<unsigned char>(c)));
        UNICODE_STRING registry_path;
        registry_path.Buffer = path.data();
        registry_path.Length = static_cast<USHORT>(path.size() * sizeof(WCHAR));
        registry_path.MaximumLength = registry_path.Length;
        {
            std::lock_guard lock(g_drivers_mutex);
            g_drivers.push_back(d.get());
        }
        Status s = STATUS_SUCCESS;
        {
            CurrentDriver current(d.get());
            s = DriverEntry(&object, &registry_path);
        }
        if (s.ok() && !d->created) {
            log(LogLevel::Error, "%s: %s's DriverEntry returned success without calling WdfDriverCreate", call,
                d->name.c_str());
            s = STATUS_DRIVER_INTERNAL_ERROR;
        }
        if (!s.ok()) {
            {
                std::lock_guard lock(g_drivers_mutex);
                std::erase(g_drivers, d.get());
            }
            if (d->created) {
                HandleTable::remove(*d);  // what DriverEntry made under it goes too; C's reference with it
                d.detach();
            }
            return s;
        }
        *Driver = to_c<WDFDRIVER>(d.detach());  // the creation reference, now C's
        return STATUS_SUCCESS;
    });
}

NTSTATUS WdfioDeviceAdd(WDFDRIVER Driver, WDFDEVICE LowerDevice, WDFDEVICE* Device) {
    constexpr const char* call = "WdfioDeviceAdd";
    return guard(call, [&]() -> Status {
        if (Device) *Device = nullptr;
        if (!Device) return required_null(call, "Device");
        auto d = HandleTable::find<DriverHandle>(Driver, call);
        if (!d) return STATUS_INVALID_HANDLE;
        if (!d->config.EvtDriverDeviceAdd) {
            log(LogLevel::Error, "%s: %s has no EvtDriverDeviceAdd (a non-PnP driver)", call, d->name.c_str());
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        auto init = std::make_unique<WDFDEVICE_INIT>();
        init->data.driver = d;
        if (LowerDevice) {
            init->data.lower = HandleTable::find<DeviceHandle>(LowerDevice, call);
            if (!init->data.lower) return STATUS_INVALID_HANDLE;
        }
        Status s = STATUS_SUCCESS;
        {
            CurrentDriver current(d.get());
            s = d->config.EvtDriverDeviceAdd(to_c<WDFDRIVER>(d.get()), init.get());
        }
        Ref<DeviceHandle> device = std::move(init->data.created);
        if (s.ok() && !device) {
            log(LogLevel::Error, "%s: EvtDriverDeviceAdd returned success without WdfDeviceCreate", call);
            s = STATUS_INVALID_DEVICE_STATE;
        }
        if (s.ok()) s = bring_up(*device, *bridge_of(*device));
        if (!s.ok()) {
            if (device) {
                device->host_removes = true;
                HandleTable::remove(*device);  // a failed add leaves no device (its cleanup runs)
            }
            return s;
        }
        *Device = to_c<WDFDEVICE>(device.get());
        return STATUS_SUCCESS;
    });
}

VOID WdfioDriverUnload(WDFDRIVER Driver) {
    constexpr const char* call = "WdfioDriverUnload";
    guard_void(call, [&] {
        auto d = HandleTable::find<DriverHandle>(Driver, call);
        if (!d) return;
        if (!detail::may_block_here()) {  // removal waits for the driver's callbacks and requests
            log(LogLevel::Error, "%s: called from a completion routine or the engine thread; nothing was unloaded",
                call);
            detail::verifier_violation(VerifierCheck::BlockingOnEngineThread, Driver, call);
            return;
        }
        for (auto& device : devices_of(*d)) take_down(*device);
        {
            CurrentDriver current(d.get());
            if (d->config.EvtDriverUnload) d->config.EvtDriverUnload(to_c<WDFDRIVER>(d.get()));
        }
        {
            std::lock_guard lock(g_drivers_mutex);
            std::erase(g_drivers, d.get());
        }
        HandleTable::remove(*d);
    });
}

namespace {
// The started C device of a power call, locked for the transition; null with `*refusal` set otherwise.
DeviceBridge* powered_device(WDFDEVICE Device, const char* call, Ref<DeviceHandle>& h, Status* refusal) {
    h = HandleTable::find<DeviceHandle>(Device, call);
    *refusal = STATUS_INVALID_HANDLE;
    if (!h) return nullptr;
    DeviceBridge* bridge = bridge_of(*h);
    *refusal = STATUS_INVALID_DEVICE_REQUEST;
    if (!bridge || bridge->init().control) {
        log(LogLevel::Error, "%s: not a PnP device (a control device has no power states, spec R3.22)", call);
        return nullptr;
    }
    *refusal = STATUS_INVALID_DEVICE_STATE;
    if (!detail::may_block_here() || detail::DeliveredAccess::in_callback()) {
        log(LogLevel::Error, "%s: called from a callback or the engine thread, where its wait could deadlock", call);
        return nullptr;
    }
    return bridge;
}
}  // namespace

NTSTATUS WdfioDeviceSuspend(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState) {
    constexpr const char* call = "WdfioDeviceSuspend";
    return guard(call, [&]() -> Status {
        // Read as an int: a C caller may pass any number, and loading one
        // outside the enum's values is undefined in C++.
        static_assert(sizeof(int) == sizeof(WDF_POWER_DEVICE_STATE));
        int state = 0;
        std::memcpy(&state, &TargetState, sizeof state);
        if (state < WdfPowerDeviceD1 || state > WdfPowerDeviceD3) {
            log(LogLevel::Error, "%s: TargetState must be WdfPowerDeviceD1, D2 or D3", call);
            return STATUS_INVALID_PARAMETER;
        }
        Ref<DeviceHandle> h;
        Status refusal;
        DeviceBridge* bridge = powered_device(Device, call, h, &refusal);
        if (!bridge) return refusal;
        std::lock_guard power(bridge->power_mutex);
        if (!bridge->started || bridge->power_state != WdfPowerDeviceD0) {
            log(LogLevel::Error, "%s: the device is not started and in D0 (resume it first, or it is being removed)",
                call);
            return STATUS_INVALID_DEVICE_STATE;
        }
        power_down(*h, *bridge, TargetState);
        return STATUS_SUCCESS;
    });
}

NTSTATUS WdfioDeviceResume(WDFDEVICE Device) {
    constexpr const char* call = "WdfioDeviceResume";
    return guard(call, [&]() -> Status {
        Ref<DeviceHandle> h;
        Status refusal;
        DeviceBridge* bridge = powered_device(Device, call, h, &refusal);
        if (!bridge) return refusal;
        std::lock_guard power(bridge->power_mutex);
        if (!bridge->started || bridge->power_state == WdfPowerDeviceD0) {
            log(LogLevel::Error, "%s: the device is not suspended (WdfioDeviceSuspend first)", call);
            return STATUS_INVALID_DEVICE_STATE;
        }
        return power_up(*h, *bridge);
    });
}
