// Cancel and close of reads that wait for data: each completes once with
// STATUS_CANCELLED, the cancel is sticky until reuse(), close() waits for what
// it cancelled, and a continuous reader stops at close.
#include "support/stream_targets.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace wdfio::test {
namespace {

TEST_F(StreamTargetsTest, CancelPendingPipeReadThenReuseAndResend) {
    ASSERT_NO_FATAL_FAILURE(open_pipe_read());
    Completions& cancelled = seen;
    Completions resent(engine);
    CloseOnExit guard_resent{target};  // closes the target before `resent` goes

    ASSERT_NO_FATAL_FAILURE(send_pending_read(*target, *request, buf, cancelled));
    cancelled.canceller = std::this_thread::get_id();
    EXPECT_TRUE(request->cancel_sent_request()) << "the cancel did not reach the waiting read";
    ASSERT_TRUE(wait_for_count(cancelled.count, 1)) << "the cancelled read never completed";
    settle();
    expect_ran_once(cancelled);
    EXPECT_STATUS(cancelled.status(), STATUS_CANCELLED);
    EXPECT_EQ(cancelled.information.load(), 0u);
    EXPECT_STATUS(request->status(), STATUS_CANCELLED);
    EXPECT_TRUE(request->is_canceled());
    EXPECT_FALSE(request->is_outstanding());
    EXPECT_EQ(test::settled_pending(*target), 0u);
    // Nothing left to cancel.
    EXPECT_FALSE(request->cancel_sent_request());

    // The cancel is sticky (spec §5.4): formatted again but not reused, the
    // request is refused with STATUS_CANCELLED and its routine does not run.
    Completions refused(engine);
    ASSERT_STATUS(request->format_read(*target, buf, {}, 0), STATUS_SUCCESS);
    refused.arm(*request);
    EXPECT_FALSE(request->send(*target)) << "a cancelled request was sent again without reuse()";
    EXPECT_STATUS(request->status(), STATUS_CANCELLED);
    if (request->is_outstanding()) {  // wrongly accepted: let it finish before going on
        ASSERT_EQ(::write(pipe.w, "?", 1), 1);
        ASSERT_TRUE(wait_for_count(refused.count, 1));
    }
    EXPECT_EQ(refused.count.load(), 0) << "the routine of a refused send ran";

    // Reuse clears the sticky cancel; the re-sent read waits for data like a new one.
    ASSERT_STATUS(request->reuse(), STATUS_SUCCESS);
    EXPECT_FALSE(request->is_canceled());
    EXPECT_FALSE(request->is_formatted());
    EXPECT_FALSE(request->has_completion());
    EXPECT_STATUS(request->status(), STATUS_SUCCESS);
    ASSERT_NO_FATAL_FAILURE(send_pending_read(*target, *request, buf, resent));
    ASSERT_EQ(::write(pipe.w, "after the cancel", 16), 16);
    ASSERT_TRUE(wait_for_count(resent.count, 1)) << "the re-sent read did not complete after data was written";
    settle();
    expect_ran_once(resent);
    EXPECT_EQ(cancelled.count.load(), 1) << "the first routine ran again";
    EXPECT_STATUS(resent.status(), STATUS_SUCCESS);
    EXPECT_EQ(resent.information.load(), 16u) << "the cancelled read consumed data meant for the next one";
    EXPECT_EQ(text_of(*buf, 16), "after the cancel");
}

TEST_F(StreamTargetsTest, CancelManyPendingPipeReadsEachCompletesOnce) {
    constexpr int kReads = 16;
    Pipe pipes[kReads];
    Ref<IoTarget> targets[kReads];
    Ref<Request> reqs[kReads];
    Ref<Memory> bufs[kReads];
    std::vector<std::unique_ptr<Completions>> seen;
    seen.reserve(kReads);
    for (int i = 0; i < kReads; ++i) seen.push_back(std::make_unique<Completions>(engine));
    struct CloseAllOnExit {
        Ref<IoTarget>* targets;
        ~CloseAllOnExit() {
            for (int i = 0; i < kReads; ++i)
                if (targets[i]) targets[i]->close();
        }
    } guards{targets};
    for (int i = 0; i < kReads; ++i) {
        targets[i] = IoTarget::from_fd(engine, pipes[i].r).value();
        reqs[i] = Request::create(*targets[i]).value();
        bufs[i] = Memory::allocate(512).value();
        ASSERT_STATUS(reqs[i]->format_read(*targets[i], bufs[i], {}, 0), STATUS_SUCCESS);
        seen[i]->arm(*reqs[i]);
        ASSERT_TRUE(reqs[i]->send(*targets[i])) << reqs[i]->status().to_string();
    }
    std::this_thread::sleep_for(kPendingProbe);
    for (int i = 0; i < kReads; ++i) EXPECT_EQ(seen[i]->count.load(), 0) << "read " << i;
    // Cancel the even ones, feed the odd ones.
    for (int i = 0; i < kReads; ++i) {
        if (i % 2 == 0) {
            seen[i]->canceller = std::this_thread::get_id();
            EXPECT_TRUE(reqs[i]->cancel_sent_request()) << "read " << i;
        } else ASSERT_EQ(::write(pipes[i].w, "x", 1), 1);
    }
    for (int i = 0; i < kReads; ++i) ASSERT_TRUE(wait_for_count(seen[i]->count, 1)) << "read " << i;
    settle();
    for (int i = 0; i < kReads; ++i) {
        SCOPED_TRACE("read " + std::to_string(i));
        expect_ran_once(*seen[i]);
        EXPECT_STATUS(seen[i]->status(), i % 2 == 0 ? STATUS_CANCELLED : STATUS_SUCCESS);
        EXPECT_EQ(seen[i]->information.load(), i % 2 == 0 ? 0u : 1u);
    }
}

TEST_F(StreamTargetsTest, CloseWithPendingPipeReadCancelsItAndReturns) {
    ASSERT_NO_FATAL_FAILURE(open_pipe_read());
    ASSERT_NO_FATAL_FAILURE(send_pending_read(*target, *request, buf, seen));

    target->close();
    // close() waits for the cancelled read: its routine has run when close returns.
    EXPECT_EQ(seen.count.load(), 1) << "close() returned before the pending read completed";
    settle();
    expect_ran_once(seen);
    EXPECT_STATUS(seen.status(), STATUS_CANCELLED);
    EXPECT_EQ(seen.information.load(), 0u);
    EXPECT_EQ(target->state(), IoTargetState::Closed);
    EXPECT_EQ(test::settled_pending(*target), 0u);
    EXPECT_FALSE(request->is_outstanding());

    // The closed target takes nothing new.
    EXPECT_STATUS(request->format_read(*target, buf, {}, 0), STATUS_INVALID_DEVICE_STATE);
    EXPECT_STATUS(Request::create(*target).status(), STATUS_INVALID_DEVICE_STATE);
    EXPECT_STATUS(send_read_synchronously(*target, nullptr, buf, {}, 0), STATUS_INVALID_DEVICE_STATE);
    target->close();  // a second close is harmless

    // The cancelled read did not swallow data written afterwards.
    ASSERT_EQ(::write(pipe.w, "kept", 4), 4);
    EXPECT_EQ(read_exactly(pipe.r, 4), "kept");
}

// The KMDF continuous-reader pattern: the routine reuses the request and sends
// it again. Everything written arrives, in order; close() ends the loop with
// the last read cancelled, and the re-send after close is refused.
TEST_F(StreamTargetsTest, ContinuousReaderResendingFromTheRoutineStopsAtClose) {
    struct Reader {
        Engine* engine;
        IoTarget* target;
        Ref<Memory> buf;
        std::mutex mutex;
        std::string got;  // guarded by mutex
        std::atomic<std::uint64_t> total{0};
        std::atomic<int> completions{0};
        std::atomic<int> off_engine_thread{0};
        std::atomic<NTSTATUS> final_status{STATUS_PENDING};
        std::atomic<NTSTATUS> refused_status{STATUS_PENDING};
        std::atomic<int> finished{0};

        static void routine(Request& r, IoTarget&, const CompletionParams& p, void* ctx) {
            auto* self = static_cast<Reader*>(ctx);
            if (!self->engine->on_engine_thread()) self->off_engine_thread.fetch_add(1);
            self->completions.fetch_add(1);
            if (!p.status.ok()) {
                self->final_status = p.status.value();
                self->finished.fetch_add(1);
                return;
            }
            {
                std::lock_guard lock(self->mutex);
                self->got.append(static_cast<const char*>(self->buf->data()), p.information);
            }
            self->total.fetch_add(p.information);
            r.reuse();
            if (r.format_read(*self->target, self->buf, {}, 0).ok()) r.set_completion(&Reader::routine, ctx);
            if (!r.send(*self->target)) {
                self->refused_status = r.status().value();
                self->finished.fetch_add(1);
            }
        }
    };

    Pipe p;
    auto t = IoTarget::from_fd(engine, p.r).value();
    Reader reader{&engine, t.get(), Memory::allocate(100).value()};
    CloseOnExit guard{t};
    auto r = Request::create(*t).value();
    ASSERT_STATUS(r->format_read(*t, reader.buf, {}, 0), STATUS_SUCCESS);
    r->set_completion(&Reader::routine, &reader);
    ASSERT_TRUE(r->send(*t)) << r->status().to_string();

    std::string sent;
    std::mt19937 rng(4242);
    for (int i = 0; i < 200; ++i) {
        std::string chunk(1 + rng() % 250, '\0');  // sometimes more than one read's worth
        for (auto& c : chunk) c = static_cast<char>('a' + rng() % 26);
        ASSERT_EQ(::write(p.w, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
        sent += chunk;
        if (i % 16 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (reader.total.load() < sent.size() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(reader.total.load(), sent.size()) << "the reader loop stalled";
    std::this_thread::sleep_for(kPendingProbe);
    EXPECT_EQ(reader.finished.load(), 0) << "the loop ended before close()";

    t->close();
    EXPECT_EQ(reader.finished.load(), 1) << "close() returned before the last read of the loop completed";
    settle();
    EXPECT_EQ(reader.finished.load(), 1);
    EXPECT_STATUS(Status(reader.final_status.load()), STATUS_CANCELLED);
    EXPECT_STATUS(Status(reader.refused_status.load()), STATUS_PENDING) << "a re-send was refused before close()";
    EXPECT_EQ(reader.off_engine_thread.load(), 0);
    std::lock_guard lock(reader.mutex);
    EXPECT_EQ(reader.got.size(), sent.size());
    EXPECT_TRUE(reader.got == sent) << "the bytes arrived out of order or changed";
}

// A request cancelled by a target's close carries the sticky cancel flag, like
// one cancelled by cancel_sent_request: "a request that ... was cancelled by
// Stop(CancelSentIo)/Purge/Close, fails its next send with STATUS_CANCELLED
// unless it is Reused first" (wdf-io-semantics.md §5.4): the re-send below,
// without reuse(), is refused.
TEST_F(StreamTargetsTest, CancelByCloseIsStickyUntilReuse) {
    Pipe p, q;
    auto t = IoTarget::from_fd(engine, p.r);
    auto t2 = IoTarget::from_fd(engine, q.r);
    ASSERT_TRUE(t) << t.status().to_string();
    ASSERT_TRUE(t2) << t2.status().to_string();
    auto buf = Memory::allocate(64).value();
    auto r = Request::create().value();
    Completions first(engine), second(engine), third(engine);
    CloseOnExit guard{*t};
    CloseOnExit guard2{*t2};

    ASSERT_NO_FATAL_FAILURE(send_pending_read(*t, *r, buf, first));
    t->close();
    ASSERT_EQ(first.count.load(), 1);
    EXPECT_STATUS(first.status(), STATUS_CANCELLED);
    EXPECT_TRUE(r->is_canceled()) << "a request cancelled by close() does not carry the sticky cancel flag";

    // Formatted for another target without reuse(): refused with STATUS_CANCELLED.
    ASSERT_STATUS(r->format_read(*t2, buf, {}, 0), STATUS_SUCCESS);
    second.arm(*r);
    EXPECT_FALSE(r->send(*t2)) << "a request cancelled by close() was sent again without reuse()";
    EXPECT_STATUS(r->status(), STATUS_CANCELLED);
    if (r->is_outstanding()) {  // wrongly accepted: let it finish before going on
        ASSERT_EQ(::write(q.w, "?", 1), 1);
        ASSERT_TRUE(wait_for_count(second.count, 1));
    }

    // After reuse() it is a fresh request.
    ASSERT_STATUS(r->reuse(), STATUS_SUCCESS);
    ASSERT_STATUS(r->format_read(*t2, buf, {}, 0), STATUS_SUCCESS);
    third.arm(*r);
    ASSERT_TRUE(r->send(*t2)) << r->status().to_string();
    ASSERT_EQ(::write(q.w, "ok", 2), 2);
    ASSERT_TRUE(wait_for_count(third.count, 1));
    EXPECT_STATUS(third.status(), STATUS_SUCCESS);
    EXPECT_EQ(third.information.load(), 2u);
}

}  // namespace
}  // namespace wdfio::test
