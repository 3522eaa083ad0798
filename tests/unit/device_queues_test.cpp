// Queue dispatch (sequential, parallel, manual, forwarding between queues,
// per-type dispatch) and queue states (stop, start, purge).
#include "support/device_stack.hpp"

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

// ------------------------------------------------------------ queue dispatch types

namespace {
// Holds every request presented to it until the test completes it; checks
// that it is never entered twice at once and never holds two.
class HoldingDriver : public Driver {
public:
    std::mutex mutex;
    std::vector<DeliveredRequest*> held;
    std::vector<std::int64_t> order;  // device offsets, as presented
    std::atomic<int> presented{0}, inside{0}, reentered{0}, outstanding{0}, max_outstanding{0};

    void on_write(DeliveredRequest& r, std::size_t) override { hold(r); }
    void on_read(DeliveredRequest& r, std::size_t) override { hold(r); }
    DeliveredRequest* take() {
        std::lock_guard lock(mutex);
        if (held.empty()) return nullptr;
        DeliveredRequest* q = held.front();
        held.erase(held.begin());
        return q;
    }
    void complete(DeliveredRequest& q) {
        outstanding.fetch_sub(1);  // before: completing presents the next one, inline
        EXPECT_EQ(q.complete_with_information(STATUS_SUCCESS, q.parameters().length), kOk);
    }

private:
    void hold(DeliveredRequest& r) {
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
        DeliveredRequest* q = drv.take();
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
    void on_write(DeliveredRequest& r, std::size_t length) override {
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
    senders.reserve(2);
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
constexpr auto kRendezvous = std::chrono::seconds(10);  // bounded waits inside callbacks

// Each callback waits (bounded) until a second one is inside too.
class RendezvousDriver : public Driver {
public:
    std::mutex mutex;
    std::condition_variable cv;
    int arrived = 0;
    std::atomic<int> met{0};
    void on_read(DeliveredRequest& r, std::size_t) override {
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
    senders.reserve(2);
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
        DeliveredRequest* r = got.value();
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

class IoctlDriver : public Driver {
public:
    std::atomic<int> ioctls{0};
    void on_device_control(DeliveredRequest& r, std::size_t, std::size_t, std::uint32_t) override {
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

// ------------------------------------------------------------ queue states

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
    reqs.reserve(3);
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

    // A stopped manual queue gives nothing out (R5.32: STATUS_WDF_PAUSED).
    CountingDriver mdrv;
    auto m = Device::create(engine, mdrv, {"", QueueDispatch::Manual}).value();
    auto mt = m->open_target().value();
    Completions mc;
    auto mr = send_read(*mt, mc, buf);
    m->default_queue().stop();
    EXPECT_EQ(m->default_queue().retrieve_next_request().status(), Status(STATUS_WDF_PAUSED));
    m->default_queue().start();
    auto got = m->default_queue().retrieve_next_request();
    ASSERT_TRUE(got);
    EXPECT_EQ(got.value()->complete_with_information(STATUS_SUCCESS, 1), kOk);
    ASSERT_TRUE(mc.wait());
    d->remove();
    m->remove();
}

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

// R5.18: stop_and_purge cancels what waits now and the cancelable requests
// the driver holds, yet keeps accepting: later arrivals wait for start().
TEST_F(DeviceStackQueueState, StopAndPurgeCancelsWhatWaitsAndLaterArrivalsWait) {
    CancelableHolder holder;
    auto d = Device::create(engine, holder).value();
    auto t = d->open_target().value();
    Queue& q = d->default_queue();
    auto buf = Memory::allocate(16).value();
    Completions held;
    auto r0 = send_read(*t, held, buf);  // presented, held cancelable
    ASSERT_EQ(holder.held.load(), 1);
    q.stop();
    Completions waiting;
    auto r1 = send_read(*t, waiting, buf, 1);
    auto r2 = send_read(*t, waiting, buf, 2);
    EXPECT_EQ(q.waiting(), 2u);
    q.stop_and_purge();
    ASSERT_TRUE(waiting.wait(2));
    EXPECT_EQ(r1->status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(r2->status(), Status(STATUS_CANCELLED));
    ASSERT_TRUE(held.wait());
    EXPECT_EQ(holder.cancels.calls.load(), 1);
    EXPECT_EQ(held.status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(q.state(), QueueState::Stopped);  // still accepting

    Completions late;
    auto r3 = send_read(*t, late, buf, 3);
    EXPECT_EQ(q.waiting(), 1u);
    EXPECT_EQ(late.count.load(), 0);
    q.start();
    EXPECT_EQ(holder.held.load(), 2);  // presented now
    EXPECT_EQ(q.waiting(), 0u);
    q.purge();  // ends the held one
    ASSERT_TRUE(late.wait());
    EXPECT_EQ(late.status(), Status(STATUS_CANCELLED));
    d->remove();
}

// R5.40: deleting a queue purges it, then waits until the driver holds
// nothing the queue presented; the cleanup callback runs after that.
TEST_F(DeviceStackQueueState, DeletingAQueueWaitsForTheRequestsTheDriverHolds) {
    CountingDriver drv;
    HoldingDriver holder;
    auto d = Device::create(engine, drv).value();
    static std::atomic<int> cleaned{0};
    cleaned = 0;
    ObjectAttributes a;
    a.cleanup = [](Object&) { cleaned.fetch_add(1); };
    auto q = d->create_queue(QueueDispatch::Parallel, &holder, a).value();
    ASSERT_EQ(d->configure_dispatching(RequestType::Read, *q), kOk);
    auto t = d->open_target().value();
    Completions c;
    auto buf = Memory::allocate(16).value();
    auto r = send_read(*t, c, buf, 0);
    ASSERT_EQ(holder.presented.load(), 1);
    ASSERT_EQ(d->configure_dispatching(RequestType::Read, d->default_queue()), kOk);  // q may be deleted now
    std::atomic<bool> deleted{false};
    std::thread deleter([&] {
        EXPECT_EQ(q->delete_object(), kOk);
        deleted = true;
    });
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(deleted.load()) << "the delete returned while the driver held a request";
    EXPECT_EQ(cleaned.load(), 0);
    DeliveredRequest* held = holder.take();
    ASSERT_NE(held, nullptr);
    holder.complete(*held);
    deleter.join();
    EXPECT_TRUE(deleted.load());
    EXPECT_EQ(cleaned.load(), 1);
    ASSERT_TRUE(c.wait(1));
    d->remove();
}
