// Send timeouts (spec §4.5): asynchronous timers, synchronous waits, parked requests.
#include "support/pipe_target.hpp"

using namespace wdfio;
using namespace std::chrono_literals;
using test::Completions;
using test::PipeTarget;

namespace {
class Timeouts : public ::testing::Test {
protected:
    void SetUp() override { Verifier::set_mode(VerifierMode::Report); }
    Engine engine;
    PipeTarget pipe{engine};
};
}  // namespace

TEST_F(Timeouts, AsyncReadFromAnEmptyPipeTimesOut) {
    Completions c;
    auto r = test::read_request(*pipe.target, c);
    ASSERT_TRUE(r->send(*pipe.target, SendOptions().timeout_after(30ms)));
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_IO_TIMEOUT));
    EXPECT_EQ(c.information.load(), 0u);
    EXPECT_EQ(r->status(), Status(STATUS_IO_TIMEOUT));
    EXPECT_TRUE(r->is_canceled());  // the timer's cancel sticks (spec §5.4)
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(c.count.load(), 1);

    // Without reuse the next send fails with STATUS_CANCELLED; after reuse it works.
    r->format_read(*pipe.target, Memory::allocate(8).value(), {}, 0);
    EXPECT_FALSE(r->send(*pipe.target));
    EXPECT_EQ(r->status(), Status(STATUS_CANCELLED));
    ASSERT_EQ(r->reuse(), Status(STATUS_SUCCESS));
    ASSERT_EQ(r->format_read(*pipe.target, Memory::allocate(8).value(), {}, 0), Status(STATUS_SUCCESS));
    r->set_completion(&Completions::routine, &c);
    ASSERT_TRUE(r->send(*pipe.target, SendOptions().timeout_after(10s)));
    pipe.write_bytes("abc", 3);
    ASSERT_TRUE(c.wait(2));
    EXPECT_EQ(c.status(), Status(STATUS_SUCCESS));
    EXPECT_EQ(c.information.load(), 3u);
}

TEST_F(Timeouts, KmdfTicksRelativeAndAbsolute) {
    Completions c;
    auto r = test::read_request(*pipe.target, c);
    ASSERT_TRUE(r->send(*pipe.target, SendOptions{SEND_OPTION_TIMEOUT, rel_timeout_in_ms(20)}));
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_IO_TIMEOUT));

    // Absolute: 100 ns ticks since 1601, 20 ms from now.
    const auto unix_ticks =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count() /
        100;
    const std::int64_t absolute = unix_ticks + 116444736000000000LL + 200000;
    ASSERT_EQ(r->reuse(), Status(STATUS_SUCCESS));
    r->format_read(*pipe.target, Memory::allocate(8).value(), {}, 0);
    r->set_completion(&Completions::routine, &c);
    ASSERT_TRUE(r->send(*pipe.target, SendOptions{SEND_OPTION_TIMEOUT, absolute}));
    ASSERT_TRUE(c.wait(2));
    EXPECT_EQ(c.status(), Status(STATUS_IO_TIMEOUT));
}

TEST_F(Timeouts, ZeroTimeoutMeansNone) {
    Completions c;
    auto r = test::read_request(*pipe.target, c);
    ASSERT_TRUE(r->send(*pipe.target, SendOptions{SEND_OPTION_TIMEOUT, 0}));
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(c.count.load(), 0);
    pipe.write_bytes("x", 1);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_SUCCESS));
}

TEST_F(Timeouts, OtherStatusesStand) {
    Completions c;
    auto r = test::read_request(*pipe.target, c);
    pipe.write_bytes("hello", 5);  // completes at once: the timer never fires
    ASSERT_TRUE(r->send(*pipe.target, SendOptions().timeout_after(5ms)));
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_SUCCESS));
    EXPECT_EQ(c.information.load(), 5u);
    EXPECT_FALSE(r->is_canceled());

    // The lower side finishes with its own status before the timer: end of file.
    ASSERT_EQ(r->reuse(), Status(STATUS_SUCCESS));
    r->format_read(*pipe.target, Memory::allocate(8).value(), {}, 0);
    r->set_completion(&Completions::routine, &c);
    ASSERT_TRUE(r->send(*pipe.target, SendOptions().timeout_after(10s)));
    pipe.close_writer();
    ASSERT_TRUE(c.wait(2));
    EXPECT_EQ(c.status(), Status(STATUS_END_OF_FILE));
}

TEST_F(Timeouts, SynchronousSendAndHelperTimeOut) {
    Completions c;
    auto r = test::read_request(*pipe.target, c);
    ASSERT_TRUE(r->send(*pipe.target, SendOptions::synchronous().timeout_after(20ms)));
    EXPECT_EQ(r->status(), Status(STATUS_IO_TIMEOUT));
    EXPECT_EQ(c.count.load(), 1);  // SYNCHRONOUS runs the routine
    EXPECT_EQ(c.status(), Status(STATUS_IO_TIMEOUT));

    std::uint64_t bytes = 99;
    auto buf = Memory::allocate(16).value();
    EXPECT_EQ(send_read_synchronously(*pipe.target, nullptr, buf, {}, 0, SendOptions().timeout_after(20ms), &bytes),
              Status(STATUS_IO_TIMEOUT));
    EXPECT_EQ(bytes, 0u);
    // A supplied request that timed out keeps its cancel flag (spec §5.4).
    auto supplied = Request::create().value();
    EXPECT_EQ(send_read_synchronously(*pipe.target, supplied.get(), buf, {}, 0, SendOptions().timeout_after(10ms)),
              Status(STATUS_IO_TIMEOUT));
    EXPECT_TRUE(supplied->is_canceled());
    pipe.write_bytes("z", 1);
    EXPECT_EQ(send_read_synchronously(*pipe.target, nullptr, buf, {}, 0, SendOptions().timeout_after(10s), &bytes),
              Status(STATUS_SUCCESS));
    EXPECT_EQ(bytes, 1u);
}

TEST_F(Timeouts, ParkedRequestTimesOut) {
    pipe.target->stop(SentIoAction::LeavePending);
    Completions c;
    auto r = test::read_request(*pipe.target, c);
    ASSERT_TRUE(r->send(*pipe.target, SendOptions().timeout_after(20ms)));  // parked, accepted
    EXPECT_EQ(pipe.target->parked(), 1u);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_IO_TIMEOUT));  // not STATUS_WDF_IO_TIMEOUT_NOT_SENT (spec §13 #7)
    EXPECT_EQ(pipe.target->parked(), 0u);
    EXPECT_EQ(test::settled_pending(*pipe.target), 0u);
}

TEST_F(Timeouts, StartDropsTheTimeoutOfParkedRequests) {
    pipe.target->stop(SentIoAction::LeavePending);
    Completions c;
    auto r = test::read_request(*pipe.target, c);
    ASSERT_TRUE(r->send(*pipe.target, SendOptions().timeout_after(20ms)));
    ASSERT_EQ(pipe.target->start(), Status(STATUS_SUCCESS));
    std::this_thread::sleep_for(80ms);
    EXPECT_EQ(c.count.load(), 0);  // re-sent without options (spec §4.5)
    EXPECT_TRUE(r->is_outstanding());
    pipe.write_bytes("go", 2);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.status(), Status(STATUS_SUCCESS));
}

TEST_F(Timeouts, ManyTimersAtOnce) {
    constexpr int kCount = 100;
    Completions c;
    std::vector<Ref<Request>> rs;
    for (int i = 0; i < kCount; ++i) {
        rs.push_back(test::read_request(*pipe.target, c));
        ASSERT_TRUE(rs.back()->send(*pipe.target, SendOptions().timeout_after(std::chrono::milliseconds(5 + i % 40))));
    }
    ASSERT_TRUE(c.wait(kCount));
    for (auto& r : rs) EXPECT_EQ(r->status(), Status(STATUS_IO_TIMEOUT));
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(c.count.load(), kCount);
}

// The ends of the tick range: a deadline in the past (down to the year 1601,
// tick 1) times out at once; a far one (thousands of years, INT64_MIN) waits
// — no overflow turns one into the other.
TEST_F(Timeouts, TicksAtTheEndsOfTheRange) {
    Completions c;
    auto r = test::read_request(*pipe.target, c);
    ASSERT_TRUE(r->send(*pipe.target, SendOptions{SEND_OPTION_TIMEOUT, 1}));  // absolute: 1601
    ASSERT_TRUE(c.wait());
    EXPECT_STATUS(c.status(), STATUS_IO_TIMEOUT);

    constexpr std::int64_t kYears5800 = -5800LL * 365 * 24 * 3600 * 10'000'000;
    for (std::int64_t far : {kYears5800, INT64_MIN, INT64_MAX}) {
        ASSERT_STATUS(r->reuse(), STATUS_SUCCESS);
        ASSERT_STATUS(r->format_read(*pipe.target, Memory::allocate(8).value(), {}, 0), STATUS_SUCCESS);
        r->set_completion(&Completions::routine, &c);
        const int before = c.count.load();
        ASSERT_TRUE(r->send(*pipe.target, SendOptions{SEND_OPTION_TIMEOUT, far}));
        std::this_thread::sleep_for(100ms);
        EXPECT_EQ(c.count.load(), before) << "a timeout of " << far << " ticks fired";
        r->cancel_sent_request();
        ASSERT_TRUE(c.wait(before + 1));
        EXPECT_STATUS(c.status(), STATUS_CANCELLED);
    }
}

TEST_F(Timeouts, SynchronousTicksAtTheEndsOfTheRange) {
    auto buf = Memory::allocate(8).value();
    EXPECT_STATUS(send_read_synchronously(*pipe.target, nullptr, buf, {}, 0, SendOptions{SEND_OPTION_TIMEOUT, 1}),
                  STATUS_IO_TIMEOUT);
    // A far timeout waits: the read ends when data comes, not at once.
    std::thread writer([&] {
        std::this_thread::sleep_for(100ms);
        pipe.write_bytes("x", 1);
    });
    std::uint64_t n = 0;
    EXPECT_STATUS(
        send_read_synchronously(*pipe.target, nullptr, buf, {}, 0, SendOptions{SEND_OPTION_TIMEOUT, INT64_MIN}, &n),
        STATUS_SUCCESS);
    EXPECT_EQ(n, 1u);
    writer.join();
}
