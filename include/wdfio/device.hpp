// In-process device stacks (KMDF WDFDEVICE): a Driver's callbacks behind
// queues, a device attached above a lower device (or any target), its
// default (local) target the next level down, optionally named so that
// IoTarget::open(engine, "\\Device\\Name") reaches it.
#pragma once
#include <wdfio/delivered_request.hpp>
#include <wdfio/detail/spin_lock.hpp>
#include <wdfio/file_object.hpp>
#include <wdfio/io_target.hpp>
#include <wdfio/object.hpp>
#include <wdfio/queue.hpp>
#include <wdfio/request.hpp>
#include <wdfio/result.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wdfio::detail {
class DeviceTarget;  // declared here, outside the ABI (hidden)
}  // namespace wdfio::detail

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Engine;
class Device;

// The I/O callbacks of a queue (EvtIoRead, EvtIoWrite, ...). Each receives a
// queue-delivered request the driver now owns: it completes it, forwards it,
// or formats and sends it down. Unhandled types go to on_default, which
// completes with STATUS_INVALID_DEVICE_REQUEST.
class Driver {
public:
    virtual ~Driver() = default;
    virtual void on_read(DeliveredRequest& r, std::size_t length) { on_default(r), (void)length; }
    virtual void on_write(DeliveredRequest& r, std::size_t length) { on_default(r), (void)length; }
    virtual void on_device_control(DeliveredRequest& r, std::size_t output_length, std::size_t input_length,
                                   std::uint32_t code) {
        on_default(r), (void)output_length, (void)input_length, (void)code;
    }
    // Internal ioctls, with buffers or with the three "others" arguments
    // (parameters().type says which).
    virtual void on_internal_device_control(DeliveredRequest& r, std::size_t output_length, std::size_t input_length,
                                            std::uint32_t code) {
        on_default(r), (void)output_length, (void)input_length, (void)code;
    }
    virtual void on_default(DeliveredRequest& r) { r.complete(STATUS_INVALID_DEVICE_REQUEST); }
    // A draining queue of this driver lost its last waiting request to a
    // cancel (not to the driver): if the driver holds nothing from it either,
    // the drain is done (spec R5.20).
    virtual void on_drained_by_cancel(Queue& queue) { (void)queue; }
    // A request the driver had handed back to a queue (requeued, forwarded)
    // was cancelled while waiting there (spec R5.30): with
    // wants_canceled_on_queue(), it is the driver's again and goes to
    // on_canceled_on_queue, which must complete it; else the queue completes
    // it with STATUS_CANCELLED.
    virtual bool wants_canceled_on_queue() const noexcept { return false; }
    virtual void on_canceled_on_queue(DeliveredRequest& r) { r.complete(STATUS_CANCELLED); }

    // Power-down and removal (spec R4.11-R4.13, R5.24-R5.26). With
    // wants_io_stop(), each request the driver holds from a queue being held
    // (Queue::hold) gets on_io_stop, unless a cancel was asked for it; the
    // driver answers with complete() or stop_acknowledge(), then or later,
    // and the hold waits for every answer. Without it the hold waits until
    // the driver has completed them all. Requests acknowledged without
    // requeue get on_io_resume when the queue is released.
    // In-caller-context (EvtIoInCallerContext, spec R5.39): with wants_in_caller_context()
    // (asked once, when the device is created, as KMDF reads it from its
    // WDFDEVICE_INIT), every request the device would queue goes to
    // on_in_caller_context on the sending thread, before any queue, the
    // driver owning it. There the driver completes it, or routes it to its
    // queue with DeliveredRequest::enqueue() (the default), or keeps it.
    virtual bool wants_in_caller_context() const noexcept { return false; }
    virtual void on_in_caller_context(Device& device, DeliveredRequest& r) { (void)device, (void)r.enqueue(); }

    virtual bool wants_io_stop() const noexcept { return false; }
    virtual void on_io_stop(Queue& queue, DeliveredRequest& r, StopAction action, bool cancelable) {
        (void)queue, (void)r, (void)action, (void)cancelable;
    }
    virtual void on_io_resume(Queue& queue, DeliveredRequest& r) { (void)queue, (void)r; }

    // File objects (driver spec §9.4), in the opener's or closer's thread. on_file_create
    // decides an open by name: a failure is what the open returns. Every
    // on_file_create is followed by one on_file_release (the file object is
    // gone); a successful one, by on_file_cleanup and on_file_close before it.
    // At cleanup the open's requests still waiting in the device's queues are
    // cancelled after on_file_cleanup returns; the close comes once every
    // request sent through the open has finished.
    virtual Status on_file_create(FileObject& f) { return (void)f, Status(STATUS_SUCCESS); }
    virtual void on_file_cleanup(FileObject& f) { (void)f; }
    virtual void on_file_close(FileObject& f) { (void)f; }
    virtual void on_file_release(FileObject& f) { (void)f; }

    Device& device() const noexcept { return *device_; }

private:
    friend class Device;
    Device* device_ = nullptr;
};

struct DeviceOptions {
    std::string name;  // "\\Device\\Name" to be openable by name; empty: anonymous
    QueueDispatch default_queue = QueueDispatch::Parallel;
    // Complete the sender's request on the engine thread rather than inline in
    // the completing thread: no deep recursion when routines re-send.
    bool deferred_completion = false;
    // One open by name at a time: another → STATUS_ACCESS_DENIED (spec R3.4).
    bool exclusive = false;
    // Opens by name, and their cleanup and close, go on to the device below
    // too (a filter's AutoForwardCleanupClose, spec R9.14): requests passed
    // down unchanged carry the lower device's file object there.
    bool forward_file_events = false;
};

class Device final : public Object {
public:
    // A device at the bottom of a stack, or attached above `lower` (another
    // device's open_target(), or any other target: a file, a block device ...;
    // the device takes it over and removes it when it is removed). `driver`
    // must outlive the device. A name not starting "\Device\" →
    // STATUS_OBJECT_NAME_INVALID; a name in use → STATUS_OBJECT_NAME_COLLISION.
    // A named device stays registered (and alive) until remove().
    static Result<Ref<Device>> create(Engine& engine, Driver& driver, const DeviceOptions& options = {});
    static Result<Ref<Device>> create_above(Engine& engine, Driver& driver, IoTarget& lower,
                                            const DeviceOptions& options = {});
    // With attributes (object.hpp): callbacks and a context; a device takes no
    // parent (STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED). Deleting it removes it.
    static Result<Ref<Device>> create(Engine& engine, Driver& driver, const DeviceOptions& options,
                                      const ObjectAttributes& attributes);
    static Result<Ref<Device>> create_above(Engine& engine, Driver& driver, IoTarget& lower,
                                            const DeviceOptions& options, const ObjectAttributes& attributes);

    Engine& engine() const noexcept { return engine_; }
    const std::string& name() const noexcept { return name_; }
    std::uint32_t stack_size() const noexcept { return stack_size_; }
    bool removed() const noexcept { return removed_.load(std::memory_order_acquire); }

    // A new target whose lower side is this device: what a device attached
    // above uses as its local target. No file object: not an open by name.
    Result<Ref<IoTarget>> open_target();
    // An open by name (what IoTarget::open returns for "\\Device\\Name"): a
    // target with its own FileObject, made and decided by the driver's
    // on_file_create. `file_name` is what followed the device's name.
    // Removed → STATUS_INVALID_DEVICE_STATE; exclusive and open → STATUS_ACCESS_DENIED.
    Result<Ref<IoTarget>> open_file(std::string_view file_name = {});
    // Opens by name not closed yet.
    std::size_t open_files() const;
    // Ends every open still open, as if its target were closed now (cleanup,
    // close; without waiting for its I/O): what removal does, and what a host
    // does before it takes a device down under open handles.
    void close_files();
    // The next level down (WdfDeviceGetIoTarget); null at the bottom of a stack.
    IoTarget* default_target() const noexcept { return lower_.get(); }

    Queue& default_queue() const noexcept { return *queues_.front(); }
    // Another queue; `handler` defaults to the device's driver. Its parent is
    // the device unless the attributes name another object below the device
    // (one that is not → STATUS_INVALID_DEVICE_REQUEST). The default queue,
    // and a queue given to configure_dispatching, cannot be deleted.
    Result<Ref<Queue>> create_queue(QueueDispatch dispatch, Driver* handler = nullptr);
    Result<Ref<Queue>> create_queue(QueueDispatch dispatch, Driver* handler, const ObjectAttributes& attributes);
    // A parallel queue that presents at most `presented_limit` requests the
    // driver still holds (not completed, forwarded or requeued; spec R5.9).
    // 0 presents none: requests wait. kUnlimited: create_queue's parallel queue.
    static constexpr std::uint32_t kUnlimited = UINT32_MAX;
    Result<Ref<Queue>> create_parallel_queue(std::uint32_t presented_limit, Driver* handler = nullptr,
                                             const ObjectAttributes& attributes = {});
    // Send requests of `type` to `queue` instead of the default queue.
    Status configure_dispatching(RequestType type, Queue& queue);

    // Device removal: the name goes, queues are purged, the local target is
    // removed (its sent requests cancelled and waited for), requests that
    // arrive later fail with STATUS_INVALID_DEVICE_STATE; then it waits until
    // no callback runs and drivers own no request (not when called from a
    // callback), so the driver may free its state after it returns.
    void remove();

    // Another name IoTarget::open finds this device by, until remove(): a
    // "\Device\" name (a device named late, as a KMDF control device is when
    // it finishes initializing), or a symbolic link — "\DosDevices\X",
    // "\DosDevices\Global\X", "\??\X" and "\GLOBAL??\X" are one name,
    // also opened as "\\.\X" (a Win32 client's form). Another form →
    // STATUS_OBJECT_NAME_INVALID; in use → STATUS_OBJECT_NAME_COLLISION; a
    // removed device → STATUS_INVALID_DEVICE_STATE.
    Status add_name(std::string_view name);
    // Drops a name add_name gave this device (a device interface disabled);
    // false if it has no such name.
    bool remove_name(std::string_view name);

    // Devices by name, for IoTarget::open. Null if none.
    static Ref<Device> find(std::string_view name);
    // Whether `name` is a form find() looks up (a device name or a link).
    static bool is_device_name(std::string_view name) noexcept;

private:
    friend class Queue;
    friend struct detail::DeliveredAccess;
    Device(Engine& engine, Driver& driver, const DeviceOptions& options, Ref<IoTarget> lower);
    ~Device() override;
    static Result<Ref<Device>> make(Engine& engine, Driver& driver, const DeviceOptions& options, IoTarget* lower,
                                    const ObjectAttributes& attributes);
    Result<Ref<Queue>> make_queue(QueueDispatch dispatch, std::uint32_t limit, Driver* handler,
                                  const ObjectAttributes& attributes);
    void on_delete() noexcept override { remove(); }
    // A file object's create, cleanup and close (each once; spec R9.11–R9.13).
    Result<std::shared_ptr<FileObject>> create_file(std::string_view file_name);
    void cleanup_file(FileObject& f);
    void close_file(FileObject& f);
    friend class detail::DeviceTarget;
    void activity_begin(std::uint32_t n = 1) noexcept { active_.fetch_add(n, std::memory_order_seq_cst); }
    void activity_done(std::uint32_t n = 1) noexcept;

    Engine& engine_;
    Driver& driver_;
    std::string name_;
    std::vector<std::string> other_names_;  // add_name's, canonical; guarded by the registry's lock
    bool deferred_completion_;
    std::uint32_t stack_size_;
    Ref<IoTarget> lower_;
    std::vector<Ref<Queue>> queues_;
    Queue* dispatch_[5] = {};  // by request type: read, write, ioctl, internal ioctl, others
    bool exclusive_;
    bool forward_file_events_;
    bool in_caller_context_;  // the driver's wants_in_caller_context(), asked once at create (KMDF: DeviceInit's)
    mutable std::mutex files_mutex_;
    std::vector<std::shared_ptr<FileObject>> files_;  // created and not closed
    std::atomic<bool> removed_{false};
    std::atomic<std::uint32_t> active_{0};  // callbacks running + requests owned by the driver

    // Pool of queue-delivered requests: none allocated per request once warm.
    detail::SpinLock pool_mutex_;
    Request* pool_ = nullptr;
    std::vector<Request*> made_;  // every delivered request made, pooled or not (a queue delete walks them)
};

}  // namespace wdfio
#pragma GCC visibility pop
