// The NBD target against real nbdkit servers on a Unix socket: data round
// trips, the size and block-size ioctls, flush and trim reaching the server
// (its log filter), the error filter's failures, the delay filter with
// timeouts and cancel, a killed server, and bad input. On both backends.
#include "support/completions.hpp"
#include "support/nbdkit.hpp"
#include "support/test_util.hpp"

#include <linux/fs.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kDiskSize = 64ull << 20;

// One asynchronous request and how many times its routine ran.
struct Flight {
    Ref<Request> request;
    Ref<Memory> memory;
    std::atomic<int> runs{0};
    std::atomic<NTSTATUS> status{STATUS_PENDING};
    std::atomic<std::uint64_t> information{0};
    std::uint64_t offset = 0;

    void arm(std::atomic<int>& total) {
        request->set_completion([this, &total](Request&, IoTarget&, const CompletionParams& p) {
            status.store(p.status.value());
            information.store(p.information);
            runs.fetch_add(1);
            total.fetch_add(1);
        });
    }
};

Status ioctl(IoTarget& t, std::uint32_t code, const Ref<Memory>& in, const Ref<Memory>& out,
             std::uint64_t* bytes = nullptr) {
    return send_ioctl_synchronously(t, nullptr, code, in, {}, out, {}, {}, bytes);
}

Status range_ioctl(IoTarget& t, std::uint32_t code, std::uint64_t offset, std::uint64_t length) {
    auto in = filled_memory(16);
    const std::uint64_t range[2] = {offset, length};
    std::memcpy(in->data(), range, sizeof range);
    return ioctl(t, code, in, {});
}

// n 4 KiB reads at offsets 0, 4 KiB, ... sent to t, each counted in `done`.
void send_reads(IoTarget& t, int n, std::atomic<int>& done, std::vector<std::unique_ptr<Flight>>& flights) {
    for (int i = 0; i < n; ++i) {
        auto f = std::make_unique<Flight>();
        f->memory = filled_memory(4096);
        f->request = Request::create(t).value();
        ASSERT_STATUS(f->request->format_read(t, f->memory, {}, i * 4096), STATUS_SUCCESS);
        f->arm(done);
        ASSERT_TRUE(f->request->send(t));
        flights.push_back(std::move(f));
    }
}

class NbdTest : public ::testing::Test {
protected:
    void SetUp() override { SKIP_WITHOUT_NBDKIT(); }
    Engine engine;
};

TEST_F(NbdTest, RandomRoundTripsAreVerified) {
    Nbdkit server({"memory", "64M"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());

    std::mt19937_64 rng(14);
    // Random extents, written concurrently (QD 16) from this thread, then read back.
    constexpr int kCount = 64;
    std::vector<std::unique_ptr<Flight>> writes;
    std::atomic<int> done{0};
    std::uint64_t next = 0;
    for (int i = 0; i < kCount; ++i) {
        auto f = std::make_unique<Flight>();
        const std::size_t len = 1 + rng() % (256 << 10);
        f->offset = next + rng() % 4096;  // distinct extents: each checked against its own pattern
        next = f->offset + len;
        ASSERT_LE(next, kDiskSize);
        f->memory = filled_memory(len);
        fill_pattern(*f->memory, static_cast<std::uint32_t>(i + 1));
        f->request = Request::create(*t).value();
        ASSERT_STATUS(f->request->format_write(*t, f->memory, {}, static_cast<std::int64_t>(f->offset)),
                      STATUS_SUCCESS);
        f->arm(done);
        writes.push_back(std::move(f));
    }
    for (int i = 0; i < kCount; ++i) {
        ASSERT_TRUE(writes[i]->request->send(*t));
        if (i >= 16) {
            ASSERT_TRUE(wait_for_count(done, i - 15));
        }
    }
    ASSERT_TRUE(wait_for_count(done, kCount));
    for (auto& f : writes) {
        EXPECT_EQ(f->runs.load(), 1);
        EXPECT_STATUS(Status(f->status.load()), STATUS_SUCCESS);
        EXPECT_EQ(f->information.load(), f->memory->size());
    }
    for (int i = 0; i < kCount; ++i) {
        auto& f = *writes[i];
        auto back = filled_memory(f.memory->size(), 0xEE);
        std::uint64_t got = 0;
        ASSERT_STATUS(send_read_synchronously(*t, nullptr, back, {}, static_cast<std::int64_t>(f.offset), {}, &got),
                      STATUS_SUCCESS);
        EXPECT_EQ(got, back->size());
        EXPECT_EQ(std::memcmp(back->data(), f.memory->data(), back->size()), 0) << "extent " << i;
    }
    // Where nothing was written, the memory plugin's zeros.
    auto tail = filled_memory(4096, 0xEE);
    ASSERT_STATUS(send_read_synchronously(*t, nullptr, tail, {}, kDiskSize - 4096), STATUS_SUCCESS);
    EXPECT_EQ(std::vector<char>(static_cast<char*>(tail->data()), static_cast<char*>(tail->data()) + 4096),
              std::vector<char>(4096, 0));
}

TEST_F(NbdTest, RoutinesRunOnTheEngineThreadAndMayResend) {
    Nbdkit server({"memory", "64M"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    // A routine re-sending to the same target must not deadlock (libnbd's lock is not held).
    auto mem = filled_memory(4096);
    auto r = Request::create(*t).value();
    std::atomic<int> rounds{0}, off_engine{0};
    std::atomic<NTSTATUS> last{STATUS_PENDING};
    std::function<void(Request&, IoTarget&, const CompletionParams&)> again;
    again = [&](Request& req, IoTarget& target, const CompletionParams& p) {
        if (!engine.on_engine_thread()) off_engine.fetch_add(1);
        last.store(p.status.value());
        if (rounds.fetch_add(1) + 1 >= 100 || !p.status.ok()) return;
        req.reuse();
        req.format_read(target, mem, {}, (rounds.load() % 100) * 4096);
        req.set_completion(again);
        if (!req.send(target)) last.store(req.status().value());
    };
    ASSERT_STATUS(r->format_read(*t, mem, {}, 0), STATUS_SUCCESS);
    r->set_completion(again);
    ASSERT_TRUE(r->send(*t));
    ASSERT_TRUE(wait_for_count(rounds, 100));
    EXPECT_STATUS(Status(last.load()), STATUS_SUCCESS);
    EXPECT_EQ(off_engine.load(), 0);
}

TEST_F(NbdTest, SizeAndBlockSizesComeFromTheServer) {
    Nbdkit server({"--filter=blocksize-policy", "memory", "64M", "blocksize-minimum=512", "blocksize-preferred=4096",
                   "blocksize-maximum=1M"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    auto out = filled_memory(8);
    std::uint64_t bytes = 0;
    ASSERT_STATUS(ioctl(*t, BLKGETSIZE64, {}, out, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, 8u);
    EXPECT_EQ(*static_cast<std::uint64_t*>(out->data()), kDiskSize);
    ASSERT_STATUS(ioctl(*t, BLKSSZGET, {}, out), STATUS_SUCCESS);
    EXPECT_EQ(*static_cast<int*>(out->data()), 512);
    ASSERT_STATUS(ioctl(*t, BLKPBSZGET, {}, out), STATUS_SUCCESS);
    EXPECT_EQ(*static_cast<int*>(out->data()), 4096);

    // What the server's constraints refuse fails at format, with a log line.
    std::vector<std::string> lines;
    set_log_sink([&lines](LogLevel, std::string_view msg) { lines.emplace_back(msg); });
    auto r = Request::create(*t).value();
    auto mem = filled_memory(4096);
    EXPECT_STATUS(r->format_read(*t, mem, {}, 100), STATUS_INVALID_PARAMETER);                   // misaligned offset
    EXPECT_STATUS(r->format_read(*t, mem, MemoryOffset{0, 1000}, 0), STATUS_INVALID_PARAMETER);  // length
    EXPECT_STATUS(r->format_read(*t, mem, {}, kDiskSize - 512), STATUS_INVALID_PARAMETER);       // past the end
    EXPECT_STATUS(r->format_write(*t, mem, {}, kDiskSize), STATUS_INVALID_PARAMETER);
    auto big = filled_memory(2 << 20);
    EXPECT_STATUS(r->format_read(*t, big, {}, 0), STATUS_INVALID_PARAMETER);  // over the server's maximum
    EXPECT_STATUS(r->format_read(*t, mem, {}, -4096), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(r->format_ioctl(*t, BLKGETSIZE64, {}, {}, filled_memory(4), {}), STATUS_BUFFER_TOO_SMALL);
    EXPECT_STATUS(r->format_ioctl(*t, BLKROGET, {}, {}, out, {}), STATUS_INVALID_DEVICE_REQUEST);
    EXPECT_STATUS(r->format_ioctl(*t, BLKDISCARD, filled_memory(8), {}, {}, {}), STATUS_BUFFER_TOO_SMALL);
    EXPECT_STATUS(range_ioctl(*t, BLKDISCARD, 100, 512), STATUS_INVALID_PARAMETER);
    EXPECT_STATUS(range_ioctl(*t, BLKZEROOUT, kDiskSize, 512), STATUS_INVALID_PARAMETER);
    set_log_sink(nullptr);
    EXPECT_GE(lines.size(), 6u);
    EXPECT_STATUS(r->format_read(*t, mem, {}, 8192), STATUS_SUCCESS);  // and an aligned one goes
}

TEST_F(NbdTest, FlushTrimAndZeroReachTheServer) {
    Nbdkit server({"--filter=log", "memory", "64M", "logfile={log}"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    auto data = filled_memory(65536, 0x5A);
    ASSERT_STATUS(send_write_synchronously(*t, nullptr, data, {}, 0), STATUS_SUCCESS);
    ASSERT_STATUS(ioctl(*t, BLKFLSBUF, {}, {}), STATUS_SUCCESS);
    ASSERT_STATUS(range_ioctl(*t, BLKDISCARD, 0, 4096), STATUS_SUCCESS);
    ASSERT_STATUS(range_ioctl(*t, BLKZEROOUT, 8192, 8192), STATUS_SUCCESS);
    auto back = filled_memory(65536, 0xEE);
    ASSERT_STATUS(send_read_synchronously(*t, nullptr, back, {}, 0), STATUS_SUCCESS);
    const auto* b = static_cast<const std::uint8_t*>(back->data());
    EXPECT_EQ(b[0], 0) << "trimmed: the memory plugin reads zeros";
    EXPECT_EQ(b[8192], 0);
    EXPECT_EQ(b[16383], 0);
    EXPECT_EQ(b[16384], 0x5A);
    EXPECT_EQ(b[4096], 0x5A);
    const std::string log = server.log_text();
    EXPECT_NE(log.find("Flush"), std::string::npos) << log;
    EXPECT_NE(log.find("Trim"), std::string::npos) << log;
    EXPECT_NE(log.find("Zero"), std::string::npos) << log;
}

TEST_F(NbdTest, ReadOnlyExportRefusesWritesAtFormat) {
    Nbdkit server({"-r", "memory", "1M"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    auto r = Request::create(*t).value();
    EXPECT_STATUS(r->format_write(*t, filled_memory(512), {}, 0), STATUS_MEDIA_WRITE_PROTECTED);
    EXPECT_STATUS(range_ioctl(*t, BLKDISCARD, 0, 512), STATUS_MEDIA_WRITE_PROTECTED);
    EXPECT_STATUS(r->format_read(*t, filled_memory(512), {}, 0), STATUS_SUCCESS);
}

// Writes fail at random on the server: each request completes once, the
// failed ones with the mapped status, and what was reported written is there
// (and what was refused is not).
TEST_F(NbdTest, ServerErrorsSurfaceMappedAndNothingRefusedIsReportedDone) {
    Nbdkit server({"--filter=error", "memory", "64M", "error-pwrite=EIO", "error-pwrite-rate=30%"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    constexpr int kCount = 200;
    std::vector<std::unique_ptr<Flight>> flights;
    std::atomic<int> done{0};
    for (int i = 0; i < kCount; ++i) {
        auto f = std::make_unique<Flight>();
        f->offset = static_cast<std::uint64_t>(i) * 4096;
        f->memory = filled_memory(4096);
        fill_pattern(*f->memory, static_cast<std::uint32_t>(i + 7));
        f->request = Request::create(*t).value();
        ASSERT_STATUS(f->request->format_write(*t, f->memory, {}, static_cast<std::int64_t>(f->offset)),
                      STATUS_SUCCESS);
        f->arm(done);
        ASSERT_TRUE(f->request->send(*t));
        flights.push_back(std::move(f));
    }
    ASSERT_TRUE(wait_for_count(done, kCount));
    std::this_thread::sleep_for(50ms);  // a second run would show here
    int failed = 0;
    for (int i = 0; i < kCount; ++i) {
        auto& f = *flights[i];
        EXPECT_EQ(f.runs.load(), 1) << i;
        const Status s(f.status.load());
        ASSERT_TRUE(s == STATUS_SUCCESS || s == STATUS_IO_DEVICE_ERROR) << s;
        auto back = filled_memory(4096, 0xEE);
        ASSERT_STATUS(send_read_synchronously(*t, nullptr, back, {}, static_cast<std::int64_t>(f.offset)),
                      STATUS_SUCCESS);
        if (s.ok()) {
            EXPECT_EQ(std::memcmp(back->data(), f.memory->data(), 4096), 0) << "write " << i << " reported done";
            EXPECT_EQ(f.information.load(), 4096u);
        } else {
            ++failed;
            EXPECT_EQ(f.information.load(), 0u);
            EXPECT_EQ(static_cast<const std::uint8_t*>(back->data())[0], 0) << "refused write " << i << " landed";
        }
    }
    EXPECT_GT(failed, 10);
    EXPECT_LT(failed, kCount - 10);
}

// A read the server holds for a second, with a 100 ms timeout: IO_TIMEOUT at
// once; the late reply never reaches the caller's buffer; the target works after.
TEST_F(NbdTest, TimeoutCompletesAtOnceAndTheLateReplyIsDiscarded) {
    Nbdkit server({"--filter=delay", "memory", "64M", "rdelay=1"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    auto mem = filled_memory(4096, 0xAB);
    Completions c(engine);
    auto r = Request::create(*t).value();
    ASSERT_STATUS(r->format_read(*t, mem, {}, 0), STATUS_SUCCESS);
    c.arm(*r);
    const auto sent = std::chrono::steady_clock::now();
    ASSERT_TRUE(r->send(*t, SendOptions{}.timeout_after(100ms)));
    ASSERT_TRUE(c.wait());
    EXPECT_LT(std::chrono::steady_clock::now() - sent, 900ms) << "waited for the server";
    EXPECT_STATUS(c.status(), STATUS_IO_TIMEOUT);
    EXPECT_EQ(c.off_engine_thread.load(), 0);
    // The server answers (zeros) ~1 s after the send: the buffer keeps its bytes.
    std::this_thread::sleep_for(1300ms);
    const auto* b = static_cast<const std::uint8_t*>(mem->data());
    EXPECT_EQ(b[0], 0xAB);
    EXPECT_EQ(b[4095], 0xAB);
    EXPECT_EQ(c.count.load(), 1);
    // Still usable: a write, and a read given time enough.
    auto data = filled_memory(4096, 0x11);
    ASSERT_STATUS(send_write_synchronously(*t, nullptr, data, {}, 8192), STATUS_SUCCESS);
    ASSERT_STATUS(send_read_synchronously(*t, nullptr, mem, {}, 8192, SendOptions{}.timeout_after(10s)),
                  STATUS_SUCCESS);
    EXPECT_EQ(b[0], 0x11);
}

TEST_F(NbdTest, CancelCompletesAtOnce) {
    Nbdkit server({"--filter=delay", "memory", "64M", "rdelay=2"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    auto mem = filled_memory(4096, 0xAB);
    Completions c(engine);
    c.canceller = std::this_thread::get_id();
    auto r = Request::create(*t).value();
    ASSERT_STATUS(r->format_read(*t, mem, {}, 0), STATUS_SUCCESS);
    c.arm(*r);
    ASSERT_TRUE(r->send(*t));
    std::this_thread::sleep_for(50ms);
    const auto asked = std::chrono::steady_clock::now();
    EXPECT_TRUE(r->cancel_sent_request());
    ASSERT_TRUE(c.wait());
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
    EXPECT_STATUS(c.status(), STATUS_CANCELLED);
    EXPECT_EQ(c.off_engine_thread.load(), 0);
    EXPECT_FALSE(r->cancel_sent_request()) << "cancelling a completed request reached something";
}

// stop(Cancel) and close with reads held by the server: every one completes
// (cancelled) without waiting for the server.
TEST_F(NbdTest, StopAndCloseCancelWhatTheServerHolds) {
    Nbdkit server({"--filter=delay", "memory", "64M", "rdelay=3"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    std::vector<std::unique_ptr<Flight>> flights;
    std::atomic<int> done{0};
    ASSERT_NO_FATAL_FAILURE(send_reads(*t, 8, done, flights));
    const auto asked = std::chrono::steady_clock::now();
    t->stop(SentIoAction::Cancel);
    EXPECT_EQ(done.load(), 8);
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 2s);
    for (auto& f : flights) EXPECT_STATUS(Status(f->status.load()), STATUS_CANCELLED);
    ASSERT_STATUS(t->start(), STATUS_SUCCESS);
    flights[0]->request->reuse();
    ASSERT_STATUS(flights[0]->request->format_read(*t, flights[0]->memory, {}, 0), STATUS_SUCCESS);
    flights[0]->arm(done);
    ASSERT_TRUE(flights[0]->request->send(*t));
    t->close();
    EXPECT_EQ(done.load(), 9);
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 2s);
    EXPECT_STATUS(Status(flights[0]->status.load()), STATUS_CANCELLED);
}

// Close lets the server answer the commands of cancelled requests before it
// says goodbye, as the NBD protocol asks (nbdkit 1.32 can abort answering on a
// socket the client closed): the server never writes into a closed socket.
TEST_F(NbdTest, CloseLetsTheServerAnswerWhatCancelledRequestsLeft) {
    Nbdkit server({"--filter=delay", "memory", "64M", "rdelay=200ms"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    std::vector<std::unique_ptr<Flight>> flights;
    std::atomic<int> done{0};
    ASSERT_NO_FATAL_FAILURE(send_reads(*t, 8, done, flights));
    t->stop(SentIoAction::Cancel);
    EXPECT_EQ(done.load(), 8) << "cancelled at once, not when the server answers";
    t->close();
    std::this_thread::sleep_for(400ms);  // past the server's answer to each read
    EXPECT_EQ(server.stderr_text(), "") << "the server answered into a closed socket";
    auto again = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(again) << again.status();
    EXPECT_STATUS(send_read_synchronously(*again.value(), nullptr, filled_memory(4096), {}, 0), STATUS_SUCCESS);
    again.value()->close();
}

// The server dies with requests out: each completes, with
// STATUS_CONNECTION_RESET, and so does every later one.
TEST_F(NbdTest, KilledServerCompletesEveryPendingRequest) {
    Nbdkit server({"--filter=delay", "memory", "64M", "rdelay=5"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    std::vector<std::unique_ptr<Flight>> flights;
    std::atomic<int> done{0};
    ASSERT_NO_FATAL_FAILURE(send_reads(*t, 8, done, flights));
    std::this_thread::sleep_for(50ms);
    server.kill();
    ASSERT_TRUE(wait_for_count(done, 8, std::chrono::seconds(3)));
    for (auto& f : flights) {
        EXPECT_EQ(f->runs.load(), 1);
        EXPECT_STATUS(Status(f->status.load()), STATUS_CONNECTION_RESET);
    }
    EXPECT_STATUS(send_read_synchronously(*t, nullptr, flights[0]->memory, {}, 0, SendOptions{}.timeout_after(5s)),
                  STATUS_CONNECTION_RESET);
    // start() without a server: a clear status, and the target stays as it was.
    EXPECT_STATUS(t->start(), STATUS_CONNECTION_REFUSED);
    EXPECT_STATUS(send_read_synchronously(*t, nullptr, flights[0]->memory, {}, 0), STATUS_CONNECTION_RESET);
    // A server again (a fresh memory disk, no delay): start() reconnects.
    server.kill();
    Nbdkit again({"memory", "64M"});
    ASSERT_TRUE(again.ready());
    ASSERT_EQ(::rename(again.socket().c_str(), server.socket().c_str()), 0);  // where the target connects
    ASSERT_STATUS(t->start(), STATUS_SUCCESS);
    auto data = filled_memory(4096, 0x42);
    ASSERT_STATUS(send_write_synchronously(*t, nullptr, data, {}, 4096), STATUS_SUCCESS);
    auto back = filled_memory(4096);
    ASSERT_STATUS(send_read_synchronously(*t, nullptr, back, {}, 4096), STATUS_SUCCESS);
    EXPECT_EQ(std::memcmp(back->data(), data->data(), 4096), 0);
}

// connection_state() across a server kill (noticed by the idle connection's
// poll, no request needed), a start() without a server, a start() that
// reconnects, and close.
TEST_F(NbdTest, ConnectionStateFollowsAKillAFailedStartAndAReconnect) {
    Nbdkit server({"memory", "64M"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    ConnectionState c = t->connection_state();
    EXPECT_TRUE(c.connected);
    EXPECT_STATUS(c.last_error, STATUS_SUCCESS);

    server.kill();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (t->connection_state().connected && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    c = t->connection_state();
    EXPECT_FALSE(c.connected) << "the drop was not noticed within 5 s";
    EXPECT_STATUS(c.last_error, STATUS_CONNECTION_RESET);
    EXPECT_EQ(t->state(), IoTargetState::Started) << "KMDF's state machine is not the connection";

    EXPECT_STATUS(t->start(), STATUS_CONNECTION_REFUSED);
    c = t->connection_state();
    EXPECT_FALSE(c.connected);
    EXPECT_STATUS(c.last_error, STATUS_CONNECTION_REFUSED);

    ASSERT_TRUE(server.start());
    ASSERT_STATUS(t->start(), STATUS_SUCCESS);
    c = t->connection_state();
    EXPECT_TRUE(c.connected);
    EXPECT_STATUS(c.last_error, STATUS_CONNECTION_REFUSED) << "the last failure is kept after the reconnect";
    ASSERT_STATUS(send_read_synchronously(*t, nullptr, filled_memory(4096), {}, 0), STATUS_SUCCESS);

    t->close();
    EXPECT_FALSE(t->connection_state().connected);
}

// Requests parked while the target is stopped wait out the dead connection
// and go to the server once start() has reconnected.
TEST_F(NbdTest, ParkedRequestsGoOutOnTheNewConnection) {
    Nbdkit server({"memory", "64M"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri());
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    server.kill();
    // The drop is noticed by the idle connection's poll or, at the latest, by the next request.
    EXPECT_STATUS(send_read_synchronously(*t, nullptr, filled_memory(512), {}, 0, SendOptions{}.timeout_after(5s)),
                  STATUS_CONNECTION_RESET);
    t->stop(SentIoAction::LeavePending);
    std::atomic<int> done{0};
    Flight f;
    f.memory = filled_memory(4096, 0x77);
    f.request = Request::create(*t).value();
    ASSERT_STATUS(f.request->format_write(*t, f.memory, {}, 0), STATUS_SUCCESS);
    f.arm(done);
    ASSERT_TRUE(f.request->send(*t));
    EXPECT_EQ(t->parked(), 1u);
    ASSERT_TRUE(server.start());
    ASSERT_STATUS(t->start(), STATUS_SUCCESS);
    ASSERT_TRUE(wait_for_count(done, 1, std::chrono::seconds(10)));
    EXPECT_STATUS(Status(f.status.load()), STATUS_SUCCESS);
    auto back = filled_memory(4096);
    ASSERT_STATUS(send_read_synchronously(*t, nullptr, back, {}, 0), STATUS_SUCCESS);
    EXPECT_EQ(std::memcmp(back->data(), f.memory->data(), 4096), 0);
}

// A target whose last reference goes without close: its poll is called back
// and the connection closed (the server sees the client leave), nothing leaks.
TEST_F(NbdTest, ReleasedWithoutCloseDisconnects) {
    Nbdkit server({"--filter=log", "memory", "1M", "logfile={log}"});
    ASSERT_TRUE(server.ready());
    {
        auto t = IoTarget::open(engine, server.uri());
        ASSERT_TRUE(t) << t.status();
        ASSERT_STATUS(send_read_synchronously(*t, nullptr, filled_memory(512), {}, 0), STATUS_SUCCESS);
    }
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (server.log_text().find("Disconnect") == std::string::npos && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    EXPECT_NE(server.log_text().find("Disconnect"), std::string::npos) << server.log_text();
}

TEST_F(NbdTest, BadNamesAndAbsentServersFailClearly) {
    std::vector<std::string> lines;
    set_log_sink([&lines](LogLevel, std::string_view msg) { lines.emplace_back(msg); });
    const auto started = std::chrono::steady_clock::now();
    auto missing = IoTarget::open(engine, "nbd+unix:///?socket=/nonexistent/wdfio.sock");
    EXPECT_STATUS(missing.status(), STATUS_OBJECT_NAME_NOT_FOUND);
    auto refused = IoTarget::open(engine, "nbd://127.0.0.1:1/");
    EXPECT_STATUS(refused.status(), STATUS_CONNECTION_REFUSED);
    auto unknown_host = IoTarget::open(engine, "nbd://wdfio-test.invalid/");  // RFC 2606: never resolves
    EXPECT_STATUS(unknown_host.status(), STATUS_OBJECT_NAME_NOT_FOUND);
    auto garbage = IoTarget::open(engine, "nbd://[::1");
    EXPECT_FALSE(garbage);
    auto neither = IoTarget::open(engine, "nbd+unix:///?socket=/tmp/x", OpenOptions{false, false});
    EXPECT_STATUS(neither.status(), STATUS_INVALID_PARAMETER);
    auto direct = IoTarget::open(engine, "nbd+unix:///?socket=/tmp/x", OpenOptions{}.with_direct());
    EXPECT_STATUS(direct.status(), STATUS_INVALID_PARAMETER);
    auto unknown = IoTarget::open(engine, "nbdz://host/");
    EXPECT_STATUS(unknown.status(), STATUS_OBJECT_NAME_INVALID);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    set_log_sink(nullptr);
    EXPECT_GE(lines.size(), 4u);
}

TEST_F(NbdTest, ExportNamesAndFuaParameterAreUnderstood) {
    Nbdkit server({"--filter=log", "memory", "1M", "logfile={log}"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, "nbd+unix:///?fua=1&socket=" + server.socket());
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    ASSERT_STATUS(send_write_synchronously(*t, nullptr, filled_memory(4096, 1), {}, 0), STATUS_SUCCESS);
    EXPECT_NE(server.log_text().find("fua=1"), std::string::npos) << server.log_text();
}

}  // namespace
