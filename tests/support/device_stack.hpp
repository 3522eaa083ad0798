// In-process device stacks for the device tests: a bottom driver under
// forwarding filters (Stack), the drivers several tests share, the fixture
// every device test uses, and helpers that send and check. Every device is
// removed at the end of its test, top first.
#pragma once
#include "support/completions.hpp"
#include "support/test_util.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace wdfio::test {

inline const Status kOk = STATUS_SUCCESS;
inline constexpr auto kRendezvous = std::chrono::seconds(10);  // bounded waits inside callbacks

// "\Device\DeviceStack_<suite>_<test>_<tag>_<n>": unique per test and call.
inline std::string unique_name(const char* tag) {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name() + "_" + tag + "_" +
                       std::to_string(counter.fetch_add(1));
    std::replace(name.begin(), name.end(), '/', '_');
    return "\\Device\\DeviceStack_" + name;
}

// A cancel callback's context: counts the calls.
struct CancelCounter {
    std::atomic<int> calls{0};
    // Completes the request it was called for with STATUS_CANCELLED.
    static void complete_cancelled(Request& r, void* ctx) {
        static_cast<CancelCounter*>(ctx)->calls.fetch_add(1);
        r.complete(STATUS_CANCELLED);
    }
    // Records the call only; whoever holds the request completes it later.
    static void note_only(Request&, void* ctx) { static_cast<CancelCounter*>(ctx)->calls.fetch_add(1); }
};

// A filter's forwarding: the arrived operation unchanged to `lower`, the
// original completed from the routine with the lower result.
inline void forward_down(Request& r, IoTarget& lower, std::atomic<int>* routines = nullptr) {
    r.format_using_current_type();
    r.set_completion([routines](Request& q, IoTarget&, const CompletionParams& p) {
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

    void on_read(Request& r, std::size_t length) override {
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
    void on_write(Request& r, std::size_t length) override {
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
    void on_device_control(Request& r, std::size_t out_len, std::size_t in_len, std::uint32_t) override {
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

// A filter that forwards every kind of request down unchanged.
class ForwardFilter : public Driver {
public:
    std::atomic<int> presented{0}, routines{0};
    void on_read(Request& r, std::size_t) override { pass(r); }
    void on_write(Request& r, std::size_t) override { pass(r); }
    void on_device_control(Request& r, std::size_t, std::size_t, std::uint32_t) override { pass(r); }
    void on_internal_device_control(Request& r, std::size_t, std::size_t, std::uint32_t) override { pass(r); }

private:
    void pass(Request& r) {
        presented.fetch_add(1);
        forward_down(r, *device().default_target(), &routines);
    }
};

// A bottom device under depth-1 ForwardFilters, and a target at the top (by
// name when the top is named). The bottom driver is the caller's and must
// outlive the stack. The destructor removes the devices, top first.
class Stack {
public:
    Stack(Engine& engine, Driver& bottom, int depth, DeviceOptions bottom_options = {}, std::string top_name = {}) {
        if (depth == 1) bottom_options.name = top_name;
        auto b = Device::create(engine, bottom, bottom_options);
        if (!b) {
            error = b.status();
            return;
        }
        devices.push_back(b.value());
        for (int level = 2; level <= depth; ++level) {
            filters.push_back(std::make_unique<ForwardFilter>());
            auto lower = devices.back()->open_target();
            if (!lower) {
                error = lower.status();
                return;
            }
            DeviceOptions options;
            if (level == depth) options.name = top_name;
            auto d = Device::create_above(engine, *filters.back(), *lower, options);
            if (!d) {
                error = d.status();
                return;
            }
            devices.push_back(d.value());
        }
        auto t = top_name.empty() ? devices.back()->open_target() : IoTarget::open(engine, top_name);
        if (!t) {
            error = t.status();
            return;
        }
        target = t.value();
        ok = true;
    }
    ~Stack() { remove(); }
    void remove() {
        for (auto it = devices.rbegin(); it != devices.rend(); ++it) (*it)->remove();
    }
    Device& top() const { return *devices.back(); }
    Device& bottom() const { return *devices.front(); }

    bool ok = false;
    Status error = STATUS_SUCCESS;
    std::vector<std::unique_ptr<ForwardFilter>> filters;  // destroyed after the devices
    std::vector<Ref<Device>> devices;                     // bottom first
    Ref<IoTarget> target;
};

class CountingDriver : public Driver {
public:
    std::atomic<int> presented{0};
    std::mutex mutex;
    std::vector<std::int64_t> order;
    void on_read(Request& r, std::size_t length) override {
        presented.fetch_add(1);
        {
            std::lock_guard lock(mutex);
            order.push_back(r.parameters().device_offset);
        }
        r.complete_with_information(STATUS_SUCCESS, length);
    }
    void on_write(Request& r, std::size_t length) override { on_read(r, length); }
};

// Reads go from the default queue to a manual queue; other devices' queues are refused.
class ForwardingDriver : public Driver {
public:
    Queue* manual = nullptr;
    Queue* foreign = nullptr;
    std::atomic<int> presented{0};
    Status foreign_status = STATUS_PENDING, forward_status = STATUS_PENDING;
    void on_read(Request& r, std::size_t) override {
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
    std::vector<Request*> requests;
    Status mark_status = STATUS_PENDING;
    void on_read(Request& r, std::size_t) override {
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

// Every test: report-mode verifier, and no violations unless it expects some.
class DeviceStackTest : public ::testing::Test {
protected:
    void SetUp() override {
        Verifier::set_mode(VerifierMode::Report);
        violations_at_start_ = Verifier::violations();
    }
    void TearDown() override {
        if (check_violations) {
            EXPECT_EQ(Verifier::violations() - violations_at_start_, expected_violations) << "verifier reports";
        }
    }
    std::uint64_t violations() const { return Verifier::violations() - violations_at_start_; }

    Engine engine;  // destroyed last
    std::uint64_t expected_violations = 0;
    bool check_violations = true;

private:
    std::uint64_t violations_at_start_ = 0;
};

// A request for `t`: read `buf` (window `win`) at `offset`, routine → `c`, sent.
inline Ref<Request> send_read(IoTarget& t, Completions& c, const Ref<Memory>& buf, std::int64_t offset = 0,
                       std::optional<MemoryOffset> win = {}, const SendOptions& options = {}) {
    auto r = Request::create(t).value();
    EXPECT_EQ(r->format_read(t, buf, win, offset), kOk);
    r->set_completion(&Completions::routine, &c);
    EXPECT_TRUE(r->send(t, options)) << r->status();
    return r;
}
inline Ref<Request> send_write(IoTarget& t, Completions& c, const Ref<Memory>& buf, std::int64_t offset = 0) {
    auto r = Request::create(t).value();
    EXPECT_EQ(r->format_write(t, buf, {}, offset), kOk);
    r->set_completion(&Completions::routine, &c);
    EXPECT_TRUE(r->send(t)) << r->status();
    return r;
}

inline bool matches_pattern(const void* data, std::size_t n, std::uint32_t seed) {
    auto* p = static_cast<const std::uint8_t*>(data);
    for (std::size_t i = 0; i < n; ++i)
        if (p[i] != pattern_byte(i, seed)) return false;
    return true;
}
inline bool all_zero(const void* data, std::size_t n) {
    auto* p = static_cast<const std::uint8_t*>(data);
    return std::all_of(p, p + n, [](std::uint8_t b) { return b == 0; });
}

}  // namespace wdfio::test
