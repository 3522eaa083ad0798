// The C driver model: presentation to C callbacks, retirement, the queues'
// driver-held counts, and the device bridge's own requests.
#include "compat/driver_model.hpp"
#include "compat/device_interfaces.hpp"

#include "compat/boundary.hpp"
#include "compat/unicode.hpp"
#include "core/blocking.hpp"

#include <wdfio/verifier.hpp>

#include <utility>

namespace wdfio::compat {

namespace {
thread_local DriverHandle* t_current_driver = nullptr;

std::wstring to_wide(const std::string& s) {
    std::wstring out;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    for (std::size_t n = s.size(); n > 0;) out.push_back(static_cast<wchar_t>(next_utf8(p, n)));
    return out;
}
}  // namespace

CurrentDriver::CurrentDriver(DriverHandle* d) noexcept : outer_(std::exchange(t_current_driver, d)) {}
CurrentDriver::~CurrentDriver() { t_current_driver = outer_; }
DriverHandle* CurrentDriver::get() noexcept { return t_current_driver; }

DeviceBridge* bridge_of(DeviceHandle& h) noexcept { return dynamic_cast<DeviceBridge*>(h.driver()); }

// ---- QueueHandle: what the driver holds from a queue

void QueueHandle::owned_begin() noexcept {
    std::lock_guard lock(mutex);
    ++owned;
}

void QueueHandle::owned_done() noexcept {
    if (owned_drop()) went_idle();
}

bool QueueHandle::owned_drop() noexcept {
    std::lock_guard lock(mutex);
    return owned > 0 && --owned == 0;
}

void QueueHandle::went_idle() noexcept {
    IdleWait run[2];
    {
        std::lock_guard lock(mutex);
        if (owned != 0) return;  // presented another meanwhile: its completion comes back here
        // The queue's lock is taken inside this one, never the other way round (it calls nothing with it held).
        const bool empty = empty_wait.busy && queue->waiting() == 0;
        if (stop_wait.busy) run[0] = std::exchange(stop_wait, {});
        if (empty) run[1] = std::exchange(empty_wait, {});
        bool woke = false;
        for (IdleWait& w : run)
            if (w.done) *w.done = woke = true;
        if (woke) idle.notify_all();
    }
    CurrentDriver current(&bridge.driver());
    if (run[0].callback) run[0].callback(to_c<WDFQUEUE>(this), run[0].context);  // a Stop's: never locked (R7.3)
    if (!run[1].callback) return;
    CallbackLock* lock = queue->callback_lock();
    if (!lock) return run[1].callback(to_c<WDFQUEUE>(this), run[1].context);
    // A Purge's or Drain's: under the queue's lock, perhaps later, by its holder (R7.3, R5.13).
    lock->run_locked(
        [self = Ref<QueueHandle>(this), w = run[1]] {
            CurrentDriver current(&self->bridge.driver());
            w.callback(to_c<WDFQUEUE>(self.get()), w.context);
        },
        detail::may_block_here());
}

CallbackLock* QueueHandle::effective_lock() noexcept {
    return scope == WdfSynchronizationScopeDevice ? bridge.handle->callback_lock.get() : callback_lock.get();
}

bool QueueHandle::reserve(const char* call, WaitKind kind, PFN_WDF_IO_QUEUE_STATE callback, WDFCONTEXT context,
                          bool* done) {
    if (!callback && !done) return true;  // nothing to tell when it is done
    std::lock_guard lock(mutex);
    IdleWait& slot = kind == WaitKind::Stop ? stop_wait : empty_wait;
    if (slot.busy) {
        log(LogLevel::Error, "%s: a %s completion is outstanding on this queue already; wait for its callback first",
            call, kind == WaitKind::Stop ? "Stop" : "Purge or Drain");
        detail::verifier_violation(VerifierCheck::QueueFatalError, this, call);
        return false;
    }
    slot = {true, callback, context, done};
    return true;
}

void QueueHandle::on_handle_delete() noexcept {
    // A queue the driver may delete goes now (purged; spec R5.40's wait is not
    // there yet); the others go with the device's removal.
    if (queue && deletable()) queue->delete_object();
}

// ---- QueueBridge: which C callback gets which request (spec R5.4–R5.6)

bool QueueBridge::zero_length_done(DeliveredRequest& r, std::size_t length) {
    if (length != 0 || config_.AllowZeroLengthRequests) return false;
    r.complete_with_information(STATUS_SUCCESS, 0);
    return true;
}

void QueueBridge::on_read(DeliveredRequest& r, std::size_t length) {
    if (!config_.EvtIoRead) return on_default(r);
    if (!zero_length_done(r, length)) present(r, config_.EvtIoRead, length);
}

void QueueBridge::on_write(DeliveredRequest& r, std::size_t length) {
    if (!config_.EvtIoWrite) return on_default(r);
    if (!zero_length_done(r, length)) present(r, config_.EvtIoWrite, length);
}

void QueueBridge::on_device_control(DeliveredRequest& r, std::size_t out, std::size_t in, std::uint32_t code) {
    if (!config_.EvtIoDeviceControl) return on_default(r);
    present(r, config_.EvtIoDeviceControl, out, in, ULONG{code});
}

void QueueBridge::on_internal_device_control(DeliveredRequest& r, std::size_t out, std::size_t in, std::uint32_t code) {
    if (!config_.EvtIoInternalDeviceControl) return on_default(r);
    present(r, config_.EvtIoInternalDeviceControl, out, in, ULONG{code});
}

void QueueBridge::on_default(DeliveredRequest& r) {
    const IoOperation& op = r.parameters();
    const bool transfer = op.type == RequestType::Read || op.type == RequestType::Write;
    if (!config_.EvtIoDefault) {
        if (handle_->is_default && bridge_.init().filter) return bridge_.pass_down(r);  // R3.14
        r.complete(STATUS_INVALID_DEVICE_REQUEST);                                      // R5.5
        return;
    }
    if (transfer && zero_length_done(r, op.length)) return;
    present(r, config_.EvtIoDefault);
}

void QueueBridge::on_drained_by_cancel(Queue&) { handle_->went_idle(); }

void QueueBridge::on_canceled_on_queue(DeliveredRequest& r) { present(r, config_.EvtIoCanceledOnQueue); }

void QueueBridge::on_io_stop(Queue&, DeliveredRequest& r, StopAction action, bool cancelable) {
    RequestHandle* h = bridge_.handle_if_any(r);
    if (!h) return;  // not presented through C (cannot happen: every presentation makes one)
    ULONG flags = action == StopAction::Suspend ? WdfRequestStopActionSuspend : WdfRequestStopActionPurge;
    if (cancelable) flags |= WdfRequestStopRequestCancelable;
    CurrentDriver current(&bridge_.driver());
    config_.EvtIoStop(to_c<WDFQUEUE>(handle_), to_c<WDFREQUEST>(h), flags);
}

void QueueBridge::on_io_resume(Queue&, DeliveredRequest& r) {
    RequestHandle* h = bridge_.handle_if_any(r);
    if (!h || !config_.EvtIoResume) return;
    CurrentDriver current(&bridge_.driver());
    config_.EvtIoResume(to_c<WDFQUEUE>(handle_), to_c<WDFREQUEST>(h));
}

bool QueueBridge::power_managed() const noexcept {
    if (bridge_.init().control) return false;  // R3.22
    if (config_.PowerManaged == WdfUseDefault) return !bridge_.init().filter;
    return config_.PowerManaged == WdfTrue;
}

// ---- DeviceBridge

DeviceBridge::~DeviceBridge() {
    forget_device_interfaces(*this);
    if (device_ref) device_ref->remove();  // waits for callbacks: the handlers below are still there
    // Requests forwarded to a queue that the removal then cancelled: the core
    // completed them, the driver never saw them again.
    std::vector<RequestHandle*> left;
    {
        std::lock_guard lock(mutex);
        for (auto& entry : presented_) left.push_back(entry.second);
    }
    for (RequestHandle* h : left) {
        Ref<RequestHandle> keep(h);
        retire(*h);
    }
}

void DeviceBridge::on_default(DeliveredRequest& r) {
    // No C queue takes this type: a filter passes it down as it came, anyone
    // else fails it (spec R3.13).
    if (init_.filter) return pass_down(r);
    r.complete(STATUS_INVALID_DEVICE_REQUEST);
}

// R5.39: the driver's before any queue, on the sending thread, never under a
// scope's lock (R7.3). Its WDFREQUEST is the one a queue presents later.
void DeviceBridge::on_in_caller_context(Device&, DeliveredRequest& r) {
    RequestHandle* h = handle_of(r);
    if (!h) {
        log(LogLevel::Error, "%s: out of memory for EvtIoInCallerContext; completed with STATUS_INSUFFICIENT_RESOURCES",
            init_.name.empty() ? "device" : init_.name.c_str());
        r.complete(STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    h->found.store(false, std::memory_order_release);
    h->caller_context = this;
    CurrentDriver current(&driver());
    init_.in_caller_context(to_c<WDFDEVICE>(handle), to_c<WDFREQUEST>(h));
}

bool DeviceBridge::has_queue_for(RequestType type) {
    std::lock_guard lock(mutex);
    for (int i = 0; i < 4; ++i)
        if (kDispatchSlots[i] == type && configured[i]) return true;
    return default_queue != nullptr;
}

// ---- file objects (driver spec §9.4)

Status DeviceBridge::on_file_create(FileObject& f) {
    // KMDF's requestor mode: an open a driver made (from one of its callbacks on this thread) is KernelMode.
    f.opened_by_driver = CurrentDriver::get() != nullptr;
    const WDF_FILEOBJECT_CONFIG& config = init_.file_config;
    // Opened by name before WdfDeviceCreate finished (the name is registered
    // first): not ready yet, as a device still initializing refuses opens.
    if (!handle) return STATUS_DEVICE_NOT_READY;
    Ref<FileObjectHandle> fo;
    if (init_.has_file_config && raw_enum(config.FileObjectClass) != WdfFileObjectNotRequired) {
        fo = Ref<FileObjectHandle>::adopt(new (std::nothrow) FileObjectHandle(f, handle->value()));
        if (!fo) return STATUS_INSUFFICIENT_RESOURCES;
        try {
            fo->name = to_wide(f.name());
        } catch (const std::bad_alloc&) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        fo->file_name.Buffer = fo->name.data();
        fo->file_name.Length = static_cast<USHORT>(fo->name.size() * sizeof(WCHAR));
        fo->file_name.MaximumLength = fo->file_name.Length;
        const WDF_OBJECT_ATTRIBUTES* attributes = init_.has_file_attributes ? &init_.file_attributes : nullptr;
        if (Status s = HandleTable::publish(*fo, attributes, handle); !s.ok()) return s;
        fo->add_ref();  // fo's own: the one it adopted is C's now, which the handle's delete drops
        {
            std::lock_guard lock(mutex);
            try {
                files_.emplace(&f, fo);
            } catch (...) {
                fo->bridge_deletes.store(true, std::memory_order_release);
                HandleTable::remove(*fo);
                return STATUS_INSUFFICIENT_RESOURCES;
            }
        }
        f.driver_data = reinterpret_cast<void*>(fo->value());
    }
    if (!init_.has_file_config || !config.EvtDeviceFileCreate) return STATUS_SUCCESS;  // R9.11 (c)

    // R9.11 (b): the driver completes the open's request, now or later.
    auto core = wdfio::Request::create();
    if (!core) return core.status();
    auto request = Ref<RequestHandle>::adopt(new (std::nothrow) RequestHandle(std::move(core).value()));
    if (!request) return STATUS_INSUFFICIENT_RESOURCES;
    CreateWait wait;
    request->create = &wait;
    request->create_file = to_c<WDFFILEOBJECT>(fo.get());
    request->create_by_driver = f.opened_by_driver;
    const WDF_OBJECT_ATTRIBUTES* attributes = init_.has_request_attributes ? &init_.request_attributes : nullptr;
    if (Status s = HandleTable::publish(*request, attributes, nullptr); !s.ok()) return s;
    // C holds the one reference now: the completion deletes the handle, and
    // with it the request (it may do so inside the callback).
    RequestHandle* h = request.detach();
    {
        CurrentDriver current(&driver());
        WDFFILEOBJECT file = h->create_file;  // read before the call, which may free h
        config.EvtDeviceFileCreate(to_c<WDFDEVICE>(handle), to_c<WDFREQUEST>(h), file);
    }
    std::unique_lock lock(wait.mutex);
    wait.done_cv.wait(lock, [&] { return wait.done; });
    return wait.status;
}

void DeviceBridge::on_file_cleanup(FileObject& f) {
    if (!init_.has_file_config || !init_.file_config.EvtFileCleanup) return;
    CurrentDriver current(&driver());
    init_.file_config.EvtFileCleanup(file_object_of(&f));
}

void DeviceBridge::on_file_close(FileObject& f) {
    if (!init_.has_file_config || !init_.file_config.EvtFileClose) return;
    CurrentDriver current(&driver());
    init_.file_config.EvtFileClose(file_object_of(&f));
}

void DeviceBridge::on_file_release(FileObject& f) {
    Ref<FileObjectHandle> fo;
    {
        std::lock_guard lock(mutex);
        auto it = files_.find(&f);
        if (it == files_.end()) return;
        fo = std::move(it->second);
        files_.erase(it);
    }
    // R9.13: its cleanup and destroy callbacks run now.
    fo->bridge_deletes.store(true, std::memory_order_release);
    CurrentDriver current(&driver());
    HandleTable::remove(*fo);
}

void DeviceBridge::pass_down(DeliveredRequest& r) {
    IoTarget* lower = device().default_target();
    if (!lower) {  // a filter at the bottom of its stack: nothing below to pass to
        r.complete(STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    r.format_using_current_type();
    r.send(*lower, SendOptions::send_and_forget());  // a refusal completes it with the reason
}

QueueBridge* DeviceBridge::add_queue_handler(const WDF_IO_QUEUE_CONFIG& config) {
    auto handler = std::make_unique<QueueBridge>(*this, config);
    std::lock_guard lock(mutex);
    handlers_.push_back(std::move(handler));
    return handlers_.back().get();
}

RequestHandle* DeviceBridge::handle_of(DeliveredRequest& r) {
    {
        std::lock_guard lock(mutex);
        if (auto it = presented_.find(&r); it != presented_.end()) return it->second;  // presented or found before
    }
    auto made = Ref<RequestHandle>::adopt(new (std::nothrow) RequestHandle(Ref<Request>(&r)));
    if (!made) return nullptr;
    const WDF_OBJECT_ATTRIBUTES* attributes = init_.has_request_attributes ? &init_.request_attributes : nullptr;
    RequestHandle* h = nullptr;
    if (HandleTable::publish(*made, attributes, nullptr).ok()) {
        std::lock_guard lock(mutex);
        try {
            auto [it, inserted] = presented_.emplace(&r, made.get());
            h = inserted ? made.detach() : it->second;  // C holds the creation reference until retire()
        } catch (...) {
        }
    }
    if (made) {  // not ours to keep: out of memory, or another thread made r's handle first
        made->retired.store(true, std::memory_order_release);
        HandleTable::remove(*made);
    }
    return h;
}

RequestHandle* DeviceBridge::handle_if_any(const DeliveredRequest& r) {
    std::lock_guard lock(mutex);
    auto it = presented_.find(&r);
    return it == presented_.end() ? nullptr : it->second;
}

RequestHandle* DeviceBridge::present(DeliveredRequest& r, QueueHandle& queue) {
    RequestHandle* h = handle_of(r);
    if (!h) {
        log(LogLevel::Error, "%s: out of memory presenting a request; completed with STATUS_INSUFFICIENT_RESOURCES",
            init_.name.empty() ? "device" : init_.name.c_str());
        r.complete(STATUS_INSUFFICIENT_RESOURCES);
        return nullptr;
    }
    h->queue = Ref<Handle>(&queue);
    h->found.store(false, std::memory_order_release);  // the driver's now, however it was found before
    queue.owned_begin();
    return h;
}

RequestHandle* DeviceBridge::found(DeliveredRequest& r) {
    RequestHandle* h = handle_of(r);
    if (!h) return nullptr;
    h->found.store(true, std::memory_order_release);
    HandleTable::reference(*h);
    return h;
}

void DeviceBridge::retire(RequestHandle& h, bool counted) {
    if (h.retired.exchange(true, std::memory_order_acq_rel)) return;
    {
        std::lock_guard lock(mutex);
        presented_.erase(h.request.get());
    }
    Ref<Handle> queue = std::move(h.queue);
    HandleTable::remove(h);  // its children (retrieved WDFMEMORYs) with it; C's reference goes
    if (queue && !counted) static_cast<QueueHandle&>(*queue).owned_done();
}

}  // namespace wdfio::compat
