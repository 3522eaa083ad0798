// Mixed stress (issue 15): for WDFIO_STRESS_SECONDS (default 5) per test,
// sender threads, a canceller and a chaos thread race sends (some timed, some
// IGNORE_TARGET_STATE), cancels, request reuse, target stop/start/purge and
// close (or device removal, and queue stop/purge on a device stack) against
// one kind of target per test: a regular file, a pipe, a loop device, a RAM
// disk under fault filters, an NBD disk. Each test asserts that every accepted
// send's routine ran exactly once and none after its target's close
// returned, that data acknowledged is what reads find (stamped_blocks.hpp,
// pipe_records.hpp), and that no request, memory object, target or
// descriptor outlives the test (mixed_stress.hpp).
#include "stress/mixed_stress.hpp"
#include "stress/pipe_records.hpp"
#include "stress/stamped_blocks.hpp"
#include "support/loop_device.hpp"
#include "support/nbdkit.hpp"
#include "support/pipe_target.hpp"

using namespace wdfio;
using namespace wdfio::stress;

namespace {

constexpr std::size_t kBlock = 4096;
constexpr std::size_t kBlocksPerSlot = 16;
constexpr RunOptions kRun{};
constexpr std::size_t kSlots = kRun.senders * kRun.slots_per_sender;

// What the process had before a test: after it, the same descriptors, request
// slots in use and verifier reports, and every counted object destroyed.
class NothingLeaks {
public:
    NothingLeaks() {
        Verifier::set_mode(VerifierMode::Report);
        for (int k = 0; k < kCountedKinds; ++k) counts_[k] = live(k);
    }
    void expect() const {
        EXPECT_EQ(open_fds(), fds_) << "descriptors open before and after";
        EXPECT_EQ(request_pool_stats().in_use, requests_in_use_) << "requests alive before and after";
        EXPECT_EQ(Verifier::violations(), violations_) << "verifier reports";
        const char* names[] = {"requests", "memory objects", "targets"};
        for (int k = 0; k < kCountedKinds; ++k) EXPECT_EQ(live(k), counts_[k]) << names[k] << " not destroyed";
    }

private:
    static long live(int k) { return g_counts[k].created.load() - g_counts[k].destroyed.load(); }
    int fds_ = open_fds();
    std::size_t requests_in_use_ = request_pool_stats().in_use;
    std::uint64_t violations_ = Verifier::violations();
    long counts_[kCountedKinds] = {};
};

// Opened by name (a file, a block device, an NBD URI); ended by close, or now
// and then by remove() (WdfObjectDelete).
class NamedKind : public Kind {
public:
    NamedKind(Engine& engine, std::string name, OpenOptions options = {})
        : engine_(engine), name_(std::move(name)), options_(options) {}
    Status open(Generation& g) override {
        auto t = note_created<kTargets>(IoTarget::open(engine_, name_, options_, counted<kTargets>()));
        if (!t) return t.status();
        g.ends.push_back(t.value());
        return STATUS_SUCCESS;
    }
    void end(Generation& g, std::minstd_rand& rng) override {
        for (auto& t : g.ends) {
            if (rng() % 4 == 0) t->remove();
            else t->close();
        }
    }

private:
    Engine& engine_;
    std::string name_;
    OpenOptions options_;
};

// Both ends of one pipe, each a target over a duplicate of the test's descriptor.
class PipeKind : public Kind {
public:
    PipeKind(Engine& engine, const test::Pipe& pipe) : engine_(engine), pipe_(pipe) {}
    Status open(Generation& g) override {
        for (int fd : {pipe_.w, pipe_.r}) {  // in PipeRecords' order: kWriteEnd, kReadEnd
            auto t = IoTarget::from_fd(engine_, fd, fd == pipe_.w ? "pipe writer" : "pipe reader");
            if (!t) return t.status();
            g.ends.push_back(t.value());
        }
        return STATUS_SUCCESS;
    }
    void end(Generation& g, std::minstd_rand&) override {
        for (auto& t : g.ends) t->close();
    }

private:
    Engine& engine_;
    const test::Pipe& pipe_;
};

// A RAM disk (it outlives the generations, and keeps the data) under three
// fault filters: delays a quarter of the requests, holds 2% until cancelled,
// fails 5% (IO_DEVICE_ERROR). A generation ends by device removal, before
// or after its top target is closed; its queues are stopped or purged.
class FaultStackKind : public Kind {
public:
    FaultStackKind(Engine& engine, RamDisk& disk) : engine_(engine), disk_(disk) {}
    Status open(Generation& g) override {
        auto lower = disk_.device().open_target();
        if (!lower) return lower.status();
        Ref<IoTarget> below = lower.value();
        for (const FaultConfig& config : configs(static_cast<std::uint64_t>(g.id))) {
            auto f = FaultFilter::create(engine_, *below, config);
            if (!f) return f.status();
            auto up = f.value()->device().open_target();
            g.drivers.push_back(std::move(f).value());
            if (!up) return up.status();
            below = up.value();
        }
        g.ends.push_back(below);
        return STATUS_SUCCESS;
    }
    void end(Generation& g, std::minstd_rand& rng) override {
        const bool close_first = rng() % 2 == 0;
        if (close_first) g.ends.front()->close();
        for (auto it = g.drivers.rbegin(); it != g.drivers.rend(); ++it) (*it)->device().remove();
        if (!close_first) g.ends.front()->close();
    }
    bool disrupt(Generation& g, std::minstd_rand& rng) override {
        Queue& q = g.drivers[rng() % g.drivers.size()]->device().default_queue();
        if (rng() % 2) q.stop();
        else q.purge();
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 1000));
        q.start();
        return true;
    }
    bool may_fail_with(Status s) const override {
        // The failing filter's status; a purged queue's and a removed device's refusal.
        return s == Status(STATUS_IO_DEVICE_ERROR) || s == Status(STATUS_INVALID_DEVICE_STATE);
    }

private:
    static std::vector<FaultConfig> configs(std::uint64_t seed) {
        FaultConfig delay, hold, failing;
        delay.mode = FaultMode::Delay;
        delay.share = 0.25;
        delay.delay = std::chrono::microseconds(300);
        hold.mode = FaultMode::NeverComplete;
        hold.share = 0.02;
        failing.mode = FaultMode::Fail;
        failing.share = 0.05;
        delay.seed = seed;
        hold.seed = seed + 1;
        failing.seed = seed + 2;
        return {delay, hold, failing};
    }
    Engine& engine_;
    RamDisk& disk_;
};

// One run over a block target, then the read-back through `verify_name` (or
// the RAM disk itself) and the release checks.
void block_run(Kind& kind, StampedBlocks& blocks, const std::function<Ref<IoTarget>()>& verify_target) {
    StressRun run(kind, blocks, kRun);
    run.go(stress_duration());
    run.expect_targets_released();
    auto t = verify_target();
    ASSERT_TRUE(t);
    blocks.verify(*t);
    t->close();
    std::printf("%s; %ld writes acknowledged, %ld reads checked\n", run.summary().c_str(), blocks.acked_writes(),
                blocks.reads_checked());
    EXPECT_GT(blocks.acked_writes(), 0);
}

}  // namespace

TEST(MixedStress, RegularFile) {
    NothingLeaks leaks;
    {
        Engine engine;
        StampedBlocks blocks(kSlots, kBlocksPerSlot, kBlock, false);
        test::TempFile file(blocks.size());
        NamedKind kind(engine, file.path());
        block_run(kind, blocks, [&] { return IoTarget::open(engine, file.path()).value(); });
    }
    leaks.expect();
}

TEST(MixedStress, Pipe) {
    NothingLeaks leaks;
    {
        Engine engine;
        test::Pipe pipe;
        ASSERT_GE(pipe.r, 0);
        PipeRecords records;
        PipeKind kind(engine, pipe);
        {
            StressRun run(kind, records, kRun);
            run.go(stress_duration());
            run.expect_targets_released();
            std::printf("%s; %zu records written\n", run.summary().c_str(), records.acked_writes());
        }
        records.drain(pipe.r);
        records.verify();
        EXPECT_GT(records.acked_writes(), 0u);
    }
    leaks.expect();
}

TEST(MixedStress, LoopDevice) {
    NothingLeaks leaks;
    {
        StampedBlocks blocks(kSlots, kBlocksPerSlot, kBlock, false);
        test::LoopDevice loop(blocks.size());
        if (loop.path().empty()) GTEST_SKIP() << "no loop device for the mixed stress: " << loop.why();
        Engine engine;
        const auto direct = OpenOptions{}.with_direct();
        NamedKind kind(engine, loop.path(), direct);
        block_run(kind, blocks, [&] { return IoTarget::open(engine, loop.path(), direct).value(); });
    }
    leaks.expect();
}

TEST(MixedStress, RamDiskUnderFaultFilters) {
    NothingLeaks leaks;
    {
        Engine engine;
        StampedBlocks blocks(kSlots, kBlocksPerSlot, kBlock, false);
        auto disk = RamDisk::create(engine, blocks.size()).value();
        FaultStackKind kind(engine, *disk);
        block_run(kind, blocks, [&] { return disk->device().open_target().value(); });
    }
    leaks.expect();
}

TEST(MixedStress, Nbd) {
    SKIP_WITHOUT_NBDKIT();
    NothingLeaks leaks;
    {
        test::Nbdkit server({"memory", "1M"});
        ASSERT_TRUE(server.ready());
        Engine engine;
        // A write given up on (cancelled, timed out) may still be carried out by the server later.
        StampedBlocks blocks(kSlots, kBlocksPerSlot, kBlock, true);
        NamedKind kind(engine, server.uri());
        block_run(kind, blocks, [&] { return IoTarget::open(engine, server.uri()).value(); });
    }
    leaks.expect();
}
