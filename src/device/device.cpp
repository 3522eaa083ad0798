// Device: queues, the local target, the name registry, the pool of
// queue-delivered requests, and removal.
#include <wdfio/device.hpp>
#include <wdfio/engine.hpp>
#include <wdfio/log.hpp>

#include "core/object_create.hpp"
#include "core/recorder.hpp"
#include "core/request_access.hpp"
#include "device/delivered_access.hpp"
#include "device/device_target.hpp"
#include "engine/engine_core.hpp"

#include <algorithm>
#include <map>
#include <new>
#include <utility>

namespace wdfio {

namespace {
std::mutex g_registry_mutex;
std::map<std::string, Ref<Device>, std::less<>>& registry() {
    static std::map<std::string, Ref<Device>, std::less<>> devices;
    return devices;
}

// A link's forms, as Windows' object manager resolves them, to one key;
// empty if `name` is not a link.
std::string link_key(std::string_view name) {
    for (std::string_view prefix : {"\\DosDevices\\Global\\", "\\DosDevices\\", "\\GLOBAL??\\", "\\??\\", "\\\\.\\"})
        if (name.starts_with(prefix) && name.size() > prefix.size())
            return "\\??\\" + std::string(name.substr(prefix.size()));
    return {};
}

// The registry's key for `name`: a device name as is, a link canonical; empty if neither.
std::string registry_key(std::string_view name) {
    if (name.starts_with("\\Device\\") && name.size() > 8) return std::string(name);
    return link_key(name);
}

int dispatch_index(RequestType t) {
    switch (t) {
    case RequestType::Read: return 0;
    case RequestType::Write: return 1;
    case RequestType::DeviceControl: return 2;
    case RequestType::DeviceControlInternal: return 3;
    case RequestType::Other: return 4;
    default: return -1;
    }
}
}  // namespace

Device::Device(Engine& engine, Driver& driver, const DeviceOptions& options, Ref<IoTarget> lower)
    : engine_(engine),
      driver_(driver),
      name_(options.name),
      deferred_completion_(options.deferred_completion),
      stack_size_(1 + (lower ? lower->stack_size() : 0)),
      lower_(std::move(lower)),
      exclusive_(options.exclusive),
      forward_file_events_(options.forward_file_events),
      in_caller_context_(driver.wants_in_caller_context()) {}

Device::~Device() {
    while (Request* q = pool_) {
        pool_ = q->pool_next_;
        detail::DeliveredAccess::destroy_pooled(*q);
    }
}

Result<Ref<Device>> Device::make(Engine& engine, Driver& driver, const DeviceOptions& options, IoTarget* lower,
                                 const ObjectAttributes& attributes) {
    if (Status s = detail::check_attributes(&attributes, detail::ParentRule::NotAllowed); !s.ok()) return s;
    if (!options.name.empty() && !options.name.starts_with("\\Device\\")) {
        log(LogLevel::Warning, "device name '%s' must start with \\Device\\", options.name.c_str());
        return STATUS_OBJECT_NAME_INVALID;
    }
    if (lower && !lower->is_open()) return STATUS_INVALID_DEVICE_STATE;
    auto made = detail::make_object<Device>(&attributes, detail::ParentRule::NotAllowed, nullptr, [&](void* storage) {
        return new (storage) Device(engine, driver, options, Ref<IoTarget>(lower));
    });
    if (!made) return made;
    Ref<Device> device = std::move(made).value();
    Device* d = device.get();
    auto queue = d->create_queue(options.default_queue, &driver);
    if (!queue) return queue.status();
    for (auto& slot : d->dispatch_) slot = &*queue;
    // Complete before it can be found by name; the driver learns its device last.
    if (!options.name.empty()) {
        std::lock_guard lock(g_registry_mutex);
        if (!registry().emplace(options.name, device).second) return STATUS_OBJECT_NAME_COLLISION;
    }
    driver.device_ = d;
    return device;
}

Result<Ref<Device>> Device::create(Engine& engine, Driver& driver, const DeviceOptions& options) {
    return make(engine, driver, options, nullptr, {});
}

Result<Ref<Device>> Device::create_above(Engine& engine, Driver& driver, IoTarget& lower,
                                         const DeviceOptions& options) {
    return make(engine, driver, options, &lower, {});
}

Result<Ref<Device>> Device::create(Engine& engine, Driver& driver, const DeviceOptions& options,
                                   const ObjectAttributes& attributes) {
    return make(engine, driver, options, nullptr, attributes);
}

Result<Ref<Device>> Device::create_above(Engine& engine, Driver& driver, IoTarget& lower, const DeviceOptions& options,
                                         const ObjectAttributes& attributes) {
    return make(engine, driver, options, &lower, attributes);
}

Result<Ref<Queue>> Device::create_queue(QueueDispatch dispatch, Driver* handler) {
    return create_queue(dispatch, handler, {});
}

Result<Ref<Queue>> Device::create_queue(QueueDispatch dispatch, Driver* handler, const ObjectAttributes& attributes) {
    return make_queue(dispatch, kUnlimited, handler, attributes);
}

Result<Ref<Queue>> Device::create_parallel_queue(std::uint32_t presented_limit, Driver* handler,
                                                 const ObjectAttributes& attributes) {
    return make_queue(QueueDispatch::Parallel, presented_limit, handler, attributes);
}

Result<Ref<Queue>> Device::make_queue(QueueDispatch dispatch, std::uint32_t limit, Driver* handler,
                                      const ObjectAttributes& attributes) {
    if (Status s = detail::check_attributes(&attributes, detail::ParentRule::Allowed); !s.ok()) return s;
    if (attributes.parent && !detail::descends_from(*attributes.parent, *this)) {
        log(LogLevel::Error, "create_queue: a queue's parent must be its device or an object below it");
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    // The device is the default parent (spec §1.2).
    auto made = detail::make_object<Queue>(&attributes, detail::ParentRule::Allowed, this, [&](void* storage) {
        return new (storage) Queue(*this, dispatch, limit, handler ? handler : &driver_);
    });
    if (!made) return made;
    try {
        queues_.emplace_back(*made);
    } catch (...) {
        made->delete_object();
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return made;
}

Status Device::configure_dispatching(RequestType type, Queue& queue) {
    const int i = dispatch_index(type);
    if (i < 0 || &queue.device() != this) return STATUS_INVALID_PARAMETER;
    dispatch_[i] = &queue;
    return STATUS_SUCCESS;
}

Ref<Device> Device::find(std::string_view name) {
    const std::string key = registry_key(name);
    std::lock_guard lock(g_registry_mutex);
    auto it = registry().find(key);
    return it == registry().end() ? Ref<Device>() : it->second;
}

bool Device::is_device_name(std::string_view name) noexcept {
    try {
        return !registry_key(name).empty();
    } catch (const std::bad_alloc&) {
        return name.starts_with("\\Device\\");
    }
}

Status Device::add_name(std::string_view name) {
    std::string key = registry_key(name);
    if (key.empty()) {
        log(LogLevel::Warning, "device name '%.*s' must start with \\Device\\ (or be a link: \\DosDevices\\, \\??\\)",
            static_cast<int>(name.size()), name.data());
        return STATUS_OBJECT_NAME_INVALID;
    }
    std::lock_guard lock(g_registry_mutex);
    if (removed()) return STATUS_INVALID_DEVICE_STATE;  // remove() erases under this lock: none added after
    other_names_.reserve(other_names_.size() + 1);      // so that the push below cannot throw after the emplace
    if (!registry().emplace(key, Ref<Device>(this)).second) return STATUS_OBJECT_NAME_COLLISION;
    other_names_.push_back(std::move(key));
    return STATUS_SUCCESS;
}

bool Device::remove_name(std::string_view name) {
    const std::string key = registry_key(name);
    std::lock_guard lock(g_registry_mutex);
    auto it = std::find(other_names_.begin(), other_names_.end(), key);
    if (it == other_names_.end()) return false;
    registry().erase(key);
    other_names_.erase(it);
    return true;
}

Result<Ref<IoTarget>> Device::open_target() {
    if (removed()) return STATUS_INVALID_DEVICE_STATE;
    auto* t = new (std::nothrow) detail::DeviceTarget(engine_, Ref<Device>(this));
    if (!t) return STATUS_INSUFFICIENT_RESOURCES;
    return Ref<IoTarget>::adopt(t);
}

// ---------------------------------------------------------------- file objects

FileObject::FileObject(Ref<Device> device, std::string name) : device_(std::move(device)), name_(std::move(name)) {}
FileObject::~FileObject() = default;

Result<Ref<IoTarget>> Device::open_file(std::string_view file_name) {
    auto made = create_file(file_name);
    if (!made) return made.status();
    std::shared_ptr<FileObject> f = std::move(made).value();
    auto* t = new (std::nothrow) detail::DeviceTarget(engine_, Ref<Device>(this), f);
    if (!t) {
        cleanup_file(*f);
        close_file(*f);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return Ref<IoTarget>::adopt(t);
}

std::size_t Device::open_files() const {
    std::lock_guard lock(files_mutex_);
    return files_.size();
}

Result<std::shared_ptr<FileObject>> Device::create_file(std::string_view file_name) {
    if (removed()) return STATUS_INVALID_DEVICE_STATE;
    std::shared_ptr<FileObject> f;
    try {
        f = std::shared_ptr<FileObject>(new FileObject(Ref<Device>(this), std::string(file_name)));
        // Listed before the driver hears of it: an exclusive device's second
        // opener sees it even while the first one's create still runs.
        std::lock_guard lock(files_mutex_);
        if (exclusive_ && !files_.empty()) {
            log(LogLevel::Info, "%s: exclusive device already open; open refused with STATUS_ACCESS_DENIED",
                name_.c_str());
            return STATUS_ACCESS_DENIED;
        }
        files_.push_back(f);
    } catch (const std::bad_alloc&) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    auto unlist = [&] {
        std::lock_guard lock(files_mutex_);
        std::erase(files_, f);
    };
    std::unique_lock lock(f->mutex_);
    activity_begin();  // a driver callback: remove() waits for it
    Status s = driver_.on_file_create(*f);
    activity_done();
    if (s.ok() && forward_file_events_) {
        // A filter's create goes on down (R9.14): the device below makes its
        // own file object, and the open fails if that one does.
        auto* below = dynamic_cast<detail::DeviceTarget*>(lower_.get());
        if (below) {
            auto lower = below->device().create_file(file_name);
            if (lower) f->lower_ = std::move(lower).value();
            else s = lower.status();
        }
    }
    if (s.ok() && removed()) s = STATUS_INVALID_DEVICE_STATE;  // removal listed its opens before this one
    if (!s.ok()) {
        // A failed create: the file object goes without cleanup or close (R9.11).
        if (std::shared_ptr<FileObject> below = std::exchange(f->lower_, nullptr))
            below->device().close_file(*below);  // made below before this failed: it ends as opened
        f->phase_ = FileObject::Phase::Closed;
        activity_begin();
        driver_.on_file_release(*f);
        activity_done();
        lock.unlock();
        unlist();
        return s;
    }
    f->phase_ = FileObject::Phase::Open;
    return f;
}

void Device::cleanup_file(FileObject& f) {
    std::unique_lock lock(f.mutex_);
    if (f.phase_ != FileObject::Phase::Open) return;
    f.phase_ = FileObject::Phase::CleanedUp;
    activity_begin();
    driver_.on_file_cleanup(f);
    activity_done();
    // R9.12: the open's requests still waiting in a queue are cancelled; those
    // the driver holds are its own to finish.
    for (auto& q : queues_) q->cancel_waiting_of(f);
    lock.unlock();
    if (FileObject* below = f.lower()) below->device().cleanup_file(*below);
}

void Device::close_file(FileObject& f) {
    cleanup_file(f);  // a close without its cleanup (removal, a target dropped unclosed)
    std::shared_ptr<FileObject> lower;
    {
        std::unique_lock lock(f.mutex_);
        if (f.phase_ != FileObject::Phase::CleanedUp) return;
        f.phase_ = FileObject::Phase::Closed;
        activity_begin();
        driver_.on_file_close(f);
        driver_.on_file_release(f);
        activity_done();
        lower = f.lower_;
    }
    if (lower) lower->device().close_file(*lower);
    std::lock_guard lock(files_mutex_);
    std::erase_if(files_, [&f](const std::shared_ptr<FileObject>& p) { return p.get() == &f; });
}

void Device::remove() {
    if (removed_.exchange(true, std::memory_order_acq_rel)) return;
    {
        std::lock_guard lock(g_registry_mutex);
        if (!name_.empty()) registry().erase(name_);
        for (const auto& n : other_names_) registry().erase(n);
        other_names_.clear();
    }
    for (auto& q : queues_) q->purge();
    if (lower_) lower_->remove();  // the local target goes with the device (spec §7.1)
    // Then wait for callbacks still running and requests drivers still own,
    // so that the driver may free its state afterwards — unless we are inside
    // a callback or on the engine thread ourselves (it would wait for itself).
    if (!detail::DeliveredAccess::in_callback() && !engine_.on_engine_thread()) {
        for (auto n = active_.load(std::memory_order_seq_cst); n != 0; n = active_.load(std::memory_order_seq_cst))
            active_.wait(n, std::memory_order_seq_cst);
    }
    // Opens still open end with the device, after its I/O: the driver hears
    // their cleanup and close before it goes (its targets' later close finds them closed).
    close_files();
}

void Device::close_files() {
    std::vector<std::shared_ptr<FileObject>> open;
    {
        std::lock_guard lock(files_mutex_);
        open = files_;
    }
    for (auto& f : open) close_file(*f);
}

void Device::activity_done(std::uint32_t n) noexcept {
    if (active_.fetch_sub(n, std::memory_order_seq_cst) == n && removed_.load(std::memory_order_seq_cst))
        active_.notify_all();
}

}  // namespace wdfio

namespace wdfio::detail {

// ---------------------------------------------------------------- the glue

namespace {
// A device with deferred completion finishes the sender's request on the
// engine thread, with the result recorded before.
const OperationOps kDeferredOps{
    [](Operation& op, std::int64_t) noexcept { RequestAccess::lower_complete_recorded(RequestAccess::of(op)); },
    nullptr,
};
}  // namespace

// The queue-delivered request that stands for r at device d: the one r kept
// from its last dispatch if that was to d and nobody else holds it, else one
// from d's pool (or a new one). r keeps it in lower_; it holds d while out of
// the pool.
Request* DeliveredAccess::take_lower(Device& d, Request& r) {
    if (Request* kept = r.lower_) {
        if (DeliveredRequestImpl::of(*kept).device == &d && kept->ref_count() == 1) {
            kept->forget_format();  // what the driver formatted it with last time
            kept->routine_.reset();
            return kept;
        }
        r.lower_ = nullptr;
        kept->release();  // back to its own device's pool
    }
    Request* q;
    {
        std::lock_guard lock(d.pool_mutex_);
        q = d.pool_;
        if (q) d.pool_ = q->pool_next_;
    }
    if (q) {
        q->revive();
    } else {
        q = DeliveredRequestImpl::create(d);
        if (!q) return nullptr;
        try {
            std::lock_guard lock(d.pool_mutex_);
            d.made_.push_back(q);
        } catch (const std::bad_alloc&) {
            destroy_pooled(*q);
            return nullptr;
        }
    }
    d.add_ref();
    r.lower_ = q;
    return q;
}

// R5.39: the driver's before any queue, on the sending thread. The callback
// counts as the device's activity, so that removal waits for it, and so does
// a request the driver keeps past it until the driver completes it
// (DeliveredRequestImpl::caller_hold).
void DeliveredAccess::in_caller_context(Device& d, Request& q) {
    auto& self = DeliveredRequestImpl::of(q);
    q.owner_.store(Request::Owner::Driver, std::memory_order_release);
    const std::uint32_t tag = self.begin_caller_context();
    owned_begin(d);
    d.driver_.on_in_caller_context(d, static_cast<DeliveredRequest&>(q));
    if (!self.kept_after_callback(tag)) owned_done(d);  // kept: its completion gives the share back
}

void DeliveredAccess::dispatch(Device& d, Request& r) {
    // Refused here: off the target's list, then completed to the sender.
    auto refuse = [&r](Status status) {
        static_cast<DeviceTarget*>(RequestAccess::sent_target(r))->untrack(r);
        RequestAccess::lower_complete(r, status, 0);
    };
    const int i = dispatch_index(r.op_.type);
    if (d.removed() || i < 0) {
        refuse(d.removed() ? STATUS_INVALID_DEVICE_STATE : STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    Request* q = take_lower(d, r);
    if (!q) {
        refuse(STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    q->depth_ = static_cast<std::uint16_t>(std::min<std::uint32_t>(d.stack_size() - 1, Request::kAnyDepth - 1));
    DeliveredRequestImpl::of(*q).parent() = &r;  // r's formatted operation is this level's current location
    // The open it came through: the target's own, or the one the device above
    // made here for the open its request came through (R9.14).
    FileObject* file = static_cast<DeviceTarget*>(RequestAccess::sent_target(r))->file_object();
    if (!file)
        if (DeliveredRequest* above = DeliveredRequest::from(r); above && above->file_object())
            file = above->file_object()->lower();
    static_cast<DeliveredRequest*>(q)->file_object_ = file;
    DeliveredRequestImpl::of(*q).returned = false;
    q->owner_.store(Request::Owner::Queued, std::memory_order_relaxed);
    q->format_context_ = false;
    q->wdm_formatted_ = false;
    q->cancel_state_.store(Request::Cancelable::No, std::memory_order_relaxed);
    q->cancel_requested_.store(false, std::memory_order_relaxed);
    RequestAccess::op(*q).canceled.store(false, std::memory_order_relaxed);
    q->status_ = STATUS_SUCCESS;
    q->information_ = 0;
    r.child_.store(q, std::memory_order_seq_cst);  // where a cancel of r finds q
    if (RequestAccess::canceled(r)) q->cancel_requested_.store(true, std::memory_order_seq_cst);
    if (d.in_caller_context_) {
        in_caller_context(d, *q);
        return;
    }
    // Right after r's Start, on this thread (launch, or a stopped target's start): its time (recorder.cpp,
    // "Timestamps").
    d.dispatch_[i]->add(*q, Recorder::last_time_here());
}

Queue* DeliveredAccess::queue_for(Device& d, RequestType t) noexcept {
    const int i = dispatch_index(t);
    return i < 0 ? nullptr : d.dispatch_[i];
}

bool DeliveredAccess::holds_from(Device& d, const Queue& queue) noexcept {
    std::lock_guard lock(d.pool_mutex_);
    for (Request* q : d.made_)
        if (queue_of(*q) == &queue && owner(*q) == Owner::Driver) return true;
    return false;
}

std::vector<Ref<Request>> DeliveredAccess::held_from(Device& d, const Queue& queue) {
    std::vector<Ref<Request>> held;
    std::lock_guard lock(d.pool_mutex_);
    for (Request* q : d.made_)
        if (queue_of(*q) == &queue && owner(*q) == Owner::Driver) held.emplace_back(q);
    return held;
}

void DeliveredAccess::recycle(Request& done) noexcept {
    Device* dev = DeliveredRequestImpl::of(done).device;
    done.release_format();
    done.routine_.reset();
    DeliveredRequestImpl::of(done).stop.store(DeliveredRequestImpl::Stop::None, std::memory_order_relaxed);
    {
        std::lock_guard lock(dev->pool_mutex_);
        done.pool_next_ = dev->pool_;
        dev->pool_ = &done;
    }
    dev->release();  // the reference a request out of the pool holds
}

void DeliveredAccess::destroy_pooled(Request& q) {
    DeliveredRequestImpl::of(q).device = nullptr;  // this time the last reference deletes it
    q.revive();
    q.release();
}

bool DeliveredAccess::cancel_held(Request& q) {
    Request::Cancelable expected = Request::Cancelable::Yes;
    if (!q.cancel_state_.compare_exchange_strong(expected, Request::Cancelable::CallbackClaimed,
                                                 std::memory_order_acq_rel))
        return false;
    Queue* queue = queue_of(q);
    if (queue) queue->untrack_cancelable(q);
    // Claimed: only the callback completes it now, so q outlives a callback the queue's lock makes wait (R7.3).
    auto call = [&q] {
        DeliveredRequestImpl& held = DeliveredRequestImpl::of(q);
        held.cancel_callback(held, held.cancel_context);
    };
    if (queue && queue->callback_lock()) queue->run_callback_fn(call);
    else call();
    return true;
}

bool DeliveredAccess::cancel_child(Request& r) {
    Request* q = r.child_.load(std::memory_order_seq_cst);
    if (!q) return false;  // not dispatched yet: dispatch sees r's cancel flag
    q->cancel_requested_.store(true, std::memory_order_seq_cst);
    if (Queue* queue = queue_of(*q); queue && queue->remove_waiting(*q)) {
        queue->cancelled_while_waiting(*q);  // the queue owned it: cancelled there (KMDF queues do this)
        return true;
    }
    if (cancel_held(*q)) return true;
    if (q->is_outstanding()) return q->cancel_sent_request();  // sent further down: cancel there
    return false;
}

void DeliveredAccess::finish(Request& q, Status status, std::uint64_t information) {
    q.owner_.store(Request::Owner::Completed, std::memory_order_release);
    q.cancel_state_.store(Request::Cancelable::No, std::memory_order_release);
    Request& r = *DeliveredRequestImpl::of(q).parent();
    // q is done with: a cancel of r finds nothing below any more (q stays in r.lower_).
    r.child_.store(nullptr, std::memory_order_relaxed);
    auto* target = static_cast<DeviceTarget*>(RequestAccess::sent_target(r));
    Device* d = DeliveredRequestImpl::of(q).device;
    target->untrack(r);
    if (d->deferred_completion_) {
        // On the engine thread instead of here: no recursion when routines re-send.
        RequestAccess::record_result(r, status, information);
        Operation& op = RequestAccess::op(r);
        op.ops = &kDeferredOps;
        EngineAccess::core(d->engine()).complete_later(op, 0);
        return;
    }
    RequestAccess::lower_complete(r, status, information);
}

}  // namespace wdfio::detail
