// The in-flight recorder: what it records, its ring wrapping, the per-request
// filter, the off switch, bad settings, and many threads writing at once.
#include "core/recorder.hpp"
#include "support/completions.hpp"
#include "support/device_drivers.hpp"
#include "support/test_util.hpp"

#include <wdfio/recorder.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <latch>
#include <map>
#include <set>
#include <thread>
#include <vector>

namespace wdfio::test {
namespace {

// Sets an environment variable for one scope (the engine reads it when made).
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old, had_ = true;
        setenv(name, value, 1);
    }
    ~ScopedEnv() {
        if (had_) setenv(name_, old_.c_str(), 1);
        else unsetenv(name_);
    }

private:
    const char* name_;
    std::string old_;
    bool had_ = false;
};

EngineOptions recorder_options(bool enabled, std::size_t events) {
    EngineOptions o;
    o.recorder = RecorderOptions{enabled, events};
    return o;
}

// count reads of 512 bytes at offset 0, each synchronous with a routine (so
// that every one has completed when this returns).
void read_sync(IoTarget& t, int count, std::uint32_t length = 512) {
    auto buf = Memory::allocate(length).value();
    auto r = Request::create(t).value();
    for (int i = 0; i < count; ++i) {
        ASSERT_EQ(r->reuse(), kOk);
        ASSERT_EQ(r->format_read(t, buf, {}, 0), kOk);
        ASSERT_TRUE(r->send(t, SendOptions::synchronous())) << r->status();
        ASSERT_EQ(r->status(), kOk);
    }
}

std::size_t count_kind(const std::vector<RecorderEvent>& v, RecorderEventKind k) {
    std::size_t n = 0;
    for (const auto& e : v) n += e.kind == k;
    return n;
}

TEST(Recorder, OnByDefaultAndRecordsASendItsStartAndItsCompletion) {
    ScopedEnv env("WDFIO_RECORDER", "");
    Engine engine;
    const RecorderInfo info = recorder_info(engine);
    EXPECT_TRUE(info.enabled);
    EXPECT_EQ(info.events_per_ring, RecorderOptions{}.events);
    TempFile file(4096);
    auto t = IoTarget::open(engine, file.path()).value();
    auto buf = Memory::allocate(512).value();
    auto r = Request::create(*t).value();
    ASSERT_EQ(r->format_read(*t, buf, {}, 0), kOk);
    ASSERT_TRUE(r->send(*t, SendOptions::synchronous()));

    const auto h = recorder_history(engine, *r);
    ASSERT_EQ(h.size(), 3u);
    EXPECT_EQ(h[0].kind, RecorderEventKind::Send);
    EXPECT_EQ(h[1].kind, RecorderEventKind::Start);
    EXPECT_EQ(h[2].kind, RecorderEventKind::Complete);
    for (const auto& e : h) {
        EXPECT_EQ(e.request, reinterpret_cast<std::uintptr_t>(r.get()));
        EXPECT_EQ(e.target, reinterpret_cast<std::uintptr_t>(t.get()));
        EXPECT_EQ(e.type, RequestType::Read);
        EXPECT_NE(e.thread, 0u);
    }
    EXPECT_EQ(h[0].bytes, 512u);
    EXPECT_EQ(h[0].depth, 1u);  // itself
    EXPECT_EQ(h[2].status, kOk);
    EXPECT_EQ(h[2].bytes, 512u);
    EXPECT_LE(h[0].time_ns, h[1].time_ns);
    EXPECT_LE(h[1].time_ns, h[2].time_ns);
    EXPECT_EQ(recorder_name(engine, h[0].target), file.path());
    EXPECT_EQ(recorder_name(engine, 12345), "");
}

TEST(Recorder, TheRingWrapsAndKeepsTheNewestEvents) {
    Engine engine(recorder_options(true, 16));
    EXPECT_EQ(recorder_info(engine).events_per_ring, 16u);
    TempFile file(4096);
    auto t = IoTarget::open(engine, file.path()).value();
    read_sync(*t, 40);  // 120 events or more: far past 16 per ring

    const RecorderInfo info = recorder_info(engine);
    EXPECT_GE(info.recorded, 120u);
    EXPECT_GT(info.overwritten, 0u);
    EXPECT_EQ(info.recorded - info.overwritten, 16u * info.rings);
    const auto all = recorder_snapshot(engine);
    EXPECT_LE(all.size(), 16u * info.rings);
    EXPECT_GE(all.size(), 16u);
    for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LE(all[i - 1].time_ns, all[i].time_ns);

    const auto last5 = recorder_snapshot(engine, 5);
    ASSERT_EQ(last5.size(), 5u);
    // The newest, not the oldest (times are converted when read, so two
    // snapshots may differ in them by a clock read's jitter: compared by event).
    EXPECT_EQ(last5.back().request, all.back().request);
    EXPECT_EQ(last5.back().ring, all.back().ring);
    EXPECT_NEAR(static_cast<double>(last5.back().time_ns), static_cast<double>(all.back().time_ns), 100000.0);
    EXPECT_EQ(last5.back().kind, RecorderEventKind::Complete);
    EXPECT_TRUE(recorder_snapshot(engine, 0).empty());
}

TEST(Recorder, HistoryOfOneRequestLeavesOthersOut) {
    Engine engine;
    TempFile file(8192);
    auto t = IoTarget::open(engine, file.path()).value();
    auto buf = Memory::allocate(512).value();
    auto a = Request::create(*t).value();
    auto b = Request::create(*t).value();
    for (int i = 0; i < 3; ++i) {
        for (Request* r : {a.get(), b.get()}) {
            ASSERT_EQ(r->reuse(), kOk);
            ASSERT_EQ(r->format_read(*t, buf, {}, 512), kOk);
            ASSERT_TRUE(r->send(*t, SendOptions::synchronous()));
        }
    }
    const auto ha = recorder_history(engine, *a);
    EXPECT_EQ(count_kind(ha, RecorderEventKind::Send), 3u);
    EXPECT_EQ(count_kind(ha, RecorderEventKind::Complete), 3u);
    for (const auto& e : ha) EXPECT_EQ(e.request, reinterpret_cast<std::uintptr_t>(a.get()));
    auto fresh = Request::create(*t).value();
    EXPECT_TRUE(recorder_history(engine, *fresh).empty());
}

TEST(Recorder, CancelTimeoutParkAndStateChangesAreRecorded) {
    Engine engine;
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    auto t = IoTarget::from_fd(engine, fds[0], "test pipe").value();
    auto buf = Memory::allocate(16).value();
    Completions c(engine);

    // A read of an empty pipe waits: cancelled.
    auto r = Request::create(*t).value();
    ASSERT_EQ(r->format_read(*t, buf, {}, -1), kOk);
    c.arm(*r);
    ASSERT_TRUE(r->send(*t));
    r->cancel_sent_request();
    ASSERT_TRUE(c.wait(1));
    // Another, timed out.
    ASSERT_EQ(r->reuse(), kOk);
    ASSERT_EQ(r->format_read(*t, buf, {}, -1), kOk);
    c.arm(*r);
    ASSERT_TRUE(r->send(*t, SendOptions::asynchronous().timeout_after(std::chrono::milliseconds(20))));
    ASSERT_TRUE(c.wait(2));
    EXPECT_EQ(c.status(), Status(STATUS_IO_TIMEOUT));
    // Parked while stopped, failed by the close.
    t->stop(SentIoAction::LeavePending);
    ASSERT_EQ(r->reuse(), kOk);
    ASSERT_EQ(r->format_read(*t, buf, {}, -1), kOk);
    c.arm(*r);
    ASSERT_TRUE(r->send(*t));
    t->close();
    ASSERT_TRUE(c.wait(3));

    const auto h = recorder_history(engine, *r);
    EXPECT_EQ(count_kind(h, RecorderEventKind::Cancel), 1u);
    EXPECT_EQ(count_kind(h, RecorderEventKind::Timeout), 1u);
    EXPECT_EQ(count_kind(h, RecorderEventKind::Park), 1u);
    EXPECT_EQ(count_kind(h, RecorderEventKind::Complete), 3u);
    std::vector<Status> finals;
    for (const auto& e : h)
        if (e.kind == RecorderEventKind::Complete) finals.push_back(e.status);
    ASSERT_EQ(finals.size(), 3u);
    EXPECT_EQ(finals[0], Status(STATUS_CANCELLED));
    EXPECT_EQ(finals[1], Status(STATUS_IO_TIMEOUT));

    std::vector<IoTargetState> states;
    for (const auto& e : recorder_snapshot(engine))
        if (e.kind == RecorderEventKind::TargetState && e.target == reinterpret_cast<std::uintptr_t>(t.get()))
            states.push_back(e.state);
    ASSERT_GE(states.size(), 2u);
    EXPECT_EQ(states.front(), IoTargetState::Stopped);
    EXPECT_EQ(states.back(), IoTargetState::Closed);
    ::close(fds[1]);
}

TEST(Recorder, OffRecordsNothingAndRefusesATrace) {
    Engine engine(recorder_options(false, 4096));
    EXPECT_FALSE(recorder_info(engine).enabled);
    TempFile file(4096);
    auto t = IoTarget::open(engine, file.path()).value();
    read_sync(*t, 4);
    EXPECT_TRUE(recorder_snapshot(engine).empty());
    EXPECT_EQ(recorder_info(engine).recorded, 0u);
    const std::string path = file.path() + ".trace.json";
    EXPECT_EQ(write_trace(engine, path), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_NE(access(path.c_str(), F_OK), 0);  // nothing written
}

TEST(Recorder, EnvironmentTurnsItOffOrSizesIt) {
    {
        ScopedEnv env("WDFIO_RECORDER", "off");
        Engine engine;
        EXPECT_FALSE(recorder_info(engine).enabled);
    }
    {
        ScopedEnv env("WDFIO_RECORDER", "100");
        Engine engine;
        EXPECT_TRUE(recorder_info(engine).enabled);
        EXPECT_EQ(recorder_info(engine).events_per_ring, 128u);  // rounded up to a power of two
    }
    {
        // The options given win over the environment.
        ScopedEnv env("WDFIO_RECORDER", "off");
        Engine engine(recorder_options(true, 64));
        EXPECT_TRUE(recorder_info(engine).enabled);
        EXPECT_EQ(recorder_info(engine).events_per_ring, 64u);
    }
}

TEST(Recorder, BadSettingsFallBackToTheDefault) {
    for (const char* bad : {"bogus", "-5", "12abc", "0", "8", "99999999999999999999", "1e9"}) {
        ScopedEnv env("WDFIO_RECORDER", bad);
        Engine engine;
        const RecorderInfo info = recorder_info(engine);
        EXPECT_TRUE(info.enabled) << bad;
        EXPECT_EQ(info.events_per_ring, RecorderOptions{}.events) << bad;
    }
    for (std::size_t bad : {std::size_t{0}, std::size_t{3}, (std::size_t{1} << 24) + 1}) {
        Engine engine(recorder_options(true, bad));
        EXPECT_EQ(recorder_info(engine).events_per_ring, RecorderOptions{}.events) << bad;
        TempFile file(4096);
        auto t = IoTarget::open(engine, file.path()).value();
        read_sync(*t, 1);  // and it records
        EXPECT_EQ(recorder_snapshot(engine).size(), 3u);
    }
}

// Threads other than the engine's share one ring (a slot claimed with a
// fetch_add): events written at once must come out whole, never torn. Each
// thread reads with its own length, so a torn event would pair a request
// with another thread's length.
TEST(Recorder, ManyThreadsWritingAtOnceGiveWholeEvents) {
    Engine engine(recorder_options(true, 1024));
    TempFile file(64 * 1024);
    auto t = IoTarget::open(engine, file.path()).value();
    constexpr int kThreads = 4, kReads = 200;
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    std::map<std::uintptr_t, std::uint64_t> length_of;  // request → its thread's length
    std::mutex m;
    for (int k = 0; k < kThreads; ++k) {
        threads.emplace_back([&, k] {
            const std::uint32_t length = 512u * (k + 1);
            auto buf = Memory::allocate(length).value();
            auto r = Request::create(*t).value();
            {
                std::lock_guard lock(m);
                length_of[reinterpret_cast<std::uintptr_t>(r.get())] = length;
            }
            for (int i = 0; i < kReads; ++i) {
                r->reuse();
                r->format_read(*t, buf, {}, 0);
                r->send(*t, SendOptions::synchronous());
            }
            // Keep r alive until every thread is done: its address stays its own.
            while (true) {
                std::lock_guard lock(m);
                if (length_of.size() == kThreads) break;
            }
        });
    }
    // Snapshots taken while they write skip slots being written.
    for (int i = 0; i < 20; ++i) {
        for (const auto& e : recorder_snapshot(engine)) EXPECT_NE(e.thread, 0u);
    }
    for (auto& th : threads) th.join();

    const auto all = recorder_snapshot(engine);
    EXPECT_GT(all.size(), 1000u);
    for (const auto& e : all) {
        if (e.kind != RecorderEventKind::Send) continue;
        auto it = length_of.find(e.request);
        ASSERT_NE(it, length_of.end());
        EXPECT_EQ(e.bytes, it->second);
        EXPECT_EQ(e.target, reinterpret_cast<std::uintptr_t>(t.get()));
        EXPECT_EQ(e.type, RequestType::Read);
    }
}

// Every thread that records gets a ring of its own (no atomic read-modify-
// write per event) until there are 64; the threads past them share one ring,
// writing at once — and every event is whole and kept either way.
TEST(Recorder, EachThreadWritesItsOwnRingAndPast64TheyShareOne) {
    Engine engine(recorder_options(true, 1024));
    TempFile file(4096);
    auto t = IoTarget::open(engine, file.path()).value();
    constexpr int kThreads = 72, kReads = 10;
    std::vector<Ref<Request>> requests(kThreads);
    std::latch ready(kThreads), done(kThreads + 1);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int k = 0; k < kThreads; ++k) {
        threads.emplace_back([&, k] {
            auto buf = Memory::allocate(512).value();
            requests[k] = Request::create(*t).value();
            ready.arrive_and_wait();  // all alive and sending at once: no thread id is reused
            for (int i = 0; i < kReads; ++i) {
                requests[k]->reuse();
                requests[k]->format_read(*t, buf, {}, 0);
                requests[k]->send(*t, SendOptions::synchronous());
            }
            done.arrive_and_wait();
        });
    }
    done.arrive_and_wait();
    for (auto& th : threads) th.join();

    // This thread (the open's state change), the engine thread and 62 of the
    // senders have rings; the other ten share the 65th.
    EXPECT_EQ(recorder_info(engine).rings, detail::Recorder::kMaxThreadRings + 1);
    EXPECT_EQ(recorder_info(engine).overwritten, 0u);
    for (const auto& r : requests) {
        const auto h = recorder_history(engine, *r);
        EXPECT_EQ(count_kind(h, RecorderEventKind::Send), std::size_t{kReads});
        EXPECT_EQ(count_kind(h, RecorderEventKind::Complete), std::size_t{kReads});
        for (const auto& e : h) {
            EXPECT_NE(e.thread, 0u);
            EXPECT_EQ(e.target, reinterpret_cast<std::uintptr_t>(t.get()));
        }
    }
}

TEST(Recorder, AVerifierReportCarriesTheRequestsHistory) {
    Verifier::set_mode(VerifierMode::Report);
    Engine engine;
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    auto t = IoTarget::from_fd(engine, fds[0], "history pipe").value();
    auto buf = Memory::allocate(16).value();
    auto r = Request::create(*t).value();
    ASSERT_EQ(r->format_read(*t, buf, {}, -1), kOk);
    Completions c(engine);
    c.arm(*r);
    ASSERT_TRUE(r->send(*t));
    ::testing::internal::CaptureStderr();
    EXPECT_FALSE(r->send(*t));  // already sent: a verifier violation
    const std::string report = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(report.find("REQUEST_ALREADY_SENT"), std::string::npos) << report;
    EXPECT_NE(report.find("event(s) of request"), std::string::npos) << report;
    EXPECT_NE(report.find("Send"), std::string::npos) << report;
    EXPECT_NE(report.find("history pipe"), std::string::npos) << report;
    r->cancel_sent_request();
    ASSERT_TRUE(c.wait(1));
    ::close(fds[1]);
}

TEST(Recorder, EventKindsHaveNames) {
    EXPECT_STREQ(to_string(RecorderEventKind::Send), "Send");
    EXPECT_STREQ(to_string(RecorderEventKind::QueueComplete), "QueueComplete");
    EXPECT_STREQ(to_string(static_cast<RecorderEventKind>(200)), "?");
}

}  // namespace
}  // namespace wdfio::test
