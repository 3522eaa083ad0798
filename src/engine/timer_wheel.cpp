#include "engine/timer_wheel.hpp"

#include <chrono>

namespace wdfio::detail {

std::int64_t TimerWheel::now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void TimerWheel::unlink_locked(Operation& op) noexcept {
    if (op.timer_prev) op.timer_prev->timer_next = op.timer_next;
    else slots_[static_cast<std::size_t>(op.timer_slot)] = op.timer_next;
    if (op.timer_next) op.timer_next->timer_prev = op.timer_prev;
    op.timer_next = op.timer_prev = nullptr;
    op.timer_slot = -1;
    armed_.fetch_sub(1, std::memory_order_release);
}

bool TimerWheel::arm(Operation& op, std::int64_t deadline_ns, std::uint32_t seq, bool* replaced) {
    owner_.retain(op);
    std::lock_guard lock(mutex_);
    if (replaced) *replaced = op.timer_slot >= 0;
    if (op.timer_slot >= 0) {  // an entry of an earlier start not yet expired
        unlink_locked(op);
        owner_.release(op);  // not the last hold: we just took one
    }
    if (armed_.load(std::memory_order_relaxed) == 0) cursor_tick_ = now_ns() / kSlotNs;
    const std::int64_t tick = std::max(deadline_ns / kSlotNs, cursor_tick_);
    const auto slot = static_cast<std::int16_t>(tick % kSlots);
    op.timer_deadline = deadline_ns;
    op.timer_seq = seq;
    op.timer_slot = slot;
    op.timer_prev = nullptr;
    op.timer_next = slots_[static_cast<std::size_t>(slot)];
    if (op.timer_next) op.timer_next->timer_prev = &op;
    slots_[static_cast<std::size_t>(slot)] = &op;
    return armed_.fetch_add(1, std::memory_order_acq_rel) == 0;
}

bool TimerWheel::disarm(Operation& op) {
    {
        std::lock_guard lock(mutex_);
        if (op.timer_slot < 0) return false;  // expired already: the engine holds that hold
        unlink_locked(op);
    }
    owner_.release(op);
    return true;
}

std::int64_t TimerWheel::next_deadline() {
    std::lock_guard lock(mutex_);
    if (armed_.load(std::memory_order_relaxed) == 0) return -1;
    std::int64_t best = INT64_MAX;  // a scan: only when the engine is about to sleep
    for (Operation* head : slots_)
        for (Operation* o = head; o; o = o->timer_next) best = std::min(best, o->timer_deadline);
    return best;
}

std::size_t TimerWheel::expire(std::int64_t now, std::array<Fired, 64>& out) {
    std::size_t n = 0;
    std::lock_guard lock(mutex_);
    const std::int64_t now_tick = now / kSlotNs;
    while (cursor_tick_ <= now_tick && armed_.load(std::memory_order_relaxed) > 0) {
        Operation* o = slots_[static_cast<std::size_t>(cursor_tick_ % kSlots)];
        while (o) {
            Operation* next = o->timer_next;
            if (o->timer_deadline <= now) {
                if (n == out.size()) return n;  // the caller comes back for the rest
                out[n++] = {o, o->timer_seq};
                unlink_locked(*o);
            }
            o = next;
        }
        if (cursor_tick_ == now_tick) break;  // entries due later in this slot stay
        ++cursor_tick_;
    }
    return n;
}

}  // namespace wdfio::detail
