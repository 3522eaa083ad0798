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

// The request again as every round needs it: reused, a 64-byte read, the recorder.
void rearm(Request& r, IoTarget& t, test::Completions& c) {
    ASSERT_STATUS(r.reuse(), STATUS_SUCCESS);
    ASSERT_STATUS(r.format_read(t, Memory::allocate(64).value(), {}, 0), STATUS_SUCCESS);
    r.set_completion(&test::Completions::routine, &c);
}

// What one round of a send against `racer` may end in: refused with
// `refused`, or accepted and completed with `completed`. A routine that
// never runs is a failure (`stuck` says what was left hanging); the request
// is then cancelled, so the next round starts clean.
struct Outcome {
    NTSTATUS refused;
    NTSTATUS completed;
    const char* stuck;
};

// One round: the send and the racer's act meet. Returns false (and records
// the failure) if the contract broke.
bool race_round(Racer& racer, int round, Request& r, IoTarget& t, const test::Completions& c, int& accepted,
                const Outcome& want) {
    racer.go(round);
    const bool sent = r.send(t);
    racer.wait(round);
    if (!sent) {
        EXPECT_STATUS(r.status(), want.refused) << "round " << round;
        return r.status() == Status(want.refused);
    }
    ++accepted;
    if (!completes(c, accepted)) {
        ADD_FAILURE() << "round " << round << ": " << want.stuck << " (" << t.parked() << " parked)";
        r.cancel_sent_request();
        EXPECT_TRUE(completes(c, accepted));
        return false;
    }
    EXPECT_STATUS(c.status(), want.completed) << "round " << round;
    return c.status() == Status(want.completed);
}

// Sends into a stopped target against a purge or a close: refused for the
// state, or parked and then failed as not sent.
constexpr Outcome kParkedThenRemoved{STATUS_INVALID_DEVICE_STATE, STATUS_WDF_DEVICE_REMOVED_NOT_SENT,
                                     "parked, yet never failed"};

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
        ASSERT_NO_FATAL_FAILURE(rearm(*r, t, c));
        ASSERT_TRUE(race_round(canceller, i, *r, t, c, accepted,
                               {STATUS_CANCELLED, STATUS_CANCELLED, "cancelled, yet still parked"}));
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
        ASSERT_NO_FATAL_FAILURE(rearm(*r, t, c));
        ASSERT_TRUE(race_round(
            purger, i, *r, t, c, accepted,
            {STATUS_INVALID_DEVICE_STATE, STATUS_CANCELLED, "sent before purge returned, yet not cancelled"}));
    }
    EXPECT_EQ(test::settled_pending(t), 0u);
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
        ASSERT_NO_FATAL_FAILURE(rearm(*r, t, c));
        ASSERT_TRUE(race_round(purger, i, *r, t, c, accepted, kParkedThenRemoved));
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
        ASSERT_TRUE(race_round(closer, i, *r, t, c, accepted, kParkedThenRemoved));
    }
    EXPECT_EQ(c.count.load(), accepted);
    std::printf("close vs parked send: %d of %d accepted\n", accepted, rounds);
}
