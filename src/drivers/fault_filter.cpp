// FaultFilter: seeded fault injection between a sender and a lower target.
#include <wdfio/fault_filter.hpp>

#include <algorithm>
#include <cmath>
#include <new>
#include <system_error>
#include <vector>

namespace wdfio {

namespace {
constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// splitmix64's output function over a state advanced by kGolden per draw.
std::uint64_t mix(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Now + d, saturating instead of overflowing for absurd delays.
std::chrono::steady_clock::time_point deadline_after(std::chrono::microseconds d) {
    using Clock = std::chrono::steady_clock;
    const auto now = Clock::now();
    const auto room = std::chrono::duration_cast<std::chrono::microseconds>(Clock::time_point::max() - now);
    if (d >= room) return Clock::time_point::max();
    return now + std::chrono::duration_cast<Clock::duration>(d);
}
}  // namespace

const char* to_string(FaultMode m) noexcept {
    switch (m) {
    case FaultMode::Fail: return "Fail";
    case FaultMode::Delay: return "Delay";
    case FaultMode::Short: return "Short";
    case FaultMode::NeverComplete: return "NeverComplete";
    }
    return "?";
}

Status FaultConfig::validate() const noexcept {
    if (!(share >= 0.0 && share <= 1.0)) return STATUS_INVALID_PARAMETER;  // NaN too
    if (!(short_fraction >= 0.0 && short_fraction < 1.0)) return STATUS_INVALID_PARAMETER;
    if (types & ~FaultTypes::all) return STATUS_INVALID_PARAMETER;  // a bit with no request type
    switch (mode) {
    case FaultMode::Fail: return status.ok() ? Status(STATUS_INVALID_PARAMETER) : Status(STATUS_SUCCESS);
    case FaultMode::Delay: return delay.count() > 0 ? Status(STATUS_SUCCESS) : Status(STATUS_INVALID_PARAMETER);
    case FaultMode::Short:
    case FaultMode::NeverComplete: return STATUS_SUCCESS;
    }
    return STATUS_INVALID_PARAMETER;
}

FaultFilter::FaultFilter(const FaultConfig& config) : config_(config), rng_(config.seed) {}

Result<std::unique_ptr<FaultFilter>> FaultFilter::create(Engine& engine, IoTarget& lower, const FaultConfig& config,
                                                         const DeviceOptions& options) {
    if (Status s = config.validate(); !s.ok()) return s;
    std::unique_ptr<FaultFilter> filter(new (std::nothrow) FaultFilter(config));
    if (!filter) return STATUS_INSUFFICIENT_RESOURCES;
    if (config.mode == FaultMode::Delay) {  // before the device: a failure here leaves lower alone
        try {
            filter->timer_ = std::thread([f = filter.get()] { f->timer_loop(); });
        } catch (const std::system_error&) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    auto device = Device::create_above(engine, *filter, lower, options);
    if (!device) return device.status();
    filter->device_ = device.value();
    return filter;
}

FaultFilter::~FaultFilter() {
    // Removal purges the queue: the cancel callbacks of the requests held
    // (and marked cancelable) complete them with STATUS_CANCELLED. The lower
    // target goes too, its sent requests cancelled and waited for.
    if (device_) device_->remove();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (timer_.joinable()) timer_.join();
    // What the purge did not reach (delayed ones waiting for their time, any
    // marked while it ran): completed here. A cancel callback running in
    // another thread finishes its own; wait until none is left.
    std::unique_lock lock(mutex_);
    timers_.clear();
    while (!held_.empty()) {
        std::vector<std::pair<DeliveredRequest*, std::uint64_t>> rest;
        rest.reserve(held_.size());
        for (auto& [r, h] : held_) rest.emplace_back(r, h.id);
        lock.unlock();
        for (auto& [r, id] : rest) release_held(r, id, STATUS_CANCELLED, 0);
        lock.lock();
        if (!held_.empty()) changed_.wait_for(lock, std::chrono::milliseconds(10));
    }
}

FaultCounters FaultFilter::counters() const noexcept {
    FaultCounters c;
    c.seen = counters_.seen.load(std::memory_order_relaxed);
    c.passed = counters_.passed.load(std::memory_order_relaxed);
    c.failed = counters_.failed.load(std::memory_order_relaxed);
    c.delayed = counters_.delayed.load(std::memory_order_relaxed);
    c.shortened = counters_.shortened.load(std::memory_order_relaxed);
    c.held = counters_.held.load(std::memory_order_relaxed);
    return c;
}

void FaultFilter::reset_counters() noexcept {
    for (auto* c : {&counters_.seen, &counters_.passed, &counters_.failed, &counters_.delayed, &counters_.shortened,
                    &counters_.held})
        c->store(0, std::memory_order_relaxed);
}

std::size_t FaultFilter::holding() const {
    std::lock_guard lock(mutex_);
    return held_.size();
}

void FaultFilter::on_read(DeliveredRequest& r, std::size_t) { handle(r); }
void FaultFilter::on_write(DeliveredRequest& r, std::size_t) { handle(r); }
void FaultFilter::on_device_control(DeliveredRequest& r, std::size_t, std::size_t, std::uint32_t) { handle(r); }
void FaultFilter::on_internal_device_control(DeliveredRequest& r, std::size_t, std::size_t, std::uint32_t) {
    handle(r);
}

// ---------------------------------------------------------------- decisions

bool FaultFilter::decide(RequestType type) noexcept {
    if (!(config_.types & FaultTypes::of(type))) return false;
    // One draw per matching request: the same seed and order, the same outcomes.
    const std::uint64_t x = mix(rng_.fetch_add(kGolden, std::memory_order_relaxed) + kGolden);
    const double u = static_cast<double>(x >> 11) * 0x1.0p-53;  // [0, 1)
    return u < config_.share;
}

void FaultFilter::handle(DeliveredRequest& r) {
    counters_.seen.fetch_add(1, std::memory_order_relaxed);
    const RequestType type = r.parameters().type;
    if (!decide(type)) {
        counters_.passed.fetch_add(1, std::memory_order_relaxed);
        pass_down(r);
        return;
    }
    switch (config_.mode) {
    case FaultMode::Fail:
        counters_.failed.fetch_add(1, std::memory_order_relaxed);
        r.complete_with_information(config_.status, 0);
        return;
    case FaultMode::Delay: {
        counters_.delayed.fetch_add(1, std::memory_order_relaxed);
        const Clock::time_point deadline = deadline_after(config_.delay);
        send_down(r, [this, deadline, &r](Request&, IoTarget&, const CompletionParams& p) {
            if (Clock::now() >= deadline) r.complete_with_information(p.status, p.information);
            else hold(r, true, deadline, p.status, p.information);
        });
        return;
    }
    case FaultMode::Short:
        if (type != RequestType::Read && type != RequestType::Write) {  // nothing to shorten
            counters_.passed.fetch_add(1, std::memory_order_relaxed);
            pass_down(r);
            return;
        }
        counters_.shortened.fetch_add(1, std::memory_order_relaxed);
        send_down(r, [this, &r](Request&, IoTarget&, const CompletionParams& p) {
            const auto n =
                static_cast<std::uint64_t>(std::floor(static_cast<double>(p.information) * config_.short_fraction));
            r.complete_with_information(p.status, std::min(n, p.information));
        });
        return;
    case FaultMode::NeverComplete:
        counters_.held.fetch_add(1, std::memory_order_relaxed);
        hold(r, false, {}, STATUS_CANCELLED, 0);
        return;
    }
}

void FaultFilter::pass_down(DeliveredRequest& r) {
    send_down(r, [&r](Request&, IoTarget&, const CompletionParams& p) {
        r.complete_with_information(p.status, p.information);
    });
}

void FaultFilter::send_down(DeliveredRequest& r, detail::CompletionRoutine routine) {
    r.format_using_current_type();
    r.set_completion(std::move(routine));
    IoTarget* lower = device().default_target();
    if (lower && r.send(*lower)) return;
    // Refused: the routine will not run; the sender learns why.
    const Status why = lower ? r.status() : Status(STATUS_INVALID_DEVICE_STATE);
    r.set_completion(detail::CompletionRoutine());
    r.complete_with_information(why, 0);
}

// ---------------------------------------------------------------- held requests

void FaultFilter::hold(DeliveredRequest& r, bool timed, Clock::time_point deadline, Status status,
                       std::uint64_t information) {
    std::uint64_t id;
    {
        std::lock_guard lock(mutex_);
        id = ++next_id_;
        held_[&r] = Held{Ref<DeliveredRequest>(&r), id};  // keeps the object from its pool while held
    }
    if (!r.mark_cancelable(&FaultFilter::cancel_held, this).ok()) {
        // Cancelled before it could be marked: ours to complete.
        Ref<DeliveredRequest> keep = forget_held(&r, id);
        r.complete_with_information(STATUS_CANCELLED, 0);
        return;
    }
    if (device().removed()) {
        // Removal may have purged the queue before the mark: do what the purge does.
        release_held(&r, id, STATUS_CANCELLED, 0);
        return;
    }
    if (!timed) return;
    {
        std::lock_guard lock(mutex_);
        const bool earliest = timers_.empty() || deadline < timers_.begin()->first;
        timers_.emplace(deadline, Timed{&r, id, status, information});
        if (!earliest) return;
    }
    changed_.notify_all();
}

Ref<DeliveredRequest> FaultFilter::forget_held(const DeliveredRequest* r, std::uint64_t id) {
    Ref<DeliveredRequest> keep;
    std::lock_guard lock(mutex_);
    auto it = held_.find(const_cast<DeliveredRequest*>(r));
    if (it == held_.end() || (id != 0 && it->second.id != id)) return keep;
    keep = std::move(it->second.request);
    held_.erase(it);
    if (held_.empty()) changed_.notify_all();
    return keep;  // released by the caller, outside the lock
}

// Completes a held request unless its cancel callback got it first. `r` is
// only compared until its entry is found: it may be a stale pointer.
void FaultFilter::release_held(DeliveredRequest* r, std::uint64_t id, Status status, std::uint64_t information) {
    Ref<DeliveredRequest> keep;
    {
        std::lock_guard lock(mutex_);
        auto it = held_.find(r);
        if (it == held_.end() || it->second.id != id) return;  // completed already
        keep = it->second.request;
    }
    if (!keep->unmark_cancelable().ok()) return;  // the cancel callback has it and completes it
    forget_held(r, id);
    keep->complete_with_information(status, information);
}

void FaultFilter::cancel_held(DeliveredRequest& r, void* context) {
    auto* self = static_cast<FaultFilter*>(context);
    r.complete_with_information(STATUS_CANCELLED, 0);
    // Forgotten after completing: until then the entry keeps the object from
    // being recycled, and the destructor waits for it.
    Ref<DeliveredRequest> keep = self->forget_held(&r);
}

void FaultFilter::timer_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (timers_.empty()) {
            changed_.wait(lock);
            continue;
        }
        auto it = timers_.begin();
        const auto now = Clock::now();
        if (now < it->first) {
            // Bounded waits: far deadlines (saturated ones) are re-checked.
            changed_.wait_until(lock, std::min(it->first, now + std::chrono::hours(1)));
            continue;
        }
        const Timed t = it->second;
        timers_.erase(it);
        lock.unlock();
        release_held(t.request, t.id, t.status, t.information);
        lock.lock();
    }
}

}  // namespace wdfio
