// WdfTimer*, WdfWorkItem* and WdfDpc* over the core's Timer and WorkItem: each
// needs a parent with a device above it, whose core device their core object
// is parented to (it gives them their engine).
#include "compat/boundary.hpp"
#include "compat/driver_model.hpp"
#include "compat/records.hpp"
#include "compat/sync_records.hpp"
#include "core/blocking.hpp"

#include <wdfio/verifier.hpp>

#include <cstddef>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

// Spec R1.2, before any other argument: attributes with a ParentObject.
Status check_parent_given(const char* call, const WDF_OBJECT_ATTRIBUTES* a) {
    if (!a || (a->Size == sizeof(WDF_OBJECT_ATTRIBUTES) && !a->ParentObject)) {
        log(LogLevel::Error, "%s: a ParentObject is required (the device, or an object under it)", call);
        return STATUS_WDF_PARENT_NOT_SPECIFIED;
    }
    return check_size(call, *a, "WDF_OBJECT_ATTRIBUTES", "WDF_OBJECT_ATTRIBUTES_INIT");
}

// The handle a core timer or work item made for C calls back into.
template <class H, class Core>
H& handle_of(Core& core) noexcept {
    return *core.template context<HandleLink<H>>()->handle;
}

// R7.4: the lock of the nearest queue or device at or above `at`, if its
// resolved scope is Queue or Device (`wanted`); else none, silently, as KMDF.
// Wanted and null: out of memory.
CallbackLock* serializing_lock(Ref<Handle> at, bool& wanted) {
    wanted = false;
    for (; at; at = Ref<Handle>::adopt(static_cast<Handle*>(at->parent_ref()))) {
        if (at->type == HandleType::Queue) {
            auto& q = static_cast<QueueHandle&>(*at);
            wanted = q.scope != WdfSynchronizationScopeNone;
            return wanted ? q.effective_lock() : nullptr;
        }
        if (at->type == HandleType::Device) {
            auto& d = static_cast<DeviceHandle&>(*at);
            wanted = d.scope != WdfSynchronizationScopeNone;
            return wanted ? d.callback_lock.get() : nullptr;
        }
    }
    return nullptr;
}

// A timer's, DPC's or work item's callback: under its serializing lock if it
// has one — later, by the lock's holder, where waiting is not allowed (the
// engine thread) or this thread holds it (R5.13's DPC). A stop, cancel or
// delete in between (which cannot wait for it) drops it: it was still due.
template <class C, class H>
void fire(H& h) {
    if (!h.serialize) return h.callback(to_c<C>(&h));
    h.serialize->run_locked(
        [self = Ref<H>(&h), epoch = h.epoch.load()] {
            if (self->epoch.load() == epoch) self->callback(to_c<C>(self.get()));
        },
        detail::may_block_here());
}

// What timers and work items share after their config is checked: the
// attributes, the device above the parent, the core object under that
// device (made by `make(ObjectAttributes)`), the handle.
template <class H, class C, class Make>
Status create_deferred(const char* call, const WDF_OBJECT_ATTRIBUTES* attributes, AttributeRules rules,
                       typename std::remove_const_t<decltype(H::callback)> callback, bool serialized, C* out,
                       Make&& make) {
    Ref<Handle> parent;
    if (Status s = HandleTable::check_attributes(call, attributes, parent, rules); !s.ok()) return s;
    Ref<DeviceHandle> device = device_above(parent);
    if (!device) {
        log(LogLevel::Error, "%s: the ParentObject must be a device or an object under one", call);
        return STATUS_INVALID_DEVICE_REQUEST;  // R8.3
    }
    auto h = Ref<H>::adopt(new H(callback));
    if (serialized) {
        bool wanted = false;
        h->serialize = Ref<CallbackLock>(serializing_lock(parent, wanted));
        if (wanted && !h->serialize) return STATUS_INSUFFICIENT_RESOURCES;
    }
    const Status made = device->with_device([&](Device& d, FaultFilter*) -> Status {
        ObjectAttributes core;
        core.parent = &d;
        core.with_context<HandleLink<H>>();
        auto object = make(core);
        if (!object) return object.status();
        h->core = std::move(object).value();
        h->core->template context<HandleLink<H>>()->handle = h.get();
        return STATUS_SUCCESS;
    });
    if (!made.ok()) return made;
    if (Status s = HandleTable::publish(*h, attributes, parent.get()); !s.ok()) return s;
    *out = to_c<C>(h.detach());
    return STATUS_SUCCESS;
}

template <class H>
WDFOBJECT parent_of(const void* value, const char* call) {
    auto h = HandleTable::find<H>(value, call);
    if (!h) return nullptr;
    auto parent = Ref<Handle>::adopt(static_cast<Handle*>(h->parent_ref()));
    return to_c<WDFOBJECT>(parent.get());
}

// KMDF's earlier WDF_TIMER_CONFIG sizes (1.7: up to AutomaticSerialization; 1.11: without UseHighResolutionTimer).
constexpr std::size_t kTimerConfigV1_7 = offsetof(WDF_TIMER_CONFIG, TolerableDelay);
constexpr std::size_t kTimerConfigV1_11 = offsetof(WDF_TIMER_CONFIG, UseHighResolutionTimer);

}  // namespace

NTSTATUS WdfTimerCreate(PWDF_TIMER_CONFIG Config, PWDF_OBJECT_ATTRIBUTES Attributes, WDFTIMER* Timer) {
    constexpr const char* call = "WdfTimerCreate";
    return guard(call, [&]() -> Status {
        if (Timer) *Timer = nullptr;
        if (Status s = check_parent_given(call, Attributes); !s.ok()) return s;
        if (!Config) return required_null(call, "Config");
        if (!Timer) return required_null(call, "Timer");
        const std::size_t size = Config->Size;
        if (size != sizeof(WDF_TIMER_CONFIG) && size != kTimerConfigV1_11 && size != kTimerConfigV1_7) {
            log(LogLevel::Error, "%s: WDF_TIMER_CONFIG.Size is %zu, expected %zu (use WDF_TIMER_CONFIG_INIT)", call,
                size, sizeof(WDF_TIMER_CONFIG));
            return STATUS_INFO_LENGTH_MISMATCH;
        }
        const bool high_resolution = size == sizeof(WDF_TIMER_CONFIG) && Config->UseHighResolutionTimer;
        if (high_resolution && Config->TolerableDelay > 0) {
            log(LogLevel::Error, "%s: a high-resolution timer takes no TolerableDelay", call);
            return STATUS_INVALID_PARAMETER;
        }
        TimerConfig config;
        config.period_ms = Config->Period;
        // ExecutionLevel Passive: the callback on a worker (R8.2). wdfio has
        // no passive parent (devices and queues refuse the level), so with
        // AutomaticSerialization it cannot share a parent's lock (R7.6).
        config.passive = Attributes && raw_enum(Attributes->ExecutionLevel) == WdfExecutionLevelPassive;
        if (config.passive && Config->AutomaticSerialization) {
            log(LogLevel::Error,
                "%s: a passive timer cannot be serialized with its parent, which runs at dispatch level "
                "(set AutomaticSerialization FALSE and use a wait lock)",
                call);
            return STATUS_WDF_INCOMPATIBLE_EXECUTION_LEVEL;
        }
        config.callback = [](wdfio::Timer& t) { fire<WDFTIMER>(handle_of<TimerHandle>(t)); };
        if (!Config->EvtTimerFunc) {
            log(LogLevel::Error, "%s: EvtTimerFunc is NULL", call);
            return STATUS_INVALID_PARAMETER;
        }
        return create_deferred<TimerHandle>(call, Attributes, {.level = true, .scope = false, .passive = true},
                                            Config->EvtTimerFunc, Config->AutomaticSerialization != FALSE, Timer,
                                            [&](const ObjectAttributes& a) { return wdfio::Timer::create(config, a); });
    });
}

BOOLEAN WdfTimerStart(WDFTIMER Timer, LONGLONG DueTime) {
    constexpr const char* call = "WdfTimerStart";
    return guard_value(call, BOOLEAN{FALSE}, [&]() -> BOOLEAN {
        auto h = HandleTable::find<TimerHandle>(Timer, call);
        return h && h->core->start(DueTime) ? TRUE : FALSE;
    });
}

BOOLEAN WdfTimerStop(WDFTIMER Timer, BOOLEAN Wait) {
    constexpr const char* call = "WdfTimerStop";
    return guard_value(call, BOOLEAN{FALSE}, [&]() -> BOOLEAN {
        auto h = HandleTable::find<TimerHandle>(Timer, call);
        if (!h) return FALSE;
        h->epoch.fetch_add(1);  // a callback kept for the lock's holder goes too
        return h->core->stop(Wait != FALSE) ? TRUE : FALSE;
    });
}

WDFOBJECT WdfTimerGetParentObject(WDFTIMER Timer) {
    constexpr const char* call = "WdfTimerGetParentObject";
    return guard_value(call, WDFOBJECT{nullptr}, [&] { return parent_of<TimerHandle>(Timer, call); });
}

NTSTATUS WdfWorkItemCreate(PWDF_WORKITEM_CONFIG Config, PWDF_OBJECT_ATTRIBUTES Attributes, WDFWORKITEM* WorkItem) {
    constexpr const char* call = "WdfWorkItemCreate";
    return guard(call, [&]() -> Status {
        if (WorkItem) *WorkItem = nullptr;
        if (Status s = check_parent_given(call, Attributes); !s.ok()) return s;
        if (!Config) return required_null(call, "Config");
        if (!WorkItem) return required_null(call, "WorkItem");
        if (Status s = check_size(call, *Config, "WDF_WORKITEM_CONFIG", "WDF_WORKITEM_CONFIG_INIT"); !s.ok()) return s;
        if (!Config->EvtWorkItemFunc) {  // R8.8
            log(LogLevel::Error, "%s: EvtWorkItemFunc is NULL", call);
            return STATUS_INVALID_PARAMETER;
        }
        WorkItemConfig config;
        config.callback = [](wdfio::WorkItem& w) { fire<WDFWORKITEM>(handle_of<WorkItemHandle>(w)); };
        return create_deferred<WorkItemHandle>(
            call, Attributes, {}, Config->EvtWorkItemFunc, Config->AutomaticSerialization != FALSE, WorkItem,
            [&](const ObjectAttributes& a) { return wdfio::WorkItem::create(config, a); });
    });
}

VOID WdfWorkItemEnqueue(WDFWORKITEM WorkItem) {
    constexpr const char* call = "WdfWorkItemEnqueue";
    guard_void(call, [&] {
        if (auto h = HandleTable::find<WorkItemHandle>(WorkItem, call)) h->core->enqueue();
    });
}

VOID WdfWorkItemFlush(WDFWORKITEM WorkItem) {
    constexpr const char* call = "WdfWorkItemFlush";
    guard_void(call, [&] {
        if (auto h = HandleTable::find<WorkItemHandle>(WorkItem, call)) h->core->flush();
    });
}

WDFOBJECT WdfWorkItemGetParentObject(WDFWORKITEM WorkItem) {
    constexpr const char* call = "WdfWorkItemGetParentObject";
    return guard_value(call, WDFOBJECT{nullptr}, [&] { return parent_of<WorkItemHandle>(WorkItem, call); });
}

void DpcHandle::rundown() noexcept {
    if (!core) return;
    const bool queued = core->stop(false);
    core->delete_object();                     // waits for a running callback
    if (queued) callback(to_c<WDFDPC>(this));  // R8.14: deleting does not cancel
}

NTSTATUS WdfDpcCreate(PWDF_DPC_CONFIG Config, PWDF_OBJECT_ATTRIBUTES Attributes, WDFDPC* Dpc) {
    constexpr const char* call = "WdfDpcCreate";
    return guard(call, [&]() -> Status {
        if (Dpc) *Dpc = nullptr;
        if (Status s = check_parent_given(call, Attributes); !s.ok()) return s;
        if (!Config) return required_null(call, "Config");
        if (!Dpc) return required_null(call, "Dpc");
        if (Status s = check_size(call, *Config, "WDF_DPC_CONFIG", "WDF_DPC_CONFIG_INIT"); !s.ok()) return s;
        if (!Config->EvtDpcFunc) {
            log(LogLevel::Error, "%s: EvtDpcFunc is NULL", call);
            return STATUS_INVALID_PARAMETER;
        }
        TimerConfig config;
        config.callback = [](wdfio::Timer& t) { fire<WDFDPC>(handle_of<DpcHandle>(t)); };
        return create_deferred<DpcHandle>(call, Attributes, {}, Config->EvtDpcFunc,
                                          Config->AutomaticSerialization != FALSE, Dpc,
                                          [&](const ObjectAttributes& a) { return wdfio::Timer::create(config, a); });
    });
}

BOOLEAN WdfDpcEnqueue(WDFDPC Dpc) {
    constexpr const char* call = "WdfDpcEnqueue";
    return guard_value(call, BOOLEAN{FALSE}, [&]() -> BOOLEAN {
        auto h = HandleTable::find<DpcHandle>(Dpc, call);
        // A time already past (0) expires at once; a pending one stays queued once.
        return h && !h->core->start(0) ? TRUE : FALSE;
    });
}

BOOLEAN WdfDpcCancel(WDFDPC Dpc, BOOLEAN Wait) {
    constexpr const char* call = "WdfDpcCancel";
    return guard_value(call, BOOLEAN{FALSE}, [&]() -> BOOLEAN {
        auto h = HandleTable::find<DpcHandle>(Dpc, call);
        if (!h) return FALSE;
        h->epoch.fetch_add(1);  // a callback kept for the lock's holder goes too
        return h->core->stop(Wait != FALSE) ? TRUE : FALSE;
    });
}

WDFOBJECT WdfDpcGetParentObject(WDFDPC Dpc) {
    constexpr const char* call = "WdfDpcGetParentObject";
    return guard_value(call, WDFOBJECT{nullptr}, [&] { return parent_of<DpcHandle>(Dpc, call); });
}
