// Requests through in-process stacks 1–4 deep: reads and writes round-trip
// through forwarding filters, asynchronously, synchronously and from two
// threads; and the stack-location rule (spec §1.3): a queue-delivered request
// fits only the stack it arrived on.
#include "support/device_stack.hpp"

#include <cstring>
#include <thread>
#include <vector>

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

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
    Completions calls;
    calls.arm(*r);
    ASSERT_TRUE(r->send(*s.target, SendOptions::synchronous())) << r->status();
    EXPECT_EQ(calls.count.load(), 1);
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
    senders.reserve(2);
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

// ------------------------------------------------------------ stack depth (spec §1.3)

namespace {
// A filter that sends its queue-delivered reads to a remote target (another
// stack, opened by name) when they fit, else to its local target.
class RemoteFormattingFilter : public Driver {
public:
    IoTarget* remote = nullptr;
    Status remote_format = STATUS_PENDING, remote_send = STATUS_PENDING, local_format = STATUS_PENDING;
    bool remote_sent = false;
    std::uint32_t depth_seen = 0;
    void on_read(DeliveredRequest& r, std::size_t) override {
        auto mem = r.retrieve_output_memory();
        if (!mem) {
            r.complete(mem.status());
            return;
        }
        const std::int64_t off = r.parameters().device_offset;
        auto complete_original = [](DeliveredRequest& q, IoTarget&, const CompletionParams& p) {
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
