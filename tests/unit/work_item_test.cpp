// Work items (driver spec §8.3): one run per enqueue while queued, runs on a
// worker thread, flush, and deletion that lets a queued run finish first.
#include "support/device_stack.hpp"

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

namespace {

struct Runs {
    std::atomic<int> count{0};
    Engine* engine = nullptr;
    std::atomic<bool> on_engine_thread{false};
    std::thread::id enqueuer;
    std::atomic<bool> on_enqueuing_thread{false};
    int enqueue_until = 0;                 // enqueue itself again while count < this
    bool flush_inside = false;             // flush from the callback
    std::chrono::milliseconds linger{0};   // sleep this long in the callback
    std::atomic<bool> release_gate{true};  // the first run waits for this
    std::atomic<bool> inside{false};

    static void callback(WorkItem& w) {
        Runs& r = *w.context<Runs>();
        r.inside = true;
        if (r.engine && r.engine->on_engine_thread()) r.on_engine_thread = true;
        if (std::this_thread::get_id() == r.enqueuer) r.on_enqueuing_thread = true;
        while (!r.release_gate) std::this_thread::sleep_for(1ms);
        if (r.linger.count()) std::this_thread::sleep_for(r.linger);
        const int n = r.count.fetch_add(1) + 1;
        if (n < r.enqueue_until) w.enqueue();
        if (r.flush_inside) w.flush();
    }
};

// A timer's callback (the engine thread) that flushes a work item.
struct FlushFromEngine {
    WorkItem* item = nullptr;
    std::atomic<bool> done{false};
    static void callback(Timer& t) {
        auto& self = *t.context<FlushFromEngine>();
        self.item->flush();
        self.done = true;
    }
};

class WorkItems : public DeviceObjectTest {
protected:
    Ref<WorkItem> make(const ObjectAttributes* extra = nullptr) {
        ObjectAttributes a = extra ? *extra : ObjectAttributes{};
        a.parent = device.get();
        a.with_context<Runs>();
        auto w = WorkItem::create({&Runs::callback}, a);
        EXPECT_TRUE(w) << w.status();
        if (!w) return nullptr;
        w.value()->context<Runs>()->engine = &engine;
        w.value()->context<Runs>()->enqueuer = std::this_thread::get_id();
        return w.value();
    }
    static Runs& runs(const Ref<WorkItem>& w) { return *w->context<Runs>(); }
};

TEST_F(WorkItems, CreateRefusesBadInput) {
    ObjectAttributes under_device;
    under_device.parent = device.get();
    EXPECT_EQ(WorkItem::create({nullptr}, under_device).status(), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(WorkItem::create({&Runs::callback}, {}).status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    auto loose = Memory::allocate(8).value();
    ObjectAttributes under_memory;
    under_memory.parent = loose.get();
    EXPECT_EQ(WorkItem::create({&Runs::callback}, under_memory).status(), Status(STATUS_INVALID_DEVICE_REQUEST));
}

TEST_F(WorkItems, RunsOnAWorkerThread) {
    auto w = make();
    w->enqueue();
    w->flush();
    EXPECT_EQ(runs(w).count.load(), 1);
    EXPECT_FALSE(runs(w).on_engine_thread.load());
    EXPECT_FALSE(runs(w).on_enqueuing_thread.load());
}

TEST_F(WorkItems, EnqueuedWhileQueuedRunsOnce) {
    auto w = make();
    runs(w).release_gate = false;
    w->enqueue();
    while (!runs(w).inside) std::this_thread::sleep_for(1ms);  // running: no longer queued
    w->enqueue();                                              // queued again
    w->enqueue();                                              // already queued: the same run
    w->enqueue();
    runs(w).release_gate = true;
    w->flush();
    EXPECT_EQ(runs(w).count.load(), 2);
}

TEST_F(WorkItems, TheCallbackMayEnqueueItselfAndFlushWaitsForThat) {
    auto w = make();
    runs(w).enqueue_until = 3;
    w->enqueue();
    w->flush();
    EXPECT_EQ(runs(w).count.load(), 3);
}

TEST_F(WorkItems, FlushFromItsOwnCallbackIsReportedAndReturns) {
    auto w = make();
    runs(w).flush_inside = true;
    w->enqueue();
    ASSERT_TRUE(wait_for_count(runs(w).count, 1));
    w->flush();
    expected_violations = 1;
}

TEST_F(WorkItems, FlushOnTheEngineThreadIsReported) {
    auto w = make();
    runs(w).linger = 20ms;
    ObjectAttributes a;
    a.parent = device.get();
    a.with_context<FlushFromEngine>();
    auto t = Timer::create({&FlushFromEngine::callback, 0}, a).value();
    t->context<FlushFromEngine>()->item = w.get();
    w->enqueue();
    t->start(-10'000);
    while (!t->context<FlushFromEngine>()->done) std::this_thread::sleep_for(1ms);
    w->flush();
    EXPECT_EQ(runs(w).count.load(), 1);
    expected_violations = 1;
}

TEST_F(WorkItems, DeleteLetsAQueuedRunFinishBeforeTheCleanup) {
    static std::atomic<int> runs_at_cleanup{-1};
    runs_at_cleanup = -1;
    ObjectAttributes a;
    a.cleanup = [](Object& o) { runs_at_cleanup = static_cast<WorkItem&>(o).context<Runs>()->count.load(); };
    auto w = make(&a);
    runs(w).linger = 20ms;
    w->enqueue();
    EXPECT_EQ(w->delete_object(), kOk);
    EXPECT_EQ(runs_at_cleanup.load(), 1);
    w->enqueue();  // deleted: reported, not run
    std::this_thread::sleep_for(10ms);
    EXPECT_EQ(runs(w).count.load(), 1);
    expected_violations = 1;
}

TEST_F(WorkItems, DeletingTheDeviceWaitsForTheRun) {
    auto w = make();
    runs(w).linger = 20ms;
    w->enqueue();
    EXPECT_EQ(device->delete_object(), kOk);  // its children first: the work item's run finishes
    EXPECT_EQ(runs(w).count.load(), 1);
    EXPECT_TRUE(w->deleted());
}

}  // namespace
