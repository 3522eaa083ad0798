// Sends racing what a target's other users do to it: a cancel or a timer
// against a send into a stopped target, purge against a send into a started
// or a stopped target, close against a send into a stopped target. Each
// round asserts the send's contract: refused (FALSE, the status says why, no
// routine) or accepted, and then its routine runs exactly once with the
// status of whatever won the race — never left parked or running, never
// failed through its routine for a state the send itself was refused for.
#include "support/pipe_target.hpp"

#include <functional>
#include <random>

using namespace wdfio;
using namespace std::chrono_literals;

namespace {

// Runs `act` on its own thread once per round, at about the moment the
// sender calls: both meet at a spinning barrier, then each waits a random
// few hundred nanoseconds, so the act lands before, inside or after the send.
class Racer {
public:
    explicit Racer(std::function<void()> act) : act_(std::move(act)), thread_([this] { run(); }) {}
    ~Racer() {
        stop_.store(true);
        go_.store(INT32_MAX);
        thread_.join();
    }
    // Starts round `round` (1, 2, ...) once the racer is ready, then the
    // sender's own random delay; call the racing operation right after.
    void go(int round) {
        while (ready_.load(std::memory_order_acquire) < round) std::this_thread::yield();
        go_.store(round, std::memory_order_release);
        for (unsigned spin = rng_() % 64; spin > 0; --spin) __builtin_ia32_pause();
    }
    // Returns once the round's act is done.
    void wait(int round) {
        while (done_.load(std::memory_order_acquire) < round) std::this_thread::yield();
    }

private:
    void run() {
        std::minstd_rand rng(7);
        for (int round = 1; !stop_.load(); ++round) {
            ready_.store(round, std::memory_order_release);
            // Spin a while (the sender is about to come), then yield: on 2
            // vCPUs the sender and the engine need the cores too.
            for (int n = 0; go_.load(std::memory_order_acquire) < round; ++n) {
                if (n < 2'000) __builtin_ia32_pause();
                else std::this_thread::yield();
            }
            if (stop_.load()) return;
            for (unsigned spin = rng() % 64; spin > 0; --spin) __builtin_ia32_pause();
            act_();
            done_.store(round, std::memory_order_release);
        }
    }
    std::function<void()> act_;
    std::minstd_rand rng_{11};
    std::atomic<int> ready_{0}, go_{0}, done_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Waits (bounded) for the routine of an accepted send; false if it never ran.
bool completes(const test::Completions& c, int want, std::chrono::milliseconds limit = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (c.count.load() < want) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

// One round of a send into a stopped target against `racer` (a purge or a
// close): refused for the state, or parked and then failed as not sent.
// Returns false (and records the failure) if the contract broke.
bool parked_send_round(Racer& racer, int round, Request& r, IoTarget& t, const test::Completions& c, int& accepted) {
    racer.go(round);
    const bool sent = r.send(t);
    racer.wait(round);
    if (!sent) {
        EXPECT_STATUS(r.status(), STATUS_INVALID_DEVICE_STATE) << "round " << round;
        return r.status() == Status(STATUS_INVALID_DEVICE_STATE);
    }
    ++accepted;
    if (!completes(c, accepted)) {
        ADD_FAILURE() << "round " << round << ": parked, yet never failed";
        return false;
    }
    EXPECT_STATUS(c.status(), STATUS_WDF_DEVICE_REMOVED_NOT_SENT) << "round " << round;
    return c.status() == Status(STATUS_WDF_DEVICE_REMOVED_NOT_SENT);
}

}  // namespace

// A cancel always finds a parked request, or the send saw the cancel first
// and was never parked (spec §4.3 steps 6–7, §5.4).
TEST(TargetRace, CancelAgainstSendIntoStoppedTarget) {
    Verifier::set_mode(VerifierMode::Report);
    Engine engine;
    test::PipeTarget pipe(engine);
    IoTarget& t = *pipe.target;
    t.stop(SentIoAction::LeavePending);
    test::Completions c;
    auto r = test::read_request(t, c);
    Racer canceller([&] { r->cancel_sent_request(); });
    const int rounds = test::stress_iterations(20'000);
    int accepted = 0;
    for (int i = 1; i <= rounds; ++i) {
        ASSERT_STATUS(r->reuse(), STATUS_SUCCESS);
        ASSERT_STATUS(r->format_read(t, Memory::allocate(64).value(), {}, 0), STATUS_SUCCESS);
        r->set_completion(&test::Completions::routine, &c);
        canceller.go(i);
        const bool sent = r->send(t);
        canceller.wait(i);
        if (!sent) {
            ASSERT_STATUS(r->status(), STATUS_CANCELLED) << "round " << i;
            continue;
        }
        ++accepted;
        ASSERT_TRUE(completes(c, accepted))
            << "round " << i << ": cancelled, yet still parked (" << t.parked() << " parked)";
        ASSERT_STATUS(c.status(), STATUS_CANCELLED) << "round " << i;
    }
    EXPECT_EQ(c.count.load(), accepted);
    EXPECT_EQ(t.parked(), 0u);
    std::printf("cancel vs parked send: %d of %d accepted\n", accepted, rounds);
}

// A timer that fires as the request is being parked still finds it (spec §4.5:
// a parked request whose timer fires completes with STATUS_IO_TIMEOUT).
TEST(TargetRace, TimeoutOfSendIntoStoppedTarget) {
    Verifier::set_mode(VerifierMode::Report);
    Engine engine;
    test::PipeTarget pipe(engine);
    IoTarget& t = *pipe.target;
    t.stop(SentIoAction::LeavePending);
    constexpr int kBatch = 100;
    const int batches = std::max(1, test::stress_iterations(10'000) / kBatch);
    test::Completions c;
    std::vector<Ref<Request>> requests;
    requests.reserve(kBatch);
    for (int k = 0; k < kBatch; ++k) requests.push_back(test::read_request(t, c));
    const auto one_microsecond = SendOptions().timeout_after(std::chrono::microseconds(1));
    int sent = 0;
    for (int b = 0; b < batches; ++b) {
        for (auto& r : requests) {
            ASSERT_STATUS(r->reuse(), STATUS_SUCCESS);
            ASSERT_STATUS(r->format_read(t, Memory::allocate(64).value(), {}, 0), STATUS_SUCCESS);
            r->set_completion(&test::Completions::routine, &c);
            ASSERT_TRUE(r->send(t, one_microsecond));
            ++sent;
        }
        ASSERT_TRUE(completes(c, sent)) << "batch " << b << ": " << sent - c.count.load()
                                        << " timed-out requests still parked (" << t.parked() << ")";
        for (auto& r : requests) ASSERT_STATUS(r->status(), STATUS_IO_TIMEOUT);
    }
    EXPECT_EQ(t.parked(), 0u);
}

// purge(Purge) cancels every send that passed the gate before it, even one
// whose hand-over to the lower side is overtaken by purge's cancel pass.
TEST(TargetRace, PurgeAgainstSendIntoStartedTarget) {
    Verifier::set_mode(VerifierMode::Report);
    Engine engine;
    test::PipeTarget pipe(engine);  // nothing is ever written: a read ends only by cancel
    IoTarget& t = *pipe.target;
    test::Completions c;
    auto r = test::read_request(t, c);
    Racer purger([&] { t.purge(PurgeIoAction::Purge); });
    const int rounds = test::stress_iterations(20'000);
    int accepted = 0;
    for (int i = 1; i <= rounds; ++i) {
        ASSERT_STATUS(t.start(), STATUS_SUCCESS);
        ASSERT_STATUS(r->reuse(), STATUS_SUCCESS);
        ASSERT_STATUS(r->format_read(t, Memory::allocate(64).value(), {}, 0), STATUS_SUCCESS);
        r->set_completion(&test::Completions::routine, &c);
        purger.go(i);
        const bool sent = r->send(t);
        purger.wait(i);
        if (!sent) {
            ASSERT_STATUS(r->status(), STATUS_INVALID_DEVICE_STATE) << "round " << i;
            continue;
        }
        ++accepted;
        if (!completes(c, accepted)) {
            ADD_FAILURE() << "round " << i << ": sent before purge returned, yet not cancelled";
            r->cancel_sent_request();
            ASSERT_TRUE(completes(c, accepted));
        }
        ASSERT_STATUS(c.status(), STATUS_CANCELLED) << "round " << i;
    }
    EXPECT_EQ(t.pending(), 0u);
    std::printf("purge vs send: %d of %d accepted\n", accepted, rounds);
}

// A send into a stopped target that purge races is either refused
// (STATUS_INVALID_DEVICE_STATE, no routine) or parked and then failed by the
// purge as not sent — never accepted and then failed for the state.
TEST(TargetRace, PurgeAgainstSendIntoStoppedTarget) {
    Verifier::set_mode(VerifierMode::Report);
    Engine engine;
    test::PipeTarget pipe(engine);
    IoTarget& t = *pipe.target;
    test::Completions c;
    auto r = test::read_request(t, c);
    Racer purger([&] { t.purge(PurgeIoAction::Purge); });
    const int rounds = test::stress_iterations(20'000);
    int accepted = 0;
    for (int i = 1; i <= rounds; ++i) {
        t.stop(SentIoAction::LeavePending);
        ASSERT_STATUS(r->reuse(), STATUS_SUCCESS);
        ASSERT_STATUS(r->format_read(t, Memory::allocate(64).value(), {}, 0), STATUS_SUCCESS);
        r->set_completion(&test::Completions::routine, &c);
        ASSERT_TRUE(parked_send_round(purger, i, *r, t, c, accepted));
    }
    EXPECT_EQ(c.count.load(), accepted);
    std::printf("purge vs parked send: %d of %d accepted\n", accepted, rounds);
}

// The same with close, on a new target each round.
TEST(TargetRace, CloseAgainstSendIntoStoppedTarget) {
    Verifier::set_mode(VerifierMode::Report);
    Engine engine;
    test::Completions c;
    std::atomic<IoTarget*> victim{nullptr};
    Racer closer([&] { victim.load()->close(); });
    const int rounds = test::stress_iterations(5'000);
    int accepted = 0;
    for (int i = 1; i <= rounds; ++i) {
        test::PipeTarget pipe(engine);
        IoTarget& t = *pipe.target;
        t.stop(SentIoAction::LeavePending);
        auto r = test::read_request(t, c);
        victim.store(&t);
        ASSERT_TRUE(parked_send_round(closer, i, *r, t, c, accepted));
    }
    EXPECT_EQ(c.count.load(), accepted);
    std::printf("close vs parked send: %d of %d accepted\n", accepted, rounds);
}
