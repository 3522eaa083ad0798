// The four kinds of handle: each holds the core object and only what the C
// API needs beyond it (the C completion routine, the WDFMEMORY handles a
// format used, the name a target was opened with, the driver of a device).
#pragma once
#include "compat/callback_lock.hpp"
#include "compat/handle.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

namespace wdfio::compat {

class DeviceBridge;

struct MemoryHandle final : Handle {
    static constexpr HandleType kType = HandleType::Memory;
    explicit MemoryHandle(Ref<Memory> m, bool from_list = false) noexcept
        : Handle(kType), memory(std::move(m)), from_lookaside(from_list) {}
    const Ref<Memory> memory;
    const bool from_lookaside;  // its buffer is a WDFLOOKASIDE's: not the driver's to re-point
};

// A remote target: closed (no core target) until WdfIoTargetOpen; each open
// makes a new core target, since a closed core target stays closed.
struct TargetHandle final : Handle {
    static constexpr HandleType kType = HandleType::IoTarget;
    TargetHandle() noexcept : Handle(kType) {}
    explicit TargetHandle(Ref<IoTarget> t) noexcept : Handle(kType), target(std::move(t)) {}

    Ref<IoTarget> current() const {
        std::lock_guard lock(mutex);
        return target;
    }

    mutable std::mutex mutex;
    Ref<IoTarget> target;  // null until opened
    bool opening = false;
    bool opened_by_name = false;  // what Reopen needs
    std::string name;
    OpenOptions options;
    std::atomic<bool> taken_over{false};  // a filter device above owns the core target now

private:
    void on_handle_delete() noexcept override {
        Ref<IoTarget> t = current();
        if (t && !taken_over.load()) t->remove();
    }
};

// EvtDeviceFileCreate's request: the opener waits on it until the driver
// completes the request (from the callback or later, from any thread).
struct CreateWait {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    NTSTATUS status = STATUS_SUCCESS;
};

struct RequestHandle final : Handle {
    static constexpr HandleType kType = HandleType::Request;
    explicit RequestHandle(Ref<Request> r) noexcept : Handle(kType), request(std::move(r)) {}

    const Ref<Request> request;
    // Written by the owner while the request is not outstanding; read by
    // the completion trampoline (the send orders the two).
    PFN_WDF_REQUEST_COMPLETION_ROUTINE routine = nullptr;
    WDFCONTEXT context = nullptr;
    Ref<TargetHandle> sent_to;               // the Target the routine is given
    Ref<MemoryHandle> formatted[3];          // the format's WDFMEMORY handles, for the completion params
    WDF_REQUEST_COMPLETION_PARAMS params{};  // what the routine's Params points to
    // A send the shim refused before reaching the core (bad options size, bad
    // target): what WdfRequestGetStatus reports until the next call that sets
    // a status. STATUS_SUCCESS: none.
    std::atomic<NTSTATUS> refusal{STATUS_SUCCESS};

    // A request a C queue presented (driver_model.hpp): the QueueHandle that
    // presented it last, and whether the driver has let it go (completed,
    // sent and forgotten); until then the driver may not delete it (R1.19).
    Ref<Handle> queue;
    std::atomic<bool> retired{false};
    PFN_WDF_REQUEST_CANCEL cancel_routine = nullptr;
    // EvtDeviceFileCreate's request (no queue): the opener's wait, which only
    // the completion that retires the handle may touch (it is gone after).
    CreateWait* create = nullptr;
    WDFFILEOBJECT create_file = nullptr;  // the one being created (NULL: class NotRequired)
    bool create_by_driver = false;        // the opener was a driver (WdfRequestGetRequestorMode)
    // Its handle was given out while it waits in a queue (WdfIoQueueFindRequest,
    // or requeued): queue is null until it is presented again (not the
    // driver's), and it is not deletable meanwhile.
    std::atomic<bool> found{false};
    // In EvtIoInCallerContext (R5.39): the driver's, from no queue yet; the
    // device it arrived at. Cleared when enqueued. Its owner's thread only.
    DeviceBridge* caller_context = nullptr;

    void forget_format() noexcept {
        for (auto& m : formatted) m = nullptr;
    }

private:
    bool deletable() const noexcept override {
        return unpublished() || (!queue && !create && !caller_context && !found.load(std::memory_order_acquire)) ||
               retired.load(std::memory_order_acquire);
    }
};

// A device made by the host API, with the driver it runs: a built-in one,
// or the bridge to a C driver's callbacks (driver_model.hpp).
struct DeviceHandle final : Handle {
    static constexpr HandleType kType = HandleType::Device;
    DeviceHandle(std::unique_ptr<Driver> d, FaultFilter* filter) noexcept
        : Handle(kType), driver_(std::move(d)), fault_filter_(filter) {}

    // Runs `f(Device&, FaultFilter*)` unless the device was deleted meanwhile
    // (then STATUS_INVALID_HANDLE): a call that found the handle just before
    // another thread deleted it never reaches a destroyed driver.
    template <class F>
    Status with_device(F&& f) {
        std::lock_guard lock(mutex_);
        if (!driver_) return STATUS_INVALID_HANDLE;
        return f(driver_->device(), fault_filter_);
    }
    // The driver, for a caller that holds a reference on this handle and
    // knows it was not deleted (a C driver's device, from its own callbacks).
    Driver* driver() noexcept {
        std::lock_guard lock(mutex_);
        return driver_.get();
    }

    // A C driver's device is the host's to remove, not the driver's (R1.18:
    // an FDO is not deletable); the host sets this before it removes one.
    bool made_by_driver = false;
    std::atomic<bool> host_removes{false};
    LazyCallbackLock callback_lock;  // WdfObjectAcquireLock's, and its queues' with scope Device (R7.2)
    // Resolved (R7.1): WdfDeviceCreate's attributes, else the driver's; None or Device or Queue.
    WDF_SYNCHRONIZATION_SCOPE scope = WdfSynchronizationScopeNone;

private:
    bool deletable() const noexcept override { return unpublished() || !made_by_driver || host_removes.load(); }
    void on_handle_delete() noexcept override {
        std::unique_ptr<Driver> gone;
        {
            std::lock_guard lock(mutex_);
            gone = std::move(driver_);
        }
        gone.reset();  // the drivers remove their device; not under the lock (it waits for I/O)
    }

    std::mutex mutex_;
    std::unique_ptr<Driver> driver_;   // null once deleted
    FaultFilter* const fault_filter_;  // the driver, when it is one
};

// The device `h` is or is under; null if none (objects that need a device
// above them: timers, work items, DPCs; paged lookaside lists compare them).
inline Ref<DeviceHandle> device_above(const Ref<Handle>& h) {
    for (Ref<Handle> at = h; at; at = Ref<Handle>::adopt(static_cast<Handle*>(at->parent_ref())))
        if (at->type == HandleType::Device) return Ref<DeviceHandle>(static_cast<DeviceHandle*>(at.get()));
    return nullptr;
}

}  // namespace wdfio::compat
