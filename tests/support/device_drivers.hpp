// The test drivers several device tests share: a bottom that answers with a
// pattern, a counting forwarding filter, and drivers that count, forward to
// a queue, or hold requests cancelable.
#pragma once
#include "support/test_util.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

namespace wdfio::test {

// STATUS_SUCCESS as a Status, to compare results with.
inline const Status kOk = STATUS_SUCCESS;

// Whether R has the calls a driver makes on a request it received.
template <class R>
constexpr bool kHasDriverCalls = requires(R& r, Queue& q) {
    r.complete(STATUS_SUCCESS);
    r.retrieve_input_buffer();
    r.retrieve_output_memory();
    r.mark_cancelable(nullptr);
    r.unmark_cancelable();
    r.forward_to_queue(q);
};

// A cancel callback's context: counts the calls.
struct CancelCounter {
    std::atomic<int> calls{0};
    // Completes the request it was called for with STATUS_CANCELLED.
    static void complete_cancelled(DeliveredRequest& r, void* ctx) {
        static_cast<CancelCounter*>(ctx)->calls.fetch_add(1);
        r.complete(STATUS_CANCELLED);
    }
    // Records the call only; whoever holds the request completes it later.
    static void note_only(DeliveredRequest&, void* ctx) { static_cast<CancelCounter*>(ctx)->calls.fetch_add(1); }
};

// A filter's forwarding: the arrived operation unchanged to `lower`, the
// original completed from the routine with the lower result.
inline void forward_down(DeliveredRequest& r, IoTarget& lower, std::atomic<int>* routines = nullptr) {
    r.format_using_current_type();
    r.set_completion([routines](DeliveredRequest& q, IoTarget&, const CompletionParams& p) {
        if (routines) routines->fetch_add(1);
        q.complete_with_information(p.status, p.information);
    });
    if (!r.send(lower)) r.complete(r.status());
}

// Bottom driver: reads are filled with pattern_byte(i, device offset),
// writes are kept, ioctls copy input to output. Everything completes inline.
class PatternBottom : public Driver {
public:
    std::atomic<int> reads{0}, writes{0}, ioctls{0};
    std::mutex mutex;
    std::vector<std::uint8_t> last_write;
    std::int64_t last_write_offset = -1;

    void on_read(DeliveredRequest& r, std::size_t length) override {
        reads.fetch_add(1);
        auto out = r.retrieve_output_buffer(length);
        if (!out) {
            r.complete(out.status());
            return;
        }
        const auto seed = static_cast<std::uint32_t>(r.parameters().device_offset);
        auto* p = reinterpret_cast<std::uint8_t*>(out->data());
        for (std::size_t i = 0; i < length; ++i) p[i] = pattern_byte(i, seed);
        r.complete_with_information(STATUS_SUCCESS, length);
    }
    void on_write(DeliveredRequest& r, std::size_t length) override {
        writes.fetch_add(1);
        auto in = r.retrieve_input_buffer(length);
        if (!in) {
            r.complete(in.status());
            return;
        }
        {
            std::lock_guard lock(mutex);
            auto* p = reinterpret_cast<const std::uint8_t*>(in->data());
            last_write.assign(p, p + length);
            last_write_offset = r.parameters().device_offset;
        }
        r.complete_with_information(STATUS_SUCCESS, length);
    }
    void on_device_control(DeliveredRequest& r, std::size_t out_len, std::size_t in_len, std::uint32_t) override {
        ioctls.fetch_add(1);
        auto in = r.retrieve_input_buffer(in_len);
        auto out = r.retrieve_output_buffer(in_len);
        if (!in || !out) {
            r.complete(!in ? in.status() : out.status());
            return;
        }
        std::memcpy(out->data(), in->data(), std::min(in_len, out_len));
        r.complete_with_information(STATUS_SUCCESS, std::min(in_len, out_len));
    }
};

// A filter that forwards every kind of request down unchanged, like the
// library's PassThroughFilter, and counts what it was given and how many of
// its completion routines ran (which the tests check at every level).
class ForwardFilter : public Driver {
public:
    std::atomic<int> presented{0}, routines{0};
    void on_read(DeliveredRequest& r, std::size_t) override { pass(r); }
    void on_write(DeliveredRequest& r, std::size_t) override { pass(r); }
    void on_device_control(DeliveredRequest& r, std::size_t, std::size_t, std::uint32_t) override { pass(r); }
    void on_internal_device_control(DeliveredRequest& r, std::size_t, std::size_t, std::uint32_t) override { pass(r); }

private:
    void pass(DeliveredRequest& r) {
        presented.fetch_add(1);
        forward_down(r, *device().default_target(), &routines);
    }
};

// Completes reads and writes at once, recording their device offsets in order.
class CountingDriver : public Driver {
public:
    std::atomic<int> presented{0};
    std::mutex mutex;
    std::vector<std::int64_t> order;
    void on_read(DeliveredRequest& r, std::size_t length) override {
        presented.fetch_add(1);
        {
            std::lock_guard lock(mutex);
            order.push_back(r.parameters().device_offset);
        }
        r.complete_with_information(STATUS_SUCCESS, length);
    }
    void on_write(DeliveredRequest& r, std::size_t length) override { on_read(r, length); }
};

// Reads go from the default queue to a manual queue; other devices' queues are refused.
class ForwardingDriver : public Driver {
public:
    Queue* manual = nullptr;
    Queue* foreign = nullptr;
    std::atomic<int> presented{0};
    Status foreign_status = STATUS_PENDING, forward_status = STATUS_PENDING;
    void on_read(DeliveredRequest& r, std::size_t) override {
        presented.fetch_add(1);
        if (foreign) foreign_status = r.forward_to_queue(*foreign);
        forward_status = r.forward_to_queue(*manual);
        if (!forward_status.ok()) r.complete(forward_status);
    }
};

// Holds reads cancelable; the cancel callback completes them.
class CancelableHolder : public Driver {
public:
    CancelCounter cancels;
    std::atomic<int> held{0};
    std::mutex mutex;
    std::vector<DeliveredRequest*> requests;
    Status mark_status = STATUS_PENDING;
    void on_read(DeliveredRequest& r, std::size_t) override {
        {
            std::lock_guard lock(mutex);
            requests.push_back(&r);
            mark_status = r.mark_cancelable(&CancelCounter::complete_cancelled, &cancels);
        }
        if (!mark_status.ok()) {
            r.complete(mark_status);
            return;
        }
        held.fetch_add(1);
    }
};

}  // namespace wdfio::test
