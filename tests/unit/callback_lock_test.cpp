// CallbackLock and a queue's callbacks under it (driver spec R7.3, R5.13):
// excluded, kept for the holder rather than waited for, and its misuse reported.
#include "support/completions.hpp"
#include "support/device_stack.hpp"

#include <atomic>
#include <thread>
#include <vector>

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

namespace {

using CallbackLocks = DeviceObjectTest;

TEST_F(CallbackLocks, WorkForTheHolderRunsWhenItReleasesUnderTheLock) {
    auto lock = CallbackLock::create().value();
    std::vector<int> order;
    lock->lock();
    lock->run_locked([&] { order.push_back(1); }, true);  // this thread holds it: kept, not a deadlock
    EXPECT_TRUE(order.empty());
    std::thread other([&] { lock->run_locked([&] { order.push_back(2); }, false); });  // may not wait: kept
    other.join();
    EXPECT_TRUE(order.empty());
    order.push_back(0);
    lock->unlock();  // runs both, still holding the lock, in the order they were kept
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
    EXPECT_FALSE(lock->held_here());
    lock->run_locked([&] { EXPECT_TRUE(lock->held_here()); }, false);  // free: at once
}

TEST_F(CallbackLocks, MisuseIsReportedAndChangesNothing) {
    auto lock = CallbackLock::create().value();
    const auto before = Verifier::violations();
    lock->unlock();  // not held
    lock->lock();
    lock->lock();  // held by this thread: reported, not taken again
    EXPECT_EQ(Verifier::violations(), before + 2);
    expected_violations = 2;
    lock->unlock();
    std::thread([&] {
        lock->lock();  // free after one unlock
        lock->unlock();
    }).join();
}

// A driver whose reads stay inside their callback a while, counting how many are inside at once.
class SlowReader : public Driver {
public:
    std::atomic<int> inside{0}, most{0}, calls{0};
    void on_read(DeliveredRequest& r, std::size_t length) override {
        const int now = inside.fetch_add(1) + 1;
        for (int m = most.load(); now > m && !most.compare_exchange_weak(m, now);) {
        }
        calls.fetch_add(1);
        std::this_thread::sleep_for(2ms);
        inside.fetch_sub(1);
        r.complete_with_information(STATUS_SUCCESS, length);
    }
};

TEST_F(CallbackLocks, AQueueUnderALockPresentsOneAtATime) {
    SlowReader reader;
    auto d = Device::create(engine, reader).value();
    auto lock = CallbackLock::create().value();
    ASSERT_EQ(d->default_queue().set_callback_lock(*lock), kOk);
    EXPECT_EQ(d->default_queue().set_callback_lock(*lock), STATUS_INVALID_DEVICE_STATE);  // once
    EXPECT_EQ(d->default_queue().callback_lock(), lock.get());
    auto t = d->open_target().value();
    std::vector<std::thread> senders;
    senders.reserve(4);
    for (int i = 0; i < 4; ++i)
        senders.emplace_back([&] {
            auto buf = Memory::allocate(512).value();
            for (int k = 0; k < 5; ++k) {
                auto r = Request::create(*t).value();
                ASSERT_EQ(r->format_read(*t, buf, {}, 0), kOk);
                ASSERT_TRUE(r->send(*t, SendOptions::synchronous()));
                EXPECT_EQ(r->status(), kOk);
            }
        });
    for (auto& s : senders) s.join();
    EXPECT_EQ(reader.calls.load(), 20);
    EXPECT_EQ(reader.most.load(), 1);
    t->close();
    d->remove();
}

// R5.13: a request that arrives while its sender holds the queue's lock is
// presented when the sender releases it, not inside (a recursive acquire).
TEST_F(CallbackLocks, ASendWhileHoldingTheLockIsPresentedAtItsRelease) {
    SlowReader reader;
    auto d = Device::create(engine, reader).value();
    auto lock = CallbackLock::create().value();
    ASSERT_EQ(d->default_queue().set_callback_lock(*lock), kOk);
    auto t = d->open_target().value();
    auto buf = Memory::allocate(512).value();
    Completions c;
    lock->lock();
    auto r = send_read(*t, c, buf);
    EXPECT_EQ(reader.calls.load(), 0);
    lock->unlock();
    EXPECT_EQ(reader.calls.load(), 1);
    ASSERT_TRUE(c.wait(1));
    EXPECT_EQ(c.status(), kOk);
    t->close();
    d->remove();
}

}  // namespace
