// WdfSpinLock* and WdfWaitLock* over the core's SpinLock and WaitLock.
#include "compat/boundary.hpp"
#include "compat/driver_model.hpp"
#include "compat/sync_records.hpp"

#include <wdfio/verifier.hpp>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

// The create both locks share: attributes (no level, no scope), the core
// lock, the handle.
template <class H, class Core, class C>
Status create_lock(const char* call, const WDF_OBJECT_ATTRIBUTES* attributes, C* out) {
    if (!out) return required_null(call, "the output handle pointer");
    *out = nullptr;
    Ref<Handle> parent;
    if (Status s = HandleTable::check_attributes(call, attributes, parent); !s.ok()) return s;
    auto made = Core::create();
    if (!made) return made.status();
    auto h = Ref<H>::adopt(new H(std::move(made).value()));
    if (Status s = HandleTable::publish(*h, attributes, parent.get()); !s.ok()) return s;
    *out = to_c<C>(h.detach());
    return STATUS_SUCCESS;
}

}  // namespace

NTSTATUS WdfSpinLockCreate(PWDF_OBJECT_ATTRIBUTES SpinLockAttributes, WDFSPINLOCK* SpinLock) {
    constexpr const char* call = "WdfSpinLockCreate";
    return guard(call,
                 [&] { return create_lock<SpinLockHandle, wdfio::SpinLock>(call, SpinLockAttributes, SpinLock); });
}

VOID WdfSpinLockAcquire(WDFSPINLOCK SpinLock) {
    constexpr const char* call = "WdfSpinLockAcquire";
    guard_void(call, [&] {
        if (auto h = HandleTable::find<SpinLockHandle>(SpinLock, call)) h->lock->lock();
    });
}

VOID WdfSpinLockRelease(WDFSPINLOCK SpinLock) {
    constexpr const char* call = "WdfSpinLockRelease";
    guard_void(call, [&] {
        if (auto h = HandleTable::find<SpinLockHandle>(SpinLock, call)) h->lock->unlock();
    });
}

NTSTATUS WdfWaitLockCreate(PWDF_OBJECT_ATTRIBUTES LockAttributes, WDFWAITLOCK* Lock) {
    constexpr const char* call = "WdfWaitLockCreate";
    return guard(call, [&] { return create_lock<WaitLockHandle, wdfio::WaitLock>(call, LockAttributes, Lock); });
}

NTSTATUS WdfWaitLockAcquire(WDFWAITLOCK Lock, PLONGLONG Timeout) {
    constexpr const char* call = "WdfWaitLockAcquire";
    return guard(call, [&]() -> Status {
        auto h = HandleTable::find<WaitLockHandle>(Lock, call);
        if (!h) return STATUS_INVALID_HANDLE;
        return Timeout ? h->lock->lock(*Timeout) : h->lock->lock();
    });
}

VOID WdfWaitLockRelease(WDFWAITLOCK Lock) {
    constexpr const char* call = "WdfWaitLockRelease";
    guard_void(call, [&] {
        if (auto h = HandleTable::find<WaitLockHandle>(Lock, call)) h->lock->unlock();
    });
}

namespace {
// The callback lock of a device or queue (R7.11): a queue's effective one
// (the device's with scope Device); any other kind: reported (KMDF's
// bugcheck 0xB), null.
CallbackLock* callback_lock_of(WDFOBJECT object, const char* call) {
    auto h = HandleTable::find_any(object, call);
    if (!h) return nullptr;
    CallbackLock* lock = nullptr;
    if (h->type == HandleType::Device) lock = static_cast<DeviceHandle&>(*h).callback_lock.get();
    else if (h->type == HandleType::Queue) lock = static_cast<QueueHandle&>(*h).effective_lock();
    else {
        log(LogLevel::Error, "%s: a %s has no lock to take (a WDFDEVICE or a WDFQUEUE has)", call, to_string(h->type));
        detail::verifier_violation(VerifierCheck::InvalidParameter, object, call);
    }
    return lock;
}
}  // namespace

VOID WdfObjectAcquireLock(WDFOBJECT Object) {
    constexpr const char* call = "WdfObjectAcquireLock";
    guard_void(call, [&] {
        if (CallbackLock* lock = callback_lock_of(Object, call)) lock->lock();
    });
}

VOID WdfObjectReleaseLock(WDFOBJECT Object) {
    constexpr const char* call = "WdfObjectReleaseLock";
    guard_void(call, [&] {
        if (CallbackLock* lock = callback_lock_of(Object, call)) lock->unlock();
    });
}
