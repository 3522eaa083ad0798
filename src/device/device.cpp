// Device: queues, the local target, the name registry, the pool of
// queue-delivered requests, and removal.
#include <wdfio/device.hpp>
#include <wdfio/engine.hpp>
#include <wdfio/log.hpp>

#include "core/object_create.hpp"
#include "core/request_access.hpp"
#include "device/delivered_access.hpp"
#include "device/device_target.hpp"
#include "engine/engine_core.hpp"

#include <map>
#include <new>

namespace wdfio {

namespace {
std::mutex g_registry_mutex;
std::map<std::string, Ref<Device>, std::less<>>& registry() {
    static std::map<std::string, Ref<Device>, std::less<>> devices;
    return devices;
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
      lower_(std::move(lower)) {}

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
    if (Status s = detail::check_attributes(&attributes, detail::ParentRule::Allowed); !s.ok()) return s;
    if (attributes.parent && !detail::descends_from(*attributes.parent, *this)) {
        log(LogLevel::Error, "create_queue: a queue's parent must be its device or an object below it");
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    // The device is the default parent (spec §1.2).
    auto made = detail::make_object<Queue>(&attributes, detail::ParentRule::Allowed, this, [&](void* storage) {
        return new (storage) Queue(*this, dispatch, handler ? handler : &driver_);
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
    std::lock_guard lock(g_registry_mutex);
    auto it = registry().find(name);
    return it == registry().end() ? Ref<Device>() : it->second;
}

Result<Ref<IoTarget>> Device::open_target() {
    if (removed()) return STATUS_INVALID_DEVICE_STATE;
    auto* t = new (std::nothrow) detail::DeviceTarget(engine_, Ref<Device>(this));
    if (!t) return STATUS_INSUFFICIENT_RESOURCES;
    return Ref<IoTarget>::adopt(t);
}

void Device::remove() {
    if (removed_.exchange(true, std::memory_order_acq_rel)) return;
    if (!name_.empty()) {
        std::lock_guard lock(g_registry_mutex);
        registry().erase(name_);
    }
    for (auto& q : queues_) q->purge();
    if (lower_) lower_->remove();  // the local target goes with the device (spec §7.1)
    // Then wait for callbacks still running and requests drivers still own,
    // so that the driver may free its state afterwards — unless we are inside
    // a callback or on the engine thread ourselves (it would wait for itself).
    if (detail::DeliveredAccess::in_callback() || engine_.on_engine_thread()) return;
    for (auto n = active_.load(std::memory_order_seq_cst); n != 0; n = active_.load(std::memory_order_seq_cst))
        active_.wait(n, std::memory_order_seq_cst);
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
    d.dispatch_[i]->add(*q);
}

bool DeliveredAccess::holds_from(Device& d, const Queue& queue) noexcept {
    std::lock_guard lock(d.pool_mutex_);
    for (Request* q : d.made_)
        if (queue_of(*q) == &queue && owner(*q) == Owner::Driver) return true;
    return false;
}

void DeliveredAccess::recycle(Request& done) noexcept {
    Device* dev = DeliveredRequestImpl::of(done).device;
    done.release_format();
    done.routine_.reset();
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
    if (Queue* queue = queue_of(q)) queue->untrack_cancelable(q);
    DeliveredRequestImpl& held = DeliveredRequestImpl::of(q);
    held.cancel_callback(held, held.cancel_context);
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
