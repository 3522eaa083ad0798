// DeliveredRequestImpl: a queue-delivered request with the state only such a
// request has (where it waits, who sent it, its cancel callback). Devices
// make them and keep them in their pools; a driver-created request carries
// none of this.
#pragma once
#include <wdfio/delivered_request.hpp>
#include <wdfio/memory.hpp>
#include <wdfio/queue.hpp>
#include <wdfio/request.hpp>

#include <atomic>
#include <cstdint>

namespace wdfio::detail {

class DeliveredRequestImpl final : public DeliveredRequest {
public:
    // A new one, for device's pool (null when out of memory).
    static DeliveredRequestImpl* create(Device& device) noexcept;
    // The request one level up, whose next location this one's current is.
    Request*& parent() noexcept { return parent_; }
    // r is queue-delivered (r.kind()).
    static DeliveredRequestImpl& of(Request& r) noexcept { return static_cast<DeliveredRequestImpl&>(r); }
    static const DeliveredRequestImpl& of(const Request& r) noexcept {
        return static_cast<const DeliveredRequestImpl&>(r);
    }

    std::atomic<Queue*> queue{nullptr};   // where it waits or was presented
    Ref<Memory> input_view, output_view;  // retrieve_*_memory wrappers, re-pointed per delivery
    Device* device = nullptr;             // whose pool takes it back; null: deleted when released
    CancelCallback cancel_callback = nullptr;
    void* cancel_context = nullptr;
    // Handed back to a queue by the driver (requeued, forwarded): R5.30's
    // "presented before". Written by the driver's thread before the queue's lock publishes it.
    bool returned = false;
    // Where it stands with a queue's hold (Queue::hold, spec R5.24-R5.26):
    // None; Notified, an answer owed; Kept, acknowledged without requeue, to
    // be resumed. Rare: off the presentation path, reset when it leaves the driver.
    enum class Stop : std::uint8_t { None, Notified, Kept };
    std::atomic<Stop> stop{Stop::None};
    // EvtIoInCallerContext's share of the device's activity count, which
    // removal waits for (R5.39): taken when the callback starts and given back
    // when it ends — unless the driver kept the request past it (neither
    // enqueued nor completed); then when the driver completes it, as KMDF's
    // removal waits for every request its driver holds. Low two bits a
    // CallerHold, the rest the delivery's number: a callback that ends after
    // its request was completed and delivered again sees a newer number and
    // leaves the new delivery's share alone.
    enum CallerHold : std::uint32_t { kNoHold = 0, kInCallback = 1, kKept = 2 };
    std::atomic<std::uint32_t> caller_hold{0};
    // The callback starts: its delivery's number.
    std::uint32_t begin_caller_context() noexcept {
        const std::uint32_t tag = (caller_hold.load(std::memory_order_relaxed) & ~3u) + 4;
        caller_hold.store(tag | kInCallback, std::memory_order_release);
        return tag;
    }
    // In the callback, where enqueue() may route it.
    bool in_caller_context() const noexcept {
        return (caller_hold.load(std::memory_order_acquire) & 3u) == kInCallback;
    }
    // The callback of delivery `tag` ended: true if the driver kept the
    // request, which now carries the share.
    bool kept_after_callback(std::uint32_t tag) noexcept {
        std::uint32_t expected = tag | kInCallback;
        return caller_hold.compare_exchange_strong(expected, tag | kKept, std::memory_order_acq_rel);
    }
    // The driver lets it go (enqueued, completed): true if it carried the share.
    bool let_go_of_caller_hold() noexcept {
        std::uint32_t v = caller_hold.load(std::memory_order_acquire);
        while ((v & 3u) != kNoHold)
            if (caller_hold.compare_exchange_weak(v, v & ~3u, std::memory_order_acq_rel)) return (v & 3u) == kKept;
        return false;
    }

private:
    DeliveredRequestImpl() noexcept = default;
    ~DeliveredRequestImpl() override = default;
    void last_reference_dropped() const noexcept override;
};

}  // namespace wdfio::detail
