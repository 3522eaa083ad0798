// WdfSpinLock* and WdfWaitLock* over the core's SpinLock and WaitLock.
#include "compat/boundary.hpp"
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
