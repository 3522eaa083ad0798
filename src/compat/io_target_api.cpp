// WdfIoTargetCreate, Open, Close, Start, Stop, Purge, GetState.
#include "compat/boundary.hpp"
#include "compat/fault_injection.hpp"
#include "compat/host.hpp"
#include "compat/records.hpp"
#include "compat/unicode.hpp"

using namespace wdfio;
using namespace wdfio::compat;

NTSTATUS WdfIoTargetCreate(WDFDEVICE Device, PWDF_OBJECT_ATTRIBUTES IoTargetAttributes, WDFIOTARGET* IoTarget) {
    constexpr const char* call = "WdfIoTargetCreate";
    return guard(call, [&]() -> Status {
        if (!IoTarget) return STATUS_INVALID_PARAMETER;
        *IoTarget = nullptr;
        Ref<Handle> parent;
        if (Device) {  // the default parent, as in KMDF
            parent = HandleTable::find<DeviceHandle>(Device, call);
            if (!parent) return STATUS_INVALID_HANDLE;
        }
        if (Status s = HandleTable::check_attributes(call, IoTargetAttributes, parent); !s.ok()) return s;
        auto h = Ref<TargetHandle>::adopt(new TargetHandle());
        if (Status s = HandleTable::publish(*h, IoTargetAttributes, parent.get()); !s.ok()) return s;
        *IoTarget = to_c<WDFIOTARGET>(h.detach());
        return STATUS_SUCCESS;
    });
}

namespace {
// DesiredAccess, CreateDisposition and CreateOptions as the core's open options.
Status to_open_options(const char* call, const WDF_IO_TARGET_OPEN_PARAMS& p, OpenOptions& out) {
    out.read = (p.DesiredAccess & (GENERIC_READ | GENERIC_ALL | FILE_READ_DATA)) != 0;
    out.write = (p.DesiredAccess & (GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA)) != 0;
    out.direct = (p.CreateOptions & FILE_NO_INTERMEDIATE_BUFFERING) != 0;
    switch (p.CreateDisposition) {
    case FILE_OPEN: out.create = false; return STATUS_SUCCESS;
    case FILE_OPEN_IF: out.create = true; return STATUS_SUCCESS;
    case FILE_SUPERSEDE:
    case FILE_CREATE:
    case FILE_OVERWRITE:
    case FILE_OVERWRITE_IF:
        log(LogLevel::Error, "%s: CreateDisposition %u is not supported (use FILE_OPEN or FILE_OPEN_IF)", call,
            p.CreateDisposition);
        return STATUS_NOT_SUPPORTED;
    default:
        log(LogLevel::Error, "%s: unknown CreateDisposition %u", call, p.CreateDisposition);
        return STATUS_INVALID_PARAMETER;
    }
}
}  // namespace

NTSTATUS WdfIoTargetOpen(WDFIOTARGET IoTarget, PWDF_IO_TARGET_OPEN_PARAMS OpenParams) {
    constexpr const char* call = "WdfIoTargetOpen";
    return guard(call, [&]() -> Status {
        auto t = HandleTable::find<TargetHandle>(IoTarget, call);
        if (!t) return STATUS_INVALID_HANDLE;
        if (!OpenParams) return STATUS_INVALID_PARAMETER;
        // KMDF 1.11's form ends before FileName, which nothing here reads.
        if (OpenParams->Size != offsetof(WDF_IO_TARGET_OPEN_PARAMS, FileName)) {
            if (Status s = check_size(call, *OpenParams, "WDF_IO_TARGET_OPEN_PARAMS",
                                      "a WDF_IO_TARGET_OPEN_PARAMS_INIT_* macro");
                !s.ok())
                return s;
        }
        std::string name;
        OpenOptions options;
        switch (raw_enum(OpenParams->Type)) {
        case WdfIoTargetOpenByName:
            if (Status s = to_utf8_name(call, "TargetDeviceName", OpenParams->TargetDeviceName, name); !s.ok())
                return s;
            if (Status s = to_open_options(call, *OpenParams, options); !s.ok()) return s;
            break;
        case WdfIoTargetOpenReopen: {
            std::lock_guard lock(t->mutex);
            if (!t->opened_by_name) {
                log(LogLevel::Error, "%s: Reopen of a target never opened by name", call);
                return STATUS_INVALID_DEVICE_REQUEST;
            }
            name = t->name;
            options = t->options;
            break;
        }
        default:
            log(LogLevel::Error, "%s: open type %u is not available (use WdfIoTargetOpenByName)", call,
                raw_enum(OpenParams->Type));
            return STATUS_INVALID_PARAMETER;
        }
        auto engine = host_engine();
        if (!engine) return engine.status();
        if (fault::fail_here()) return STATUS_INSUFFICIENT_RESOURCES;
        {
            std::lock_guard lock(t->mutex);
            if (t->opening || (t->target && t->target->is_open())) return STATUS_INVALID_DEVICE_STATE;
            t->opening = true;
        }
        auto opened = wdfio::IoTarget::open(**engine, name, options);  // not under the lock: it may block
        std::lock_guard lock(t->mutex);
        t->opening = false;
        if (!opened) return opened.status();
        t->target = std::move(opened).value();
        t->taken_over.store(false);  // a filter may own the old core target; this one is ours
        t->opened_by_name = true;
        t->name = std::move(name);
        t->options = options;
        OpenParams->FileInformation = FILE_OPENED;
        return STATUS_SUCCESS;
    });
}

void WdfIoTargetClose(WDFIOTARGET IoTarget) {
    constexpr const char* call = "WdfIoTargetClose";
    guard_void(call, [&] {
        auto t = HandleTable::find<TargetHandle>(IoTarget, call);
        if (!t) return;
        if (auto core = t->current()) core->close();
    });
}

NTSTATUS WdfIoTargetStart(WDFIOTARGET IoTarget) {
    constexpr const char* call = "WdfIoTargetStart";
    return guard(call, [&]() -> Status {
        auto t = HandleTable::find<TargetHandle>(IoTarget, call);
        if (!t) return STATUS_INVALID_HANDLE;
        auto core = t->current();
        return core ? core->start() : Status(STATUS_INVALID_DEVICE_STATE);
    });
}

void WdfIoTargetStop(WDFIOTARGET IoTarget, WDF_IO_TARGET_SENT_IO_ACTION Action) {
    constexpr const char* call = "WdfIoTargetStop";
    guard_void(call, [&] {
        auto t = HandleTable::find<TargetHandle>(IoTarget, call);
        if (!t) return;
        // Undefined actions are ignored, as in KMDF. Refused here, not by the
        // core: its narrower enum cannot carry (or log) the value passed.
        const std::uint32_t raw = raw_enum(Action);
        if (raw < WdfIoTargetCancelSentIo || raw > WdfIoTargetLeaveSentIoPending) {
            log(LogLevel::Warning,
                "%s: undefined action %u ignored (pass WdfIoTargetCancelSentIo, WdfIoTargetWaitForSentIoToComplete "
                "or WdfIoTargetLeaveSentIoPending)",
                call, raw);
            return;
        }
        if (auto core = t->current()) core->stop(static_cast<SentIoAction>(raw));
    });
}

void WdfIoTargetPurge(WDFIOTARGET IoTarget, WDF_IO_TARGET_PURGE_IO_ACTION Action) {
    constexpr const char* call = "WdfIoTargetPurge";
    guard_void(call, [&] {
        auto t = HandleTable::find<TargetHandle>(IoTarget, call);
        if (!t) return;
        const std::uint32_t raw = raw_enum(Action);
        if (raw < WdfIoTargetPurgeIoAndWait || raw > WdfIoTargetPurgeIo) {  // as in WdfIoTargetStop
            log(LogLevel::Warning,
                "%s: undefined action %u ignored (pass WdfIoTargetPurgeIoAndWait or WdfIoTargetPurgeIo)", call, raw);
            return;
        }
        if (auto core = t->current()) core->purge(static_cast<PurgeIoAction>(raw));
    });
}

WDF_IO_TARGET_STATE WdfIoTargetGetState(WDFIOTARGET IoTarget) {
    constexpr const char* call = "WdfIoTargetGetState";
    return guard_value(call, WdfIoTargetStateUndefined, [&] {
        auto t = HandleTable::find<TargetHandle>(IoTarget, call);
        if (!t) return WdfIoTargetStateUndefined;
        auto core = t->current();
        // Never opened: Closed, not KMDF's misleading Started (spec §7.2).
        return core ? static_cast<WDF_IO_TARGET_STATE>(core->state()) : WdfIoTargetClosed;
    });
}
