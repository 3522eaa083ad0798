// TimerWheel: send timeouts in user space (design.md: not a linked timeout per
// request). 1 ms slots; an entry keeps its absolute deadline, so one slot can
// hold entries of later turns of the wheel. Arm and disarm are O(1) from any
// thread under one lock; the engine thread expires entries, and waits at most
// until the next slot while any entry is armed.
#pragma once
#include "engine/operation.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

namespace wdfio::detail {

class TimerWheel {
public:
    static constexpr std::int64_t kSlotNs = 1'000'000;
    static constexpr int kSlots = 1024;  // fits Operation::timer_slot (16 bits)

    struct Fired {
        Operation* op;  // carries the hold the wheel had on its owner
        std::uint32_t seq;
    };

    explicit TimerWheel(const OwnerOps& owner) noexcept : owner_(owner) {}
    static std::int64_t now_ns() noexcept;

    // Arms op for start `seq` (holding its owner: OwnerOps::retain), in
    // place of an earlier entry of op (then *replaced). true if the wheel was empty.
    bool arm(Operation& op, std::int64_t deadline_ns, std::uint32_t seq, bool* replaced = nullptr);
    // Removes op if it is still armed (and drops the wheel's hold): true if it was.
    bool disarm(Operation& op);
    // The earliest armed deadline, or -1 if none (engine thread, before it sleeps).
    std::int64_t next_deadline();
    // Engine thread: moves up to out.size() due entries into out; returns how many.
    std::size_t expire(std::int64_t now, std::array<Fired, 64>& out);
    bool empty() const noexcept { return armed_.load(std::memory_order_acquire) == 0; }

private:
    void unlink_locked(Operation& op) noexcept;

    const OwnerOps& owner_;
    std::mutex mutex_;
    std::array<Operation*, kSlots> slots_{};
    std::int64_t cursor_tick_ = 0;  // first tick not yet expired
    std::atomic<std::uint32_t> armed_{0};
};

}  // namespace wdfio::detail
