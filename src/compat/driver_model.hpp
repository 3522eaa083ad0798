// The C driver model over the core's devices and queues: a WDFDRIVER and the
// WDFDEVICE_INIT its EvtDriverDeviceAdd fills in; a C device's core Driver
// (DeviceBridge), which owns the handler of each C queue (QueueBridge); and
// the presentation of a request to C — a RequestHandle made when a queue
// first presents the request, kept while it moves between the device's
// queues, and retired when the driver lets it go.
#pragma once
#include "compat/boundary.hpp"
#include "compat/records.hpp"

#include <wdfio/device.hpp>
#include <wdfio/queue.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace wdfio::compat {

struct DriverHandle final : Handle {
    static constexpr HandleType kType = HandleType::Driver;
    DriverHandle() noexcept : Handle(kType) {}

    std::string name;            // WdfioDriverLoad's DriverName
    std::wstring registry_path;  // NUL-terminated, for WdfDriverGetRegistryPath
    WDF_DRIVER_CONFIG config{};  // valid once created
    bool created = false;        // WdfDriverCreate ran (once per DriverObject): published
    // WdfDriverCreate's attributes' (R7.1): what its devices inherit.
    WDF_SYNCHRONIZATION_SCOPE scope = WdfSynchronizationScopeNone;

    // Its devices, oldest first (WdfioDriverUnload takes them down newest first).
    std::mutex mutex;
    std::vector<Ref<DeviceHandle>> devices;
};

// The driver whose callback this thread runs (WdfGetDriver), for the scope of one call into the driver.
class CurrentDriver {
public:
    explicit CurrentDriver(DriverHandle* d) noexcept;
    ~CurrentDriver();
    CurrentDriver(const CurrentDriver&) = delete;
    CurrentDriver& operator=(const CurrentDriver&) = delete;
    static DriverHandle* get() noexcept;

private:
    DriverHandle* outer_;
};

class DeviceBridge;
struct QueueHandle;

// The core handler of one C queue: each request to its C callback (spec R5.4–R5.6).
class QueueBridge final : public Driver {
public:
    QueueBridge(DeviceBridge& device, const WDF_IO_QUEUE_CONFIG& config) noexcept : bridge_(device), config_(config) {}
    void set_handle(QueueHandle* h) noexcept { handle_ = h; }
    void on_read(DeliveredRequest& r, std::size_t length) override;
    void on_write(DeliveredRequest& r, std::size_t length) override;
    void on_device_control(DeliveredRequest& r, std::size_t out, std::size_t in, std::uint32_t code) override;
    void on_internal_device_control(DeliveredRequest& r, std::size_t out, std::size_t in, std::uint32_t code) override;
    void on_default(DeliveredRequest& r) override;
    void on_drained_by_cancel(Queue& queue) override;
    bool wants_canceled_on_queue() const noexcept override { return config_.EvtIoCanceledOnQueue != nullptr; }
    void on_canceled_on_queue(DeliveredRequest& r) override;  // R5.30
    // R5.24-R5.26: EvtIoStop for each request the driver holds from a held queue, EvtIoResume after.
    bool wants_io_stop() const noexcept override { return config_.EvtIoStop != nullptr; }
    void on_io_stop(Queue& queue, DeliveredRequest& r, StopAction action, bool cancelable) override;
    void on_io_resume(Queue& queue, DeliveredRequest& r) override;
    // R5.2: whether a power transition of the device holds this queue.
    bool power_managed() const noexcept;

private:
    // R5.6: a zero-length read or write the queue does not allow, completed without the driver.
    bool zero_length_done(DeliveredRequest& r, std::size_t length);
    // r to the driver's `callback(queue, request, args...)`, with the driver current on this thread.
    template <class Callback, class... Args>
    void present(DeliveredRequest& r, Callback callback, Args... args);

    DeviceBridge& bridge_;
    const WDF_IO_QUEUE_CONFIG config_;
    QueueHandle* handle_ = nullptr;  // set before the queue can receive anything
};

struct QueueHandle final : Handle {
    static constexpr HandleType kType = HandleType::Queue;
    QueueHandle(DeviceBridge& b, QueueBridge& handler, bool is_default) noexcept
        : Handle(kType), bridge(b), handler(handler), is_default(is_default) {}

    DeviceBridge& bridge;
    QueueBridge& handler;  // owned by the bridge, which outlives the core queue
    const bool is_default;
    Ref<Queue> queue;                // set once, before publish
    bool dispatch_target = false;    // given to WdfDeviceConfigureRequestDispatching: not deletable (R1.18)
    LazyCallbackLock callback_lock;  // its own (R7.2): used with scope Queue or None
    // Resolved (R7.1): the queue's attributes, else the device's; None or Device or Queue.
    WDF_SYNCHRONIZATION_SCOPE scope = WdfSynchronizationScopeNone;
    // The lock of R7.11 and R7.3: the device's with scope Device, else its own. Null: out of memory.
    CallbackLock* effective_lock() noexcept;

    // Requests this queue presented that the driver still holds (WdfIoQueueGetState's
    // DriverRequests), and what waits for them to go: Stop/Purge/Drain callbacks and the Synchronously forms.
    std::mutex mutex;
    std::condition_variable idle;
    std::uint32_t owned = 0;

    // R5.22: one Stop-type and one Purge/Drain-type completion outstanding at a time.
    enum class WaitKind { Stop, Empty };  // Stop: nothing held; Empty (Purge, Drain): nothing held or waiting
    struct IdleWait {
        bool busy = false;
        PFN_WDF_IO_QUEUE_STATE callback = nullptr;
        WDFCONTEXT context = nullptr;
        bool* done = nullptr;  // a Synchronously form's flag, set under mutex
    };
    IdleWait stop_wait, empty_wait;

    void owned_begin() noexcept;
    void owned_done() noexcept;  // runs the waiting callbacks when it reaches 0
    // owned_done in two steps, for a caller that must drop the count before
    // the core completes the request (which may present the next one at once)
    // and run the callbacks after: owned_drop() says whether it reached 0, then went_idle().
    bool owned_drop() noexcept;
    void went_idle() noexcept;
    // A Stop/Purge/Drain call: reserves its completion (`callback`, or a wait
    // for a Synchronously form), does `act` to the core queue, then runs the
    // completion at once if its condition holds (R5.21), else leaves it to
    // went_idle(). A second completion of the same kind outstanding: a fatal
    // verifier error (R5.22), and nothing is done.
    template <class Act>
    void idle_call(const char* call, WaitKind kind, PFN_WDF_IO_QUEUE_STATE callback, WDFCONTEXT context, bool wait,
                   Act&& act) {
        bool done = false;
        if (!reserve(call, kind, callback, context, wait ? &done : nullptr)) return;
        act();
        went_idle();
        if (!wait) return;
        std::unique_lock lock(mutex);
        idle.wait(lock, [&] { return done; });
    }

private:
    bool deletable() const noexcept override { return unpublished() || (!is_default && !dispatch_target); }
    void on_handle_delete() noexcept override;
    bool reserve(const char* call, WaitKind kind, PFN_WDF_IO_QUEUE_STATE callback, WDFCONTEXT context, bool* done);
};

// R7.1: the scope attributes ask for, else the one inherited (attributes checked already).
inline WDF_SYNCHRONIZATION_SCOPE resolved_scope(const WDF_OBJECT_ATTRIBUTES* a, WDF_SYNCHRONIZATION_SCOPE inherited) {
    if (!a || raw_enum(a->SynchronizationScope) == WdfSynchronizationScopeInheritFromParent) return inherited;
    return a->SynchronizationScope;
}

// The core's dispatch slots a C driver configures (read, write, ioctl, internal ioctl).
inline constexpr RequestType kDispatchSlots[4] = {RequestType::Read, RequestType::Write, RequestType::DeviceControl,
                                                  RequestType::DeviceControlInternal};

// What EvtDriverDeviceAdd gets to fill in (spec §3.2) and WdfDeviceCreate uses up.
struct WDFDEVICE_INIT_DATA {
    Ref<DriverHandle> driver;
    Ref<DeviceHandle> lower;  // the device below, or none
    std::string name;
    bool filter = false;
    bool exclusive = false;
    WDF_DEVICE_IO_TYPE io_type = WdfDeviceIoBuffered;
    DEVICE_TYPE device_type = 0;
    WDF_PNPPOWER_EVENT_CALLBACKS pnp{};
    bool has_request_attributes = false;
    WDF_OBJECT_ATTRIBUTES request_attributes{};
    // WdfDeviceInitSetFileObjectConfig (driver spec §9.4); without it, class NotRequired.
    bool has_file_config = false;
    WDF_FILEOBJECT_CONFIG file_config{};
    bool has_file_attributes = false;
    WDF_OBJECT_ATTRIBUTES file_attributes{};  // scope and level taken out (file_scope)
    WDF_SYNCHRONIZATION_SCOPE file_scope = WdfSynchronizationScopeInheritFromParent;
    PFN_WDF_IO_IN_CALLER_CONTEXT in_caller_context = nullptr;  // R5.39
    Ref<DeviceHandle> created;                                 // what WdfDeviceCreate made from it
    // WdfControlDeviceInitAllocate's: a control device's, which the driver
    // owns (WdfDeviceInitFree; WdfDeviceCreate frees it when it succeeds).
    bool control = false;
};

}  // namespace wdfio::compat

// What PWDFDEVICE_INIT points to.
struct WDFDEVICE_INIT {
    wdfio::compat::WDFDEVICE_INIT_DATA data;
};

namespace wdfio::compat {

// A WDFFILEOBJECT: one open by name of a C device (spec R9.10). Made before
// EvtDeviceFileCreate, deleted after EvtFileClose (or a failed create) by the
// device bridge; the driver cannot delete it.
struct FileObjectHandle final : Handle {
    static constexpr HandleType kType = HandleType::FileObject;
    FileObjectHandle(FileObject& f, std::uintptr_t device) noexcept : Handle(kType), file(f), device(device) {}

    FileObject& file;             // the core's open; it outlives this handle's use by the bridge
    const std::uintptr_t device;  // the WDFDEVICE, its parent
    std::wstring name;            // what WdfFileObjectGetFileName points into
    UNICODE_STRING file_name{};
    std::atomic<bool> bridge_deletes{false};

private:
    bool deletable() const noexcept override { return bridge_deletes.load(std::memory_order_acquire); }
};

// The core Driver of a C device: types no C queue takes go down (a filter)
// or fail (spec R5.5); it owns the C queues' handlers and the presented requests.
class DeviceBridge final : public Driver {
public:
    explicit DeviceBridge(const WDFDEVICE_INIT_DATA& init) : init_(init) {}
    ~DeviceBridge() override;  // removes the device before its queues' handlers go

    void on_default(DeliveredRequest& r) override;
    bool wants_in_caller_context() const noexcept override { return init_.in_caller_context != nullptr; }
    void on_in_caller_context(Device& device, DeliveredRequest& r) override;
    // Whether a C queue takes requests of `type` (configured for it, or the default queue).
    bool has_queue_for(RequestType type);
    // The file-object callbacks (spec R9.9–R9.13) and the WDFFILEOBJECTs.
    Status on_file_create(FileObject& f) override;
    void on_file_cleanup(FileObject& f) override;
    void on_file_close(FileObject& f) override;
    void on_file_release(FileObject& f) override;

    const WDFDEVICE_INIT_DATA& init() const noexcept { return init_; }
    DriverHandle& driver() const noexcept { return *init_.driver; }
    DeviceHandle* handle = nullptr;     // the C device; set at create
    Ref<Device> device_ref;             // keeps the core device until this bridge removes it
    Ref<TargetHandle> lower_target;     // WdfDeviceGetIoTarget's handle
    bool self_managed_io_init = false;  // EvtDeviceSelfManagedIoInit was called (R4.9)
    // Power (spec §4.2): started (R4.1 done), and the Dx it is in (D0: working).
    // One transition at a time, as KMDF calls PnP/power callbacks one at a time.
    std::mutex power_mutex;
    bool started = false;                                   // under power_mutex
    WDF_POWER_DEVICE_STATE power_state = WdfPowerDeviceD0;  // under power_mutex
    // Power-managed queues present (R4.2): from the start's step 4 until a
    // power-down. Under `mutex`, with `queues`: a queue created while it is
    // false is created held (WdfIoQueueCreate), and WdfIoQueueGetState says PnpHeld.
    bool queues_powered = false;
    // A control device is openable once WdfControlFinishInitializing ran
    // (R3.23): its name and links are registered then. Under `mutex`.
    bool control_finished = false;
    std::vector<std::string> pending_links;
    // Whether a control device finished initializing: then its default
    // queue and dispatching are fixed (R3.23).
    bool control_fixed() {
        std::lock_guard lock(mutex);
        return init_.control && control_finished;
    }

    QueueBridge* add_queue_handler(const WDF_IO_QUEUE_CONFIG& config);
    // The C queue for each dispatch slot (read, write, ioctl, internal ioctl), and the default one.
    std::mutex mutex;
    Ref<QueueHandle> default_queue;
    bool configured[4] = {};  // set explicitly by WdfDeviceConfigureRequestDispatching
    std::vector<Ref<QueueHandle>> queues;

    // Presentation: the C handle of r (made on its first presentation), now owned by the driver
    // through `queue`; null when out of memory (r is then completed).
    RequestHandle* present(DeliveredRequest& r, QueueHandle& queue);
    // WdfIoQueueFindRequest: the C handle of r, which still waits in a queue
    // (made now if it has none), with a reference for the caller; not the
    // driver's, and not deletable until presented. Null when out of memory.
    RequestHandle* found(DeliveredRequest& r);
    // The handle of r, which the driver holds (null if it has none).
    RequestHandle* handle_if_any(const DeliveredRequest& r);
    // The driver let h go (completed, sent and forgotten): out of the map, its
    // queue's count (unless `counted`: the caller dropped it), deleted.
    void retire(RequestHandle& h, bool counted = false);
    // The driver lets a presented h go by `hand_off()` (a completion, a send
    // and forget), which returns whether the core took it. The queue's count
    // drops first, since the core may present the next request at once (a
    // sequential queue); refused, h stays the driver's.
    template <class HandOff>
    static bool let_go(RequestHandle& h, HandOff&& hand_off) {
        if (DeviceBridge* device = h.caller_context) {  // from EvtIoInCallerContext: counted by no queue
            if (!hand_off()) return false;
            device->retire(h, /*counted=*/true);
            return true;
        }
        Ref<Handle> queue = h.queue;
        auto& q = static_cast<QueueHandle&>(*queue);
        const bool idle = q.owned_drop();
        if (!hand_off()) {
            q.owned_begin();
            return false;
        }
        q.bridge.retire(h, /*counted=*/true);
        if (idle) q.went_idle();
        return true;
    }
    // R3.12–R3.14: a filter's request goes down unchanged, send-and-forget.
    void pass_down(DeliveredRequest& r);

private:
    // The handle of r, or a new one; null when out of memory (r untouched).
    RequestHandle* handle_of(DeliveredRequest& r);

    WDFDEVICE_INIT_DATA init_;
    std::vector<std::unique_ptr<QueueBridge>> handlers_;
    std::unordered_map<const Request*, RequestHandle*> presented_;        // under mutex
    std::unordered_map<const FileObject*, Ref<FileObjectHandle>> files_;  // under mutex
};

// The WDFFILEOBJECT of a core file object (the value the bridge kept in it), or NULL.
inline WDFFILEOBJECT file_object_of(const FileObject* f) noexcept {
    return f ? reinterpret_cast<WDFFILEOBJECT>(f->driver_data) : nullptr;
}
// WdfRequestGetParameters' answer for r (null: a driver-created request); p.Size is set.
void fill_parameters(const DeliveredRequest* r, WDF_REQUEST_PARAMETERS& p) noexcept;

// The bridge of a C device handle; null for a built-in driver's device.
DeviceBridge* bridge_of(DeviceHandle& h) noexcept;

template <class Callback, class... Args>
void QueueBridge::present(DeliveredRequest& r, Callback callback, Args... args) {
    RequestHandle* h = bridge_.present(r, *handle_);
    if (!h) return;  // out of memory: completed with STATUS_INSUFFICIENT_RESOURCES
    CurrentDriver current(&bridge_.driver());
    callback(to_c<WDFQUEUE>(handle_), to_c<WDFREQUEST>(h), args...);
}

}  // namespace wdfio::compat
