// Re-sending a request from its own completion routine: with deferred
// completion the re-sends do not recurse, and a re-send to a device target
// keeps the new delivered request alive.
#include "support/device_stack.hpp"

#include <algorithm>
#include <cstdint>

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

// ------------------------------------------------------------ deferred completion

namespace {
// Re-sends its request from its own completion routine, kTimes in all.
struct Resender {
    static constexpr int kTimes = 10'000;
    Engine* engine = nullptr;
    IoTarget* target = nullptr;
    Ref<Memory> buf;
    std::atomic<int> count{0}, off_engine{0}, failures{0}, done{0};
    std::uintptr_t lowest = UINTPTR_MAX, highest = 0;  // frame addresses (routines do not overlap)

    static void routine(Request& r, IoTarget&, const CompletionParams& p, void* ctx) {
        auto* self = static_cast<Resender*>(ctx);
        const auto frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
        self->lowest = std::min(self->lowest, frame);
        self->highest = std::max(self->highest, frame);
        if (!self->engine->on_engine_thread()) self->off_engine.fetch_add(1);
        if (!p.status.ok() || p.information != 64) self->failures.fetch_add(1);
        const int n = self->count.fetch_add(1) + 1;
        if (n == kTimes) {
            self->done.store(1);
            return;
        }
        if (!r.reuse().ok() || !r.format_read(*self->target, self->buf, {}, n).ok()) {
            self->failures.fetch_add(1);
            self->done.store(1);
            return;
        }
        r.set_completion(&Resender::routine, self);
        if (!r.send(*self->target)) {
            self->failures.fetch_add(1);
            self->done.store(1);
        }
    }
};
}  // namespace

using DeviceStackDeferred = DeviceStackTest;

TEST_F(DeviceStackDeferred, ResendingFromTheRoutineDoesNotRecurse) {
    PatternBottom bottom;
    DeviceOptions options;
    options.deferred_completion = true;
    Stack s(engine, bottom, 2, options);  // a filter over the deferring bottom
    ASSERT_TRUE(s.ok) << s.error;
    Resender resender;
    resender.engine = &engine;
    resender.target = s.target.get();
    resender.buf = Memory::allocate(64).value();
    auto r = Request::create(*s.target).value();
    ASSERT_EQ(r->format_read(*s.target, resender.buf, {}, 0), kOk);
    r->set_completion(&Resender::routine, &resender);
    ASSERT_TRUE(r->send(*s.target));
    std::atomic<int>& done = resender.done;
    ASSERT_TRUE(test::wait_for_count(done, 1, std::chrono::seconds(120)));
    EXPECT_EQ(resender.count.load(), Resender::kTimes);
    EXPECT_EQ(resender.failures.load(), 0);
    EXPECT_EQ(resender.off_engine.load(), 0) << "routines ran off the engine thread";
    EXPECT_EQ(bottom.reads.load(), Resender::kTimes);
    EXPECT_EQ(s.filters[0]->routines.load(), Resender::kTimes);
    // Every routine ran from the engine loop at the same depth; recursion would
    // stack the 10,000 calls (several hundred bytes each at least).
    EXPECT_LT(resender.highest - resender.lowest, 64u * 1024) << "the re-sends recursed";
    s.remove();
}

// ------------------------------------------------------------ re-send from the routine

namespace {
// The continuous-reader pattern: the first completion re-sends the request.
struct OneResend {
    IoTarget* target = nullptr;
    std::atomic<int> first{0}, second{0};
    std::atomic<bool> resent{false};
    static void first_routine(Request& r, IoTarget&, const CompletionParams&, void* ctx) {
        auto* self = static_cast<OneResend*>(ctx);
        self->first.fetch_add(1);
        r.set_completion(&OneResend::second_routine, self);
        self->resent = r.send(*self->target);
    }
    static void second_routine(Request&, IoTarget&, const CompletionParams&, void* ctx) {
        static_cast<OneResend*>(ctx)->second.fetch_add(1);
    }
};
}  // namespace

using DeviceStackResend = DeviceStackTest;

// A routine that re-sends its request to a device target dispatches it again
// inline, while the first send's delivered request is still on the stack
// below the routine. The request keeps its delivered request between sends,
// and the re-send re-dispatches it only after the first delivery is done with
// it: the one waiting in the queue stays alive and nothing leaks.
TEST_F(DeviceStackResend, ResendFromTheRoutineKeepsTheNewDeliveredRequestAlive) {
    CountingDriver drv;
    auto d = Device::create(engine, drv, {"", QueueDispatch::Manual}).value();
    auto t = d->open_target().value();
    const std::uint32_t device_refs = d->ref_count();  // ours and the target's
    auto buf = Memory::allocate(16).value();
    OneResend resend;
    resend.target = t.get();
    auto r = Request::create(*t).value();
    ASSERT_EQ(r->format_read(*t, buf, {}, 0), kOk);
    r->set_completion(&OneResend::first_routine, &resend);
    ASSERT_TRUE(r->send(*t));

    DeliveredRequest* q1 = d->default_queue().retrieve_next_request().value();
    ASSERT_EQ(q1->complete_with_information(STATUS_SUCCESS, 16), kOk);  // the routine re-sends, inline
    ASSERT_EQ(resend.first.load(), 1);
    ASSERT_TRUE(resend.resent.load());
    ASSERT_EQ(d->default_queue().waiting(), 1u);

    auto got = d->default_queue().retrieve_next_request();
    ASSERT_TRUE(got);
    DeliveredRequest* q2 = got.value();
    // The same delivered request may stand for r again (r keeps it between
    // sends), but only once its first delivery is over.
    EXPECT_EQ(q2->parameters().length, 16u);
    EXPECT_GE(q2->ref_count(), 1u) << "the waiting delivered request was released to the pool while queued";
    EXPECT_EQ(q2->complete_with_information(STATUS_SUCCESS, 16), kOk);
    ASSERT_TRUE(test::wait_for_count(resend.second, 1));
    // r keeps one delivered request (and through it, one device reference) for its next send ...
    EXPECT_EQ(d->ref_count(), device_refs + 1);
    // ... and gives it back to the pool when it goes: only our and the target's references remain.
    r = nullptr;
    EXPECT_EQ(d->ref_count(), device_refs) << "a delivered request (and its device reference) leaked";
    d->remove();
}
