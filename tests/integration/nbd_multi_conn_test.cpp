// The NBD target with ?connections=N against nbdkit: requests spread over N
// connections (the log filter names each request's connection) with the
// data verified across them; a connection per engine thread by default;
// N > 1 refused with STATUS_NOT_SUPPORTED by a server without
// multi-conn; bad values refused; a killed server fails every pending
// request once and start() reconnects all N. On both backends.
#include "support/completions.hpp"
#include "support/nbdkit.hpp"
#include "support/test_util.hpp"

#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace wdfio;
using namespace wdfio::test;
using namespace std::chrono_literals;

namespace {

// Lines of the log filter's log for requests (Read, Write) on connection n.
int requests_on(const std::string& log, int n) {
    const std::string tag = "connection=" + std::to_string(n) + " ";
    int count = 0;
    for (std::size_t at = 0; (at = log.find(tag, at)) != std::string::npos; at += tag.size()) {
        const std::size_t word = at + tag.size();
        if (log.compare(word, 5, "Read ") == 0 || log.compare(word, 6, "Write ") == 0) ++count;
    }
    return count;
}

struct Batch {
    std::vector<Ref<Request>> requests;
    std::vector<Ref<Memory>> memory;
    std::atomic<int> done{0};
    std::vector<std::atomic<NTSTATUS>> status;
    explicit Batch(std::size_t n) : status(n) {
        for (auto& s : status) s.store(STATUS_PENDING);
    }
};

// n writes of 64 KiB (patterns seed+i) at i * 64 KiB, all sent at once.
void send_writes(IoTarget& t, Batch& b, int n, std::uint32_t seed) {
    for (int i = 0; i < n; ++i) {
        b.memory.push_back(filled_memory(65536));
        fill_pattern(*b.memory.back(), seed + static_cast<std::uint32_t>(i));
        b.requests.push_back(Request::create(t).value());
        ASSERT_STATUS(b.requests.back()->format_write(t, b.memory.back(), {}, std::int64_t{i} * 65536), STATUS_SUCCESS);
        b.requests.back()->set_completion([&b, i](Request&, IoTarget&, const CompletionParams& p) {
            b.status[i].store(p.status.value());
            b.done.fetch_add(1);
        });
    }
    for (auto& r : b.requests) ASSERT_TRUE(r->send(t));
}

class NbdMultiConnTest : public ::testing::Test {
protected:
    void SetUp() override { SKIP_WITHOUT_NBDKIT(); }
    Engine engine;
};

TEST_F(NbdMultiConnTest, RequestsSpreadOverTheConnectionsAndTheDataHolds) {
    Nbdkit server({"--filter=log", "memory", "64M", "logfile={log}"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri(false, "connections=4"));
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    constexpr int kCount = 64;
    Batch b(kCount);
    ASSERT_NO_FATAL_FAILURE(send_writes(*t, b, kCount, 100));
    ASSERT_TRUE(wait_for_count(b.done, kCount));
    for (int i = 0; i < kCount; ++i) EXPECT_STATUS(Status(b.status[i].load()), STATUS_SUCCESS) << i;
    // Read back through the target (any connection): what each write put there.
    for (int i = 0; i < kCount; ++i) {
        auto back = filled_memory(65536, 0xEE);
        ASSERT_STATUS(send_read_synchronously(*t, nullptr, back, {}, std::int64_t{i} * 65536), STATUS_SUCCESS);
        EXPECT_EQ(std::memcmp(back->data(), b.memory[i]->data(), 65536), 0) << "extent " << i;
    }
    const std::string log = server.log_text();
    for (int n = 1; n <= 4; ++n) EXPECT_GT(requests_on(log, n), 0) << "connection " << n << " got nothing:\n" << log;
    EXPECT_EQ(log.find("connection=5 "), std::string::npos) << "more than 4 connections";
}

// Without ?connections=, a server that allows multi-conn gets a connection
// per engine thread: one with one engine thread, two with two.
TEST_F(NbdMultiConnTest, AConnectionPerEngineThreadByDefault) {
    for (const unsigned engines : {1u, 2u}) {
        SCOPED_TRACE(engines);
        Nbdkit server({"--filter=log", "memory", "64M", "logfile={log}"});
        ASSERT_TRUE(server.ready());
        EngineOptions options;
        options.engines = engines;
        Engine own(options);
        auto t = IoTarget::open(own, server.uri());
        ASSERT_TRUE(t) << t.status();
        CloseOnExit close(t.value());
        Batch b(16);
        ASSERT_NO_FATAL_FAILURE(send_writes(*t, b, 16, 200));
        ASSERT_TRUE(wait_for_count(b.done, 16));
        const std::string log = server.log_text();
        EXPECT_EQ(requests_on(log, 1) + requests_on(log, 2), 16) << log;
        if (engines == 1) EXPECT_EQ(log.find("connection=2 "), std::string::npos) << log;
        else EXPECT_GT(requests_on(log, 2), 0) << log;
        EXPECT_EQ(log.find("connection=3 "), std::string::npos) << log;
    }
}

TEST_F(NbdMultiConnTest, ServerWithoutMultiConnRefusesMoreThanOne) {
    Nbdkit server({"--filter=multi-conn", "memory", "64M", "multi-conn-mode=disable"});
    ASSERT_TRUE(server.ready());
    std::vector<std::string> lines;
    set_log_sink([&lines](LogLevel, std::string_view msg) { lines.emplace_back(msg); });
    auto two = IoTarget::open(engine, server.uri(false, "connections=2"));
    set_log_sink(nullptr);
    EXPECT_STATUS(two.status(), STATUS_NOT_SUPPORTED);
    ASSERT_FALSE(lines.empty());
    EXPECT_NE(lines.back().find("connections=1"), std::string::npos) << "the message says what to do";
    for (const std::string q : {"connections=1", ""}) {
        auto one = IoTarget::open(engine, server.uri(false, q));
        ASSERT_TRUE(one) << q << ": " << one.status();
        EXPECT_STATUS(send_read_synchronously(*one.value(), nullptr, filled_memory(4096), {}, 0), STATUS_SUCCESS);
        one->close();
    }
}

TEST_F(NbdMultiConnTest, BadConnectionCountsAreRefused) {
    const std::string base = "nbd+unix:///?socket=/nonexistent/wdfio.sock&connections=";
    for (const char* v : {"0", "17", "-1", "two", "", "2x"})
        EXPECT_STATUS(IoTarget::open(engine, base + v).status(), STATUS_INVALID_PARAMETER) << v;
}

// The server dies with requests out on both connections: each completes once
// with STATUS_CONNECTION_RESET; start() reconnects both, and they serve again.
TEST_F(NbdMultiConnTest, KilledServerFailsEveryConnectionsRequestsAndStartReconnectsAll) {
    Nbdkit server({"--filter=delay", "memory", "64M", "wdelay=5"});
    ASSERT_TRUE(server.ready());
    auto t = IoTarget::open(engine, server.uri(false, "connections=2"));
    ASSERT_TRUE(t) << t.status();
    CloseOnExit close(t.value());
    Batch b(8);
    ASSERT_NO_FATAL_FAILURE(send_writes(*t, b, 8, 300));
    std::this_thread::sleep_for(50ms);
    server.kill();
    ASSERT_TRUE(wait_for_count(b.done, 8, 3s));
    std::this_thread::sleep_for(50ms);  // a second completion would show here
    EXPECT_EQ(b.done.load(), 8);
    for (int i = 0; i < 8; ++i) EXPECT_STATUS(Status(b.status[i].load()), STATUS_CONNECTION_RESET) << i;
    EXPECT_FALSE(t->connection_state().connected);

    Nbdkit again({"--filter=log", "memory", "64M", "logfile={log}"});
    ASSERT_TRUE(again.ready());
    ASSERT_EQ(::rename(again.socket().c_str(), server.socket().c_str()), 0);  // where the target connects
    ASSERT_STATUS(t->start(), STATUS_SUCCESS);
    EXPECT_TRUE(t->connection_state().connected);
    Batch c(16);
    ASSERT_NO_FATAL_FAILURE(send_writes(*t, c, 16, 400));
    ASSERT_TRUE(wait_for_count(c.done, 16));
    for (int i = 0; i < 16; ++i) EXPECT_STATUS(Status(c.status[i].load()), STATUS_SUCCESS) << i;
    const std::string log = again.log_text();
    EXPECT_GT(requests_on(log, 1), 0) << log;
    EXPECT_GT(requests_on(log, 2), 0) << log;
}

}  // namespace
