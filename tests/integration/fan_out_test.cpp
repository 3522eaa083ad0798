// Fan-out: one write to three files and a loop device, data verified on each;
// one failing destination under each policy and mode; bad input.
#include "support/loop_device.hpp"
#include "support/pipe_target.hpp"

using namespace wdfio;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kSize = 64 * 1024;
constexpr std::int64_t kOffset = 1 << 20;

class FanOutTest : public ::testing::Test {
protected:
    void SetUp() override {
        Verifier::set_mode(VerifierMode::Report);
        data = Memory::allocate(kSize).value();
        test::fill_pattern(*data, 11);
        for (auto& f : files) targets.push_back(IoTarget::open(engine, f.path()).value());
    }
    FanOutFormat write_data() {
        return [d = data](Request& r, IoTarget& t) { return r.format_write(t, d, {}, kOffset); };
    }
    void expect_data_on(IoTarget& t) {
        auto back = Memory::allocate(kSize).value();
        std::uint64_t n = 0;
        ASSERT_EQ(send_read_synchronously(t, nullptr, back, {}, kOffset, {}, &n), Status(STATUS_SUCCESS));
        ASSERT_EQ(n, kSize);
        EXPECT_EQ(std::memcmp(back->data(), data->data(), kSize), 0) << t.name();
    }
    std::vector<IoTarget*> raw(const std::vector<Ref<IoTarget>>& v) {
        std::vector<IoTarget*> out;
        out.reserve(v.size());
        for (auto& t : v) out.push_back(t.get());
        return out;
    }

    Engine engine;
    test::TempFile files[3] = {test::TempFile(0), test::TempFile(0), test::TempFile(0)};
    std::vector<Ref<IoTarget>> targets;
    Ref<Memory> data;
};

}  // namespace

TEST_F(FanOutTest, ThreeFilesAndALoopDeviceInBothModes) {
    test::LoopDevice loop(8 << 20);
    if (loop.path().empty()) GTEST_SKIP() << loop.why();
    auto disk = IoTarget::open(engine, loop.path(), OpenOptions{}.with_direct()).value();
    auto all = targets;
    all.push_back(disk);
    for (FanOutMode mode : {FanOutMode::InTurn, FanOutMode::AllAtOnce}) {
        test::fill_pattern(*data, mode == FanOutMode::InTurn ? 21 : 22);
        const auto dests = raw(all);
        FanOutOptions o;
        o.mode = mode;
        const FanOutSummary s = fan_out_synchronously(dests, write_data(), o);
        ASSERT_EQ(s.status, Status(STATUS_SUCCESS));
        ASSERT_EQ(s.results.size(), 4u);
        for (std::size_t i = 0; i < 4; ++i) {
            EXPECT_EQ(s.results[i].target, dests[i]);
            EXPECT_EQ(s.results[i].status, Status(STATUS_SUCCESS));
            EXPECT_EQ(s.results[i].information, kSize);
        }
        for (auto& t : all) expect_data_on(*t);
    }
}

TEST_F(FanOutTest, AsynchronousDoneRunsOnce) {
    std::atomic<int> calls{0};
    FanOutSummary seen;
    const auto dests = raw(targets);
    ASSERT_EQ(fan_out(dests, write_data(), {},
                      [&](const FanOutSummary& s) {
                          seen = s;
                          calls.fetch_add(1);
                      }),
              Status(STATUS_SUCCESS));
    ASSERT_TRUE(test::wait_for_count(calls, 1));
    std::this_thread::sleep_for(10ms);
    EXPECT_EQ(calls.load(), 1);
    EXPECT_EQ(seen.status, Status(STATUS_SUCCESS));
    for (auto& t : targets) expect_data_on(*t);
}

// Destinations: a file, a read-only file (the write fails), a pipe whose read
// never finishes on its own, and another file.
struct MixedDestinations {
    explicit MixedDestinations(Engine& engine, test::TempFile (&files)[3])
        : pipe(engine),
          good1(IoTarget::open(engine, files[0].path()).value()),
          read_only(IoTarget::open(engine, files[1].path(), OpenOptions::read_only()).value()),
          good2(IoTarget::open(engine, files[2].path()).value()) {}
    std::vector<IoTarget*> list() { return {good1.get(), read_only.get(), pipe.target.get(), good2.get()}; }
    FanOutFormat format(const Ref<Memory>& d) {
        return [d, p = pipe.target.get()](Request& r, IoTarget& t) {
            return &t == p ? r.format_read(t, d, MemoryOffset{0, 16}, 0) : r.format_write(t, d, {}, kOffset);
        };
    }
    test::PipeTarget pipe;
    Ref<IoTarget> good1, read_only, good2;
};

TEST_F(FanOutTest, OneFailureAllAtOnce) {
    {  // Continue: every destination runs to its end; the pipe read times out.
        MixedDestinations m(engine, files);
        FanOutOptions o;
        o.policy = FanOutPolicy::Continue;
        o.send.timeout_after(50ms);
        const auto s = fan_out_synchronously(m.list(), m.format(data), o);
        EXPECT_EQ(s.status, Status(STATUS_ACCESS_DENIED));  // the first failure (the timeout comes later)
        EXPECT_EQ(s.results[0].status, Status(STATUS_SUCCESS));
        EXPECT_EQ(s.results[1].status, Status(STATUS_ACCESS_DENIED));  // opened read-only: refused at format
        EXPECT_EQ(s.results[2].status, Status(STATUS_IO_TIMEOUT));
        EXPECT_EQ(s.results[3].status, Status(STATUS_SUCCESS));
    }
    {  // CancelRest: the failure cancels the pipe read at once (no timeout set).
        MixedDestinations m(engine, files);
        FanOutOptions o;
        o.policy = FanOutPolicy::CancelRest;
        const auto s = fan_out_synchronously(m.list(), m.format(data), o);
        EXPECT_EQ(s.status, Status(STATUS_ACCESS_DENIED));
        EXPECT_EQ(s.results[1].status, Status(STATUS_ACCESS_DENIED));
        EXPECT_EQ(s.results[2].status, Status(STATUS_CANCELLED));
        for (int i : {0, 3}) {  // already done, or cancelled before it finished
            const Status st = s.results[i].status;
            EXPECT_TRUE(st == Status(STATUS_SUCCESS) || st == Status(STATUS_CANCELLED)) << st;
        }
    }
}

TEST_F(FanOutTest, OneFailureInTurn) {
    {  // Continue: each destination is tried in turn.
        MixedDestinations m(engine, files);
        FanOutOptions o;
        o.mode = FanOutMode::InTurn;
        o.send.timeout_after(30ms);
        const auto s = fan_out_synchronously(m.list(), m.format(data), o);
        EXPECT_EQ(s.results[0].status, Status(STATUS_SUCCESS));
        EXPECT_EQ(s.results[1].status, Status(STATUS_ACCESS_DENIED));
        EXPECT_EQ(s.results[2].status, Status(STATUS_IO_TIMEOUT));
        EXPECT_EQ(s.results[3].status, Status(STATUS_SUCCESS));
        expect_data_on(*m.good2);
    }
    {  // CancelRest: nothing after the failure is sent.
        MixedDestinations m(engine, files);
        test::fill_pattern(*data, 99);
        FanOutOptions o;
        o.mode = FanOutMode::InTurn;
        o.policy = FanOutPolicy::CancelRest;
        const auto s = fan_out_synchronously(m.list(), m.format(data), o);
        EXPECT_EQ(s.status, Status(STATUS_ACCESS_DENIED));
        EXPECT_EQ(s.results[0].status, Status(STATUS_SUCCESS));
        EXPECT_EQ(s.results[2].status, Status(STATUS_CANCELLED));
        EXPECT_EQ(s.results[3].status, Status(STATUS_CANCELLED));
        EXPECT_EQ(test::settled_pending(*m.pipe.target), 0u);
        auto back = Memory::allocate(kSize).value();  // the last file was not written this time
        std::uint64_t n = 1;
        EXPECT_EQ(send_read_synchronously(*m.good2, nullptr, back, {}, kOffset, {}, &n), Status(STATUS_SUCCESS));
        EXPECT_NE(std::memcmp(back->data(), data->data(), kSize), 0);
    }
}

TEST_F(FanOutTest, FormatFailuresAreResults) {
    auto closed = IoTarget::open(engine, files[0].path()).value();
    closed->close();
    std::vector<IoTarget*> dests = {targets[1].get(), closed.get()};
    const auto s = fan_out_synchronously(dests, write_data());
    EXPECT_EQ(s.results[0].status, Status(STATUS_SUCCESS));
    EXPECT_EQ(s.results[1].status, Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(s.status, Status(STATUS_INVALID_DEVICE_STATE));
}

TEST_F(FanOutTest, BadInput) {
    const auto dests = raw(targets);
    EXPECT_EQ(fan_out_synchronously({}, write_data()).status, Status(STATUS_INVALID_PARAMETER));
    std::vector<IoTarget*> with_null = {targets[0].get(), nullptr};
    EXPECT_EQ(fan_out_synchronously(with_null, write_data()).status, Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(fan_out_synchronously(dests, nullptr).status, Status(STATUS_INVALID_PARAMETER));
    FanOutOptions sync;
    sync.send = SendOptions::synchronous();
    EXPECT_EQ(fan_out_synchronously(dests, write_data(), sync).status, Status(STATUS_INVALID_PARAMETER));
    FanOutOptions forget;
    forget.send = SendOptions::send_and_forget();
    EXPECT_EQ(fan_out_synchronously(dests, write_data(), forget).status, Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(fan_out(dests, write_data(), {}, nullptr), Status(STATUS_INVALID_PARAMETER));
    for (auto& t : targets) EXPECT_EQ(test::settled_pending(*t), 0u);  // nothing was sent
}

// A refused send (here: a purged destination) finishes its destination as a
// result, and the run lets go of everything when it is done: its requests,
// the memory they reference, and the run itself (the format lives in it).
TEST_F(FanOutTest, ARefusedSendLeavesNothingBehind) {
    auto purged = IoTarget::open(engine, files[0].path()).value();
    purged->purge(PurgeIoAction::PurgeAndWait);
    std::vector<IoTarget*> dests = {targets[1].get(), purged.get(), targets[2].get()};
    for (FanOutMode mode : {FanOutMode::AllAtOnce, FanOutMode::InTurn}) {
        for (FanOutPolicy policy : {FanOutPolicy::Continue, FanOutPolicy::CancelRest}) {
            const auto requests_before = request_pool_stats().in_use;
            const auto data_refs_before = data->ref_count();
            auto alive = std::make_shared<int>(0);  // held by the format, so by the run
            FanOutOptions o;
            o.mode = mode;
            o.policy = policy;
            const auto s = fan_out_synchronously(
                dests, [d = data, alive](Request& r, IoTarget& t) { return r.format_write(t, d, {}, kOffset); }, o);
            EXPECT_EQ(s.results[1].status, Status(STATUS_INVALID_DEVICE_STATE));
            EXPECT_EQ(s.status, Status(STATUS_INVALID_DEVICE_STATE));
            // The run is freed by whoever finishes last, and the request that
            // held it goes back to the pool just after: give the engine thread
            // its moment for both (ASan widens the gap between them).
            for (int i = 0; i < 1000 && (alive.use_count() > 1 || request_pool_stats().in_use != requests_before ||
                                         data->ref_count() != data_refs_before);
                 ++i)
                std::this_thread::sleep_for(1ms);
            EXPECT_EQ(alive.use_count(), 1) << "the run was not freed";
            EXPECT_EQ(request_pool_stats().in_use, requests_before) << "requests leaked";
            EXPECT_EQ(data->ref_count(), data_refs_before) << "memory references leaked";
        }
    }
}
