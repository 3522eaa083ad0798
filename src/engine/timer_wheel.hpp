// TimerWheel: send timeouts in user space (design.md: not a linked timeout per
// request). 1 ms slots; an entry keeps its absolute deadline, so one slot can
// hold entries of later turns of the wheel. Arm and disarm are O(1) from any
// thread under one lock; the engine thread expires entries, and waits at most
// until the next slot while any entry is armed.
#pragma once
#include <wdfio/request.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

namespace wdfio::detail {

class TimerWheel {
public:
    static constexpr std::int64_t kSlotNs = 1'000'000;
    static constexpr int kSlots = 1024;

    struct Fired {
        Request* request;  // carries the reference the wheel held
        std::uint32_t seq;
    };

    static std::int64_t now_ns() noexcept;

    // Arms r for send `seq` (takes a reference on r). true if the wheel was empty.
    bool arm(Request& r, std::int64_t deadline_ns, std::uint32_t seq);
    // Removes r if it is still armed (and drops the wheel's reference).
    void disarm(Request& r);
    // The earliest armed deadline, or -1 if none (engine thread, before it sleeps).
    std::int64_t next_deadline();
    // Engine thread: moves up to out.size() due entries into out; returns how many.
    std::size_t expire(std::int64_t now, std::array<Fired, 64>& out);
    bool empty() const noexcept { return armed_.load(std::memory_order_acquire) == 0; }

private:
    void unlink_locked(Request& r) noexcept;

    std::mutex mutex_;
    std::array<Request*, kSlots> slots_{};
    std::int64_t cursor_tick_ = 0;  // first tick not yet expired
    std::atomic<std::uint32_t> armed_{0};
};

}  // namespace wdfio::detail
