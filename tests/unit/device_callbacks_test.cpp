// Each request kind reaches its driver callback with its parameters and the
// buffers it can retrieve, directly and through a filter; unhandled kinds go
// to on_default.
#include "support/device_stack.hpp"

#include <cstring>
#include <mutex>
#include <vector>

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

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

    void on_read(DeliveredRequest& r, std::size_t length) override {
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
    void on_write(DeliveredRequest& r, std::size_t length) override {
        Seen s{"write", r.parameters()};
        s.arg_length = length;
        s.exact = r.retrieve_input_buffer(length).status();
        s.too_long = r.retrieve_input_buffer(length + 1).status();
        s.wrong_side = r.retrieve_output_buffer().status();
        record(s);
        r.complete_with_information(STATUS_SUCCESS, length);
    }
    void on_device_control(DeliveredRequest& r, std::size_t out_len, std::size_t in_len, std::uint32_t code) override {
        copy_back(r, "device_control", out_len, in_len, code);
    }
    void on_internal_device_control(DeliveredRequest& r, std::size_t out_len, std::size_t in_len,
                                    std::uint32_t code) override {
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
    void on_default(DeliveredRequest& r) override {
        defaults.fetch_add(1);
        Driver::on_default(r);
    }

private:
    void record(const Seen& s) {
        std::lock_guard lock(mutex);
        seen.push_back(s);
    }
    // Input copied to output; Information = the bytes copied.
    void copy_back(DeliveredRequest& r, const char* name, std::size_t out_len, std::size_t in_len, std::uint32_t code) {
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
    void on_read(DeliveredRequest& r, std::size_t length) override {
        reads.fetch_add(1);
        r.complete_with_information(STATUS_SUCCESS, length);
    }
    void on_default(DeliveredRequest& r) override {
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
        ASSERT_EQ(send_write_synchronously(t, nullptr, big, MemoryOffset{0, 1024}, 4096, {}, &n), kOk);
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
