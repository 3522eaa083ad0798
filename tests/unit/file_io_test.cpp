// Asynchronous and synchronous I/O on regular files: data, exactly-once
// completion, routines that re-send, sticky cancel, lifetime inside routines.
#include "support/completions.hpp"
#include "support/test_util.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <random>
#include <thread>
#include <vector>

using namespace wdfio;
using test::TempFile;

namespace {
class FileIo : public ::testing::Test {
protected:
    void SetUp() override {
        Verifier::set_mode(VerifierMode::Report);
        target = IoTarget::open(engine, file.path()).value();
    }
    Engine engine;
    TempFile file{0};
    Ref<IoTarget> target;
};
}  // namespace

TEST_F(FileIo, RoundTripsAtManyOffsetsAndSizes) {
    std::mt19937 rng(7);
    const std::size_t sizes[] = {1, 7, 512, 4095, 4096, 4097, 65536, 1 << 20};
    std::uint32_t seed = 1;
    for (std::size_t size : sizes) {
        for (int k = 0; k < 3; ++k, ++seed) {
            const std::int64_t offset = static_cast<std::int64_t>(rng() % (8 << 20));
            auto out = Memory::allocate(size).value();
            test::fill_pattern(*out, seed);
            auto w = Request::create(*target).value();
            ASSERT_EQ(w->format_write(*target, out, {}, offset), Status(STATUS_SUCCESS));
            ASSERT_TRUE(w->send(*target, SendOptions::synchronous()));
            ASSERT_EQ(w->status(), Status(STATUS_SUCCESS));
            ASSERT_EQ(w->information(), size);

            // Read it back asynchronously into the middle of a larger buffer.
            auto in = Memory::allocate(size + 100).value();
            auto r = Request::create(*target).value();
            ASSERT_EQ(r->format_read(*target, in, MemoryOffset{50, size}, offset), Status(STATUS_SUCCESS));
            std::atomic<int> done{0};
            CompletionParams seen;
            r->set_completion([&](Request&, IoTarget& t, const CompletionParams& p) {
                EXPECT_EQ(&t, target.get());
                seen = p;
                done.fetch_add(1);
            });
            ASSERT_TRUE(r->send(*target));
            ASSERT_TRUE(test::wait_for_count(done, 1));
            EXPECT_EQ(seen.status, Status(STATUS_SUCCESS));
            EXPECT_EQ(seen.type, RequestType::Read);
            EXPECT_EQ(seen.read.buffer, in.get());
            EXPECT_EQ(seen.read.offset, 50u);
            EXPECT_EQ(seen.read.length, size);
            EXPECT_EQ(seen.information, size);
            ASSERT_EQ(std::memcmp(static_cast<char*>(in->data()) + 50, out->data(), size), 0)
                << "size " << size << " offset " << offset;
        }
    }
}

TEST_F(FileIo, TenThousandReadsFromSeveralThreadsCompleteExactlyOnce) {
    constexpr int kThreads = 4, kPerThread = 2500, kTotal = kThreads * kPerThread;
    constexpr std::size_t kBlock = 512;
    auto data = Memory::allocate(kBlock * 64).value();
    test::fill_pattern(*data, 3);
    ASSERT_EQ(send_write_synchronously(*target, nullptr, data, {}, 0), Status(STATUS_SUCCESS));

    std::vector<Ref<Request>> requests(kTotal);
    std::vector<Ref<Memory>> buffers(kTotal);
    std::vector<std::atomic<int>> calls(kTotal);
    std::atomic<int> done{0}, bad{0};
    for (int i = 0; i < kTotal; ++i) {
        requests[i] = Request::create(*target).value();
        buffers[i] = Memory::allocate(kBlock).value();
        ASSERT_EQ(requests[i]->format_read(*target, buffers[i], {}, (i % 64) * kBlock), Status(STATUS_SUCCESS));
    }
    std::vector<std::thread> senders;
    senders.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        senders.emplace_back([&, t] {
            for (int i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
                auto* c = &calls[i];
                requests[i]->set_completion([c, &done, &bad](Request&, IoTarget&, const CompletionParams& p) {
                    if (!p.status.ok() || p.information != kBlock) bad.fetch_add(1);
                    c->fetch_add(1);
                    done.fetch_add(1);
                });
                if (!requests[i]->send(*target)) bad.fetch_add(1);
            }
        });
    }
    for (auto& s : senders) s.join();
    ASSERT_TRUE(test::wait_for_count(done, kTotal));
    EXPECT_EQ(bad.load(), 0);
    for (int i = 0; i < kTotal; ++i) {
        ASSERT_EQ(calls[i].load(), 1) << "request " << i;
        ASSERT_EQ(std::memcmp(buffers[i]->data(), static_cast<char*>(data->data()) + (i % 64) * kBlock, kBlock), 0);
    }
    EXPECT_EQ(test::settled_pending(*target), 0u);
}

TEST_F(FileIo, ResendFromTheCompletionRoutine) {
    auto data = Memory::allocate(4096).value();
    ASSERT_EQ(send_write_synchronously(*target, nullptr, data, {}, 0), Status(STATUS_SUCCESS));
    struct Loop {
        Ref<Memory> buf;
        std::atomic<int> done{0};
        int remaining = 1000;
        int failures = 0;
    } loop;
    loop.buf = Memory::allocate(512).value();
    static constexpr CompletionFn again = [](Request& r, IoTarget& t, const CompletionParams& p, void* ctx) {
        auto* l = static_cast<Loop*>(ctx);
        if (!p.status.ok()) ++l->failures;
        if (--l->remaining == 0) {
            l->done.store(1);
            return;
        }
        r.format_read(t, l->buf, {}, (l->remaining % 8) * 512);
        r.set_completion(again, ctx);
        if (!r.send(t)) ++l->failures;
    };
    auto r = Request::create(*target).value();
    ASSERT_EQ(r->format_read(*target, loop.buf, {}, 0), Status(STATUS_SUCCESS));
    r->set_completion(again, &loop);
    ASSERT_TRUE(r->send(*target));
    ASSERT_TRUE(test::wait_for_count(loop.done, 1));
    EXPECT_EQ(loop.failures, 0);
    EXPECT_EQ(loop.remaining, 0);
}

TEST_F(FileIo, SynchronousSendRunsTheRoutineBeforeReturning) {
    auto buf = Memory::allocate(100).value();
    auto r = Request::create().value();  // no target: fits the first one it is formatted for
    ASSERT_EQ(r->format_write(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    int calls = 0;
    r->set_completion([&calls](Request& req, IoTarget&, const CompletionParams& p) {
        ++calls;
        EXPECT_EQ(req.status(), p.status);
    });
    ASSERT_TRUE(r->send(*target, SendOptions::synchronous()));
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(r->has_completion());  // one-shot (spec §3.1)
    // Re-sending without setting a routine is allowed for driver-created requests.
    ASSERT_EQ(r->format_read(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    ASSERT_TRUE(r->send(*target, SendOptions::synchronous()));
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(r->information(), 100u);
}

TEST_F(FileIo, StickyCancel) {
    auto buf = Memory::allocate(64).value();
    auto r = Request::create(*target).value();
    ASSERT_EQ(r->format_write(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    EXPECT_FALSE(r->cancel_sent_request());  // nothing outstanding...
    EXPECT_TRUE(r->is_canceled());           // ...but the flag sticks (spec §5.4)
    test::Completions calls;
    calls.arm(*r);
    EXPECT_FALSE(r->send(*target));
    EXPECT_EQ(r->status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(calls.count.load(), 0);
    EXPECT_EQ(test::settled_pending(*target), 0u);
    EXPECT_FALSE(r->send(*target, SendOptions::synchronous()));
    EXPECT_EQ(r->status(), Status(STATUS_CANCELLED));
    ASSERT_EQ(r->reuse(), Status(STATUS_SUCCESS));  // only reuse clears it
    EXPECT_FALSE(r->is_canceled());
    ASSERT_EQ(r->format_write(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    EXPECT_TRUE(r->send(*target, SendOptions::synchronous()));
    EXPECT_EQ(r->status(), Status(STATUS_SUCCESS));
}

TEST_F(FileIo, RoutineMayDropTheLastReference) {
    auto buf = Memory::allocate(64).value();
    std::atomic<int> done{0};
    struct Holder {
        Ref<Request> r;
        std::atomic<int>* done;
    };
    auto* holder = new Holder{Request::create(*target).value(), &done};
    ASSERT_EQ(holder->r->format_write(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    holder->r->set_completion(
        [](Request&, IoTarget&, const CompletionParams&, void* ctx) {
            auto* h = static_cast<Holder*>(ctx);
            auto* d = h->done;
            delete h;  // drops the only reference the program had (spec §1.5: legal)
            d->fetch_add(1);
        },
        holder);
    ASSERT_TRUE(holder->r->send(*target));
    ASSERT_TRUE(test::wait_for_count(done, 1));
    // The target's own reference goes right after the routine returns; then
    // the request, and with it its memory reference, is gone.
    for (int i = 0; i < 10000 && buf->ref_count() != 1; ++i)
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    EXPECT_EQ(buf->ref_count(), 1u);
}

TEST_F(FileIo, SynchronousCallsFromTheEngineThreadAreRefused) {
    auto buf = Memory::allocate(64).value();
    auto r = Request::create(*target).value();
    ASSERT_EQ(r->format_write(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    std::atomic<int> done{0};
    Status helper_status, sync_status;
    auto inner = Request::create(*target).value();
    struct Ctx {
        Ref<IoTarget> t;
        Ref<Memory> buf;
        Ref<Request> inner;
        Status* helper_status;
        Status* sync_status;
        std::atomic<int>* done;
    } ctx{target, buf, inner, &helper_status, &sync_status, &done};
    r->set_completion(
        [](Request&, IoTarget&, const CompletionParams&, void* c) {
            auto* x = static_cast<Ctx*>(c);
            *x->helper_status = send_read_synchronously(*x->t, nullptr, x->buf, {}, 0);
            x->inner->format_read(*x->t, x->buf, {}, 0);
            x->inner->send(*x->t, SendOptions::synchronous());
            *x->sync_status = x->inner->status();
            x->done->fetch_add(1);
        },
        &ctx);
    const auto before = Verifier::violations();
    ASSERT_TRUE(r->send(*target));
    ASSERT_TRUE(test::wait_for_count(done, 1));
    EXPECT_EQ(helper_status, Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(sync_status, Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(Verifier::violations(), before + 2);
}

TEST_F(FileIo, CloseWaitsForOutstandingRequests) {
    auto buf = Memory::allocate(4096).value();
    test::Completions done;
    std::vector<Ref<Request>> rs;
    for (int i = 0; i < 64; ++i) {
        rs.push_back(Request::create(*target).value());
        ASSERT_EQ(rs.back()->format_write(*target, buf, {}, i * 4096), Status(STATUS_SUCCESS));
        done.arm(*rs.back());
        ASSERT_TRUE(rs.back()->send(*target));
    }
    target->close();
    EXPECT_EQ(done.count.load(), 64);  // every routine returned before close did
    EXPECT_EQ(test::settled_pending(*target), 0u);
    EXPECT_EQ(target->state(), IoTargetState::Closed);
}

// Reads answered from the page cache at once (the worker-thread backend does
// them without a worker) and reads that are not: the same results either way,
// and the routine runs on the engine thread.
TEST_F(FileIo, CachedEvictedShortAndEndOfFileReads) {
    constexpr std::size_t kFile = 10000;
    auto data = Memory::allocate(kFile).value();
    test::fill_pattern(*data, 5);
    ASSERT_EQ(send_write_synchronously(*target, nullptr, data, {}, 0), Status(STATUS_SUCCESS));
    struct Case {
        std::int64_t offset;
        Status status;
        std::uint64_t bytes;
    };
    const Case cases[] = {{0, STATUS_SUCCESS, 4096},
                          {8192, STATUS_SUCCESS, kFile - 8192},
                          {static_cast<std::int64_t>(kFile), STATUS_END_OF_FILE, 0}};
    for (bool evicted : {false, true}) {
        if (evicted) {
            ASSERT_EQ(fdatasync(file.fd()), 0);
            ASSERT_EQ(posix_fadvise(file.fd(), 0, 0, POSIX_FADV_DONTNEED), 0);
        }
        for (const Case& c : cases) {
            SCOPED_TRACE(testing::Message() << "offset " << c.offset << (evicted ? ", evicted" : ", cached"));
            auto in = Memory::allocate(4096).value();
            auto r = Request::create(*target).value();
            ASSERT_EQ(r->format_read(*target, in, {}, c.offset), Status(STATUS_SUCCESS));
            std::atomic<int> done{0};
            std::atomic<bool> on_engine{false};
            r->set_completion([&](Request&, IoTarget&, const CompletionParams&) {
                on_engine = engine.on_engine_thread();
                done.fetch_add(1);
            });
            ASSERT_TRUE(r->send(*target));
            ASSERT_TRUE(test::wait_for_count(done, 1));
            EXPECT_TRUE(on_engine.load());
            EXPECT_EQ(r->status(), c.status);
            EXPECT_EQ(r->information(), c.bytes);
            EXPECT_EQ(std::memcmp(in->data(), static_cast<char*>(data->data()) + c.offset, c.bytes), 0);
        }
    }
}

// A target opened for one direction refuses the other at format, with
// STATUS_ACCESS_DENIED (not the EBADF of the OS as STATUS_INVALID_HANDLE).
TEST(FileAccessMode, WriteToReadOnlyAndReadFromWriteOnlyAreAccessDenied) {
    Engine engine;
    TempFile file(4096);
    auto buffer = Memory::allocate(512).value();

    auto reader = IoTarget::open(engine, file.path(), OpenOptions::read_only()).value();
    test::CloseOnExit close_reader(reader);
    auto r = Request::create(*reader).value();
    EXPECT_STATUS(r->format_write(*reader, buffer, {}, 0), STATUS_ACCESS_DENIED);
    ASSERT_STATUS(r->format_read(*reader, buffer, {}, 0), STATUS_SUCCESS);  // the direction it was opened for
    ASSERT_TRUE(r->send(*reader, SendOptions::synchronous()));
    EXPECT_STATUS(r->status(), STATUS_SUCCESS);

    auto writer = IoTarget::open(engine, file.path(), OpenOptions::write_only()).value();
    test::CloseOnExit close_writer(writer);
    auto w = Request::create(*writer).value();
    EXPECT_STATUS(w->format_read(*writer, buffer, {}, 0), STATUS_ACCESS_DENIED);
    ASSERT_STATUS(w->format_write(*writer, buffer, {}, 0), STATUS_SUCCESS);
    ASSERT_TRUE(w->send(*writer, SendOptions::synchronous()));
    EXPECT_STATUS(w->status(), STATUS_SUCCESS);

    // A descriptor handed over: a pipe's read end.
    int p[2];
    ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
    auto pipe_reader = IoTarget::from_fd(engine, p[0], "pipe").value();
    test::CloseOnExit close_pipe(pipe_reader);
    auto pw = Request::create(*pipe_reader).value();
    EXPECT_STATUS(pw->format_write(*pipe_reader, buffer, {}, 0), STATUS_ACCESS_DENIED);
    ::close(p[0]);
    ::close(p[1]);
}
