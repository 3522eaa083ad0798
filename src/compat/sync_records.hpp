// The handles of a driver's own synchronization and deferred work: locks,
// timers and work items. Each holds its core object; a timer or work item
// also its C callback, which the core object's callback reaches through a
// link in the core object's context.
#pragma once
#include "compat/handle.hpp"

#include <wdfio/spin_lock.hpp>
#include <wdfio/timer.hpp>
#include <wdfio/wait_lock.hpp>

#include <wdfio/work_item.hpp>
#include <atomic>
#include <cstdint>

namespace wdfio::compat {

template <class Core, HandleType Type>
struct LockHandle final : Handle {
    static constexpr HandleType kType = Type;
    explicit LockHandle(Ref<Core> l) noexcept : Handle(kType), lock(std::move(l)) {}
    const Ref<Core> lock;
};
using SpinLockHandle = LockHandle<SpinLock, HandleType::SpinLock>;
using WaitLockHandle = LockHandle<WaitLock, HandleType::WaitLock>;

// A timer, work item or DPC: the core object (set once, before publish) and
// the C callback. Deleting the handle deletes the core object before the
// handle's cleanup callback, which stops it and waits for a running callback
// (R8.7, R8.11), so the driver's cleanup never races its own callback and the
// core never calls back into a handle that is gone.
template <class Core, HandleType Type, class Callback>
struct DeferredHandle : Handle {
    static constexpr HandleType kType = Type;
    explicit DeferredHandle(Callback c) noexcept : Handle(kType), callback(c) {}
    const Callback callback;
    Ref<Core> core;
    // AutomaticSerialization's lock (R7.4): the nearest queue's or device's above, if its scope is Queue or Device.
    Ref<CallbackLock> serialize;
    // Moved on by a stop, a cancel and the delete: a callback kept for the
    // lock's holder (deferred_api.cpp, fire) that was due before runs no more.
    std::atomic<std::uint32_t> epoch{0};

protected:
    void rundown() noexcept override {
        epoch.fetch_add(1);
        if (core) core->delete_object();
    }
};
using TimerHandle = DeferredHandle<Timer, HandleType::Timer, PFN_WDF_TIMER>;
using WorkItemHandle = DeferredHandle<WorkItem, HandleType::WorkItem, PFN_WDF_WORKITEM>;

// A DPC is a core timer due at once (it runs on the engine thread, KMDF's
// DISPATCH_LEVEL). Unlike a timer's, its delete does not cancel (R8.14): one
// still queued runs, on the deleting thread, before the cleanup callback.
struct DpcHandle final : DeferredHandle<Timer, HandleType::Dpc, PFN_WDF_DPC> {
    using DeferredHandle::DeferredHandle;

private:
    void rundown() noexcept override;
};

// What a core timer or work item made for C carries in its context.
template <class H>
struct HandleLink {
    H* handle = nullptr;
};

}  // namespace wdfio::compat
