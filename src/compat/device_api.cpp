// The built-in drivers from C: WdfioRamDiskCreate, WdfioFaultFilterCreate,
// WdfioFaultFilterGetCounters/ResetCounters, WdfioDeviceOpenTarget.
#include "compat/boundary.hpp"
#include "compat/host.hpp"
#include "compat/records.hpp"

#include <wdfio/verifier.hpp>

#include <chrono>
#include <cstdint>
#include <limits>

using namespace wdfio;
using namespace wdfio::compat;

namespace {
DeviceOptions device_options(const char* name) {
    DeviceOptions o;
    if (name) o.name = name;
    return o;
}

Status publish_device(std::unique_ptr<Driver> driver, FaultFilter* filter, WDFDEVICE* out) {
    auto h = Ref<DeviceHandle>::adopt(new DeviceHandle(std::move(driver), filter));
    if (Status s = HandleTable::publish(*h, nullptr, nullptr); !s.ok()) return s;
    *out = to_c<WDFDEVICE>(h.detach());
    return STATUS_SUCCESS;
}

// WDFIO_FAULT_CONFIG → FaultConfig. The core validates the values (share,
// fraction, type bits, status, delay); this checks what it cannot see: Size,
// modes it has no name for, a delay too large for its clock.
Status to_fault_config(const char* call, const WDFIO_FAULT_CONFIG* in, FaultConfig& out) {
    if (!in) return STATUS_INVALID_PARAMETER;
    if (Status s = check_size(call, *in, "WDFIO_FAULT_CONFIG", "WDFIO_FAULT_CONFIG_INIT"); !s.ok()) return s;
    if (raw_enum(in->Mode) > WdfioFaultNeverComplete ||
        in->DelayMicroseconds > static_cast<ULONGLONG>(std::numeric_limits<std::int64_t>::max())) {
        log(LogLevel::Error, "%s: invalid fault config (mode %u, delay %llu us)", call, raw_enum(in->Mode),
            static_cast<unsigned long long>(in->DelayMicroseconds));
        return STATUS_INVALID_PARAMETER;
    }
    out.seed = in->Seed;
    out.share = in->Share;
    out.types = in->Types;
    out.mode = static_cast<FaultMode>(raw_enum(in->Mode));
    out.status = in->Status;
    out.delay = std::chrono::microseconds(static_cast<std::int64_t>(in->DelayMicroseconds));
    out.short_fraction = in->ShortFraction;
    if (Status s = out.validate(); !s.ok()) {
        log(LogLevel::Error, "%s: invalid fault config for mode %s (share %g, short fraction %g, types 0x%x)", call,
            to_string(out.mode), out.share, out.short_fraction, out.types);
        return s;
    }
    return STATUS_SUCCESS;
}
}  // namespace

NTSTATUS WdfioRamDiskCreate(ULONGLONG Size, ULONG SectorSize, const char* DeviceName, WDFDEVICE* Device) {
    constexpr const char* call = "WdfioRamDiskCreate";
    return guard(call, [&]() -> Status {
        if (!Device) return STATUS_INVALID_PARAMETER;
        *Device = nullptr;
        auto engine = host_engine();
        if (!engine) return engine.status();
        auto disk = RamDisk::create(**engine, Size, device_options(DeviceName), SectorSize ? SectorSize : 512);
        if (!disk) return disk.status();
        return publish_device(std::move(disk).value(), nullptr, Device);
    });
}

NTSTATUS WdfioFaultFilterCreate(WDFOBJECT Lower, const WDFIO_FAULT_CONFIG* Config, const char* DeviceName,
                                WDFDEVICE* Device) {
    constexpr const char* call = "WdfioFaultFilterCreate";
    return guard(call, [&]() -> Status {
        if (!Device) return STATUS_INVALID_PARAMETER;
        *Device = nullptr;
        auto lower = HandleTable::find_any(Lower, call);
        if (!lower) return STATUS_INVALID_HANDLE;
        if (lower->type != HandleType::IoTarget && lower->type != HandleType::Device) {
            log(LogLevel::Error, "%s: Lower must be a WDFIOTARGET or a WDFDEVICE, not a %s", call,
                to_string(lower->type));
            detail::verifier_violation(VerifierCheck::InvalidHandle, Lower, call);
            return STATUS_INVALID_HANDLE;
        }
        FaultConfig config;
        if (Status s = to_fault_config(call, Config, config); !s.ok()) return s;
        auto engine = host_engine();
        if (!engine) return engine.status();

        // The target the filter sends down to, which it takes over.
        Ref<IoTarget> below;
        TargetHandle* lower_target = nullptr;
        if (lower->type == HandleType::Device) {
            Status s = static_cast<DeviceHandle&>(*lower).with_device([&](wdfio::Device& d, FaultFilter*) -> Status {
                auto t = d.open_target();
                if (!t) return t.status();
                below = std::move(t).value();
                return STATUS_SUCCESS;
            });
            if (!s.ok()) return s;
        } else {
            lower_target = &static_cast<TargetHandle&>(*lower);
            below = lower_target->current();
            if (!below || !below->is_open() || lower_target->taken_over.load()) {
                log(LogLevel::Error, "%s: the lower target is not open, or another filter took it already", call);
                return STATUS_INVALID_DEVICE_STATE;
            }
        }
        auto filter = FaultFilter::create(**engine, *below, config, device_options(DeviceName));
        if (!filter) return filter.status();
        if (lower_target) lower_target->taken_over.store(true);
        FaultFilter* raw = filter.value().get();
        return publish_device(std::move(filter).value(), raw, Device);
    });
}

NTSTATUS WdfioFaultFilterGetCounters(WDFDEVICE Device, PWDFIO_FAULT_COUNTERS Counters) {
    constexpr const char* call = "WdfioFaultFilterGetCounters";
    return guard(call, [&]() -> Status {
        auto h = HandleTable::find<DeviceHandle>(Device, call);
        if (!h) return STATUS_INVALID_HANDLE;
        if (!Counters) return STATUS_INVALID_PARAMETER;
        if (Status s = check_size(call, *Counters, "WDFIO_FAULT_COUNTERS", "WDFIO_FAULT_COUNTERS_INIT"); !s.ok())
            return s;
        return h->with_device([&](wdfio::Device&, FaultFilter* filter) -> Status {
            if (!filter) return STATUS_INVALID_DEVICE_REQUEST;
            const FaultCounters c = filter->counters();
            Counters->Seen = c.seen;
            Counters->Passed = c.passed;
            Counters->Failed = c.failed;
            Counters->Delayed = c.delayed;
            Counters->Shortened = c.shortened;
            Counters->Held = c.held;
            return STATUS_SUCCESS;
        });
    });
}

NTSTATUS WdfioFaultFilterResetCounters(WDFDEVICE Device) {
    constexpr const char* call = "WdfioFaultFilterResetCounters";
    return guard(call, [&]() -> Status {
        auto h = HandleTable::find<DeviceHandle>(Device, call);
        if (!h) return STATUS_INVALID_HANDLE;
        return h->with_device([&](wdfio::Device&, FaultFilter* filter) -> Status {
            if (!filter) return STATUS_INVALID_DEVICE_REQUEST;
            filter->reset_counters();
            return STATUS_SUCCESS;
        });
    });
}

NTSTATUS WdfioDeviceOpenTarget(WDFDEVICE Device, PWDF_OBJECT_ATTRIBUTES IoTargetAttributes, WDFIOTARGET* IoTarget) {
    constexpr const char* call = "WdfioDeviceOpenTarget";
    return guard(call, [&]() -> Status {
        if (!IoTarget) return STATUS_INVALID_PARAMETER;
        *IoTarget = nullptr;
        auto device = HandleTable::find<DeviceHandle>(Device, call);
        if (!device) return STATUS_INVALID_HANDLE;
        Ref<Handle> parent = device;  // the default parent: the target goes with the device
        if (Status s = HandleTable::check_attributes(call, IoTargetAttributes, parent); !s.ok()) return s;
        Ref<wdfio::IoTarget> opened;
        Status s = device->with_device([&](wdfio::Device& d, FaultFilter*) -> Status {
            auto t = d.open_target();
            if (!t) return t.status();
            opened = std::move(t).value();
            return STATUS_SUCCESS;
        });
        if (!s.ok()) return s;
        auto h = Ref<TargetHandle>::adopt(new TargetHandle(std::move(opened)));
        if (Status p = HandleTable::publish(*h, IoTargetAttributes, parent.get()); !p.ok()) return p;
        *IoTarget = to_c<WDFIOTARGET>(h.detach());
        return STATUS_SUCCESS;
    });
}
