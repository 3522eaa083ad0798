#include "engine/timer_wheel.hpp"

#include <chrono>

namespace wdfio::detail {

std::int64_t TimerWheel::now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void TimerWheel::unlink_locked(Request& r) noexcept {
    if (r.timer_prev_) r.timer_prev_->timer_next_ = r.timer_next_;
    else slots_[static_cast<std::size_t>(r.timer_slot_)] = r.timer_next_;
    if (r.timer_next_) r.timer_next_->timer_prev_ = r.timer_prev_;
    r.timer_next_ = r.timer_prev_ = nullptr;
    r.timer_slot_ = -1;
    armed_.fetch_sub(1, std::memory_order_release);
}

bool TimerWheel::arm(Request& r, std::int64_t deadline_ns, std::uint32_t seq) {
    r.add_ref();
    std::lock_guard lock(mutex_);
    if (r.timer_slot_ >= 0) {  // an entry of an earlier send not yet expired
        unlink_locked(r);
        r.release();  // not the last: we just took one
    }
    if (armed_.load(std::memory_order_relaxed) == 0) cursor_tick_ = now_ns() / kSlotNs;
    const std::int64_t tick = std::max(deadline_ns / kSlotNs, cursor_tick_);
    const auto slot = static_cast<std::int32_t>(tick % kSlots);
    r.timer_deadline_ = deadline_ns;
    r.timer_seq_ = seq;
    r.timer_slot_ = slot;
    r.timer_prev_ = nullptr;
    r.timer_next_ = slots_[static_cast<std::size_t>(slot)];
    if (r.timer_next_) r.timer_next_->timer_prev_ = &r;
    slots_[static_cast<std::size_t>(slot)] = &r;
    return armed_.fetch_add(1, std::memory_order_acq_rel) == 0;
}

void TimerWheel::disarm(Request& r) {
    {
        std::lock_guard lock(mutex_);
        if (r.timer_slot_ < 0) return;  // expired already: the engine holds that reference
        unlink_locked(r);
    }
    r.release();
}

std::int64_t TimerWheel::next_deadline() {
    std::lock_guard lock(mutex_);
    if (armed_.load(std::memory_order_relaxed) == 0) return -1;
    std::int64_t best = INT64_MAX;  // a scan: only when the engine is about to sleep
    for (Request* head : slots_)
        for (Request* r = head; r; r = r->timer_next_) best = std::min(best, r->timer_deadline_);
    return best;
}

std::size_t TimerWheel::expire(std::int64_t now, std::array<Fired, 64>& out) {
    std::size_t n = 0;
    std::lock_guard lock(mutex_);
    const std::int64_t now_tick = now / kSlotNs;
    while (cursor_tick_ <= now_tick && armed_.load(std::memory_order_relaxed) > 0) {
        Request* r = slots_[static_cast<std::size_t>(cursor_tick_ % kSlots)];
        while (r) {
            Request* next = r->timer_next_;
            if (r->timer_deadline_ <= now) {
                if (n == out.size()) return n;  // the caller comes back for the rest
                out[n++] = {r, r->timer_seq_};
                unlink_locked(*r);
            }
            r = next;
        }
        if (cursor_tick_ == now_tick) break;  // entries due later in this slot stay
        ++cursor_tick_;
    }
    return n;
}

}  // namespace wdfio::detail
