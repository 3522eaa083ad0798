// In-process device stacks: filters forwarding over a bottom driver (1–4 deep),
// every callback kind and its parameters, sequential / parallel / manual
// queues, queue stop/start/purge, cancel of waiting and held requests, timed
// sends, device removal with requests pending, the stack-location rule
// (spec §1.3), the verifier's completion checks (spec §10 #5, #6, #11–#15),
// bad input, and deferred completion. Every device is removed at the end of
// its test, top first.
#include "support/pipe_target.hpp"
#include "support/test_util.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace wdfio;
using test::Completions;
using namespace std::chrono_literals;

namespace {

const Status kOk = STATUS_SUCCESS;
constexpr auto kRendezvous = std::chrono::seconds(10);  // bounded waits inside callbacks

// "\Device\DeviceStack_<suite>_<test>_<tag>_<n>": unique per test and call.
std::string unique_name(const char* tag) {
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
void forward_down(Request& r, IoTarget& lower, std::atomic<int>* routines = nullptr) {
    r.format_using_current_type();
    r.set_completion([routines](Request& q, IoTarget&, const CompletionParams& p) {
        if (routines) routines->fetch_add(1);
        q.complete_with_information(p.status, p.information);
    });
    if (!r.send(lower)) r.complete(r.status());
}

// Bottom driver: reads are filled with test::pattern_byte(i, device offset),
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
        for (std::size_t i = 0; i < length; ++i) p[i] = test::pattern_byte(i, seed);
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
Ref<Request> send_read(IoTarget& t, Completions& c, const Ref<Memory>& buf, std::int64_t offset = 0,
                       std::optional<MemoryOffset> win = {}, const SendOptions& options = {}) {
    auto r = Request::create(t).value();
    EXPECT_EQ(r->format_read(t, buf, win, offset), kOk);
    r->set_completion(&Completions::routine, &c);
    EXPECT_TRUE(r->send(t, options)) << r->status();
    return r;
}
Ref<Request> send_write(IoTarget& t, Completions& c, const Ref<Memory>& buf, std::int64_t offset = 0) {
    auto r = Request::create(t).value();
    EXPECT_EQ(r->format_write(t, buf, {}, offset), kOk);
    r->set_completion(&Completions::routine, &c);
    EXPECT_TRUE(r->send(t)) << r->status();
    return r;
}

bool matches_pattern(const void* data, std::size_t n, std::uint32_t seed) {
    auto* p = static_cast<const std::uint8_t*>(data);
    for (std::size_t i = 0; i < n; ++i)
        if (p[i] != test::pattern_byte(i, seed)) return false;
    return true;
}
bool all_zero(const void* data, std::size_t n) {
    auto* p = static_cast<const std::uint8_t*>(data);
    return std::all_of(p, p + n, [](std::uint8_t b) { return b == 0; });
}

}  // namespace

// ============================================================ 1. stacks 1–4 deep

class DeviceStackDepth : public DeviceStackTest, public ::testing::WithParamInterface<int> {};

TEST_P(DeviceStackDepth, ReadsAndWritesRoundTrip) {
    const int depth = GetParam();
    PatternBottom bottom;
    Stack s(engine, bottom, depth);
    ASSERT_TRUE(s.ok) << s.error;

    // Stack sizes: each level counts itself and everything below it.
    EXPECT_EQ(s.target->stack_size(), static_cast<std::uint32_t>(depth));
    EXPECT_EQ(s.top().stack_size(), static_cast<std::uint32_t>(depth));
    EXPECT_EQ(s.bottom().default_target(), nullptr);
    for (int i = 1; i < depth; ++i) {
        ASSERT_NE(s.devices[i]->default_target(), nullptr);
        EXPECT_EQ(s.devices[i]->default_target()->stack_size(), static_cast<std::uint32_t>(i));
    }

    // Asynchronous read of a window at a device offset: the routine runs once.
    auto buf = Memory::allocate(4096).value();
    Completions c;
    auto r = send_read(*s.target, c, buf, 8192, MemoryOffset{100, 1000});
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), kOk);
    EXPECT_EQ(c.information.load(), 1000u);
    EXPECT_EQ(r->status(), kOk);
    EXPECT_EQ(r->information(), 1000u);
    EXPECT_EQ(r->completion_params().type, RequestType::Read);
    EXPECT_EQ(r->completion_params().read.length, 1000u);
    EXPECT_EQ(r->completion_params().read.offset, 100u);
    auto* bytes = static_cast<std::uint8_t*>(buf->data());
    EXPECT_TRUE(all_zero(bytes, 100));
    EXPECT_TRUE(matches_pattern(bytes + 100, 1000, 8192));
    EXPECT_TRUE(all_zero(bytes + 1100, 4096 - 1100));
    EXPECT_EQ(bottom.reads.load(), 1);
    for (auto& f : s.filters) {
        EXPECT_EQ(f->presented.load(), 1);
        EXPECT_EQ(f->routines.load(), 1);
    }

    // Asynchronous write: the bottom gets the window, Information = its length.
    auto out = Memory::allocate(3000).value();
    test::fill_pattern(*out, 77);
    Completions w;
    auto wr = send_write(*s.target, w, out, 512);
    ASSERT_TRUE(w.wait());
    EXPECT_EQ(w.status(), kOk);
    EXPECT_EQ(w.information.load(), 3000u);
    EXPECT_EQ(wr->completion_params().write.length, 3000u);
    {
        std::lock_guard lock(bottom.mutex);
        ASSERT_EQ(bottom.last_write.size(), 3000u);
        EXPECT_EQ(std::memcmp(bottom.last_write.data(), out->data(), 3000), 0);
        EXPECT_EQ(bottom.last_write_offset, 512);
    }

    // SYNCHRONOUS send: the routine has run, once, when send returns.
    auto in = Memory::allocate(2048).value();
    ASSERT_EQ(r->reuse(), kOk);
    ASSERT_EQ(r->format_read(*s.target, in, {}, 4), kOk);
    int calls = 0;
    r->set_completion([&calls](Request&, IoTarget&, const CompletionParams&) { ++calls; });
    ASSERT_TRUE(r->send(*s.target, SendOptions::synchronous())) << r->status();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(r->status(), kOk);
    EXPECT_EQ(r->information(), 2048u);
    EXPECT_TRUE(matches_pattern(in->data(), 2048, 4));

    // The synchronous helpers, with and without a supplied request.
    std::uint64_t n = 0;
    std::memset(in->data(), 0, 2048);
    EXPECT_EQ(send_read_synchronously(*s.target, nullptr, in, MemoryOffset{0, 512}, 99, {}, &n), kOk);
    EXPECT_EQ(n, 512u);
    EXPECT_TRUE(matches_pattern(in->data(), 512, 99));
    EXPECT_EQ(send_read_synchronously(*s.target, r.get(), in, {}, 5, {}, &n), kOk);
    EXPECT_EQ(n, 2048u);
    EXPECT_TRUE(matches_pattern(in->data(), 2048, 5));
    test::fill_pattern(*out, 3);
    EXPECT_EQ(send_write_synchronously(*s.target, nullptr, out, {}, 0, {}, &n), kOk);
    EXPECT_EQ(n, 3000u);

    // Many in flight from two threads: each routine exactly once.
    constexpr int kPerThread = 64;
    Completions many;
    std::vector<std::thread> senders;
    std::vector<Ref<Request>> keep[2];
    std::vector<Ref<Memory>> bufs[2];
    for (int t = 0; t < 2; ++t) {
        senders.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                bufs[t].push_back(Memory::allocate(256).value());
                keep[t].push_back(send_read(*s.target, many, bufs[t].back(), t * 1000 + i));
            }
        });
    }
    for (auto& th : senders) th.join();
    ASSERT_TRUE(many.wait(2 * kPerThread));
    for (int t = 0; t < 2; ++t)
        for (int i = 0; i < kPerThread; ++i) {
            EXPECT_EQ(keep[t][i]->status(), kOk);
            EXPECT_TRUE(matches_pattern(bufs[t][i]->data(), 256, static_cast<std::uint32_t>(t * 1000 + i)));
        }

    EXPECT_EQ(c.count.load(), 1);  // nothing ran the first routine again
    EXPECT_EQ(w.count.load(), 1);
    EXPECT_EQ(many.count.load(), 2 * kPerThread);
    s.remove();
}

INSTANTIATE_TEST_SUITE_P(DeviceStack, DeviceStackDepth, ::testing::Values(1, 2, 3, 4));

// ============================================================ 2. callbacks and parameters

namespace {
// Records what each callback received, checks the buffers it can retrieve.
class RecordingBottom : public Driver {
public:
    struct Seen {
        const char* callback = "";
        IoOperation params;
        std::size_t arg_length = 0, arg_out = 0, arg_in = 0;  // the callback's own arguments
        std::uint32_t arg_code = 0;
        Status exact = STATUS_PENDING, too_long = STATUS_PENDING, wrong_side = STATUS_PENDING;
    };
    std::mutex mutex;
    std::vector<Seen> seen;
    std::atomic<int> defaults{0};

    Seen last() {
        std::lock_guard lock(mutex);
        return seen.empty() ? Seen{} : seen.back();
    }

    void on_read(Request& r, std::size_t length) override {
        Seen s{"read", r.parameters()};
        s.arg_length = length;
        s.exact = r.retrieve_output_buffer(length).status();
        s.too_long = r.retrieve_output_buffer(length + 1).status();
        s.wrong_side = r.retrieve_input_buffer().status();
        auto out = r.retrieve_output_buffer(length);
        if (out) std::memset(out->data(), 0xAB, length);
        record(s);
        r.complete_with_information(STATUS_SUCCESS, length);
    }
    void on_write(Request& r, std::size_t length) override {
        Seen s{"write", r.parameters()};
        s.arg_length = length;
        s.exact = r.retrieve_input_buffer(length).status();
        s.too_long = r.retrieve_input_buffer(length + 1).status();
        s.wrong_side = r.retrieve_output_buffer().status();
        record(s);
        r.complete_with_information(STATUS_SUCCESS, length);
    }
    void on_device_control(Request& r, std::size_t out_len, std::size_t in_len, std::uint32_t code) override {
        copy_back(r, "device_control", out_len, in_len, code);
    }
    void on_internal_device_control(Request& r, std::size_t out_len, std::size_t in_len, std::uint32_t code) override {
        if (r.parameters().type == RequestType::Other) {
            Seen s{"internal_others", r.parameters()};
            s.arg_out = out_len;
            s.arg_in = in_len;
            s.arg_code = code;
            s.exact = r.retrieve_input_buffer().status();  // an "others" request has no buffers
            s.wrong_side = r.retrieve_output_buffer().status();
            record(s);
            r.complete_with_information(STATUS_SUCCESS, 7);
            return;
        }
        copy_back(r, "internal_device_control", out_len, in_len, code);
    }
    void on_default(Request& r) override {
        defaults.fetch_add(1);
        Driver::on_default(r);
    }

private:
    void record(const Seen& s) {
        std::lock_guard lock(mutex);
        seen.push_back(s);
    }
    // Input copied to output; Information = the bytes copied.
    void copy_back(Request& r, const char* name, std::size_t out_len, std::size_t in_len, std::uint32_t code) {
        Seen s{name, r.parameters()};
        s.arg_out = out_len;
        s.arg_in = in_len;
        s.arg_code = code;
        s.exact = r.retrieve_input_buffer(in_len).status();
        s.too_long = r.retrieve_output_buffer(out_len + 1).status();
        record(s);
        auto in = r.retrieve_input_buffer(in_len);
        auto out = r.retrieve_output_buffer(out_len);
        if (!in || !out) {
            r.complete(STATUS_BUFFER_TOO_SMALL);
            return;
        }
        const std::size_t n = std::min(in_len, out_len);
        std::memcpy(out->data(), in->data(), n);
        r.complete_with_information(STATUS_SUCCESS, n);
    }
};

// Handles reads only; everything else reaches on_default through the base class.
class ReadOnlyDriver : public Driver {
public:
    std::atomic<int> reads{0}, defaults{0};
    void on_read(Request& r, std::size_t length) override {
        reads.fetch_add(1);
        r.complete_with_information(STATUS_SUCCESS, length);
    }
    void on_default(Request& r) override {
        defaults.fetch_add(1);
        Driver::on_default(r);
    }
};
}  // namespace

class DeviceStackCallbacks : public DeviceStackTest, public ::testing::WithParamInterface<int> {};

TEST_P(DeviceStackCallbacks, EachKindReachesItsCallbackWithItsParameters) {
    RecordingBottom bottom;
    Stack s(engine, bottom, GetParam());  // through a forwarding filter when 2: parameters unchanged
    ASSERT_TRUE(s.ok) << s.error;
    IoTarget& t = *s.target;
    auto big = Memory::allocate(4096).value();

    // Read: length, device offset, the sender's buffer window.
    {
        std::uint64_t n = 0;
        ASSERT_EQ(send_read_synchronously(t, nullptr, big, MemoryOffset{64, 500}, 123456, {}, &n), kOk);
        EXPECT_EQ(n, 500u);
        auto seen = bottom.last();
        EXPECT_STREQ(seen.callback, "read");
        EXPECT_EQ(seen.params.type, RequestType::Read);
        EXPECT_EQ(seen.arg_length, 500u);
        EXPECT_EQ(seen.params.length, 500u);
        EXPECT_EQ(seen.params.device_offset, 123456);
        EXPECT_EQ(seen.params.data, static_cast<std::uint8_t*>(big->data()) + 64);
        EXPECT_EQ(seen.exact, kOk);
        EXPECT_EQ(seen.too_long, Status(STATUS_BUFFER_TOO_SMALL));
        EXPECT_EQ(seen.wrong_side, Status(STATUS_INVALID_DEVICE_REQUEST));
        auto* p = static_cast<std::uint8_t*>(big->data());
        EXPECT_EQ(p[63], 0);
        EXPECT_EQ(p[64], 0xAB);
        EXPECT_EQ(p[563], 0xAB);
        EXPECT_EQ(p[564], 0);
    }
    // Write.
    {
        test::fill_pattern(*big, 5);
        std::uint64_t n = 0;
        ASSERT_EQ(send_write_synchronously(t, nullptr, big, MemoryOffset{0, 1024}, 4096, {}, &n),
                  kOk);
        EXPECT_EQ(n, 1024u);
        auto seen = bottom.last();
        EXPECT_STREQ(seen.callback, "write");
        EXPECT_EQ(seen.params.type, RequestType::Write);
        EXPECT_EQ(seen.arg_length, 1024u);
        EXPECT_EQ(seen.params.device_offset, 4096);
        EXPECT_EQ(seen.params.data, big->data());
        EXPECT_EQ(seen.exact, kOk);
        EXPECT_EQ(seen.too_long, Status(STATUS_BUFFER_TOO_SMALL));
        EXPECT_EQ(seen.wrong_side, Status(STATUS_INVALID_DEVICE_REQUEST));
    }
    // Device control: code, input and output lengths; the output is a copy of the input.
    constexpr std::uint32_t kIoctl = 0x0022E004, kInternal = 0x0022E00B, kOthers = 0x0022E013;
    {
        auto in = Memory::allocate(16).value();
        auto out = Memory::allocate(32).value();
        test::fill_pattern(*in, 9);
        Completions c;
        auto r = Request::create(t).value();
        ASSERT_EQ(r->format_ioctl(t, kIoctl, in, {}, out, {}), kOk);
        r->set_completion(&Completions::routine, &c);
        ASSERT_TRUE(r->send(t));
        ASSERT_TRUE(c.wait());
        EXPECT_EQ(c.status(), kOk);
        EXPECT_EQ(r->information(), 16u);
        const auto& p = r->completion_params();
        EXPECT_EQ(p.type, RequestType::DeviceControl);
        EXPECT_EQ(p.ioctl.code, kIoctl);
        EXPECT_EQ(p.ioctl.output.length, 16u);
        EXPECT_EQ(p.ioctl.output.buffer, out.get());
        EXPECT_EQ(std::memcmp(out->data(), in->data(), 16), 0);
        auto seen = bottom.last();
        EXPECT_STREQ(seen.callback, "device_control");
        EXPECT_EQ(seen.params.type, RequestType::DeviceControl);
        EXPECT_EQ(seen.arg_code, kIoctl);
        EXPECT_EQ(seen.arg_in, 16u);
        EXPECT_EQ(seen.arg_out, 32u);
        EXPECT_EQ(seen.params.input, in->data());
        EXPECT_EQ(seen.params.output, out->data());
        EXPECT_EQ(seen.exact, kOk);
        EXPECT_EQ(seen.too_long, Status(STATUS_BUFFER_TOO_SMALL));
    }
    // Internal device control with buffers.
    {
        auto in = Memory::allocate(8).value();
        auto out = Memory::allocate(24).value();
        test::fill_pattern(*in, 11);
        std::uint64_t n = 0;
        ASSERT_EQ(send_internal_ioctl_synchronously(t, nullptr, kInternal, in, {}, out, MemoryOffset{8, 16}, {}, &n),
                  kOk);
        EXPECT_EQ(n, 8u);
        EXPECT_EQ(std::memcmp(static_cast<std::uint8_t*>(out->data()) + 8, in->data(), 8), 0);
        auto seen = bottom.last();
        EXPECT_STREQ(seen.callback, "internal_device_control");
        EXPECT_EQ(seen.params.type, RequestType::DeviceControlInternal);
        EXPECT_EQ(seen.arg_code, kInternal);
        EXPECT_EQ(seen.arg_in, 8u);
        EXPECT_EQ(seen.arg_out, 16u);
        EXPECT_EQ(seen.params.output, static_cast<std::uint8_t*>(out->data()) + 8);
    }
    // Internal ioctl with "others" arguments: type Other, the three pointers.
    {
        auto a1 = Memory::allocate(16).value();
        auto a2 = Memory::allocate(16).value();
        auto a4 = Memory::allocate(16).value();
        Completions c;
        auto r = Request::create(t).value();
        ASSERT_EQ(r->format_internal_ioctl_others(t, kOthers, a1, {}, a2, MemoryOffset{4, 4}, a4, {}), kOk);
        r->set_completion(&Completions::routine, &c);
        ASSERT_TRUE(r->send(t));
        ASSERT_TRUE(c.wait());
        EXPECT_EQ(c.status(), kOk);
        EXPECT_EQ(r->information(), 7u);
        EXPECT_EQ(r->completion_params().type, RequestType::Other);
        EXPECT_EQ(r->completion_params().others.argument1, a1.get());
        EXPECT_EQ(r->completion_params().others.argument2, a2.get());
        EXPECT_EQ(r->completion_params().others.argument4, a4.get());
        auto seen = bottom.last();
        EXPECT_STREQ(seen.callback, "internal_others");
        EXPECT_EQ(seen.params.type, RequestType::Other);
        EXPECT_EQ(seen.arg_code, kOthers);
        EXPECT_EQ(seen.params.ioctl_code, kOthers);
        EXPECT_EQ(seen.arg_in, 0u);
        EXPECT_EQ(seen.arg_out, 0u);
        EXPECT_EQ(seen.params.arguments[0], a1->data());
        EXPECT_EQ(seen.params.arguments[1], static_cast<std::uint8_t*>(a2->data()) + 4);
        EXPECT_EQ(seen.params.arguments[2], a4->data());
        EXPECT_EQ(seen.exact, Status(STATUS_INVALID_DEVICE_REQUEST));
        EXPECT_EQ(seen.wrong_side, Status(STATUS_INVALID_DEVICE_REQUEST));
        // The same with a null argument 2 and the helper.
        std::uint64_t n = 99;
        ASSERT_EQ(send_internal_ioctl_others_synchronously(t, nullptr, kOthers + 4, a1, nullptr, a4, {}, &n), kOk);
        EXPECT_EQ(n, 7u);
        seen = bottom.last();
        EXPECT_EQ(seen.arg_code, kOthers + 4);
        EXPECT_EQ(seen.params.arguments[0], a1->data());
        EXPECT_EQ(seen.params.arguments[1], nullptr);
        EXPECT_EQ(seen.params.arguments[2], a4->data());
    }
    EXPECT_EQ(bottom.defaults.load(), 0);
    {
        std::lock_guard lock(bottom.mutex);
        EXPECT_EQ(bottom.seen.size(), 6u);
    }
    for (auto& f : s.filters) EXPECT_EQ(f->presented.load(), 6);
    s.remove();
}

INSTANTIATE_TEST_SUITE_P(DeviceStack, DeviceStackCallbacks, ::testing::Values(1, 2));

TEST_F(DeviceStackTest, UnhandledTypesGoToOnDefault) {
    ReadOnlyDriver drv;
    auto d = Device::create(engine, drv).value();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(64).value();
    std::uint64_t n = 0;
    EXPECT_EQ(send_read_synchronously(*t, nullptr, buf, {}, 0, {}, &n), kOk);
    EXPECT_EQ(n, 64u);
    EXPECT_EQ(send_write_synchronously(*t, nullptr, buf, {}, 0), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(send_ioctl_synchronously(*t, nullptr, 0x10, buf, {}, buf, {}), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(send_internal_ioctl_synchronously(*t, nullptr, 0x10, buf, {}, buf, {}),
              Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(send_internal_ioctl_others_synchronously(*t, nullptr, 0x10, buf, nullptr, nullptr),
              Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(drv.reads.load(), 1);
    EXPECT_EQ(drv.defaults.load(), 4);
    d->remove();
}

// ============================================================ 3. queue dispatch types

namespace {
// Holds every request presented to it until the test completes it; checks
// that it is never entered twice at once and never holds two.
class HoldingDriver : public Driver {
public:
    std::mutex mutex;
    std::vector<Request*> held;
    std::vector<std::int64_t> order;  // device offsets, as presented
    std::atomic<int> presented{0}, inside{0}, reentered{0}, outstanding{0}, max_outstanding{0};

    void on_write(Request& r, std::size_t) override { hold(r); }
    void on_read(Request& r, std::size_t) override { hold(r); }
    Request* take() {
        std::lock_guard lock(mutex);
        if (held.empty()) return nullptr;
        Request* q = held.front();
        held.erase(held.begin());
        return q;
    }
    void complete(Request& q) {
        outstanding.fetch_sub(1);  // before: completing presents the next one, inline
        EXPECT_EQ(q.complete_with_information(STATUS_SUCCESS, q.parameters().length), kOk);
    }

private:
    void hold(Request& r) {
        if (inside.fetch_add(1) != 0) reentered.fetch_add(1);
        const int o = outstanding.fetch_add(1) + 1;
        for (int m = max_outstanding.load(); o > m && !max_outstanding.compare_exchange_weak(m, o);) {
        }
        {
            std::lock_guard lock(mutex);
            held.push_back(&r);
            order.push_back(r.parameters().device_offset);
        }
        presented.fetch_add(1);
        inside.fetch_sub(1);
    }
};

// Completion order, from routines with an index.
struct OrderLog {
    std::mutex mutex;
    std::vector<int> order;
    std::atomic<int> count{0};
    std::atomic<int> failed{0};
    void routine_for(Request& r, int index) {
        r.set_completion([this, index](Request&, IoTarget&, const CompletionParams& p) {
            if (!p.status.ok()) failed.fetch_add(1);
            {
                std::lock_guard lock(mutex);
                order.push_back(index);
            }
            count.fetch_add(1);
        });
    }
};
}  // namespace

using DeviceStackQueues = DeviceStackTest;

TEST_F(DeviceStackQueues, SequentialPresentsOneAtATimeInOrder) {
    HoldingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Sequential}).value();
    auto t = d->open_target().value();
    constexpr int kN = 20;
    OrderLog log;
    std::vector<Ref<Request>> reqs;
    auto buf = Memory::allocate(128).value();
    for (int i = 0; i < kN; ++i) {
        auto r = Request::create(*t).value();
        ASSERT_EQ(r->format_write(*t, buf, {}, i), kOk);
        log.routine_for(*r, i);
        ASSERT_TRUE(r->send(*t));
        reqs.push_back(r);
    }
    // One presented, the rest waiting.
    EXPECT_EQ(drv.presented.load(), 1);
    EXPECT_EQ(d->default_queue().waiting(), static_cast<std::uint32_t>(kN - 1));
    for (int i = 0; i < kN; ++i) {
        Request* q = drv.take();
        ASSERT_NE(q, nullptr) << "request " << i << " was not presented after the previous completed";
        EXPECT_EQ(q->parameters().device_offset, i);
        EXPECT_EQ(drv.take(), nullptr) << "two presented at once";
        EXPECT_EQ(d->default_queue().waiting(), static_cast<std::uint32_t>(kN - 1 - i));
        drv.complete(*q);
    }
    ASSERT_TRUE(test::wait_for_count(log.count, kN));
    EXPECT_EQ(log.failed.load(), 0);
    std::vector<int> want(kN);
    for (int i = 0; i < kN; ++i) want[i] = i;
    EXPECT_EQ(log.order, want);
    EXPECT_EQ(drv.order, std::vector<std::int64_t>(want.begin(), want.end()));
    EXPECT_EQ(drv.reentered.load(), 0);
    EXPECT_EQ(drv.max_outstanding.load(), 1);
    d->remove();
}

namespace {
// Completes inline, after a yield that widens the window for a second
// thread: records re-entry and the per-sender order of the device offsets
// (sender * 1'000'000 + sequence).
class InlineSequentialDriver : public Driver {
public:
    std::atomic<int> inside{0}, reentered{0}, out_of_order{0}, presented{0};
    std::int64_t last_seq[2] = {-1, -1};  // guarded by "one at a time"
    void on_write(Request& r, std::size_t length) override {
        if (inside.fetch_add(1) != 0) reentered.fetch_add(1);
        const std::int64_t off = r.parameters().device_offset;
        const int sender = static_cast<int>(off / 1'000'000);
        const std::int64_t seq = off % 1'000'000;
        if (sender < 0 || sender > 1 || seq <= last_seq[sender]) out_of_order.fetch_add(1);
        else last_seq[sender] = seq;
        std::this_thread::yield();
        presented.fetch_add(1);
        inside.fetch_sub(1);
        r.complete_with_information(STATUS_SUCCESS, length);
    }
};
}  // namespace

TEST_F(DeviceStackQueues, SequentialIsNeverReenteredByConcurrentSenders) {
    InlineSequentialDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Sequential}).value();
    auto t = d->open_target().value();
    constexpr int kPerThread = 300;
    Completions c;
    std::vector<Ref<Request>> keep[2];
    auto buf = Memory::allocate(16).value();
    std::vector<std::thread> senders;
    for (int s = 0; s < 2; ++s) {
        senders.emplace_back([&, s] {
            for (int i = 0; i < kPerThread; ++i) {
                auto r = Request::create(*t).value();
                EXPECT_EQ(r->format_write(*t, buf, {}, s * 1'000'000 + i), kOk);
                r->set_completion(&Completions::routine, &c);
                EXPECT_TRUE(r->send(*t));
                keep[s].push_back(r);
            }
        });
    }
    for (auto& th : senders) th.join();
    ASSERT_TRUE(c.wait(2 * kPerThread));
    EXPECT_EQ(drv.presented.load(), 2 * kPerThread);
    EXPECT_EQ(drv.reentered.load(), 0);
    EXPECT_EQ(drv.out_of_order.load(), 0);
    for (auto& v : keep)
        for (auto& r : v) EXPECT_EQ(r->status(), kOk);
    d->remove();
}

namespace {
// Each callback waits (bounded) until a second one is inside too.
class RendezvousDriver : public Driver {
public:
    std::mutex mutex;
    std::condition_variable cv;
    int arrived = 0;
    std::atomic<int> met{0};
    void on_read(Request& r, std::size_t) override {
        {
            std::unique_lock lock(mutex);
            ++arrived;
            cv.notify_all();
            if (cv.wait_for(lock, kRendezvous, [this] { return arrived >= 2; })) met.fetch_add(1);
        }
        r.complete_with_information(STATUS_SUCCESS, 0);
    }
};
}  // namespace

TEST_F(DeviceStackQueues, ParallelRunsCallbacksConcurrently) {
    RendezvousDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Parallel}).value();
    auto t = d->open_target().value();
    std::atomic<int> ok{0};
    std::vector<std::thread> senders;
    for (int i = 0; i < 2; ++i) {
        senders.emplace_back([&] {
            auto buf = Memory::allocate(8).value();
            if (send_read_synchronously(*t, nullptr, buf, {}, 0).ok()) ok.fetch_add(1);
        });
    }
    for (auto& th : senders) th.join();
    EXPECT_EQ(ok.load(), 2);
    EXPECT_EQ(drv.met.load(), 2) << "the two callbacks were not inside at the same time";
    d->remove();
}

namespace {
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
}  // namespace

TEST_F(DeviceStackQueues, ManualQueueHoldsRequestsUntilRetrieved) {
    CountingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Manual}).value();
    auto t = d->open_target().value();
    Queue& q = d->default_queue();
    EXPECT_EQ(q.dispatch(), QueueDispatch::Manual);
    {
        auto none = q.retrieve_next_request();
        ASSERT_FALSE(none);
        EXPECT_EQ(none.status(), Status(STATUS_NO_MORE_ENTRIES));
    }
    Completions c;
    std::vector<Ref<Memory>> bufs;
    std::vector<Ref<Request>> reqs;
    for (int i = 0; i < 3; ++i) {
        bufs.push_back(Memory::allocate(32).value());
        reqs.push_back(send_read(*t, c, bufs.back(), 10 + i));
    }
    EXPECT_EQ(q.waiting(), 3u);
    EXPECT_EQ(drv.presented.load(), 0);
    EXPECT_EQ(c.count.load(), 0);
    for (int i = 0; i < 3; ++i) {
        auto got = q.retrieve_next_request();
        ASSERT_TRUE(got) << got.status();
        Request* r = got.value();
        EXPECT_EQ(r->kind(), RequestKind::QueueDelivered);
        EXPECT_EQ(r->parameters().type, RequestType::Read);
        EXPECT_EQ(r->parameters().device_offset, 10 + i);  // FIFO
        EXPECT_EQ(q.waiting(), static_cast<std::uint32_t>(2 - i));
        auto mem = r->retrieve_output_memory();
        ASSERT_TRUE(mem) << mem.status();
        EXPECT_EQ(mem->size(), 32u);
        EXPECT_EQ(mem->data(), bufs[i]->data());
        std::memset(mem->data(), 0x40 + i, 32);
        EXPECT_EQ(r->complete_with_information(STATUS_SUCCESS, 20), kOk);
        EXPECT_EQ(c.count.load(), i + 1);  // completion runs inline in the completing thread
    }
    ASSERT_TRUE(c.wait(3));
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(reqs[i]->status(), kOk);
        EXPECT_EQ(reqs[i]->information(), 20u);
        EXPECT_EQ(static_cast<std::uint8_t*>(bufs[i]->data())[0], 0x40 + i);
    }
    auto empty = q.retrieve_next_request();
    EXPECT_EQ(empty.status(), Status(STATUS_NO_MORE_ENTRIES));
    EXPECT_EQ(drv.presented.load(), 0);
    d->remove();
}

namespace {
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
class IoctlDriver : public Driver {
public:
    std::atomic<int> ioctls{0};
    void on_device_control(Request& r, std::size_t, std::size_t, std::uint32_t) override {
        ioctls.fetch_add(1);
        r.complete_with_information(STATUS_SUCCESS, 0);
    }
};
}  // namespace

TEST_F(DeviceStackQueues, ForwardToManualQueueAndPerTypeDispatch) {
    ForwardingDriver drv;
    CountingDriver other_drv;
    IoctlDriver ioctl_drv;
    auto d = Device::create(engine, drv).value();
    auto other = Device::create(engine, other_drv, {"", QueueDispatch::Manual}).value();
    auto manual = d->create_queue(QueueDispatch::Manual).value();
    auto ioctl_queue = d->create_queue(QueueDispatch::Parallel, &ioctl_drv).value();
    ASSERT_EQ(d->configure_dispatching(RequestType::DeviceControl, *ioctl_queue), kOk);
    ASSERT_EQ(d->configure_dispatching(RequestType::Write, *manual), kOk);
    drv.manual = manual.get();
    drv.foreign = &other->default_queue();
    auto t = d->open_target().value();

    // A read: default queue → forwarded to the manual queue, waits there.
    auto buf = Memory::allocate(64).value();
    Completions c;
    auto r = send_read(*t, c, buf, 4242);
    EXPECT_EQ(drv.presented.load(), 1);
    EXPECT_EQ(drv.foreign_status, Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(drv.forward_status, kOk);
    EXPECT_EQ(other->default_queue().waiting(), 0u);
    EXPECT_EQ(manual->waiting(), 1u);
    EXPECT_EQ(c.count.load(), 0);
    // A write: dispatched to the manual queue directly, never presented.
    Completions cw;
    auto w = send_write(*t, cw, buf, 7);
    EXPECT_EQ(manual->waiting(), 2u);
    EXPECT_EQ(drv.presented.load(), 1);
    // An ioctl: to the queue with its own handler.
    EXPECT_EQ(send_ioctl_synchronously(*t, nullptr, 0x99, nullptr, {}, nullptr, {}), kOk);
    EXPECT_EQ(ioctl_drv.ioctls.load(), 1);

    auto first = manual->retrieve_next_request();
    ASSERT_TRUE(first);
    EXPECT_EQ(first.value()->parameters().type, RequestType::Read);
    EXPECT_EQ(first.value()->parameters().device_offset, 4242);
    EXPECT_EQ(first.value()->parameters().length, 64u);
    EXPECT_EQ(first.value()->complete_with_information(STATUS_SUCCESS, 64), kOk);
    auto second = manual->retrieve_next_request();
    ASSERT_TRUE(second);
    EXPECT_EQ(second.value()->parameters().type, RequestType::Write);
    EXPECT_EQ(second.value()->complete_with_information(STATUS_SUCCESS, 64), kOk);
    ASSERT_TRUE(c.wait());
    ASSERT_TRUE(cw.wait());
    EXPECT_EQ(c.status(), kOk);
    EXPECT_EQ(r->information(), 64u);
    EXPECT_EQ(cw.status(), kOk);
    d->remove();
    other->remove();
}

// ============================================================ 4. queue states

using DeviceStackQueueState = DeviceStackTest;

TEST_F(DeviceStackQueueState, StoppedQueueHoldsRequestsUntilStarted) {
    CountingDriver drv;
    auto d = Device::create(engine, drv).value();
    auto t = d->open_target().value();
    Queue& q = d->default_queue();
    q.stop();
    EXPECT_EQ(q.state(), QueueState::Stopped);
    Completions c;
    std::vector<Ref<Request>> reqs;
    auto buf = Memory::allocate(16).value();
    for (int i = 0; i < 3; ++i) reqs.push_back(send_read(*t, c, buf, i));
    EXPECT_EQ(q.waiting(), 3u);
    EXPECT_EQ(drv.presented.load(), 0);
    EXPECT_EQ(c.count.load(), 0);
    q.start();
    EXPECT_EQ(q.state(), QueueState::Started);
    ASSERT_TRUE(c.wait(3));
    EXPECT_EQ(drv.presented.load(), 3);
    EXPECT_EQ(q.waiting(), 0u);
    EXPECT_EQ(drv.order, (std::vector<std::int64_t>{0, 1, 2}));
    for (auto& r : reqs) EXPECT_EQ(r->status(), kOk);

    // A stopped manual queue gives nothing out.
    CountingDriver mdrv;
    auto m = Device::create(engine, mdrv, {"", QueueDispatch::Manual}).value();
    auto mt = m->open_target().value();
    Completions mc;
    auto mr = send_read(*mt, mc, buf);
    m->default_queue().stop();
    EXPECT_EQ(m->default_queue().retrieve_next_request().status(), Status(STATUS_NO_MORE_ENTRIES));
    m->default_queue().start();
    auto got = m->default_queue().retrieve_next_request();
    ASSERT_TRUE(got);
    EXPECT_EQ(got.value()->complete_with_information(STATUS_SUCCESS, 1), kOk);
    ASSERT_TRUE(mc.wait());
    d->remove();
    m->remove();
}

namespace {
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
}  // namespace

TEST_F(DeviceStackQueueState, PurgeCancelsWaitingAndHeldAndRefusesNewUntilStarted) {
    CountingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Manual}).value();
    auto t = d->open_target().value();
    Queue& q = d->default_queue();
    Completions c;
    auto buf = Memory::allocate(16).value();
    auto r1 = send_read(*t, c, buf, 1);
    auto r2 = send_read(*t, c, buf, 2);
    EXPECT_EQ(q.waiting(), 2u);
    q.purge();
    EXPECT_EQ(q.state(), QueueState::Purged);
    ASSERT_TRUE(c.wait(2));
    EXPECT_EQ(r1->status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(r2->status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(q.waiting(), 0u);

    // New requests fail while purged.
    EXPECT_EQ(send_read_synchronously(*t, nullptr, buf, {}, 0), Status(STATUS_INVALID_DEVICE_STATE));
    Completions late;
    auto r3 = send_read(*t, late, buf, 3);
    ASSERT_TRUE(late.wait());
    EXPECT_EQ(late.status(), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(q.waiting(), 0u);

    // Started again: accepted and retrievable.
    q.start();
    EXPECT_EQ(q.state(), QueueState::Started);
    Completions again;
    auto r4 = send_read(*t, again, buf, 4);
    EXPECT_EQ(q.waiting(), 1u);
    auto got = q.retrieve_next_request();
    ASSERT_TRUE(got);
    EXPECT_EQ(got.value()->parameters().device_offset, 4);
    EXPECT_EQ(got.value()->complete_with_information(STATUS_SUCCESS, 16), kOk);
    ASSERT_TRUE(again.wait());
    EXPECT_EQ(again.status(), kOk);

    // Purge of a dispatching queue calls the cancel callbacks of held requests.
    CancelableHolder holder;
    auto h = Device::create(engine, holder).value();
    auto ht = h->open_target().value();
    Completions hc;
    auto hr = send_read(*ht, hc, buf);
    EXPECT_EQ(holder.held.load(), 1);
    EXPECT_EQ(hc.count.load(), 0);
    h->default_queue().purge();
    ASSERT_TRUE(hc.wait());
    EXPECT_EQ(holder.cancels.calls.load(), 1);
    EXPECT_EQ(hc.status(), Status(STATUS_CANCELLED));
    d->remove();
    h->remove();
}

// ============================================================ 5. cancel

using DeviceStackCancel = DeviceStackTest;

TEST_F(DeviceStackCancel, CancelOfARequestWaitingInAManualQueue) {
    CountingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Manual}).value();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(16).value();
    Completions c;
    auto r = send_read(*t, c, buf);
    ASSERT_EQ(d->default_queue().waiting(), 1u);
    EXPECT_TRUE(r->cancel_sent_request());
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(r->status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(d->default_queue().waiting(), 0u);
    EXPECT_EQ(d->default_queue().retrieve_next_request().status(), Status(STATUS_NO_MORE_ENTRIES));
    // Cancelled again after completion: nothing reached, the routine does not run again.
    EXPECT_FALSE(r->cancel_sent_request());
    EXPECT_EQ(c.count.load(), 1);
    d->remove();
}

TEST_F(DeviceStackCancel, CancelReachesAManualQueueBelowAFilterAndAForwardedRequest) {
    // Through a filter: the bottom's manual queue holds the forwarded request.
    CountingDriver bottom;
    Stack s(engine, bottom, 2, {"", QueueDispatch::Manual});
    ASSERT_TRUE(s.ok) << s.error;
    auto buf = Memory::allocate(16).value();
    Completions c;
    auto r = send_read(*s.target, c, buf);
    ASSERT_EQ(s.bottom().default_queue().waiting(), 1u);
    EXPECT_TRUE(r->cancel_sent_request());
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(s.bottom().default_queue().waiting(), 0u);
    EXPECT_EQ(s.filters[0]->routines.load(), 1);

    // Forwarded from the default queue to a manual one, then cancelled there.
    ForwardingDriver fwd;
    auto d = Device::create(engine, fwd).value();
    auto manual = d->create_queue(QueueDispatch::Manual).value();
    fwd.manual = manual.get();
    auto t = d->open_target().value();
    Completions fc;
    auto fr = send_read(*t, fc, buf);
    ASSERT_EQ(manual->waiting(), 1u);
    EXPECT_TRUE(fr->cancel_sent_request());
    ASSERT_TRUE(fc.wait());
    EXPECT_EQ(fc.status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(manual->waiting(), 0u);
    d->remove();
    s.remove();
}

TEST_F(DeviceStackCancel, CancelOfAHeldCancelableRequestCallsTheCallback) {
    CancelableHolder holder;
    Stack s(engine, holder, 2);  // the holder is the lower driver, below a filter
    ASSERT_TRUE(s.ok) << s.error;
    auto buf = Memory::allocate(16).value();
    Completions c;
    auto r = send_read(*s.target, c, buf);
    ASSERT_EQ(holder.held.load(), 1);
    EXPECT_EQ(holder.mark_status, kOk);
    EXPECT_EQ(c.count.load(), 0);
    EXPECT_TRUE(r->cancel_sent_request());
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(holder.cancels.calls.load(), 1);
    EXPECT_EQ(c.status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(r->status(), Status(STATUS_CANCELLED));
    s.remove();
}

TEST_F(DeviceStackCancel, MarkCancelableAfterTheCancelGivesCancelled) {
    CountingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Manual}).value();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(16).value();
    Completions c;
    auto r = send_read(*t, c, buf);
    auto got = d->default_queue().retrieve_next_request();
    ASSERT_TRUE(got);
    Request* q = got.value();
    // Owned by the driver, not cancelable: no cancel routine to reach (spec §5.1 step 5).
    EXPECT_FALSE(r->cancel_sent_request());
    EXPECT_EQ(c.count.load(), 0);
    CancelCounter cancels;
    EXPECT_EQ(q->mark_cancelable(&CancelCounter::complete_cancelled, &cancels), Status(STATUS_CANCELLED));
    EXPECT_EQ(cancels.calls.load(), 0);
    EXPECT_EQ(q->unmark_cancelable(), Status(STATUS_INVALID_DEVICE_REQUEST));  // it was not marked
    EXPECT_EQ(q->complete(STATUS_CANCELLED), kOk);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_CANCELLED));
    d->remove();
}

TEST_F(DeviceStackCancel, UnmarkCancelableBeforeAndAfterTheCallback) {
    CountingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Manual}).value();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(16).value();
    CancelCounter cancels;

    // After: the callback ran (it leaves completion to the holder) → STATUS_CANCELLED.
    Completions c;
    auto r = send_read(*t, c, buf);
    Request* q = d->default_queue().retrieve_next_request().value();
    ASSERT_EQ(q->mark_cancelable(&CancelCounter::note_only, &cancels), kOk);
    EXPECT_TRUE(r->cancel_sent_request());
    EXPECT_EQ(cancels.calls.load(), 1);
    EXPECT_EQ(c.count.load(), 0);
    EXPECT_EQ(q->unmark_cancelable(), Status(STATUS_CANCELLED));
    EXPECT_EQ(q->complete(STATUS_CANCELLED), kOk);  // not reported: no longer marked
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_CANCELLED));

    // Before: unmarked → success; a later cancel calls nothing.
    Completions c2;
    auto r2 = send_read(*t, c2, buf);
    Request* q2 = d->default_queue().retrieve_next_request().value();
    ASSERT_EQ(q2->mark_cancelable(&CancelCounter::note_only, &cancels), kOk);
    EXPECT_EQ(q2->unmark_cancelable(), kOk);
    EXPECT_EQ(q2->unmark_cancelable(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_FALSE(r2->cancel_sent_request());
    EXPECT_EQ(cancels.calls.load(), 1);
    EXPECT_EQ(q2->complete_with_information(STATUS_SUCCESS, 16), kOk);
    ASSERT_TRUE(c2.wait());
    EXPECT_EQ(c2.status(), kOk);
    EXPECT_EQ(c2.information.load(), 16u);
    d->remove();
}

// ============================================================ 6. timed sends

using DeviceStackTimeout = DeviceStackTest;

TEST_F(DeviceStackTimeout, TimedSendToAnUndrainedManualQueue) {
    CountingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Manual}).value();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(16).value();
    Completions c;
    auto r = send_read(*t, c, buf, 0, {}, SendOptions().timeout_after(30ms));
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_IO_TIMEOUT));
    EXPECT_EQ(r->status(), Status(STATUS_IO_TIMEOUT));
    EXPECT_EQ(d->default_queue().waiting(), 0u);

    // Synchronous, with a timeout: the same.
    auto r2 = Request::create(*t).value();
    ASSERT_EQ(r2->format_read(*t, buf, {}, 0), kOk);
    ASSERT_TRUE(r2->send(*t, SendOptions::synchronous().timeout_after(30ms)));
    EXPECT_EQ(r2->status(), Status(STATUS_IO_TIMEOUT));
    EXPECT_EQ(send_read_synchronously(*t, nullptr, buf, {}, 0, SendOptions().timeout_after(30ms)),
              Status(STATUS_IO_TIMEOUT));
    EXPECT_EQ(d->default_queue().waiting(), 0u);
    d->remove();
}

TEST_F(DeviceStackTimeout, TimedSendThroughAFilterToAHeldCancelableRequest) {
    CancelableHolder holder;
    Stack s(engine, holder, 2);
    ASSERT_TRUE(s.ok) << s.error;
    auto buf = Memory::allocate(16).value();
    Completions c;
    auto r = send_read(*s.target, c, buf, 0, {}, SendOptions().timeout_after(30ms));
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_IO_TIMEOUT));  // the filter saw STATUS_CANCELLED, the top translates
    EXPECT_EQ(holder.cancels.calls.load(), 1);
    s.remove();
}

// ============================================================ 7. device removal

namespace {
// Top of the removal stack: reads and internal ioctls go down, writes wait in
// a manual queue, ioctls are held cancelable.
class RemovalFilter : public Driver {
public:
    CancelCounter cancels;
    std::atomic<int> held{0}, routines{0};
    void on_read(Request& r, std::size_t) override { forward_down(r, *device().default_target(), &routines); }
    void on_internal_device_control(Request& r, std::size_t, std::size_t, std::uint32_t) override {
        forward_down(r, *device().default_target(), &routines);
    }
    void on_device_control(Request& r, std::size_t, std::size_t, std::uint32_t) override {
        if (Status s = r.mark_cancelable(&CancelCounter::complete_cancelled, &cancels); !s.ok()) {
            r.complete(s);
            return;
        }
        held.fetch_add(1);
    }
};
}  // namespace

using DeviceStackRemoval = DeviceStackTest;

TEST_F(DeviceStackRemoval, EveryPendingRequestCompletesAndLaterSendsFail) {
    const std::string name = unique_name("top");
    CancelableHolder bottom_drv;  // reads: held cancelable
    RemovalFilter filter_drv;
    auto bottom = Device::create(engine, bottom_drv).value();
    auto bottom_manual = bottom->create_queue(QueueDispatch::Manual).value();
    ASSERT_EQ(bottom->configure_dispatching(RequestType::DeviceControlInternal, *bottom_manual), kOk);
    auto bottom_target = bottom->open_target().value();
    auto top = Device::create_above(engine, filter_drv, *bottom->open_target().value(), {name}).value();
    auto top_manual = top->create_queue(QueueDispatch::Manual).value();
    ASSERT_EQ(top->configure_dispatching(RequestType::Write, *top_manual), kOk);
    auto t = IoTarget::open(engine, name).value();
    EXPECT_EQ(t->stack_size(), 2u);

    auto buf = Memory::allocate(64).value();
    Completions writes, ioctl, reads, internal;
    std::vector<Ref<Request>> keep;
    keep.push_back(send_write(*t, writes, buf));  // waiting in the top's manual queue
    keep.push_back(send_write(*t, writes, buf));
    {
        auto r = Request::create(*t).value();  // held cancelable by the top driver
        ASSERT_EQ(r->format_ioctl(*t, 0x42, buf, {}, buf, {}), kOk);
        r->set_completion(&Completions::routine, &ioctl);
        ASSERT_TRUE(r->send(*t));
        keep.push_back(r);
    }
    keep.push_back(send_read(*t, reads, buf));  // through the filter, held cancelable by the bottom
    keep.push_back(send_read(*t, reads, buf));
    {
        auto r = Request::create(*t).value();  // through the filter, waiting in the bottom's manual queue
        ASSERT_EQ(r->format_internal_ioctl(*t, 0x43, buf, {}, buf, {}), kOk);
        r->set_completion(&Completions::routine, &internal);
        ASSERT_TRUE(r->send(*t));
        keep.push_back(r);
    }
    ASSERT_EQ(top_manual->waiting(), 2u);
    ASSERT_EQ(filter_drv.held.load(), 1);
    ASSERT_EQ(bottom_drv.held.load(), 2);
    ASSERT_EQ(bottom_manual->waiting(), 1u);
    EXPECT_EQ(writes.count.load() + ioctl.count.load() + reads.count.load() + internal.count.load(), 0);

    // Removal of the top: its queues are purged, its local target removed
    // (sent requests cancelled and waited for) — everything is back when it returns.
    top->remove();
    EXPECT_TRUE(top->removed());
    EXPECT_EQ(writes.count.load(), 2);
    EXPECT_EQ(ioctl.count.load(), 1);
    EXPECT_EQ(reads.count.load(), 2);
    EXPECT_EQ(internal.count.load(), 1);
    for (auto& r : keep) EXPECT_EQ(r->status(), Status(STATUS_CANCELLED)) << to_string(r->operation().type);
    EXPECT_EQ(filter_drv.cancels.calls.load(), 1);
    EXPECT_EQ(bottom_drv.cancels.calls.load(), 2);
    EXPECT_EQ(filter_drv.routines.load(), 3);
    EXPECT_EQ(top_manual->waiting(), 0u);
    EXPECT_EQ(bottom_manual->waiting(), 0u);
    ASSERT_NE(top->default_target(), nullptr);
    EXPECT_EQ(top->default_target()->state(), IoTargetState::Deleted);

    // After removal: the name is gone, no new targets, sends fail.
    EXPECT_EQ(IoTarget::open(engine, name).status(), Status(STATUS_OBJECT_NAME_NOT_FOUND));
    EXPECT_EQ(top->open_target().status(), Status(STATUS_INVALID_DEVICE_STATE));
    auto late = Request::create(*t).value();  // kept alive to the end (see SendAfterRemovalIsForgotten...)
    ASSERT_EQ(late->format_read(*t, buf, {}, 0), kOk);
    ASSERT_TRUE(late->send(*t, SendOptions::synchronous()));
    EXPECT_EQ(late->status(), Status(STATUS_INVALID_DEVICE_STATE));
    Completions late_async;
    auto late2 = send_read(*t, late_async, buf);
    ASSERT_TRUE(late_async.wait());
    EXPECT_EQ(late_async.status(), Status(STATUS_INVALID_DEVICE_STATE));
    auto down = Request::create().value();
    EXPECT_EQ(down->format_read(*top->default_target(), buf, {}, 0), Status(STATUS_INVALID_DEVICE_STATE));

    bottom->remove();
    auto late3 = Request::create(*bottom_target).value();
    ASSERT_EQ(late3->format_read(*bottom_target, buf, {}, 0), kOk);
    ASSERT_TRUE(late3->send(*bottom_target, SendOptions::synchronous()));
    EXPECT_EQ(late3->status(), Status(STATUS_INVALID_DEVICE_STATE));
    // No routine ran twice.
    EXPECT_EQ(writes.count.load() + ioctl.count.load() + reads.count.load() + internal.count.load(), 6);
}

// Regression (fixed): src/device/device.cpp, DeliveredAccess::dispatch — when the device is
// removed (or the pooled request cannot be allocated), the sender's request is
// completed with lower_complete() directly, but DeviceTarget::start_io
// (src/targets/local/device_target.cpp) has already linked it into the
// target's sent_ list, and nothing unlinks it (only DeliveredAccess::finish
// calls untrack). The target keeps a dangling entry: when the request is later
// sent elsewhere, its engine_next_/prev_ links are reused by the other
// target's list, and stop(Cancel)/purge/close/remove of the first target then
// cancels a request that is outstanding at an unrelated device. (If the
// request is freed instead, that close is a heap-use-after-free; if it is sent
// to the same removed device twice, the list becomes a self-loop and close
// spins forever.)
TEST_F(DeviceStackRemoval, SendAfterRemovalIsForgottenByTheTarget) {
    CountingDriver gone_drv, live_drv;
    auto gone = Device::create(engine, gone_drv).value();
    auto gone_target = gone->open_target().value();
    gone->remove();
    auto live = Device::create(engine, live_drv, {"", QueueDispatch::Manual}).value();
    auto live_target = live->open_target().value();
    auto buf = Memory::allocate(16).value();

    auto r = Request::create().value();
    ASSERT_EQ(r->format_read(*gone_target, buf, {}, 0), kOk);
    ASSERT_TRUE(r->send(*gone_target, SendOptions::synchronous()));
    EXPECT_EQ(r->status(), Status(STATUS_INVALID_DEVICE_STATE));

    // The same request, now waiting at another device.
    ASSERT_EQ(r->reuse(), kOk);
    ASSERT_EQ(r->format_read(*live_target, buf, {}, 0), kOk);
    Completions c;
    r->set_completion(&Completions::routine, &c);
    ASSERT_TRUE(r->send(*live_target));
    ASSERT_EQ(live->default_queue().waiting(), 1u);

    // Closing the first target must not touch it.
    gone_target->close();
    EXPECT_EQ(c.count.load(), 0) << "closing the removed device's target completed a request sent elsewhere, with "
                                 << c.status();
    EXPECT_EQ(live->default_queue().waiting(), 1u);

    if (auto q = live->default_queue().retrieve_next_request()) q.value()->complete(STATUS_SUCCESS);
    ASSERT_TRUE(c.wait());
    live->remove();
}

// ============================================================ 8. stack depth (spec §1.3)

namespace {
// A filter that sends its queue-delivered reads to a remote target (another
// stack, opened by name) when they fit, else to its local target.
class RemoteFormattingFilter : public Driver {
public:
    IoTarget* remote = nullptr;
    Status remote_format = STATUS_PENDING, remote_send = STATUS_PENDING, local_format = STATUS_PENDING;
    bool remote_sent = false;
    std::uint32_t depth_seen = 0;
    void on_read(Request& r, std::size_t) override {
        auto mem = r.retrieve_output_memory();
        if (!mem) {
            r.complete(mem.status());
            return;
        }
        const std::int64_t off = r.parameters().device_offset;
        auto complete_original = [](Request& q, IoTarget&, const CompletionParams& p) {
            q.complete_with_information(p.status, p.information);
        };
        remote_format = r.format_read(*remote, mem.value(), {}, off);
        if (remote_format.ok()) {
            r.set_completion(complete_original);
            if (!r.send(*remote)) r.complete(r.status());
            return;
        }
        // The unchanged operation does not fit the remote stack either.
        r.format_using_current_type();
        r.set_completion(complete_original);
        remote_sent = r.send(*remote);
        remote_send = r.status();
        if (remote_sent) return;
        // The local target always fits.
        IoTarget& local = *device().default_target();
        local_format = r.format_read(local, mem.value(), {}, off);
        if (!local_format.ok()) {
            r.complete(local_format);
            return;
        }
        r.set_completion(complete_original);
        if (!r.send(local)) r.complete(r.status());
    }
};
}  // namespace

using DeviceStackLocations = DeviceStackTest;

TEST_F(DeviceStackLocations, QueueDeliveredRequestsFitOnlyTheirLocalStack) {
    // B: a named 3-deep stack; C: a named 1-deep device.
    PatternBottom b_bottom, c_bottom;
    const std::string b_name = unique_name("B"), c_name = unique_name("C");
    Stack b(engine, b_bottom, 3, {}, b_name);
    Stack c(engine, c_bottom, 1, {}, c_name);
    ASSERT_TRUE(b.ok) << b.error;
    ASSERT_TRUE(c.ok) << c.error;
    auto remote_b = IoTarget::open(engine, b_name).value();
    auto remote_c = IoTarget::open(engine, c_name).value();
    EXPECT_EQ(remote_b->stack_size(), 3u);
    EXPECT_EQ(remote_c->stack_size(), 1u);

    // A request created for the 3-deep stack fits it.
    auto buf = Memory::allocate(256).value();
    {
        auto r = Request::create(*remote_b);
        ASSERT_TRUE(r) << r.status();
        ASSERT_EQ(r.value()->format_read(*remote_b, buf, {}, 17), kOk);
        ASSERT_TRUE(r.value()->send(*remote_b, SendOptions::synchronous()));
        EXPECT_EQ(r.value()->status(), kOk);
        EXPECT_TRUE(matches_pattern(buf->data(), 256, 17));
        EXPECT_EQ(b_bottom.reads.load(), 1);
    }

    // A: the remote-formatting filter over a bottom: 2 deep, so its
    // queue-delivered requests have one location left.
    PatternBottom a_bottom;
    RemoteFormattingFilter a_filter;
    auto a_low = Device::create(engine, a_bottom).value();
    auto a_top = Device::create_above(engine, a_filter, *a_low->open_target().value()).value();
    auto a = a_top->open_target().value();
    ASSERT_EQ(a->stack_size(), 2u);

    // Remote stack deeper than what is left: the format is refused, so is a send
    // of the unchanged operation; the local target fits.
    a_filter.remote = remote_b.get();
    std::memset(buf->data(), 0, 256);
    std::uint64_t n = 0;
    EXPECT_EQ(send_read_synchronously(*a, nullptr, buf, {}, 33, {}, &n), kOk);
    EXPECT_EQ(n, 256u);
    EXPECT_EQ(a_filter.remote_format, Status(STATUS_REQUEST_NOT_ACCEPTED));
    EXPECT_FALSE(a_filter.remote_sent);
    EXPECT_EQ(a_filter.remote_send, Status(STATUS_REQUEST_NOT_ACCEPTED));
    EXPECT_EQ(a_filter.local_format, kOk);
    EXPECT_TRUE(matches_pattern(buf->data(), 256, 33));
    EXPECT_EQ(a_bottom.reads.load(), 1);
    EXPECT_EQ(b_bottom.reads.load(), 1);  // never reached

    // A remote stack as shallow as what is left fits.
    a_filter.remote = remote_c.get();
    a_filter.local_format = STATUS_PENDING;
    EXPECT_EQ(send_read_synchronously(*a, nullptr, buf, {}, 44, {}, &n), kOk);
    EXPECT_EQ(a_filter.remote_format, kOk);
    EXPECT_EQ(a_filter.local_format, Status(STATUS_PENDING));
    EXPECT_EQ(c_bottom.reads.load(), 1);
    EXPECT_EQ(a_bottom.reads.load(), 1);
    EXPECT_TRUE(matches_pattern(buf->data(), 256, 44));

    a_top->remove();
    a_low->remove();
    c.remove();
    b.remove();
}

// ============================================================ 9. verifier (report mode)

namespace {
// One misuse per run, chosen by `mode`, on each read it receives.
class MisbehavingDriver : public Driver {
public:
    enum Mode { CompleteTwice, CompleteWhileCancelable, InformationTooLarge, CompleteWhileOutstanding,
                ForgetFormatted, ForgetUnformatted, ForgetWithRoutine, SendWithoutRoutine };
    Mode mode = CompleteTwice;
    Status first = STATUS_PENDING, second = STATUS_PENDING, third = STATUS_PENDING;
    bool sent = false;
    std::atomic<int> routines{0};
    CancelCounter cancels;

    void on_read(Request& r, std::size_t length) override {
        IoTarget* lower = device().default_target();
        switch (mode) {
        case CompleteTwice:
            first = r.complete_with_information(STATUS_SUCCESS, length);
            second = r.complete(STATUS_SUCCESS);
            break;
        case CompleteWhileCancelable:
            first = r.mark_cancelable(&CancelCounter::complete_cancelled, &cancels);
            second = r.complete_with_information(STATUS_SUCCESS, length);
            break;
        case InformationTooLarge:
            first = r.complete_with_information(STATUS_SUCCESS, length + 1);
            second = r.complete_with_information(STATUS_SUCCESS, length);  // still owned: this one counts
            break;
        case CompleteWhileOutstanding:  // the lower device holds it in a manual queue
            r.format_using_current_type();
            r.set_completion([this](Request& q, IoTarget&, const CompletionParams& p) {
                routines.fetch_add(1);
                q.complete_with_information(p.status, p.information);
            });
            sent = r.send(*lower);
            first = r.complete(STATUS_SUCCESS);
            break;
        case ForgetFormatted: {
            auto mem = r.retrieve_output_memory();
            first = mem ? r.format_read(*lower, mem.value(), {}, r.parameters().device_offset) : mem.status();
            sent = r.send(*lower, SendOptions::send_and_forget());
            second = r.status();
            if (!sent) r.complete(second);
            break;
        }
        case ForgetUnformatted:
            sent = r.send(*lower, SendOptions::send_and_forget());  // r is gone now
            break;
        case ForgetWithRoutine:
            r.set_completion([this](Request&, IoTarget&, const CompletionParams&) { routines.fetch_add(1); });
            sent = r.send(*lower, SendOptions::send_and_forget());
            break;
        case SendWithoutRoutine:
            r.format_using_current_type();
            sent = r.send(*lower);
            second = r.status();
            if (!sent) {
                r.complete(second);
            } else {
                // Accepted anyway: the inline lower driver has completed it
                // already, and nobody completes the original — do it here so
                // the sender is not left hanging.
                third = r.complete(STATUS_UNSUCCESSFUL);
            }
            break;
        }
    }
};
}  // namespace

using DeviceStackVerifier = DeviceStackTest;

TEST_F(DeviceStackVerifier, CompleteTwice) {
    MisbehavingDriver drv;
    auto d = Device::create(engine, drv).value();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(32).value();
    Completions c;
    auto r = send_read(*t, c, buf);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(drv.first, kOk);
    EXPECT_EQ(drv.second, Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(c.count.load(), 1);
    EXPECT_EQ(c.status(), kOk);
    EXPECT_EQ(c.information.load(), 32u);
    expected_violations = 1;
    EXPECT_EQ(violations(), 1u);
    // The device is still fine.
    drv.mode = MisbehavingDriver::InformationTooLarge;
    EXPECT_EQ(send_read_synchronously(*t, nullptr, buf, {}, 0), kOk);
    expected_violations = 2;
    d->remove();
}

TEST_F(DeviceStackVerifier, CompleteOfADriverCreatedRequest) {
    auto r = Request::create().value();
    EXPECT_EQ(r->complete(STATUS_SUCCESS), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(r->complete_with_information(STATUS_SUCCESS, 0), Status(STATUS_INVALID_DEVICE_REQUEST));
    expected_violations = 2;
    EXPECT_EQ(violations(), 2u);
}

TEST_F(DeviceStackVerifier, CompleteWhileCancelableIsReportedButCompletes) {
    MisbehavingDriver drv;
    drv.mode = MisbehavingDriver::CompleteWhileCancelable;
    auto d = Device::create(engine, drv).value();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(32).value();
    Completions c;
    auto r = send_read(*t, c, buf);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(drv.first, kOk);
    EXPECT_EQ(drv.second, kOk);
    EXPECT_EQ(c.status(), kOk);
    EXPECT_EQ(c.information.load(), 32u);
    EXPECT_FALSE(r->cancel_sent_request());  // done: the callback is not called later
    EXPECT_EQ(drv.cancels.calls.load(), 0);
    expected_violations = 1;
    d->remove();
}

TEST_F(DeviceStackVerifier, InformationLargerThanTheBuffer) {
    MisbehavingDriver drv;
    drv.mode = MisbehavingDriver::InformationTooLarge;
    auto d = Device::create(engine, drv).value();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(32).value();
    Completions c;
    auto r = send_read(*t, c, buf, 0, MemoryOffset{0, 20});
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(drv.first, Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(drv.second, kOk);
    EXPECT_EQ(c.count.load(), 1);
    EXPECT_EQ(c.status(), kOk);
    EXPECT_EQ(c.information.load(), 20u);
    expected_violations = 1;
    d->remove();
}

TEST_F(DeviceStackVerifier, CompleteWhileSentDown) {
    CountingDriver bottom;
    MisbehavingDriver drv;
    drv.mode = MisbehavingDriver::CompleteWhileOutstanding;
    auto low = Device::create(engine, bottom, {"", QueueDispatch::Manual}).value();
    auto top = Device::create_above(engine, drv, *low->open_target().value()).value();
    auto t = top->open_target().value();
    auto buf = Memory::allocate(32).value();
    Completions c;
    auto r = send_read(*t, c, buf);
    EXPECT_TRUE(drv.sent);
    EXPECT_EQ(drv.first, Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(c.count.load(), 0);  // refused: still with the lower device
    auto q = low->default_queue().retrieve_next_request();
    ASSERT_TRUE(q);
    EXPECT_EQ(q.value()->complete_with_information(STATUS_SUCCESS, 32), kOk);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), kOk);
    EXPECT_EQ(drv.routines.load(), 1);
    expected_violations = 1;
    top->remove();
    low->remove();
}

TEST_F(DeviceStackVerifier, SendAndForget) {
    PatternBottom bottom;
    MisbehavingDriver drv;
    auto low = Device::create(engine, bottom).value();
    auto top = Device::create_above(engine, drv, *low->open_target().value()).value();
    auto t = top->open_target().value();
    auto buf = Memory::allocate(64).value();

    // Formatted with a format_* call: refused (spec §4.2 step 3b), the driver completes it.
    drv.mode = MisbehavingDriver::ForgetFormatted;
    EXPECT_EQ(send_read_synchronously(*t, nullptr, buf, {}, 8), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(drv.first, kOk);
    EXPECT_FALSE(drv.sent);
    EXPECT_EQ(drv.second, Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(bottom.reads.load(), 0);
    EXPECT_EQ(violations(), 1u);

    // Unformatted: handed down, the sender gets the lower result.
    drv.mode = MisbehavingDriver::ForgetUnformatted;
    drv.sent = false;
    std::uint64_t n = 0;
    EXPECT_EQ(send_read_synchronously(*t, nullptr, buf, MemoryOffset{0, 48}, 9, {}, &n), kOk);
    EXPECT_TRUE(drv.sent);
    EXPECT_EQ(n, 48u);
    EXPECT_TRUE(matches_pattern(buf->data(), 48, 9));
    EXPECT_EQ(bottom.reads.load(), 1);
    Completions c;
    auto r = send_read(*t, c, buf, 10);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), kOk);
    EXPECT_EQ(c.information.load(), 64u);
    EXPECT_EQ(violations(), 1u);

    // With a routine set: reported, still sent, the routine not called.
    drv.mode = MisbehavingDriver::ForgetWithRoutine;
    drv.sent = false;
    EXPECT_EQ(send_read_synchronously(*t, nullptr, buf, {}, 11, {}, &n), kOk);
    EXPECT_TRUE(drv.sent);
    EXPECT_EQ(n, 64u);
    EXPECT_EQ(drv.routines.load(), 0);
    expected_violations = 2;
    top->remove();
    low->remove();
}

// Regression (fixed): spec §4.2 step 4 and §10 #5 (always checked): an asynchronous send of a
// queue-delivered request without a completion routine must be refused —
// STATUS_INVALID_DEVICE_REQUEST, FALSE. Request::send / Request::submit
// (src/core/request.cpp) have no such check (and VerifierCheck no entry for
// it): the request is accepted, and when the lower driver completes it nobody
// completes the original — the sender's request is stranded.
TEST_F(DeviceStackVerifier, AsyncSendOfADeliveredRequestWithoutRoutineIsRefused) {
    check_violations = false;  // a fixed library may report it as well
    PatternBottom bottom;
    MisbehavingDriver drv;
    drv.mode = MisbehavingDriver::SendWithoutRoutine;
    auto low = Device::create(engine, bottom).value();
    auto top = Device::create_above(engine, drv, *low->open_target().value()).value();
    auto t = top->open_target().value();
    auto buf = Memory::allocate(64).value();
    const Status got = send_read_synchronously(*t, nullptr, buf, {}, 0);
    EXPECT_FALSE(drv.sent) << "accepted without a completion routine";
    EXPECT_EQ(drv.second, Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(got, Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(bottom.reads.load(), 0);
    top->remove();
    low->remove();
}

// ============================================================ 10. bad input

using DeviceStackBadInput = DeviceStackTest;

TEST_F(DeviceStackBadInput, NamesQueuesAndDriverCreatedRequests) {
    CountingDriver d1_drv, d2_drv, dup_drv, bad_drv;
    EXPECT_EQ(Device::create(engine, bad_drv, {"Nope"}).status(), Status(STATUS_OBJECT_NAME_INVALID));
    EXPECT_EQ(Device::create(engine, bad_drv, {"\\Devices\\X"}).status(), Status(STATUS_OBJECT_NAME_INVALID));
    EXPECT_EQ(Device::create(engine, bad_drv, {"\\??\\X"}).status(), Status(STATUS_OBJECT_NAME_INVALID));
    const std::string name = unique_name("dup");
    auto d1 = Device::create(engine, d1_drv, {name}).value();
    EXPECT_EQ(Device::create(engine, dup_drv, {name}).status(), Status(STATUS_OBJECT_NAME_COLLISION));
    EXPECT_EQ(Device::find(name).get(), d1.get());  // the first keeps the name
    EXPECT_EQ(IoTarget::open(engine, "\\Device\\Nope").status(), Status(STATUS_OBJECT_NAME_NOT_FOUND));
    EXPECT_EQ(IoTarget::open(engine, unique_name("never")).status(), Status(STATUS_OBJECT_NAME_NOT_FOUND));
    EXPECT_FALSE(Device::find("\\Device\\Nope"));

    // Queues belong to one device.
    auto d2 = Device::create(engine, d2_drv).value();
    auto q2 = d2->create_queue(QueueDispatch::Manual).value();
    EXPECT_EQ(d1->configure_dispatching(RequestType::Read, *q2), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(d1->configure_dispatching(RequestType::NoFormat, d1->default_queue()), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(d1->default_queue().retrieve_next_request().status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    auto seq = d1->create_queue(QueueDispatch::Sequential).value();
    EXPECT_EQ(seq->retrieve_next_request().status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    // The refused configuration changed nothing: reads still reach d1's driver.
    auto t1 = IoTarget::open(engine, name).value();
    auto buf = Memory::allocate(8).value();
    EXPECT_EQ(send_read_synchronously(*t1, nullptr, buf, {}, 0), kOk);
    EXPECT_EQ(d1_drv.presented.load(), 1);
    EXPECT_EQ(q2->waiting(), 0u);

    // A device above a closed target.
    auto closed = d2->open_target().value();
    closed->close();
    EXPECT_EQ(Device::create_above(engine, bad_drv, *closed).status(), Status(STATUS_INVALID_DEVICE_STATE));

    // The queue-delivered calls on a driver-created request.
    auto r = Request::create().value();
    EXPECT_EQ(r->kind(), RequestKind::Created);
    EXPECT_EQ(r->retrieve_input_buffer().status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(r->retrieve_output_buffer().status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(r->retrieve_input_memory().status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(r->retrieve_output_memory().status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    ASSERT_EQ(r->format_read(*t1, buf, {}, 0), kOk);  // even when formatted
    EXPECT_EQ(r->retrieve_output_buffer().status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(r->mark_cancelable(&CancelCounter::note_only, nullptr), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(r->unmark_cancelable(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(r->forward_to_queue(d1->default_queue()), Status(STATUS_INVALID_DEVICE_REQUEST));
    // Send-and-forget of a driver-created request (spec §10 #7).
    EXPECT_FALSE(r->send(*t1, SendOptions::send_and_forget()));
    EXPECT_EQ(r->status(), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(d1_drv.presented.load(), 1);
    // And it still works as a request.
    ASSERT_TRUE(r->send(*t1, SendOptions::synchronous()));
    EXPECT_EQ(r->status(), kOk);

    d1->remove();
    d2->remove();
    EXPECT_FALSE(Device::find(name));
    EXPECT_EQ(IoTarget::open(engine, name).status(), Status(STATUS_OBJECT_NAME_NOT_FOUND));
}

TEST_F(DeviceStackBadInput, MarkCancelableWithoutCallback) {
    CountingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Manual}).value();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(8).value();
    Completions c;
    auto r = send_read(*t, c, buf);
    Request* q = d->default_queue().retrieve_next_request().value();
    EXPECT_EQ(q->mark_cancelable(nullptr), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(q->unmark_cancelable(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(q->complete_with_information(STATUS_SUCCESS, 8), kOk);  // not marked: not reported
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), kOk);
    d->remove();
}

// Regression (fixed): src/device/device.cpp, Device::Device sets driver.device_ = this
// before Device::create checks the name; a create that fails with
// STATUS_OBJECT_NAME_COLLISION destroys that device but leaves the driver
// pointing at it. A driver already serving a device is silently re-pointed at
// a deleted one (Driver::device() dangles) by a call that failed.
TEST_F(DeviceStackBadInput, FailedCreateLeavesTheDriverAlone) {
    CountingDriver drv;
    const std::string name = unique_name("x");
    auto d = Device::create(engine, drv, {name}).value();
    ASSERT_EQ(&drv.device(), d.get());
    EXPECT_EQ(Device::create(engine, drv, {name}).status(), Status(STATUS_OBJECT_NAME_COLLISION));
    EXPECT_EQ(&drv.device(), d.get()) << "Driver::device() now points at the device that failed to be created";
    d->remove();
}

// ============================================================ 11. deferred completion

namespace {
// Re-sends its request from its own completion routine, kTimes in all.
struct Resender {
    static constexpr int kTimes = 10'000;
    Engine* engine = nullptr;
    IoTarget* target = nullptr;
    Ref<Memory> buf;
    std::atomic<int> count{0}, off_engine{0}, failures{0}, done{0};
    std::uintptr_t lowest = UINTPTR_MAX, highest = 0;  // frame addresses (routines do not overlap)

    static void routine(Request& r, IoTarget&, const CompletionParams& p, void* ctx) {
        auto* self = static_cast<Resender*>(ctx);
        const auto frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
        self->lowest = std::min(self->lowest, frame);
        self->highest = std::max(self->highest, frame);
        if (!self->engine->on_engine_thread()) self->off_engine.fetch_add(1);
        if (!p.status.ok() || p.information != 64) self->failures.fetch_add(1);
        const int n = self->count.fetch_add(1) + 1;
        if (n == kTimes) {
            self->done.store(1);
            return;
        }
        if (!r.reuse().ok() || !r.format_read(*self->target, self->buf, {}, n).ok()) {
            self->failures.fetch_add(1);
            self->done.store(1);
            return;
        }
        r.set_completion(&Resender::routine, self);
        if (!r.send(*self->target)) {
            self->failures.fetch_add(1);
            self->done.store(1);
        }
    }
};
}  // namespace

using DeviceStackDeferred = DeviceStackTest;

TEST_F(DeviceStackDeferred, ResendingFromTheRoutineDoesNotRecurse) {
    PatternBottom bottom;
    DeviceOptions options;
    options.deferred_completion = true;
    Stack s(engine, bottom, 2, options);  // a filter over the deferring bottom
    ASSERT_TRUE(s.ok) << s.error;
    Resender resender;
    resender.engine = &engine;
    resender.target = s.target.get();
    resender.buf = Memory::allocate(64).value();
    auto r = Request::create(*s.target).value();
    ASSERT_EQ(r->format_read(*s.target, resender.buf, {}, 0), kOk);
    r->set_completion(&Resender::routine, &resender);
    ASSERT_TRUE(r->send(*s.target));
    std::atomic<int>& done = resender.done;
    ASSERT_TRUE(test::wait_for_count(done, 1, std::chrono::seconds(120)));
    EXPECT_EQ(resender.count.load(), Resender::kTimes);
    EXPECT_EQ(resender.failures.load(), 0);
    EXPECT_EQ(resender.off_engine.load(), 0) << "routines ran off the engine thread";
    EXPECT_EQ(bottom.reads.load(), Resender::kTimes);
    EXPECT_EQ(s.filters[0]->routines.load(), Resender::kTimes);
    // Every routine ran from the engine loop at the same depth; recursion would
    // stack the 10,000 calls (several hundred bytes each at least).
    EXPECT_LT(resender.highest - resender.lowest, 64u * 1024) << "the re-sends recursed";
    s.remove();
}

// ============================================================ re-send from the routine

namespace {
// The continuous-reader pattern: the first completion re-sends the request.
struct OneResend {
    IoTarget* target = nullptr;
    std::atomic<int> first{0}, second{0};
    std::atomic<bool> resent{false};
    static void first_routine(Request& r, IoTarget&, const CompletionParams&, void* ctx) {
        auto* self = static_cast<OneResend*>(ctx);
        self->first.fetch_add(1);
        r.set_completion(&OneResend::second_routine, self);
        self->resent = r.send(*self->target);
    }
    static void second_routine(Request&, IoTarget&, const CompletionParams&, void* ctx) {
        static_cast<OneResend*>(ctx)->second.fetch_add(1);
    }
};
}  // namespace

using DeviceStackResend = DeviceStackTest;

// Regression: a routine that re-sends its request to a device target
// dispatches it again inline, while the delivered request of the first send
// is still on the stack below the routine. Once, the first delivery's
// clean-up then released the second one while it waited in the queue (its
// pool links double as queue links: two senders shared one delivered
// request). Now the request keeps its delivered request between sends, and
// the re-send re-dispatches it only after the first delivery is done with it.
TEST_F(DeviceStackResend, ResendFromTheRoutineKeepsTheNewDeliveredRequestAlive) {
    CountingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Manual}).value();
    auto t = d->open_target().value();
    const std::uint32_t device_refs = d->ref_count();  // ours and the target's
    auto buf = Memory::allocate(16).value();
    OneResend resend;
    resend.target = t.get();
    auto r = Request::create(*t).value();
    ASSERT_EQ(r->format_read(*t, buf, {}, 0), kOk);
    r->set_completion(&OneResend::first_routine, &resend);
    ASSERT_TRUE(r->send(*t));

    Request* q1 = d->default_queue().retrieve_next_request().value();
    ASSERT_EQ(q1->complete_with_information(STATUS_SUCCESS, 16), kOk);  // the routine re-sends, inline
    ASSERT_EQ(resend.first.load(), 1);
    ASSERT_TRUE(resend.resent.load());
    ASSERT_EQ(d->default_queue().waiting(), 1u);

    auto got = d->default_queue().retrieve_next_request();
    ASSERT_TRUE(got);
    Request* q2 = got.value();
    // The same delivered request may stand for r again (r keeps it between
    // sends), but only once its first delivery is over.
    EXPECT_EQ(q2->parameters().length, 16u);
    EXPECT_GE(q2->ref_count(), 1u) << "the waiting delivered request was released to the pool while queued";
    EXPECT_EQ(q2->complete_with_information(STATUS_SUCCESS, 16), kOk);
    ASSERT_TRUE(test::wait_for_count(resend.second, 1));
    // r keeps one delivered request (and through it, one device reference) for its next send ...
    EXPECT_EQ(d->ref_count(), device_refs + 1);
    // ... and gives it back to the pool when it goes: only our and the target's references remain.
    r = nullptr;
    EXPECT_EQ(d->ref_count(), device_refs) << "a delivered request (and its device reference) leaked";
    d->remove();
}
