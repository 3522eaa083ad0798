// Send racing cancel (spec §5.3): two threads, many iterations, every accepted
// send completes exactly once, refusals say STATUS_CANCELLED, and the request
// is reusable after each round. test::stress_iterations sets the count
// (sanitizer builds use fewer).
#include "support/pipe_target.hpp"

#include <random>

using namespace wdfio;
using namespace std::chrono_literals;

namespace {

int iterations() { return test::stress_iterations(100'000); }

struct RaceStats {
    int accepted = 0;
    int refused = 0;
    int cancelled = 0;
    int succeeded = 0;
};

// One sender (this thread) and one canceller race on `r` for every iteration.
// A read that is not cancelled by the race and cannot finish on its own (an
// empty pipe) is cancelled by the sender after the canceller's turn.
RaceStats race(IoTarget& target, const Ref<Memory>& buf, bool can_finish_alone) {
    auto r = Request::create(target).value();
    std::atomic<int> go{0}, cancelled_turn{0};
    test::Completions completions;
    std::atomic<bool> stop{false};
    std::thread canceller([&] {
        std::minstd_rand rng(42);
        for (int turn = 1;; ++turn) {
            while (go.load(std::memory_order_acquire) < turn) {
                if (stop.load()) return;
                std::this_thread::yield();  // 2 vCPUs: let the engine thread run
            }
            for (unsigned spin = rng() % 64; spin > 0; --spin) __builtin_ia32_pause();  // vary the moment
            r->cancel_sent_request();
            cancelled_turn.store(turn, std::memory_order_release);
        }
    });

    RaceStats stats;
    const int n = iterations();
    for (int i = 1; i <= n; ++i) {
        EXPECT_EQ(r->reuse(), Status(STATUS_SUCCESS));
        EXPECT_EQ(r->format_read(target, buf, {}, 0), Status(STATUS_SUCCESS));
        completions.arm(*r);
        const int before = completions.count.load();
        go.store(i, std::memory_order_release);
        const bool accepted = r->send(target);
        while (cancelled_turn.load(std::memory_order_acquire) < i) std::this_thread::yield();
        if (!accepted) {
            ++stats.refused;
            EXPECT_EQ(r->status(), Status(STATUS_CANCELLED)) << "iteration " << i;
            EXPECT_EQ(completions.count.load(), before);
            continue;
        }
        ++stats.accepted;
        if (!can_finish_alone) r->cancel_sent_request();  // the race's cancel may have come first
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (completions.count.load() == before && std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
        while (r->is_outstanding() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
        if (completions.count.load() != before + 1) {
            ADD_FAILURE() << "iteration " << i << ": " << completions.count.load() - before << " completions";
            break;
        }
        if (r->status() == Status(STATUS_CANCELLED)) ++stats.cancelled;
        else if (r->status().ok()) ++stats.succeeded;
        else ADD_FAILURE() << "iteration " << i << ": " << r->status();
    }
    stop.store(true);
    go.store(n + 1);
    canceller.join();
    std::this_thread::sleep_for(5ms);
    EXPECT_EQ(completions.count.load(), stats.accepted);  // no late or double completion
    return stats;
}

}  // namespace

TEST(CancelRace, PipeRead) {
    Verifier::set_mode(VerifierMode::Report);
    Engine engine;
    test::PipeTarget pipe(engine);
    const auto stats = race(*pipe.target, Memory::allocate(64).value(), false);
    EXPECT_EQ(stats.accepted + stats.refused, iterations());
    EXPECT_EQ(stats.cancelled, stats.accepted);  // nothing is ever written
    EXPECT_EQ(test::settled_pending(*pipe.target), 0u);
    std::printf("pipe read: %d accepted (all cancelled), %d refused\n", stats.accepted, stats.refused);
}

TEST(CancelRace, FileRead) {
    Verifier::set_mode(VerifierMode::Report);
    Engine engine;
    test::TempFile file(4096);
    auto target = IoTarget::open(engine, file.path()).value();
    const auto stats = race(*target, Memory::allocate(4096).value(), true);
    EXPECT_EQ(stats.accepted + stats.refused, iterations());
    EXPECT_EQ(stats.cancelled + stats.succeeded, stats.accepted);
    EXPECT_EQ(test::settled_pending(*target), 0u);
    std::printf("file read: %d accepted (%d succeeded, %d cancelled), %d refused\n", stats.accepted, stats.succeeded,
                stats.cancelled, stats.refused);
}

// Through an in-process stack: sender → pass-through filter → fault filter →
// RAM disk. The request keeps its delivered requests between rounds, so each
// round re-dispatches them while cancels chase the last round's down the stack.
namespace {
struct FaultStack {
    std::unique_ptr<RamDisk> disk;
    std::unique_ptr<FaultFilter> fault;
    PassThroughFilter pass;
    Ref<Device> pass_device;
    Ref<IoTarget> top;
    // Every request meets the fault `mode` (a delay of `delay` in Delay mode).
    FaultStack(Engine& engine, FaultMode mode, std::chrono::microseconds delay = {}) {
        Verifier::set_mode(VerifierMode::Report);
        FaultConfig config;
        config.share = 1.0;
        config.mode = mode;
        config.delay = delay;
        disk = RamDisk::create(engine, 1 << 20).value();
        fault = FaultFilter::create(engine, *disk->device().open_target().value(), config).value();
        pass_device = Device::create_above(engine, pass, *fault->device().open_target().value()).value();
        top = pass_device->open_target().value();
    }
    ~FaultStack() {
        top->close();
        pass_device->remove();
    }
};
}  // namespace

TEST(CancelRace, DeviceStackHeldUntilCancelled) {
    Engine engine;
    FaultStack stack(engine, FaultMode::NeverComplete);
    const auto stats = race(*stack.top, Memory::allocate(512).value(), false);
    EXPECT_EQ(stats.accepted + stats.refused, iterations());
    EXPECT_EQ(stats.cancelled, stats.accepted);  // held by the fault filter until cancelled
    EXPECT_EQ(test::settled_pending(*stack.top), 0u);
    EXPECT_EQ(stack.fault->holding(), 0u);
    std::printf("stack, held: %d accepted (all cancelled), %d refused\n", stats.accepted, stats.refused);
}

TEST(CancelRace, DeviceStackDelayedCompletion) {
    Engine engine;
    FaultStack stack(engine, FaultMode::Delay, std::chrono::microseconds(20));
    const auto stats = race(*stack.top, Memory::allocate(512).value(), true);
    EXPECT_EQ(stats.accepted + stats.refused, iterations());
    EXPECT_EQ(stats.cancelled + stats.succeeded, stats.accepted);
    EXPECT_EQ(test::settled_pending(*stack.top), 0u);
    std::printf("stack, delayed: %d accepted (%d succeeded, %d cancelled), %d refused\n", stats.accepted,
                stats.succeeded, stats.cancelled, stats.refused);
}
