// The verifier's completion checks in report mode (spec §10 #5, #6, #11–#15):
// each misuse is reported and refused, and the device keeps working.
#include "support/device_stack.hpp"

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

namespace {
// One misuse per run, chosen by `mode`, on each read it receives.
class MisbehavingDriver : public Driver {
public:
    enum Mode {
        CompleteTwice,
        CompleteWhileCancelable,
        InformationTooLarge,
        CompleteWhileOutstanding,
        ForgetFormatted,
        ForgetUnformatted,
        ForgetWithRoutine,
        SendWithoutRoutine
    };
    Mode mode = CompleteTwice;
    Status first = STATUS_PENDING, second = STATUS_PENDING, third = STATUS_PENDING;
    bool sent = false;
    std::atomic<int> routines{0};
    CancelCounter cancels;

    void on_read(DeliveredRequest& r, std::size_t length) override {
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
            r.set_completion([this](DeliveredRequest& q, IoTarget&, const CompletionParams& p) {
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

// Spec §10 #13 (completing a driver-created request) cannot be written in
// C++: complete() is the driver's view's (DeliveredRequest), which a created
// request never is.
TEST_F(DeviceStackVerifier, CompleteOfADriverCreatedRequestIsNotACall) {
    static_assert(!kHasDriverCalls<Request>);
    auto r = Request::create().value();
    EXPECT_EQ(DeliveredRequest::from(*r), nullptr);
    EXPECT_EQ(violations(), 0u);
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

// An asynchronous send of a queue-delivered request without a completion
// routine is refused — STATUS_INVALID_DEVICE_REQUEST, FALSE (spec §4.2 step 4,
// §10 #5, always checked) — so the sender's request is never stranded.
TEST_F(DeviceStackVerifier, AsyncSendOfADeliveredRequestWithoutRoutineIsRefused) {
    check_violations = false;  // the library may report it as a violation as well
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
