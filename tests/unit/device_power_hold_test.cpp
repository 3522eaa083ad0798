// A queue held for power-down or removal (driver spec §4.5, §5.6): on_io_stop
// for each request the driver holds, stop_acknowledge's two answers,
// on_io_resume, and the hold's wait.
#include "support/device_stack.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace wdfio::test {
namespace {

using QueueHold = DeviceStackTest;

// Keeps every read; answers on_io_stop as `answer` says (None: not at all).
class HoldingDriver : public Driver {
public:
    enum class Answer { None, Keep, Requeue, Complete };
    Answer answer = Answer::Keep;
    bool io_stop = true;
    std::mutex mutex;
    std::vector<DeliveredRequest*> held;
    std::vector<std::int64_t> presented;  // offsets, in presentation order
    std::vector<std::pair<StopAction, bool>> stops;
    std::atomic<int> stop_count{0}, resumed{0};
    Status last_ack = STATUS_PENDING;

    void on_read(DeliveredRequest& r, std::size_t) override {
        std::lock_guard lock(mutex);
        presented.push_back(r.parameters().device_offset);
        held.push_back(&r);
    }
    bool wants_io_stop() const noexcept override { return io_stop; }
    void on_io_stop(Queue&, DeliveredRequest& r, StopAction action, bool cancelable) override {
        {
            std::lock_guard lock(mutex);
            stops.emplace_back(action, cancelable);
        }
        stop_count.fetch_add(1);
        switch (answer) {
        case Answer::None: break;
        case Answer::Keep: {
            // Only while still held: complete_all() may have taken it (a driver's own lock, as in KMDF).
            std::lock_guard lock(mutex);
            if (std::find(held.begin(), held.end(), &r) != held.end()) last_ack = r.stop_acknowledge(false);
            break;
        }
        case Answer::Requeue:
            forget(r);
            last_ack = r.stop_acknowledge(true);
            break;
        case Answer::Complete:
            forget(r);
            r.complete(STATUS_SUCCESS);
            break;
        }
    }
    void on_io_resume(Queue&, DeliveredRequest&) override { resumed.fetch_add(1); }

    void forget(DeliveredRequest& r) {
        std::lock_guard lock(mutex);
        std::erase(held, &r);
    }
    void complete_all(Status s = STATUS_SUCCESS) {
        std::vector<DeliveredRequest*> all;
        {
            std::lock_guard lock(mutex);
            all.swap(held);
        }
        for (auto* r : all) r->complete(s);
    }
};

struct HeldDevice {
    HoldingDriver driver;
    Ref<Device> device;
    Ref<IoTarget> target;
    Ref<Memory> buffer = Memory::allocate(16).value();
    HeldDevice(Engine& engine, QueueDispatch dispatch) {
        device = Device::create(engine, driver, {"", dispatch}).value();
        target = device->open_target().value();
    }
    ~HeldDevice() {
        driver.complete_all();
        device->remove();
    }
    Queue& queue() const { return device->default_queue(); }
};

TEST_F(QueueHold, EachHeldRequestIsToldAndKeptOnesResumeOnRelease) {
    HeldDevice d(engine, QueueDispatch::Parallel);
    Completions c, late;
    auto r1 = send_read(*d.target, c, d.buffer, 1);
    auto r2 = send_read(*d.target, c, d.buffer, 2);
    EXPECT_EQ(d.queue().hold(StopAction::Suspend), kOk);
    EXPECT_TRUE(d.queue().held());
    ASSERT_EQ(d.driver.stops.size(), 2u);
    EXPECT_EQ(d.driver.stops[0], std::make_pair(StopAction::Suspend, false));
    EXPECT_EQ(d.driver.last_ack, kOk);
    // Held: an arrival is accepted and waits (R4.11).
    auto r3 = send_read(*d.target, late, d.buffer, 3);
    EXPECT_EQ(d.queue().waiting(), 1u);
    EXPECT_EQ(d.driver.presented.size(), 2u);
    d.queue().release_hold();
    EXPECT_FALSE(d.queue().held());
    EXPECT_EQ(d.driver.resumed.load(), 2);  // R4.13: kept ones resumed
    EXPECT_EQ(d.driver.presented, (std::vector<std::int64_t>{1, 2, 3}));
    d.driver.complete_all();
    ASSERT_TRUE(c.wait(2));
    ASSERT_TRUE(late.wait());
    EXPECT_EQ(r3->status(), kOk);
}

TEST_F(QueueHold, AcknowledgedWithRequeueGoesBackToTheHeadAndIsPresentedAgain) {
    HeldDevice d(engine, QueueDispatch::Sequential);
    d.driver.answer = HoldingDriver::Answer::Requeue;
    Completions c;
    auto r1 = send_read(*d.target, c, d.buffer, 1);
    auto r2 = send_read(*d.target, c, d.buffer, 2);  // waits behind r1 (sequential)
    EXPECT_EQ(d.queue().hold(StopAction::Suspend), kOk);
    EXPECT_EQ(d.driver.last_ack, kOk);
    EXPECT_EQ(d.queue().waiting(), 2u);  // r1 back, ahead of r2 (R5.26)
    d.driver.answer = HoldingDriver::Answer::Keep;
    d.queue().release_hold();
    EXPECT_EQ(d.driver.resumed.load(), 0);  // requeued: presented, not resumed
    EXPECT_EQ(d.driver.presented, (std::vector<std::int64_t>{1, 1}));
    d.driver.complete_all();  // r1; then r2 is presented
    EXPECT_EQ(d.driver.presented, (std::vector<std::int64_t>{1, 1, 2}));
    d.driver.complete_all();
    ASSERT_TRUE(c.wait(2));
    EXPECT_EQ(r1->status(), kOk);
}

TEST_F(QueueHold, TheHoldWaitsForAnAnswerGivenLater) {
    HeldDevice d(engine, QueueDispatch::Parallel);
    d.driver.answer = HoldingDriver::Answer::None;
    Completions c;
    auto r1 = send_read(*d.target, c, d.buffer, 1);
    std::atomic<bool> returned{false};
    Status held = STATUS_PENDING;
    std::thread power([&] {
        held = d.queue().hold(StopAction::Suspend);
        returned = true;
    });
    while (d.driver.stop_count.load() == 0) std::this_thread::yield();
    EXPECT_FALSE(returned.load());  // no answer yet
    DeliveredRequest* r = d.driver.held.front();
    EXPECT_EQ(r->stop_acknowledge(false), kOk);  // outside on_io_stop, later (R5.25)
    power.join();
    EXPECT_EQ(held, kOk);
    d.queue().release_hold();
    EXPECT_EQ(d.driver.resumed.load(), 1);
}

TEST_F(QueueHold, WithoutOnIoStopTheHoldWaitsUntilTheDriverCompletes) {
    HeldDevice d(engine, QueueDispatch::Parallel);
    d.driver.io_stop = false;
    Completions c;
    auto r1 = send_read(*d.target, c, d.buffer, 1);
    std::atomic<bool> returned{false};
    std::thread power([&] {
        EXPECT_EQ(d.queue().hold(StopAction::Suspend), kOk);
        returned = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(returned.load());
    EXPECT_EQ(d.driver.stop_count.load(), 0);
    d.driver.complete_all();
    power.join();
    ASSERT_TRUE(c.wait());
    d.queue().release_hold();
}

TEST_F(QueueHold, CompletingInsideOnIoStopAnswersIt) {
    HeldDevice d(engine, QueueDispatch::Parallel);
    d.driver.answer = HoldingDriver::Answer::Complete;
    Completions c;
    auto r1 = send_read(*d.target, c, d.buffer, 1);
    EXPECT_EQ(d.queue().hold(StopAction::Suspend), kOk);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(r1->status(), kOk);
    d.queue().release_hold();
    EXPECT_EQ(d.driver.resumed.load(), 0);
}

TEST_F(QueueHold, AManualQueueHeldRefusesRetrieval) {
    HeldDevice d(engine, QueueDispatch::Manual);
    Completions c;
    auto r1 = send_read(*d.target, c, d.buffer, 1);
    EXPECT_EQ(d.queue().hold(StopAction::Suspend), kOk);
    EXPECT_EQ(d.queue().retrieve_next_request().status(), Status(STATUS_WDF_PAUSED));  // R4.11
    d.queue().release_hold();
    auto got = d.queue().retrieve_next_request();
    ASSERT_TRUE(got);
    EXPECT_EQ(got.value()->complete(STATUS_SUCCESS), kOk);
    ASSERT_TRUE(c.wait());
}

TEST_F(QueueHold, ARemovalHoldAsksKeptRequestsAgainAndARequeueCancelsThem) {
    HeldDevice d(engine, QueueDispatch::Parallel);
    Completions c;
    auto r1 = send_read(*d.target, c, d.buffer, 1);
    EXPECT_EQ(d.queue().hold(StopAction::Suspend), kOk);  // kept
    d.queue().purge();
    d.driver.answer = HoldingDriver::Answer::Requeue;
    EXPECT_EQ(d.queue().hold(StopAction::Purge), kOk);
    ASSERT_EQ(d.driver.stops.size(), 2u);
    EXPECT_EQ(d.driver.stops[1].first, StopAction::Purge);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(r1->status(), Status(STATUS_CANCELLED));  // R5.29: requeued while purged
}

TEST_F(QueueHold, ACancelableRequestIsSaidToBeOne) {
    HeldDevice d(engine, QueueDispatch::Parallel);
    Completions c;
    auto r1 = send_read(*d.target, c, d.buffer, 1);
    DeliveredRequest* r = d.driver.held.front();
    ASSERT_EQ(r->mark_cancelable([](DeliveredRequest& q, void*) { q.complete(STATUS_CANCELLED); }, nullptr), kOk);
    EXPECT_EQ(d.queue().hold(StopAction::Suspend), kOk);
    ASSERT_EQ(d.driver.stops.size(), 1u);
    EXPECT_TRUE(d.driver.stops[0].second);
    EXPECT_EQ(r->unmark_cancelable(), kOk);
    d.queue().release_hold();
}

TEST_F(QueueHold, ARequestWhoseCancelWasAskedIsNotToldButWaitedFor) {
    HeldDevice d(engine, QueueDispatch::Parallel);
    Completions c;
    auto r1 = send_read(*d.target, c, d.buffer, 1);
    r1->cancel_sent_request();
    std::thread power([&] { EXPECT_EQ(d.queue().hold(StopAction::Suspend), kOk); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(d.driver.stop_count.load(), 0);
    d.driver.complete_all(STATUS_CANCELLED);
    power.join();
    ASSERT_TRUE(c.wait());
    d.queue().release_hold();
}

TEST_F(QueueHold, AnAcknowledgeWithNothingToAnswerIsReportedAndIgnored) {
    HeldDevice d(engine, QueueDispatch::Parallel);
    Completions c;
    auto r1 = send_read(*d.target, c, d.buffer, 1);
    DeliveredRequest* r = d.driver.held.front();
    expected_violations = 1;
    EXPECT_EQ(r->stop_acknowledge(false), Status(STATUS_INVALID_DEVICE_REQUEST));  // R5.27
    EXPECT_EQ(d.queue().waiting(), 0u);
}

TEST_F(QueueHold, ARequeueOfACancelableRequestIsReportedAndIgnored) {
    HeldDevice d(engine, QueueDispatch::Parallel);
    d.driver.answer = HoldingDriver::Answer::None;
    Completions c;
    auto r1 = send_read(*d.target, c, d.buffer, 1);
    DeliveredRequest* r = d.driver.held.front();
    ASSERT_EQ(r->mark_cancelable([](DeliveredRequest& q, void*) { q.complete(STATUS_CANCELLED); }, nullptr), kOk);
    std::thread power([&] { EXPECT_EQ(d.queue().hold(StopAction::Suspend), kOk); });
    while (d.driver.stop_count.load() == 0) std::this_thread::yield();
    expected_violations = 1;
    EXPECT_EQ(r->stop_acknowledge(true), Status(STATUS_INVALID_DEVICE_REQUEST));  // R5.27
    EXPECT_EQ(r->unmark_cancelable(), kOk);
    EXPECT_EQ(r->stop_acknowledge(true), kOk);  // unmarked first: fine
    power.join();
    EXPECT_EQ(d.queue().waiting(), 1u);
    d.driver.forget(*r);
    d.driver.answer = HoldingDriver::Answer::Keep;
    d.queue().release_hold();
    EXPECT_EQ(d.driver.presented, (std::vector<std::int64_t>{1, 1}));
}

// R5.9: a parallel queue with a limit presents while the driver holds fewer.
TEST_F(QueueHold, ALimitedParallelQueuePresentsUpToItsLimit) {
    HoldingDriver driver;
    auto device = Device::create(engine, driver).value();
    auto queue = device->create_parallel_queue(2, &driver).value();
    ASSERT_EQ(device->configure_dispatching(RequestType::Read, *queue), kOk);
    auto target = device->open_target().value();
    auto buffer = Memory::allocate(16).value();
    Completions c;
    std::vector<Ref<Request>> sent;
    sent.reserve(4);
    for (int i = 0; i < 4; ++i) sent.push_back(send_read(*target, c, buffer, i));
    EXPECT_EQ(driver.presented, (std::vector<std::int64_t>{0, 1}));
    EXPECT_EQ(queue->waiting(), 2u);
    DeliveredRequest* first = driver.held.front();
    driver.forget(*first);
    EXPECT_EQ(first->complete(STATUS_SUCCESS), kOk);  // one fewer held: the next comes
    EXPECT_EQ(driver.presented, (std::vector<std::int64_t>{0, 1, 2}));
    driver.complete_all();  // in turn: 3 comes as 1 and 2 go
    EXPECT_EQ(driver.presented, (std::vector<std::int64_t>{0, 1, 2, 3}));
    driver.complete_all();
    ASSERT_TRUE(c.wait(4));
    device->remove();
}

TEST_F(QueueHold, ALimitOfZeroPresentsNothing) {
    HoldingDriver driver;
    auto device = Device::create(engine, driver).value();
    auto queue = device->create_parallel_queue(0, &driver).value();
    ASSERT_EQ(device->configure_dispatching(RequestType::Read, *queue), kOk);
    auto target = device->open_target().value();
    auto buffer = Memory::allocate(16).value();
    Completions c;
    auto r = send_read(*target, c, buffer, 0);
    EXPECT_TRUE(driver.presented.empty());
    EXPECT_EQ(queue->waiting(), 1u);
    queue->purge();  // what waits is cancelled
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(r->status(), Status(STATUS_CANCELLED));
    device->remove();
}

// Holds and releases racing sends and the driver's completions: every
// request completes exactly once, and no verifier report.
TEST_F(QueueHold, HoldsRaceSendsAndCompletions) {
    HeldDevice d(engine, QueueDispatch::Parallel);
    constexpr int kSenders = 2, kPerSender = 150;
    Completions c;
    // The completer outlives the power thread: a hold in progress waits for
    // the requests the driver holds, which only the completer completes.
    std::atomic<bool> sending{true}, holding{true};
    std::thread completer([&] {
        while (holding.load()) {
            d.driver.complete_all();
            std::this_thread::yield();
        }
    });
    std::thread power([&] {
        while (sending.load()) {
            EXPECT_EQ(d.queue().hold(StopAction::Suspend), kOk);
            d.queue().release_hold();
        }
    });
    std::vector<std::thread> senders;
    senders.reserve(kSenders);
    std::vector<std::vector<Ref<Request>>> sent(kSenders);
    for (int t = 0; t < kSenders; ++t)
        senders.emplace_back([&, t] {
            auto buffer = Memory::allocate(16).value();
            for (int i = 0; i < kPerSender; ++i) sent[t].push_back(send_read(*d.target, c, buffer, i));
        });
    for (auto& t : senders) t.join();
    sending = false;  // every request is presented, waiting or done: sends to a device are synchronous
    power.join();
    holding = false;
    completer.join();
    d.driver.complete_all();
    ASSERT_TRUE(c.wait(kSenders * kPerSender));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(c.count.load(), kSenders * kPerSender);  // exactly once each
    EXPECT_FALSE(d.queue().held());
}

}  // namespace
}  // namespace wdfio::test
