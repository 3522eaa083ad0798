// Cancel racing data, and send racing close, on pipe reads: whichever wins,
// the routine runs once, no byte is lost, and close() returns.
#include "support/stream_targets.hpp"

#include <atomic>
#include <cstdio>
#include <poll.h>
#include <random>
#include <string>
#include <thread>

namespace wdfio::test {
namespace {

// A cancel racing the arrival of data: whichever wins, the routine runs once and
// no byte is lost or duplicated — a successful read holds the bytes, a cancelled
// one left them in the pipe.
TEST_F(StreamTargetsTest, CancelRacingDataLosesNoBytes) {
    const int rounds = stress_iterations(300);
    std::mt19937 rng(777);
    int cancelled_rounds = 0, completed_rounds = 0;
    for (int round = 0; round < rounds; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        Pipe p;
        auto t = IoTarget::from_fd(engine, p.r).value();
        auto buf = Memory::allocate(64).value();
        auto r = Request::create(*t).value();
        Completions seen(engine);
        CloseOnExit guard{t};
        ASSERT_STATUS(r->format_read(*t, buf, {}, 0), STATUS_SUCCESS);
        seen.arm(*r);
        ASSERT_TRUE(r->send(*t)) << r->status().to_string();

        char message[16];  // "r" and up to 10 digits of an int
        std::snprintf(message, sizeof message, "r%07d", round);
        std::atomic<int> go{0};
        const unsigned write_delay = rng() % 256, cancel_delay = rng() % 256;
        std::thread writer([&] {
            while (!go.load()) {
            }
            for (unsigned i = 0; i < write_delay; ++i) __builtin_ia32_pause();
            (void)!::write(p.w, message, 8);
        });
        std::thread canceller([&] {
            seen.canceller = std::this_thread::get_id();
            while (!go.load()) {
            }
            for (unsigned i = 0; i < cancel_delay; ++i) __builtin_ia32_pause();
            r->cancel_sent_request();
        });
        go.store(1);
        writer.join();
        canceller.join();
        ASSERT_TRUE(wait_for_count(seen.count, 1)) << "neither the data nor the cancel completed the read";
        expect_ran_once(seen);

        pollfd pfd{p.r, POLLIN, 0};
        const bool left_in_pipe = ::poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
        if (seen.status() == Status(STATUS_SUCCESS)) {
            ++completed_rounds;
            EXPECT_EQ(seen.information.load(), 8u);
            EXPECT_EQ(text_of(*buf, 8), std::string(message, 8));
            EXPECT_FALSE(left_in_pipe) << "the read succeeded but the bytes are still in the pipe";
        } else {
            ++cancelled_rounds;
            EXPECT_STATUS(seen.status(), STATUS_CANCELLED);
            EXPECT_EQ(seen.information.load(), 0u);
            ASSERT_TRUE(left_in_pipe) << "the read was cancelled and the bytes are gone";
            EXPECT_EQ(read_exactly(p.r, 8), std::string(message, 8));
        }
        if (HasFailure()) break;
    }
    RecordProperty("cancelled_rounds", cancelled_rounds);
    RecordProperty("completed_rounds", completed_rounds);
}

// A send racing a close on another thread: either the send is refused, or it is
// accepted and the close cancels it and waits for it. Neither may leave the read
// waiting for data that never comes (close would then never return).
//
// The send must not start its read after the close's cancel-everything has
// gone by: every accepted read is cancelled by the close that races it. Small
// random head starts shift the two calls across each other's critical steps;
// test::stress_iterations sets the number of rounds.
TEST_F(StreamTargetsTest, SendRacingCloseEitherRefusedOrCancelled) {
    const int rounds = stress_iterations(3000);
    std::mt19937 rng(12345);
    int accepted_rounds = 0, refused_rounds = 0;
    for (int round = 0; round < rounds; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        Pipe p;
        auto t = IoTarget::from_fd(engine, p.r).value();
        auto buf = Memory::allocate(64).value();
        auto r = Request::create(*t).value();
        Completions seen(engine);
        ASSERT_STATUS(r->format_read(*t, buf, {}, 0), STATUS_SUCCESS);
        seen.arm(*r);

        std::atomic<int> go{0};
        std::atomic<int> closed{0};
        bool accepted = false;
        // Small random head starts (a few hundred cycles at most) shift the two
        // calls across each other's critical steps.
        const unsigned send_delay = rng() % 64, close_delay = rng() % 64;
        std::thread sender([&] {
            while (!go.load()) {
            }
            for (unsigned i = 0; i < send_delay; ++i) __builtin_ia32_pause();
            accepted = r->send(*t);
        });
        std::thread closer([&] {
            while (!go.load()) {
            }
            for (unsigned i = 0; i < close_delay; ++i) __builtin_ia32_pause();
            t->close();
            closed.store(1);
        });
        go.store(1);
        bool hung = false;
        if (!wait_for_count(closed, 1, std::chrono::seconds(10))) {
            // The read was started after the close's cancel went by. Unblock it
            // (the writer closes: END_OF_FILE) so the test can report and finish.
            hung = true;
            p.close_write();
            wait_for_count(closed, 1, std::chrono::seconds(30));
        }
        sender.join();
        closer.join();
        ASSERT_FALSE(hung) << "close() did not return: a read accepted while the target was closing was never "
                              "cancelled (it completed with "
                           << seen.status().to_string() << " only when the pipe's writer went away)";
        if (accepted) {
            ++accepted_rounds;
            EXPECT_EQ(seen.count.load(), 1) << "accepted read not completed when close() returned";
            EXPECT_STATUS(seen.status(), STATUS_CANCELLED);
        } else {
            ++refused_rounds;
            EXPECT_EQ(seen.count.load(), 0) << "a refused send ran its routine";
            EXPECT_STATUS(r->status(), STATUS_INVALID_DEVICE_STATE);
        }
        EXPECT_EQ(test::settled_pending(*t), 0u);
        if (HasFailure()) break;
    }
    RecordProperty("accepted_rounds", accepted_rounds);
    RecordProperty("refused_rounds", refused_rounds);
}

}  // namespace
}  // namespace wdfio::test
