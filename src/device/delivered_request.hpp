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
    // In Driver::on_in_caller_context, where enqueue() may route it (sending thread only).
    bool in_caller_context = false;

private:
    DeliveredRequestImpl() noexcept = default;
    ~DeliveredRequestImpl() override = default;
    void last_reference_dropped() const noexcept override;
};

}  // namespace wdfio::detail
