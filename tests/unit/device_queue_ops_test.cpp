// The core queue operations of driver spec §5.5, §5.8 and §5.9: drain,
// find_request / retrieve_found_request, ready_notify, requeue.
#include "support/device_stack.hpp"

#include <wdfio/file_object.hpp>

#include <gtest/gtest.h>

namespace wdfio::test {
namespace {

using DeviceStackQueueOps = DeviceStackTest;

// A manual default queue, and a target on its device.
struct ManualDevice {
    CountingDriver driver;
    Ref<Device> device;
    Ref<IoTarget> target;
    Ref<Memory> buffer = Memory::allocate(16).value();
    explicit ManualDevice(Engine& engine) {
        device = Device::create(engine, driver, {"", QueueDispatch::Manual}).value();
        target = device->open_target().value();
    }
    ~ManualDevice() { device->remove(); }
    Queue& queue() const { return device->default_queue(); }
};

TEST_F(DeviceStackQueueOps, DrainRefusesArrivalsAndStillGivesOutWhatWaits) {
    ManualDevice m(engine);
    Completions c, late;
    auto r1 = send_read(*m.target, c, m.buffer, 1);
    auto r2 = send_read(*m.target, c, m.buffer, 2);
    m.queue().drain();
    EXPECT_EQ(m.queue().state(), QueueState::Draining);
    auto r3 = send_read(*m.target, late, m.buffer, 3);
    ASSERT_TRUE(late.wait());
    EXPECT_EQ(late.status(), Status(STATUS_INVALID_DEVICE_STATE));  // R5.15
    EXPECT_EQ(m.queue().waiting(), 2u);                             // nothing cancelled
    for (int i = 0; i < 2; ++i) {
        auto got = m.queue().retrieve_next_request();
        ASSERT_TRUE(got);
        EXPECT_EQ(got.value()->complete(STATUS_SUCCESS), kOk);
    }
    ASSERT_TRUE(c.wait(2));
    EXPECT_EQ(r1->status(), kOk);
    // Stopped while draining: neither accepting nor presenting; started: both.
    m.queue().stop();
    EXPECT_EQ(m.queue().state(), QueueState::Purged);
    m.queue().start();
    EXPECT_EQ(m.queue().state(), QueueState::Started);
}

TEST_F(DeviceStackQueueOps, DrainOfAStoppedQueueNeitherAcceptsNorPresents) {
    CountingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Sequential}).value();
    auto t = d->open_target().value();
    Queue& q = d->default_queue();
    q.stop();
    Completions c;
    auto buf = Memory::allocate(16).value();
    std::vector<Ref<Request>> reqs;
    reqs.reserve(3);
    for (int i = 0; i < 3; ++i) reqs.push_back(send_read(*t, c, buf, i));
    q.drain();  // stopped, then drained: neither
    EXPECT_EQ(q.state(), QueueState::Purged);
    EXPECT_EQ(send_read_synchronously(*t, nullptr, buf, {}, 0), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(drv.presented.load(), 0);
    EXPECT_EQ(q.waiting(), 3u);
    q.start();  // what waited is presented, in order
    ASSERT_TRUE(c.wait(3));
    EXPECT_EQ(drv.order, (std::vector<std::int64_t>{0, 1, 2}));
    q.drain();
    EXPECT_EQ(q.state(), QueueState::Draining);
    d->remove();
}

TEST_F(DeviceStackQueueOps, FindWalksWaitingRequestsAndRetrieveFoundTakesOne) {
    ManualDevice m(engine);
    Completions c;
    std::vector<Ref<Request>> reqs;
    reqs.reserve(3);
    for (int i = 1; i <= 3; ++i) reqs.push_back(send_read(*m.target, c, m.buffer, i));
    auto first = m.queue().find_request(nullptr);
    ASSERT_TRUE(first);
    EXPECT_EQ(first.value()->parameters().device_offset, 1);
    auto second = m.queue().find_request(first.value().get());
    ASSERT_TRUE(second);
    EXPECT_EQ(second.value()->parameters().device_offset, 2);
    EXPECT_EQ(m.queue().waiting(), 3u);  // found, still waiting

    auto taken = m.queue().retrieve_found_request(*second.value());
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken.value(), second.value().get());
    EXPECT_EQ(m.queue().waiting(), 2u);
    EXPECT_EQ(m.queue().retrieve_found_request(*second.value()).status(), Status(STATUS_NOT_FOUND));
    EXPECT_EQ(m.queue().find_request(second.value().get()).status(), Status(STATUS_NOT_FOUND));
    EXPECT_EQ(taken.value()->complete(STATUS_SUCCESS), kOk);

    auto third = m.queue().find_request(first.value().get());  // the second is gone: the third follows
    ASSERT_TRUE(third);
    EXPECT_EQ(third.value()->parameters().device_offset, 3);
    EXPECT_EQ(m.queue().find_request(third.value().get()).status(), Status(STATUS_NO_MORE_ENTRIES));
    {
        // R5.33's FileObject: only that open's requests are found.
        auto opened = m.device->open_file();
        ASSERT_TRUE(opened);
        Completions o;
        auto through_open = send_read(*opened, o, m.buffer, 4);
        auto fourth = m.queue().find_request(third.value().get());
        ASSERT_TRUE(fourth);
        const FileObject* file = fourth.value()->file_object();
        ASSERT_NE(file, nullptr);
        auto by_file = m.queue().find_request(nullptr, file);  // skips the three opened by no one
        ASSERT_TRUE(by_file);
        EXPECT_EQ(by_file.value().get(), fourth.value().get());
        EXPECT_EQ(m.queue().find_request(by_file.value().get(), file).status(), Status(STATUS_NO_MORE_ENTRIES));
        EXPECT_EQ(m.queue().retrieve_found_request(*fourth.value()).value()->complete(STATUS_SUCCESS), kOk);
        ASSERT_TRUE(o.wait(1));
        opened->close();
    }
    m.queue().stop();
    EXPECT_EQ(m.queue().retrieve_found_request(*third.value()).status(), Status(STATUS_WDF_PAUSED));
    m.queue().start();
    for (int i = 0; i < 2; ++i) EXPECT_EQ(m.queue().retrieve_next_request().value()->complete(STATUS_SUCCESS), kOk);
    ASSERT_TRUE(c.wait(3));
}

TEST_F(DeviceStackQueueOps, FindAndRetrieveFoundOnlyOnManualQueues) {
    CountingDriver drv;
    auto d = Device::create(engine, drv).value();
    auto seq = d->create_queue(QueueDispatch::Sequential).value();
    EXPECT_EQ(d->default_queue().find_request(nullptr).status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(seq->find_request(nullptr).status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    ManualDevice m(engine);
    Completions c;
    auto r = send_read(*m.target, c, m.buffer, 1);
    auto found = m.queue().find_request(nullptr).value();
    EXPECT_EQ(seq->retrieve_found_request(*found).status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    // Another manual queue: not waiting there.
    auto other = m.device->create_queue(QueueDispatch::Manual).value();
    EXPECT_EQ(other->retrieve_found_request(*found).status(), Status(STATUS_NOT_FOUND));
    EXPECT_EQ(other->find_request(found.get()).status(), Status(STATUS_NOT_FOUND));
    EXPECT_EQ(m.queue().retrieve_found_request(*found).value()->complete(STATUS_SUCCESS), kOk);
    ASSERT_TRUE(c.wait());
    d->remove();
}

TEST_F(DeviceStackQueueOps, ReadyNotifyOncePerEmptyToNonEmpty) {
    ManualDevice m(engine);
    std::atomic<int> ready{0};
    auto count = [&](Queue& q) {
        EXPECT_EQ(&q, &m.queue());
        ready.fetch_add(1);
    };
    ASSERT_EQ(m.queue().ready_notify(count), kOk);
    EXPECT_EQ(ready.load(), 0);
    Completions c;
    auto r1 = send_read(*m.target, c, m.buffer, 1);
    ASSERT_TRUE(wait_for_count(ready, 1));
    auto r2 = send_read(*m.target, c, m.buffer, 2);
    EXPECT_EQ(m.queue().waiting(), 2u);
    EXPECT_EQ(ready.load(), 1);
    // Requeued into an empty queue: a transition too.
    auto a = m.queue().retrieve_next_request().value();
    auto b = m.queue().retrieve_next_request().value();
    EXPECT_EQ(b->complete(STATUS_SUCCESS), kOk);
    EXPECT_EQ(a->requeue(), kOk);
    EXPECT_EQ(ready.load(), 2);
    // Registered twice, cancelled while presenting: refused.
    EXPECT_EQ(m.queue().ready_notify(count), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(m.queue().ready_notify(nullptr), Status(STATUS_INVALID_DEVICE_REQUEST));
    m.queue().stop();
    EXPECT_EQ(m.queue().ready_notify(nullptr), kOk);
    EXPECT_EQ(m.queue().ready_notify(nullptr), Status(STATUS_INVALID_DEVICE_REQUEST));  // none left
    // Registered with requests waiting: at once if presenting, else on start.
    ASSERT_EQ(m.queue().ready_notify(count), kOk);
    EXPECT_EQ(ready.load(), 2);
    m.queue().start();
    EXPECT_EQ(ready.load(), 3);
    m.queue().stop();
    ASSERT_EQ(m.queue().ready_notify(nullptr), kOk);
    m.queue().start();
    ASSERT_EQ(m.queue().ready_notify(count), kOk);
    EXPECT_EQ(ready.load(), 4);
    EXPECT_EQ(m.queue().retrieve_next_request().value()->complete(STATUS_SUCCESS), kOk);
    ASSERT_TRUE(c.wait(2));
}

TEST_F(DeviceStackQueueOps, ReadyNotifyBadInput) {
    CountingDriver drv;
    auto d = Device::create(engine, drv).value();
    auto noop = [](Queue&) {};
    EXPECT_EQ(d->default_queue().ready_notify(noop), Status(STATUS_INVALID_DEVICE_REQUEST));
    auto manual = d->create_queue(QueueDispatch::Manual).value();
    manual->delete_object();
    EXPECT_EQ(manual->ready_notify(noop), Status(STATUS_DELETE_PENDING));
    d->remove();
}

TEST_F(DeviceStackQueueOps, RequeueGoesToTheHead) {
    ManualDevice m(engine);
    Completions c;
    auto r1 = send_read(*m.target, c, m.buffer, 1);
    auto r2 = send_read(*m.target, c, m.buffer, 2);
    DeliveredRequest* first = m.queue().retrieve_next_request().value();
    EXPECT_EQ(first->requeue(), kOk);
    EXPECT_EQ(first->requeue(), Status(STATUS_INVALID_DEVICE_REQUEST));  // waiting: not the driver's
    EXPECT_EQ(m.queue().waiting(), 2u);
    DeliveredRequest* again = m.queue().retrieve_next_request().value();
    EXPECT_EQ(again, first);
    EXPECT_EQ(again->parameters().device_offset, 1);
    EXPECT_EQ(again->complete(STATUS_SUCCESS), kOk);
    EXPECT_EQ(m.queue().retrieve_next_request().value()->complete(STATUS_SUCCESS), kOk);
    ASSERT_TRUE(c.wait(2));
    EXPECT_EQ(r1->status(), kOk);
}

TEST_F(DeviceStackQueueOps, RequeueAfterPurgeOrCancelCancels) {
    ManualDevice m(engine);
    Completions c1, c2;
    auto r1 = send_read(*m.target, c1, m.buffer, 1);
    DeliveredRequest* held = m.queue().retrieve_next_request().value();
    m.queue().purge();
    EXPECT_EQ(held->requeue(), kOk);  // cancel-requeue mode: cancelled, still success
    ASSERT_TRUE(c1.wait());
    EXPECT_EQ(r1->status(), Status(STATUS_CANCELLED));
    m.queue().start();
    auto r2 = send_read(*m.target, c2, m.buffer, 2);
    held = m.queue().retrieve_next_request().value();
    r2->cancel_sent_request();  // held, not cancelable: only marked
    EXPECT_EQ(held->requeue(), kOk);
    ASSERT_TRUE(c2.wait());
    EXPECT_EQ(r2->status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(m.queue().waiting(), 0u);
}

TEST_F(DeviceStackQueueOps, RequeueOnlyFromAManualQueue) {
    CancelableHolder holder;
    auto d = Device::create(engine, holder).value();
    auto t = d->open_target().value();
    Completions c;
    auto buf = Memory::allocate(16).value();
    auto r = send_read(*t, c, buf, 1);
    ASSERT_TRUE(wait_for_count(holder.held, 1));
    DeliveredRequest* held = holder.requests.front();
    EXPECT_EQ(held->requeue(), Status(STATUS_INVALID_DEVICE_REQUEST));  // parallel queue
    EXPECT_EQ(held->unmark_cancelable(), kOk);
    EXPECT_EQ(held->complete(STATUS_SUCCESS), kOk);
    ASSERT_TRUE(c.wait());
    // Marked cancelable: refused.
    ManualDevice m(engine);
    Completions mc;
    auto mr = send_read(*m.target, mc, m.buffer, 1);
    DeliveredRequest* got = m.queue().retrieve_next_request().value();
    ASSERT_EQ(got->mark_cancelable(&CancelCounter::complete_cancelled, &holder.cancels), kOk);
    EXPECT_EQ(got->requeue(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(got->unmark_cancelable(), kOk);
    EXPECT_EQ(got->complete(STATUS_SUCCESS), kOk);
    ASSERT_TRUE(mc.wait());
    d->remove();
}

// R5.30: a manual queue's driver that takes back what it requeued when it is cancelled.
class CanceledOnQueueDriver : public Driver {
public:
    std::atomic<int> canceled{0};
    bool wants_canceled_on_queue() const noexcept override { return true; }
    void on_canceled_on_queue(DeliveredRequest& r) override {
        canceled.fetch_add(1);
        EXPECT_EQ(r.complete_with_information(STATUS_CANCELLED, 0), kOk);  // the driver's again
    }
};

TEST_F(DeviceStackQueueOps, CancelledAfterRequeueGoesToTheDriver) {
    CanceledOnQueueDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Manual}).value();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(16).value();
    Completions c1, c2;
    auto r1 = send_read(*t, c1, buf, 1);
    auto r2 = send_read(*t, c2, buf, 2);
    // Never presented: the queue completes it.
    r2->cancel_sent_request();
    ASSERT_TRUE(c2.wait());
    EXPECT_EQ(r2->status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(drv.canceled.load(), 0);
    // Requeued, then cancelled: through the driver.
    DeliveredRequest* held = d->default_queue().retrieve_next_request().value();
    EXPECT_EQ(held->requeue(), kOk);
    r1->cancel_sent_request();
    ASSERT_TRUE(c1.wait());
    EXPECT_EQ(r1->status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(drv.canceled.load(), 1);
    EXPECT_EQ(d->default_queue().waiting(), 0u);
    d->remove();
}

TEST_F(DeviceStackQueueOps, CancelledAfterForwardGoesToTheDestinationsDriver) {
    ForwardingDriver fwd;
    CanceledOnQueueDriver manual_drv;
    auto d = Device::create(engine, fwd).value();
    auto manual = d->create_queue(QueueDispatch::Manual, &manual_drv).value();
    fwd.manual = manual.get();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(16).value();
    Completions c;
    auto r = send_read(*t, c, buf, 1);
    ASSERT_TRUE(wait_for_count(fwd.presented, 1));
    EXPECT_EQ(fwd.forward_status, kOk);
    EXPECT_EQ(manual->waiting(), 1u);
    r->cancel_sent_request();
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(r->status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(manual_drv.canceled.load(), 1);
    d->remove();
}

TEST_F(DeviceStackQueueOps, ForwardIntoADrainingQueueIsBusyAndStaysTheDrivers) {
    ForwardingDriver fwd;
    auto d = Device::create(engine, fwd).value();
    auto manual = d->create_queue(QueueDispatch::Manual).value();
    fwd.manual = manual.get();
    manual->drain();
    auto t = d->open_target().value();
    auto buf = Memory::allocate(16).value();
    Completions c;
    auto r = send_read(*t, c, buf, 1);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(fwd.forward_status, Status(STATUS_WDF_BUSY));       // R5.36
    EXPECT_NE(r->status(), Status(STATUS_INVALID_DEVICE_STATE));  // the driver completed it, not the queue
    EXPECT_EQ(manual->waiting(), 0u);
    d->remove();
}

}  // namespace
}  // namespace wdfio::test
