// Cancel of requests waiting in a queue or held cancelable by a driver, the
// mark/unmark-cancelable rules, and timed sends that cancel at expiry.
#include "support/device_stack.hpp"

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

// ------------------------------------------------------------ cancel

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
    DeliveredRequest* q = got.value();
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
    DeliveredRequest* q = d->default_queue().retrieve_next_request().value();
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
    DeliveredRequest* q2 = d->default_queue().retrieve_next_request().value();
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

// ------------------------------------------------------------ timed sends

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
