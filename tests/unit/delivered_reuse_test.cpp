// A request keeps the queue-delivered request of its last dispatch for the
// next send to the same device (as an IRP keeps its stack locations), and a
// queue lists only the held requests marked cancelable (what purge cancels).
// What a driver sees must not change: each delivery arrives unformatted and
// owned by the driver, a kept request is never shared, and device references
// come back when the sender goes.
#include "support/pipe_target.hpp"
#include "support/test_util.hpp"

#include <mutex>
#include <vector>

using namespace wdfio;
using test::Completions;

namespace {

const Status kOk = STATUS_SUCCESS;

struct CancelCount {
    std::atomic<int> calls{0};
    static void complete_cancelled(DeliveredRequest& r, void* ctx) {
        static_cast<CancelCount*>(ctx)->calls.fetch_add(1);
        r.complete(STATUS_CANCELLED);
    }
};

// Records what each delivery looked like on arrival, then completes it inline
// (or holds it, marked cancelable or not, when asked to).
class Recorder : public Driver {
public:
    struct Arrival {
        DeliveredRequest* request;
        bool formatted;
        RequestType operation_type;
        std::int64_t offset;
    };
    std::vector<Arrival> arrivals;
    std::vector<DeliveredRequest*> held;
    enum class Then { Complete, HoldCancelable, HoldThenUnmark } then = Then::Complete;
    CancelCount cancels;  // its callback completes a held request with STATUS_CANCELLED

    void on_read(DeliveredRequest& r, std::size_t length) override {
        arrivals.push_back({&r, r.is_formatted(), r.operation().type, r.parameters().device_offset});
        if (then == Then::Complete) {
            r.complete_with_information(STATUS_SUCCESS, length);
            return;
        }
        EXPECT_EQ(r.mark_cancelable(&CancelCount::complete_cancelled, &cancels), kOk);
        if (then == Then::HoldThenUnmark) {
            EXPECT_EQ(r.unmark_cancelable(), kOk);
        }
        held.push_back(&r);
    }
};

// A filter that formats with the current type and forwards (a routine completes it).
class Forwarder : public Driver {
public:
    void on_read(DeliveredRequest& r, std::size_t) override {
        r.format_using_current_type();
        EXPECT_TRUE(r.is_formatted());
        EXPECT_EQ(r.operation().type, RequestType::Read);
        r.set_completion([](DeliveredRequest& q, IoTarget&, const CompletionParams& p) {
            q.complete_with_information(p.status, p.information);
        });
        if (!r.send(*device().default_target())) r.complete(r.status());
    }
};

class DeliveredReuse : public ::testing::Test {
protected:
    Engine engine;
    Ref<Memory> buf = Memory::allocate(512).value();

    bool read(Request& r, IoTarget& t, std::int64_t offset, Completions& c) {
        if (r.reuse() != kOk || r.format_read(t, buf, {}, offset) != kOk) return false;
        r.set_completion(&Completions::routine, &c);
        return r.send(t);
    }
};

TEST_F(DeliveredReuse, ARequestSentAgainMeetsTheSameDeliveredRequestUnformatted) {
    Recorder bottom;
    Forwarder filter;
    auto low = Device::create(engine, bottom).value();
    auto low_target = low->open_target().value();
    auto top = Device::create_above(engine, filter, *low_target).value();
    auto t = top->open_target().value();
    auto r = Request::create(*t).value();
    for (int i = 0; i < 3; ++i) {
        Completions c;
        ASSERT_TRUE(read(*r, *t, 512 * i, c));
        ASSERT_TRUE(c.wait());
        EXPECT_EQ(c.status(), kOk);
    }
    ASSERT_EQ(bottom.arrivals.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        SCOPED_TRACE(i);
        // The filter formatted its request last time; this delivery is fresh.
        EXPECT_FALSE(bottom.arrivals[i].formatted);
        EXPECT_EQ(bottom.arrivals[i].operation_type, RequestType::NoFormat);
        EXPECT_EQ(bottom.arrivals[i].offset, static_cast<std::int64_t>(512 * i));
        EXPECT_EQ(bottom.arrivals[i].request, bottom.arrivals[0].request) << "a kept request was not reused";
    }
    top->remove();
    low->remove();
}

TEST_F(DeliveredReuse, DeviceReferencesComeBackWhenTheSenderMovesOnOrGoes) {
    Recorder a_driver, b_driver;
    auto a = Device::create(engine, a_driver).value();
    auto b = Device::create(engine, b_driver).value();
    auto ta = a->open_target().value();
    auto tb = b->open_target().value();
    const auto a_refs = a->ref_count(), b_refs = b->ref_count();
    auto r = Request::create().value();
    Completions c1, c2;
    ASSERT_TRUE(read(*r, *ta, 0, c1));
    ASSERT_TRUE(c1.wait());
    EXPECT_EQ(a->ref_count(), a_refs + 1);  // r keeps a's delivered request, which holds a
    ASSERT_TRUE(read(*r, *tb, 0, c2));
    ASSERT_TRUE(c2.wait());
    EXPECT_EQ(a->ref_count(), a_refs) << "a's delivered request did not go back to a's pool";
    EXPECT_EQ(b->ref_count(), b_refs + 1);
    r = nullptr;
    EXPECT_EQ(b->ref_count(), b_refs);
    a->remove();
    b->remove();
}

TEST_F(DeliveredReuse, AKeptRequestStillHeldElsewhereIsNotReused) {
    Recorder bottom;
    auto d = Device::create(engine, bottom).value();
    auto t = d->open_target().value();
    auto r = Request::create(*t).value();
    Completions c1, c2;
    ASSERT_TRUE(read(*r, *t, 0, c1));
    ASSERT_TRUE(c1.wait());
    Ref<Request> stash(bottom.arrivals[0].request);  // a driver keeping a reference after completing
    ASSERT_TRUE(read(*r, *t, 512, c2));
    ASSERT_TRUE(c2.wait());
    ASSERT_EQ(bottom.arrivals.size(), 2u);
    EXPECT_NE(bottom.arrivals[1].request, bottom.arrivals[0].request);
    EXPECT_EQ(bottom.arrivals[1].offset, 512);
    stash = nullptr;  // back to the pool, not leaked: the device's references add up at removal
    r = nullptr;
    d->remove();
}

TEST_F(DeliveredReuse, PurgeCancelsOnlyHeldRequestsStillMarkedCancelable) {
    Recorder bottom;
    CancelCount& cancels = bottom.cancels;
    auto d = Device::create(engine, bottom).value();
    auto t = d->open_target().value();
    auto marked = Request::create(*t).value();
    auto unmarked = Request::create(*t).value();
    Completions c_marked, c_unmarked;
    bottom.then = Recorder::Then::HoldCancelable;
    ASSERT_TRUE(read(*marked, *t, 0, c_marked));
    bottom.then = Recorder::Then::HoldThenUnmark;
    ASSERT_TRUE(read(*unmarked, *t, 512, c_unmarked));
    ASSERT_EQ(bottom.held.size(), 2u);

    d->default_queue().purge();
    ASSERT_TRUE(c_marked.wait());
    EXPECT_EQ(c_marked.status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(cancels.calls.load(), 1);
    EXPECT_EQ(c_unmarked.count.load(), 0) << "purge touched a request that is not cancelable";
    // The driver still owns it and completes it as it likes.
    EXPECT_EQ(bottom.held[1]->complete_with_information(STATUS_SUCCESS, 512), kOk);
    ASSERT_TRUE(c_unmarked.wait());
    EXPECT_EQ(c_unmarked.status(), kOk);
    d->remove();
}

TEST_F(DeliveredReuse, ACompletedCancelableRequestLeavesTheListPurgeWalks) {
    Recorder bottom;
    CancelCount& cancels = bottom.cancels;
    bottom.then = Recorder::Then::HoldCancelable;
    auto d = Device::create(engine, bottom).value();
    auto t = d->open_target().value();
    auto r = Request::create(*t).value();
    Completions c;
    ASSERT_TRUE(read(*r, *t, 0, c));
    ASSERT_EQ(bottom.held.size(), 1u);
    // Unmarking is the rule before completing; completing while cancelable is
    // a verifier break that goes on (spec §10 #15): either way it leaves the list.
    ASSERT_EQ(bottom.held[0]->unmark_cancelable(), kOk);
    EXPECT_EQ(bottom.held[0]->unmark_cancelable(), Status(STATUS_INVALID_DEVICE_REQUEST));        // not marked now
    EXPECT_EQ(bottom.held[0]->mark_cancelable(&CancelCount::complete_cancelled, &cancels), kOk);  // again
    ASSERT_EQ(bottom.held[0]->unmark_cancelable(), kOk);
    ASSERT_EQ(bottom.held[0]->complete_with_information(STATUS_SUCCESS, 512), kOk);
    ASSERT_TRUE(c.wait());
    d->default_queue().purge();  // walks the list: nothing on it
    EXPECT_EQ(cancels.calls.load(), 0);
    EXPECT_EQ(c.count.load(), 1);
    d->remove();
}

TEST_F(DeliveredReuse, MarkCancelableRefusesARequestTheDriverDoesNotHold) {
    Recorder bottom;
    CancelCount cancels;
    auto d = Device::create(engine, bottom).value();
    auto t = d->open_target().value();
    auto r = Request::create(*t).value();
    Completions c;
    ASSERT_TRUE(read(*r, *t, 0, c));
    ASSERT_TRUE(c.wait());
    DeliveredRequest* done = bottom.arrivals[0].request;  // completed: no longer the driver's
    EXPECT_EQ(done->mark_cancelable(&CancelCount::complete_cancelled, &cancels), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(DeliveredRequest::from(*r), nullptr);  // driver-created: no driver's view to mark
    d->default_queue().purge();
    EXPECT_EQ(cancels.calls.load(), 0);
    d->remove();
}

}  // namespace
