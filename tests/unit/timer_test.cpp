// Timers (driver spec §8.1–8.2): create, start, stop, periods, restarts from
// the callback, deletion that waits for a running callback, and passive
// timers, whose callback runs on a worker where it may block.
#include "support/device_stack.hpp"

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kTicksPerMs = 10'000;  // 100 ns ticks
constexpr std::int64_t relative_ms(std::int64_t ms) { return -ms * kTicksPerMs; }

// A timer's context: what its callback saw and does.
struct Fires {
    std::atomic<int> count{0};
    std::atomic<bool> on_engine_thread{true};
    Engine* engine = nullptr;
    int restart_until = 0;                  // restart from the callback while count < this
    std::atomic<int> stop_wait_result{-1};  // stop(true) from the callback: what it returned
    bool stop_wait_inside = false;
    std::chrono::milliseconds linger{0};  // the callback sleeps this long
    std::atomic<bool> inside{false}, left{false};
    Timer* other = nullptr;  // stop(true) this one from the callback
    std::atomic<int> other_stop_result{-1};

    static void callback(Timer& t) {
        Fires& f = *t.context<Fires>();
        f.inside = true;
        if (f.engine && !f.engine->on_engine_thread()) f.on_engine_thread = false;
        const int n = f.count.fetch_add(1) + 1;
        if (n < f.restart_until) t.start(relative_ms(1));
        if (f.stop_wait_inside) f.stop_wait_result = t.stop(true);
        if (f.other) f.other_stop_result = f.other->stop(true);
        if (f.linger.count()) std::this_thread::sleep_for(f.linger);
        f.left = true;
    }
};

class Timers : public DeviceObjectTest {
protected:
    // A timer under the device, its Fires context set up for this engine.
    Ref<Timer> make(std::uint32_t period_ms = 0, Object* parent = nullptr) {
        ObjectAttributes a;
        a.parent = parent ? parent : device.get();
        a.with_context<Fires>();
        auto t = Timer::create({&Fires::callback, period_ms}, a);
        EXPECT_TRUE(t) << t.status();
        if (!t) return nullptr;
        t.value()->context<Fires>()->engine = &engine;
        return t.value();
    }
    static Fires& fires(const Ref<Timer>& t) { return *t->context<Fires>(); }
    Ref<Timer> make_passive() {
        ObjectAttributes a;
        a.parent = device.get();
        a.with_context<Fires>();
        TimerConfig config{&Fires::callback, 0};
        config.passive = true;
        auto t = Timer::create(config, a);
        EXPECT_TRUE(t) << t.status();
        if (!t) return nullptr;
        t.value()->context<Fires>()->engine = &engine;
        return t.value();
    }
};

TEST_F(Timers, CreateRefusesBadInput) {
    ObjectAttributes under_device;
    under_device.parent = device.get();
    EXPECT_EQ(Timer::create({nullptr, 0}, under_device).status(), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(Timer::create({&Fires::callback, 0x8000'0000u}, under_device).status(), Status(STATUS_INVALID_PARAMETER));
    // No device above it (spec R8.3): no parent, or a parent outside every device.
    EXPECT_EQ(Timer::create({&Fires::callback, 0}, {}).status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    auto loose = Memory::allocate(8).value();
    ObjectAttributes under_memory;
    under_memory.parent = loose.get();
    EXPECT_EQ(Timer::create({&Fires::callback, 0}, under_memory).status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    // Under a queue, or under an object under the device: its device is found.
    auto queue = device->create_queue(QueueDispatch::Manual).value();
    EXPECT_TRUE(make(0, queue.get()));
    ObjectAttributes lock_attributes;
    lock_attributes.parent = device.get();
    auto lock = SpinLock::create(lock_attributes).value();
    EXPECT_TRUE(make(0, lock.get()));
}

TEST_F(Timers, OneShotRunsOnceOnTheEngineThread) {
    auto t = make();
    EXPECT_FALSE(t->start(relative_ms(5)));  // nothing pending before
    ASSERT_TRUE(wait_for_count(fires(t).count, 1));
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(fires(t).count.load(), 1);
    EXPECT_TRUE(fires(t).on_engine_thread.load());
    EXPECT_FALSE(t->stop(false));  // nothing pending after
}

TEST_F(Timers, StartWhilePendingReplacesTheDueTime) {
    auto t = make();
    EXPECT_FALSE(t->start(relative_ms(60'000)));
    EXPECT_TRUE(t->start(relative_ms(1)));  // it was pending: the minute is replaced
    ASSERT_TRUE(wait_for_count(fires(t).count, 1));
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(fires(t).count.load(), 1);
}

TEST_F(Timers, StopCancelsAPendingExpiry) {
    auto t = make();
    t->start(relative_ms(50));
    EXPECT_TRUE(t->stop(false));
    EXPECT_FALSE(t->stop(false));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(fires(t).count.load(), 0);
}

TEST_F(Timers, PeriodicRunsUntilStopped) {
    auto t = make(2);
    t->start(relative_ms(1));
    ASSERT_TRUE(wait_for_count(fires(t).count, 4));
    t->stop(true);
    const int after_stop = fires(t).count.load();
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(fires(t).count.load(), after_stop);
}

TEST_F(Timers, TheCallbackMayRestartItsTimer) {
    auto t = make();
    fires(t).restart_until = 3;
    t->start(relative_ms(1));
    ASSERT_TRUE(wait_for_count(fires(t).count, 3));
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(fires(t).count.load(), 3);
}

TEST_F(Timers, StopWaitingFromItsOwnCallbackIsReportedAndStopsNothing) {
    auto t = make(2);
    fires(t).stop_wait_inside = true;
    t->start(relative_ms(1));
    ASSERT_TRUE(wait_for_count(fires(t).count, 2));  // still periodic: nothing stopped
    t->stop(true);
    EXPECT_EQ(fires(t).stop_wait_result.load(), 0);
    EXPECT_GE(violations(), 2u);
    check_violations = false;  // one per run of the callback
}

TEST_F(Timers, StopWaitingOnTheEngineThreadIsReported) {
    auto waited_for = make();
    auto t = make();
    fires(t).other = waited_for.get();
    waited_for->start(relative_ms(60'000));
    t->start(relative_ms(1));
    ASSERT_TRUE(wait_for_count(fires(t).count, 1));
    while (!fires(t).left) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(fires(t).other_stop_result.load(), 0);  // refused: nothing stopped
    EXPECT_TRUE(waited_for->stop(false));             // still pending
    expected_violations = 1;
}

TEST_F(Timers, StopWaitingWaitsForARunningCallback) {
    auto t = make();
    fires(t).linger = 50ms;
    t->start(1);  // an absolute time long past: at once
    while (!fires(t).inside) std::this_thread::sleep_for(1ms);
    EXPECT_FALSE(t->stop(true));  // nothing pending: the callback runs
    EXPECT_TRUE(fires(t).left.load());
}

TEST_F(Timers, DeleteWaitsForARunningCallbackBeforeTheCleanup) {
    static std::atomic<bool> left_at_cleanup{false};
    left_at_cleanup = false;
    ObjectAttributes a;
    a.parent = device.get();
    a.with_context<Fires>();
    a.cleanup = [](Object& o) { left_at_cleanup = static_cast<Timer&>(o).context<Fires>()->left.load(); };
    auto t = Timer::create({&Fires::callback, 1}, a).value();
    fires(t).linger = 30ms;
    t->start(relative_ms(1));
    while (!fires(t).inside) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(t->delete_object(), kOk);
    EXPECT_TRUE(left_at_cleanup.load());
    const int at_delete = fires(t).count.load();
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(fires(t).count.load(), at_delete);  // periodic, and stopped for good
    EXPECT_FALSE(t->start(relative_ms(1)));       // a deleted timer does not start
    expected_violations = 1;
}

TEST_F(Timers, DeletingTheParentStopsTheTimer) {
    auto queue = device->create_queue(QueueDispatch::Manual).value();
    auto t = make(1, queue.get());
    t->start(relative_ms(1));
    ASSERT_TRUE(wait_for_count(fires(t).count, 2));
    EXPECT_EQ(queue->delete_object(), kOk);
    EXPECT_TRUE(t->deleted());
    const int at_delete = fires(t).count.load();
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(fires(t).count.load(), at_delete);
}

TEST_F(Timers, TicksAtTheEndsOfTheRange) {
    auto far = make();
    EXPECT_FALSE(far->start(INT64_MAX));  // absolute, thousands of years away
    EXPECT_TRUE(far->stop(false));
    EXPECT_FALSE(far->start(INT64_MIN));  // relative, as far
    EXPECT_TRUE(far->stop(false));
    auto past = make();
    past->start(0);  // absolute 0 (the year 1601): at once
    EXPECT_TRUE(wait_for_count(fires(past).count, 1));
    EXPECT_EQ(fires(far).count.load(), 0);
}

// R8.2: a passive timer's callback runs on a worker, not the engine thread,
// and may block there: its stop(true) of another timer is no verifier report.
TEST_F(Timers, APassiveTimersCallbackRunsOnAWorkerWhereItMayBlock) {
    auto waited_for = make();
    auto t = make_passive();
    fires(t).other = waited_for.get();
    waited_for->start(relative_ms(60'000));
    t->start(relative_ms(1));
    ASSERT_TRUE(wait_for_count(fires(t).count, 1));
    while (!fires(t).left) std::this_thread::sleep_for(1ms);
    EXPECT_FALSE(fires(t).on_engine_thread.load());
    EXPECT_EQ(fires(t).other_stop_result.load(), 1);  // it stopped the pending one
    EXPECT_FALSE(waited_for->stop(false));
    EXPECT_EQ(violations(), 0u);
}

TEST_F(Timers, APassiveTimerIsOneShotRestartsFromItsCallbackAndIsWaitedFor) {
    ObjectAttributes a;
    a.parent = device.get();
    TimerConfig periodic{&Fires::callback, 2};
    periodic.passive = true;
    EXPECT_EQ(Timer::create(periodic, a).status(), Status(STATUS_NOT_SUPPORTED));  // R8.2

    auto t = make_passive();
    fires(t).restart_until = 3;
    t->start(relative_ms(1));
    ASSERT_TRUE(wait_for_count(fires(t).count, 3));
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(fires(t).count.load(), 3);

    auto slow = make_passive();
    fires(slow).linger = 50ms;
    slow->start(1);  // long past: at once
    while (!fires(slow).inside) std::this_thread::sleep_for(1ms);
    EXPECT_FALSE(slow->stop(true));  // nothing pending: the running callback is waited for
    EXPECT_TRUE(fires(slow).left.load());
    fires(slow).left = false;
    fires(slow).inside = false;
    slow->start(1);
    while (!fires(slow).inside) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(slow->delete_object(), kOk);  // waits for it too
    EXPECT_TRUE(fires(slow).left.load());
}

}  // namespace
