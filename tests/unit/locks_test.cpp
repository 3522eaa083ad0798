// Spin locks and wait locks (driver spec R7.13, R7.14): exclusion, timeouts,
// and the misuse the verifier reports instead of a deadlock.
#include "support/device_stack.hpp"

#include <mutex>

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

namespace {

using Locks = DeviceObjectTest;

TEST_F(Locks, SpinLockExcludes) {
    auto lock = SpinLock::create().value();
    std::uint64_t counter = 0;  // not atomic: the lock guards it
    const int per_thread = test::stress_iterations(100'000);
    auto work = [&] {
        for (int i = 0; i < per_thread; ++i) {
            std::lock_guard guard(*lock);
            ++counter;
        }
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
    EXPECT_EQ(counter, 2u * static_cast<std::uint64_t>(per_thread));
}

TEST_F(Locks, SpinLockTakenAgainByItsHolderIsReported) {
    auto lock = SpinLock::create().value();
    lock->lock();
    lock->lock();  // reported; the holder keeps it, no deadlock
    lock->unlock();
    std::thread other([&] {
        lock->lock();  // free again: one unlock was enough
        lock->unlock();
    });
    other.join();
    expected_violations = 1;
}

TEST_F(Locks, SpinLockReleasedByANonHolderIsReported) {
    auto lock = SpinLock::create().value();
    lock->unlock();  // nobody holds it
    lock->lock();
    std::thread other([&] { lock->unlock(); });  // held by this thread, not that one
    other.join();
    lock->unlock();  // still ours
    expected_violations = 2;
}

TEST_F(Locks, WaitLockTimesOutWhileHeldElsewhere) {
    auto lock = WaitLock::create().value();
    std::atomic<bool> held{false}, let_go{false};
    std::thread holder([&] {
        EXPECT_EQ(lock->lock(), kOk);
        held = true;
        while (!let_go) std::this_thread::sleep_for(1ms);
        lock->unlock();
    });
    while (!held) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(lock->lock(0), Status(STATUS_TIMEOUT));            // one try
    EXPECT_EQ(lock->lock(-5 * 10'000), Status(STATUS_TIMEOUT));  // 5 ms, relative
    EXPECT_EQ(lock->lock(1), Status(STATUS_TIMEOUT));            // an absolute time long past: one try
    let_go = true;
    EXPECT_EQ(lock->lock(), kOk);  // waits for the holder
    holder.join();
    lock->unlock();
    EXPECT_EQ(lock->lock(0), kOk);
    lock->unlock();
}

TEST_F(Locks, WaitLockTakenAgainByItsHolderIsReported) {
    auto lock = WaitLock::create().value();
    ASSERT_EQ(lock->lock(), kOk);
    EXPECT_EQ(lock->lock(), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(lock->lock(0), Status(STATUS_INVALID_DEVICE_REQUEST));
    lock->unlock();
    std::thread other([&] { lock->unlock(); });  // not held
    other.join();
    expected_violations = 3;
}

// A timer's callback runs on the engine thread: it may try, not wait.
struct TryFromEngine {
    WaitLock* lock = nullptr;
    std::atomic<int> waited{0}, tried{0};
    std::atomic<bool> done{false};
    static void callback(Timer& t) {
        auto& self = *t.context<TryFromEngine>();
        self.waited = static_cast<int>(self.lock->lock().value());
        self.tried = static_cast<int>(self.lock->lock(0).value());
        self.lock->unlock();
        self.done = true;
    }
};

TEST_F(Locks, WaitLockWaitOnTheEngineThreadIsReported) {
    auto lock = WaitLock::create().value();
    ObjectAttributes a;
    a.parent = device.get();
    a.with_context<TryFromEngine>();
    auto t = Timer::create({&TryFromEngine::callback, 0}, a).value();
    t->context<TryFromEngine>()->lock = lock.get();
    t->start(-10'000);
    while (!t->context<TryFromEngine>()->done) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(Status(static_cast<NTSTATUS>(t->context<TryFromEngine>()->waited.load())),
              Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(Status(static_cast<NTSTATUS>(t->context<TryFromEngine>()->tried.load())), kOk);
    EXPECT_EQ(lock->lock(0), kOk);  // released by the callback
    lock->unlock();
    expected_violations = 1;
}

TEST_F(Locks, LocksAreObjects) {
    static std::atomic<int> cleanups{0};
    cleanups = 0;
    ObjectAttributes a;
    a.parent = device.get();
    a.cleanup = [](Object&) { cleanups.fetch_add(1); };
    auto spin = SpinLock::create(a).value();
    auto wait = WaitLock::create(a).value();
    a.context_size = 1;  // a size without a type
    EXPECT_EQ(SpinLock::create(a).status(), Status(STATUS_WDF_OBJECT_ATTRIBUTES_INVALID));
    device->remove();
    EXPECT_EQ(device->delete_object(), kOk);  // deleting the parent deletes them, cleanups first
    EXPECT_EQ(cleanups.load(), 2);
    EXPECT_TRUE(spin->deleted());
    EXPECT_TRUE(wait->deleted());
}

}  // namespace
