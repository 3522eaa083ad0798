// A completion routine must not block waiting for its own target's I/O: the
// I/O it would wait for includes the request whose routine is running. An
// in-process target runs routines inline on whatever thread completes them
// (or on the engine thread, deferred), so the check is "inside a routine",
// not "on the engine thread": the waiting calls are refused through the
// verifier and return, and close and remove finish without waiting.
#include "support/completions.hpp"
#include "support/test_util.hpp"

#include <functional>

using namespace wdfio;
using namespace std::chrono_literals;

namespace {

enum class Call { StopWait, StopCancel, PurgeAndWait, Close, Remove, SyncSend, SyncHelper };

struct Case {
    Call call;
    bool reported;  // a verifier report (the call refused); close and remove just do not wait
};

class BlockingInRoutine : public ::testing::TestWithParam<std::tuple<Case, bool>> {
protected:
    void SetUp() override {
        Verifier::set_mode(VerifierMode::Report);
        Verifier::reset_count();
    }
    Engine engine;
};

// Runs `body` on a thread; a hang fails the test and ends the process (a
// thread blocked forever cannot be joined).
void within(std::chrono::seconds limit, const std::function<void()>& body) {
    std::atomic<bool> done{false};
    std::thread t([&] {
        body();
        done.store(true);
    });
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    if (!done.load()) {
        ADD_FAILURE() << "a blocking call inside a completion routine hung";
        std::fflush(stdout);
        std::_Exit(1);
    }
    t.join();
}

}  // namespace

TEST_P(BlockingInRoutine, RefusedOrDoesNotWait) {
    const auto [c, deferred] = GetParam();
    DeviceOptions options;
    options.deferred_completion = deferred;  // routine on the engine thread, or inline on the sender's
    auto disk = RamDisk::create(engine, 1 << 16, options).value();
    auto target = disk->device().open_target().value();
    auto buf = Memory::allocate(512).value();
    auto r = Request::create(*target).value();
    ASSERT_STATUS(r->format_read(*target, buf, {}, 0), STATUS_SUCCESS);
    std::atomic<int> routines{0};
    r->set_completion([&, call = c.call](Request&, IoTarget& t, const CompletionParams&) {
        switch (call) {
        case Call::StopWait: t.stop(SentIoAction::WaitForComplete); break;
        case Call::StopCancel: t.stop(SentIoAction::Cancel); break;
        case Call::PurgeAndWait: t.purge(PurgeIoAction::PurgeAndWait); break;
        case Call::Close: t.close(); break;
        case Call::Remove: t.remove(); break;
        case Call::SyncSend: {
            auto other = Request::create(t).value();
            other->format_read(t, buf, {}, 0);
            EXPECT_TRUE(!other->send(t, SendOptions::synchronous()));
            EXPECT_STATUS(other->status(), STATUS_INVALID_DEVICE_REQUEST);
            break;
        }
        case Call::SyncHelper:
            EXPECT_STATUS(send_read_synchronously(t, nullptr, buf, {}, 0), STATUS_INVALID_DEVICE_REQUEST);
            break;
        }
        routines.fetch_add(1);
    });
    within(10s, [&] {
        ASSERT_TRUE(r->send(*target));
        ASSERT_TRUE(test::wait_for_count(routines, 1));
    });
    EXPECT_EQ(Verifier::violations(), c.reported ? 1u : 0u);
    if (c.call == Call::Close || c.call == Call::Remove) {
        // Closed without waiting; it finishes once the routine has returned.
        for (int i = 0; i < 1000 && target->pending() != 0; ++i) std::this_thread::sleep_for(1ms);
        EXPECT_EQ(test::settled_pending(*target), 0u);
        EXPECT_FALSE(target->is_open());
    } else {
        EXPECT_TRUE(target->is_open());
        target->close();  // from here, outside any routine: waits as usual
    }
}

INSTANTIATE_TEST_SUITE_P(Calls, BlockingInRoutine,
                         ::testing::Combine(::testing::Values(Case{Call::StopWait, true}, Case{Call::StopCancel, true},
                                                              Case{Call::PurgeAndWait, true}, Case{Call::Close, false},
                                                              Case{Call::Remove, false}, Case{Call::SyncSend, true},
                                                              Case{Call::SyncHelper, true}),
                                            ::testing::Bool()));

// Outside a routine, on another thread, the same calls still wait (the check
// is about where the caller is, not about in-process targets).
TEST(BlockingOutsideRoutine, StopWaitsForAHeldRequest) {
    Verifier::set_mode(VerifierMode::Report);
    Verifier::reset_count();
    Engine engine;
    FaultConfig config;
    config.share = 1.0;
    config.mode = FaultMode::Delay;
    config.delay = 50ms;
    auto disk = RamDisk::create(engine, 1 << 16).value();
    auto fault = FaultFilter::create(engine, *disk->device().open_target().value(), config).value();
    auto target = fault->device().open_target().value();
    auto r = Request::create(*target).value();
    ASSERT_STATUS(r->format_read(*target, Memory::allocate(512).value(), {}, 0), STATUS_SUCCESS);
    test::Completions routines;
    routines.arm(*r);
    ASSERT_TRUE(r->send(*target));
    target->stop(SentIoAction::WaitForComplete);
    EXPECT_EQ(routines.count.load(), 1);  // stop returned after the routine
    EXPECT_EQ(Verifier::violations(), 0u);
    target->close();
}
