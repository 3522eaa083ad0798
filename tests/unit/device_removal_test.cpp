// Device removal with requests pending at every level: each completes once,
// later sends fail, and the target forgets requests it refused.
#include "support/device_stack.hpp"

#include <string>
#include <vector>

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

namespace {
// Top of the removal stack: reads and internal ioctls go down, writes wait in
// a manual queue, ioctls are held cancelable.
class RemovalFilter : public Driver {
public:
    CancelCounter cancels;
    std::atomic<int> held{0}, routines{0};
    void on_read(DeliveredRequest& r, std::size_t) override { forward_down(r, *device().default_target(), &routines); }
    void on_internal_device_control(DeliveredRequest& r, std::size_t, std::size_t, std::uint32_t) override {
        forward_down(r, *device().default_target(), &routines);
    }
    void on_device_control(DeliveredRequest& r, std::size_t, std::size_t, std::uint32_t) override {
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

// A send that a removed device refuses leaves no trace in the target: the
// request, sent afterwards to another device, is not touched when the first
// target is closed (nor cancelled by its stop, purge or removal).
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
