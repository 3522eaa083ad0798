// FaultFilter: a built-in filter driver that injects faults into the requests
// passing through it. Attached above a lower target (another device's
// open_target(), a file, a block device ...), it passes each request down
// unchanged, except a seeded, repeatable share of the matching ones, which it
// fails, delays, completes short or never completes (until cancelled).
#pragma once
#include <wdfio/device.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Engine;

// Bits of FaultConfig::types: which request types faults may hit.
struct FaultTypes {
    static constexpr std::uint32_t read = 1u << 0;
    static constexpr std::uint32_t write = 1u << 1;
    static constexpr std::uint32_t device_control = 1u << 2;
    static constexpr std::uint32_t internal = 1u << 3;  // internal ioctls with buffers
    static constexpr std::uint32_t others = 1u << 4;    // internal ioctls with the three arguments
    static constexpr std::uint32_t all = read | write | device_control | internal | others;
    // The bit of a request type (0 for NoFormat).
    static constexpr std::uint32_t of(RequestType t) noexcept {
        switch (t) {
        case RequestType::Read: return read;
        case RequestType::Write: return write;
        case RequestType::DeviceControl: return device_control;
        case RequestType::DeviceControlInternal: return internal;
        case RequestType::Other: return others;
        default: return 0;
        }
    }
};

enum class FaultMode : std::uint8_t {
    Fail,          // complete with `status`, Information 0, without sending down
    Delay,         // pass down; complete no earlier than `delay` after arrival
    Short,         // pass down; complete reads and writes with floor(Information * short_fraction)
    NeverComplete  // hold it (cancelable) until cancelled or the filter is removed
};
const char* to_string(FaultMode m) noexcept;

struct FaultConfig {
    std::uint64_t seed = 1;
    double share = 0.0;                     // fraction 0..1 of matching requests affected
    std::uint32_t types = FaultTypes::all;  // bit mask over RequestType (FaultTypes)
    FaultMode mode = FaultMode::Fail;
    Status status = STATUS_IO_DEVICE_ERROR;  // Fail: a failure status
    std::chrono::microseconds delay{0};      // Delay: more than 0
    double short_fraction = 0.5;             // Short: in [0, 1)

    // STATUS_INVALID_PARAMETER if share is outside [0,1], short_fraction outside
    // [0,1), types has bits beyond FaultTypes::all, Fail has a success status,
    // Delay has no positive delay, or the mode is unknown.
    Status validate() const noexcept;
};

// What the filter did, since creation or the last reset_counters(). Every
// request seen is counted once more: passed (unaffected, or not a transfer in
// Short mode), failed, delayed, shortened or held.
struct FaultCounters {
    std::uint64_t seen = 0;
    std::uint64_t passed = 0;
    std::uint64_t failed = 0;
    std::uint64_t delayed = 0;
    std::uint64_t shortened = 0;
    std::uint64_t held = 0;
};

class FaultFilter final : public Driver {
public:
    // A filter device above `lower`, which the device takes over (removed with
    // it). Invalid config → STATUS_INVALID_PARAMETER (lower left alone); the
    // errors of Device::create_above otherwise.
    static Result<std::unique_ptr<FaultFilter>> create(Engine& engine, IoTarget& lower, const FaultConfig& config,
                                                       const DeviceOptions& options = {});
    // Removes the device (held requests complete with STATUS_CANCELLED, the
    // lower target is removed) and stops the delay timer.
    ~FaultFilter() override;

    const FaultConfig& config() const noexcept { return config_; }
    FaultCounters counters() const noexcept;
    void reset_counters() noexcept;
    // Requests held right now: never-completing ones, and delayed ones whose
    // lower completion waits for its time.
    std::size_t holding() const;

    void on_read(DeliveredRequest& r, std::size_t length) override;
    void on_write(DeliveredRequest& r, std::size_t length) override;
    void on_device_control(DeliveredRequest& r, std::size_t output_length, std::size_t input_length,
                           std::uint32_t code) override;
    void on_internal_device_control(DeliveredRequest& r, std::size_t output_length, std::size_t input_length,
                                    std::uint32_t code) override;

private:
    using Clock = std::chrono::steady_clock;
    explicit FaultFilter(const FaultConfig& config);

    bool decide(RequestType type) noexcept;  // one draw per matching request
    void handle(DeliveredRequest& r);
    void pass_down(DeliveredRequest& r);
    void send_down(DeliveredRequest& r, detail::CompletionRoutine routine);
    void hold(DeliveredRequest& r, bool timed, Clock::time_point deadline, Status status, std::uint64_t information);
    void release_held(DeliveredRequest* r, std::uint64_t id, Status status, std::uint64_t information);
    // Takes r's entry out of held_ (any id if id is 0); wakes the destructor when none is left.
    Ref<DeliveredRequest> forget_held(const DeliveredRequest* r, std::uint64_t id = 0);
    static void cancel_held(DeliveredRequest& r, void* context);
    void timer_loop();

    const FaultConfig config_;
    std::atomic<std::uint64_t> rng_;

    struct Counters {
        std::atomic<std::uint64_t> seen{0}, passed{0}, failed{0}, delayed{0}, shortened{0}, held{0};
    } counters_;

    // Held requests by address; `id` tells a request apart from a later one
    // reusing the same (pooled) object.
    struct Held {
        Ref<DeliveredRequest> request;
        std::uint64_t id = 0;
    };
    struct Timed {
        DeliveredRequest* request = nullptr;
        std::uint64_t id = 0;
        Status status;
        std::uint64_t information = 0;
    };
    mutable std::mutex mutex_;
    std::condition_variable changed_;  // timers_ gained an earlier entry, held_ emptied, stop
    std::unordered_map<DeliveredRequest*, Held> held_;
    std::multimap<Clock::time_point, Timed> timers_;  // deadline order; FIFO among equal deadlines
    std::uint64_t next_id_ = 0;
    bool stopping_ = false;
    std::thread timer_;  // Delay mode only

    Ref<Device> device_;
};

}  // namespace wdfio
#pragma GCC visibility pop
