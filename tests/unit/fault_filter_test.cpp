// FaultFilter: sender → fault filter → RamDisk. Each mode with its statuses and
// counters, repeatable outcomes per seed, cancel, timeouts, removal, bad config.
#include "support/completions.hpp"
#include "support/test_util.hpp"

#include <linux/fs.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

using namespace wdfio;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDiskName = "\\Device\\FaultFilterDisk";
constexpr const char* kFilterName = "\\Device\\FaultFilter";

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// An asynchronous request through the stack; the recorder holds what its routine saw.
struct Pending : test::Completions {
    Ref<Request> request;
    Ref<Memory> buffer;
    bool sent = false;
    std::int64_t sent_ns = 0;

    bool done() const { return count.load() > 0; }
    Status result() const { return status(); }
};

class FaultFilterTest : public ::testing::Test {
protected:
    void SetUp() override {
        Verifier::set_mode(VerifierMode::Report);
        Verifier::reset_count();
        disk = RamDisk::create(engine, kSize, {kDiskName}).value();
    }
    void TearDown() override { EXPECT_EQ(Verifier::violations(), 0u); }

    // The filter above the disk, named; `target` opened on it by name.
    Status make(const FaultConfig& config, const DeviceOptions& options = {kFilterName}) {
        target = nullptr;
        filter.reset();
        auto lower = disk->device().open_target();
        if (!lower) return lower.status();
        auto f = FaultFilter::create(engine, *lower.value(), config, options);
        if (!f) return f.status();
        filter = std::move(f).value();
        auto t = IoTarget::open(engine, options.name);
        if (!t) return t.status();
        target = t.value();
        return STATUS_SUCCESS;
    }

    Pending* start(RequestType type, std::size_t size, std::int64_t offset = 0, const SendOptions& options = {}) {
        auto p = std::make_unique<Pending>();
        p->buffer = Memory::allocate(size).value();
        p->request = Request::create(*target).value();
        const Status s = type == RequestType::Read ? p->request->format_read(*target, p->buffer, {}, offset)
                                                   : p->request->format_write(*target, p->buffer, {}, offset);
        EXPECT_EQ(s, Status(STATUS_SUCCESS));
        p->arm(*p->request);
        p->sent_ns = now_ns();
        p->sent = p->request->send(*target, options);
        EXPECT_TRUE(p->sent) << p->request->status();
        pending.push_back(std::move(p));
        return pending.back().get();
    }

    Status read(std::int64_t offset, std::size_t size, std::uint64_t* n = nullptr, const SendOptions& options = {}) {
        auto buf = Memory::allocate(size).value();
        return send_read_synchronously(*target, nullptr, buf, {}, offset, options, n);
    }
    Status write(std::int64_t offset, std::size_t size, std::uint32_t seed, std::uint64_t* n = nullptr) {
        auto buf = Memory::allocate(size).value();
        test::fill_pattern(*buf, seed);
        return send_write_synchronously(*target, nullptr, buf, {}, offset, {}, n);
    }

    static constexpr std::uint64_t kSize = 1 << 20;
    Engine engine;
    std::unique_ptr<RamDisk> disk;
    std::vector<std::unique_ptr<Pending>> pending;  // outlive the filter: held requests complete at its removal
    std::unique_ptr<FaultFilter> filter;
    Ref<IoTarget> target;
};

FaultConfig fail_config(double share, std::uint64_t seed = 1, std::uint32_t types = FaultTypes::all,
                        Status status = STATUS_IO_DEVICE_ERROR) {
    FaultConfig c;
    c.seed = seed;
    c.share = share;
    c.types = types;
    c.mode = FaultMode::Fail;
    c.status = status;
    return c;
}

void expect_counters(const FaultCounters& c, std::uint64_t seen, std::uint64_t passed, std::uint64_t failed,
                     std::uint64_t delayed, std::uint64_t shortened, std::uint64_t held) {
    EXPECT_EQ(c.seen, seen);
    EXPECT_EQ(c.passed, passed);
    EXPECT_EQ(c.failed, failed);
    EXPECT_EQ(c.delayed, delayed);
    EXPECT_EQ(c.shortened, shortened);
    EXPECT_EQ(c.held, held);
}

}  // namespace

// ---------------------------------------------------------------- pass-through

TEST_F(FaultFilterTest, DataThroughTheFilterIsWhatTheDiskHolds) {
    ASSERT_EQ(make(fail_config(0.0)), Status(STATUS_SUCCESS));
    EXPECT_EQ(filter->device().stack_size(), 2u);
    auto out = Memory::allocate(8192).value();
    auto in = Memory::allocate(8192).value();
    for (std::int64_t off : {0LL, 512LL, 4096LL * 9, static_cast<long long>(kSize - 8192)}) {
        test::fill_pattern(*out, static_cast<std::uint32_t>(off) + 7);
        std::uint64_t n = 0;
        ASSERT_EQ(send_write_synchronously(*target, nullptr, out, {}, off, {}, &n), Status(STATUS_SUCCESS));
        EXPECT_EQ(n, 8192u);
        EXPECT_EQ(std::memcmp(disk->contents().data() + off, out->data(), 8192), 0);
        std::memset(in->data(), 0, 8192);
        ASSERT_EQ(send_read_synchronously(*target, nullptr, in, {}, off, {}, &n), Status(STATUS_SUCCESS));
        EXPECT_EQ(n, 8192u);
        EXPECT_EQ(std::memcmp(in->data(), disk->contents().data() + off, 8192), 0);
    }
    // What the disk says passes up unchanged: its statuses, Information and ioctls.
    std::uint64_t n = 99;
    EXPECT_EQ(read(kSize, 4096, &n), Status(STATUS_END_OF_FILE));
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(read(kSize - 1000, 4096, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 1000u);
    EXPECT_EQ(write(kSize - 1000, 4096, 1, &n), Status(STATUS_DISK_FULL));
    auto size_out = Memory::allocate(8).value();
    ASSERT_EQ(send_ioctl_synchronously(*target, nullptr, BLKGETSIZE64, {}, {}, size_out, {}, {}, &n),
              Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 8u);
    EXPECT_EQ(*static_cast<std::uint64_t*>(size_out->data()), kSize);
    EXPECT_EQ(send_internal_ioctl_synchronously(*target, nullptr, 0x42, {}, {}, size_out, {}),
              Status(STATUS_INVALID_DEVICE_REQUEST));  // the disk's answer, passed up
    expect_counters(filter->counters(), 13, 13, 0, 0, 0, 0);
    filter->reset_counters();
    expect_counters(filter->counters(), 0, 0, 0, 0, 0, 0);
}

// ---------------------------------------------------------------- Fail

TEST_F(FaultFilterTest, FailEveryReadWritesPass) {
    ASSERT_EQ(make(fail_config(1.0, 1, FaultTypes::read, STATUS_DEVICE_NOT_READY)), Status(STATUS_SUCCESS));
    for (int i = 0; i < 10; ++i) {
        std::uint64_t n = 99;
        EXPECT_EQ(read(i * 4096, 4096, &n), Status(STATUS_DEVICE_NOT_READY));
        EXPECT_EQ(n, 0u);
        ASSERT_EQ(write(i * 4096, 4096, 100 + i, &n), Status(STATUS_SUCCESS));
        EXPECT_EQ(n, 4096u);
        auto expect = Memory::allocate(4096).value();
        test::fill_pattern(*expect, 100 + i);
        EXPECT_EQ(std::memcmp(disk->contents().data() + i * 4096, expect->data(), 4096), 0);  // written below
    }
    auto out = Memory::allocate(8).value();
    EXPECT_EQ(send_ioctl_synchronously(*target, nullptr, BLKGETSIZE64, {}, {}, out, {}), Status(STATUS_SUCCESS));
    expect_counters(filter->counters(), 21, 11, 10, 0, 0, 0);
}

TEST_F(FaultFilterTest, FailEveryTypeNotSentDown) {
    ASSERT_EQ(make(fail_config(1.0)), Status(STATUS_SUCCESS));
    std::memset(disk->contents().data(), 0xAB, 4096);
    std::uint64_t n = 99;
    EXPECT_EQ(write(0, 4096, 5, &n), Status(STATUS_IO_DEVICE_ERROR));
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(disk->contents()[0], std::byte{0xAB});  // never reached the disk
    EXPECT_EQ(read(0, 512, &n), Status(STATUS_IO_DEVICE_ERROR));
    auto out = Memory::allocate(8).value();
    EXPECT_EQ(send_ioctl_synchronously(*target, nullptr, BLKGETSIZE64, {}, {}, out, {}, {}, &n),
              Status(STATUS_IO_DEVICE_ERROR));
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(send_internal_ioctl_synchronously(*target, nullptr, 1, {}, {}, out, {}), Status(STATUS_IO_DEVICE_ERROR));
    EXPECT_EQ(send_internal_ioctl_others_synchronously(*target, nullptr, 2, {}, {}, {}),
              Status(STATUS_IO_DEVICE_ERROR));
    expect_counters(filter->counters(), 5, 0, 5, 0, 0, 0);
}

namespace {
// Outcome of each of `count` reads, in order (true: failed by the filter).
std::vector<bool> outcomes(IoTarget& target, int count) {
    std::vector<bool> v;
    v.reserve(count);
    auto buf = Memory::allocate(512).value();
    for (int i = 0; i < count; ++i) {
        const Status s = send_read_synchronously(target, nullptr, buf, {}, (i % 64) * 512);
        EXPECT_TRUE(s == Status(STATUS_SUCCESS) || s == Status(STATUS_IO_DEVICE_ERROR)) << s;
        v.push_back(s == Status(STATUS_IO_DEVICE_ERROR));
    }
    return v;
}
std::uint64_t failures(const std::vector<bool>& v) {
    std::uint64_t n = 0;
    for (bool b : v) n += b;
    return n;
}
}  // namespace

TEST_F(FaultFilterTest, HalfShareRepeatsPerSeed) {
    constexpr int kCount = 1000;
    ASSERT_EQ(make(fail_config(0.5, 42)), Status(STATUS_SUCCESS));
    const auto first = outcomes(*target, kCount);
    const auto failed = failures(first);
    EXPECT_GE(failed, 430u);  // binomial(1000, 0.5): sd ≈ 16
    EXPECT_LE(failed, 570u);
    expect_counters(filter->counters(), kCount, kCount - failed, failed, 0, 0, 0);

    ASSERT_EQ(make(fail_config(0.5, 42)), Status(STATUS_SUCCESS));  // the same seed: the same sequence
    const auto again = outcomes(*target, kCount);
    EXPECT_EQ(again, first);
    EXPECT_EQ(filter->counters().failed, failed);

    ASSERT_EQ(make(fail_config(0.5, 43)), Status(STATUS_SUCCESS));  // another seed: another sequence
    const auto other = outcomes(*target, kCount);
    EXPECT_NE(other, first);
    EXPECT_GE(failures(other), 430u);
    EXPECT_LE(failures(other), 570u);

    // Requests of types the mask leaves out draw nothing: interleaving writes
    // does not change which reads fail.
    ASSERT_EQ(make(fail_config(0.5, 42, FaultTypes::read)), Status(STATUS_SUCCESS));
    std::vector<bool> mixed;
    auto buf = Memory::allocate(512).value();
    for (int i = 0; i < kCount; ++i) {
        ASSERT_EQ(write((i % 64) * 512, 512, i), Status(STATUS_SUCCESS));
        const Status s = send_read_synchronously(*target, nullptr, buf, {}, (i % 64) * 512);
        mixed.push_back(s == Status(STATUS_IO_DEVICE_ERROR));
    }
    EXPECT_EQ(mixed, first);
    expect_counters(filter->counters(), 2 * kCount, 2 * kCount - failed, failed, 0, 0, 0);
}

TEST_F(FaultFilterTest, ConcurrentSendersDrawTheSameShare) {
    // Which request gets which draw depends on the threads' order, but the
    // draws are the seed's first 1000: as many failures as in one thread.
    constexpr int kThreads = 4, kEach = 250;
    ASSERT_EQ(make(fail_config(0.5, 42)), Status(STATUS_SUCCESS));
    const auto expected = failures(outcomes(*target, kThreads * kEach));
    ASSERT_EQ(make(fail_config(0.5, 42)), Status(STATUS_SUCCESS));
    std::atomic<std::uint64_t> failed{0}, other{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            auto buf = Memory::allocate(4096).value();
            for (int i = 0; i < kEach; ++i) {
                const Status s =
                    t % 2 ? send_read_synchronously(*target, nullptr, buf, {}, (t * kEach + i) % 256 * 4096)
                          : send_write_synchronously(*target, nullptr, buf, {}, (t * kEach + i) % 256 * 4096);
                if (s == Status(STATUS_IO_DEVICE_ERROR)) failed.fetch_add(1);
                else if (s != Status(STATUS_SUCCESS)) other.fetch_add(1);
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(other.load(), 0u);
    EXPECT_EQ(failed.load(), expected);
    expect_counters(filter->counters(), kThreads * kEach, kThreads * kEach - expected, expected, 0, 0, 0);
}

// ---------------------------------------------------------------- Delay

TEST_F(FaultFilterTest, DelayCompletesAfterTheDelay) {
    FaultConfig c;
    c.share = 1.0;
    c.mode = FaultMode::Delay;
    c.delay = 80ms;
    ASSERT_EQ(make(c), Status(STATUS_SUCCESS));
    test::fill_pattern(*Memory::wrap(disk->contents().data(), 4096).value(), 77);

    Pending* p = start(RequestType::Read, 4096);
    EXPECT_FALSE(p->done());  // the disk completed at once; the filter holds it
    EXPECT_EQ(filter->holding(), 1u);
    ASSERT_TRUE(p->wait());
    EXPECT_EQ(p->result(), Status(STATUS_SUCCESS));
    EXPECT_EQ(p->information.load(), 4096u);
    EXPECT_GE(p->completed_ns.load() - p->sent_ns, std::chrono::nanoseconds(c.delay).count());
    EXPECT_EQ(std::memcmp(p->buffer->data(), disk->contents().data(), 4096), 0);

    // Synchronous, and a write: the data lands, the status is the disk's.
    const auto t0 = now_ns();
    std::uint64_t n = 0;
    EXPECT_EQ(write(8192, 4096, 9, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 4096u);
    EXPECT_GE(now_ns() - t0, std::chrono::nanoseconds(c.delay).count());
    auto expect = Memory::allocate(4096).value();
    test::fill_pattern(*expect, 9);
    EXPECT_EQ(std::memcmp(disk->contents().data() + 8192, expect->data(), 4096), 0);
    // A failure below is delayed and passed up as it was.
    EXPECT_EQ(read(kSize, 512, &n), Status(STATUS_END_OF_FILE));
    expect_counters(filter->counters(), 3, 0, 0, 3, 0, 0);
    EXPECT_EQ(filter->holding(), 0u);
}

TEST_F(FaultFilterTest, DelayManyInFlight) {
    FaultConfig c;
    c.share = 0.5;
    c.seed = 7;
    c.mode = FaultMode::Delay;
    c.delay = 20ms;
    ASSERT_EQ(make(c), Status(STATUS_SUCCESS));
    constexpr int kCount = 200;
    std::vector<Pending*> ps;
    ps.reserve(kCount);
    for (int i = 0; i < kCount; ++i) ps.push_back(start(i % 2 ? RequestType::Read : RequestType::Write, 512, i * 512));
    for (Pending* p : ps) {
        ASSERT_TRUE(p->wait());
        EXPECT_EQ(p->result(), Status(STATUS_SUCCESS));
        EXPECT_EQ(p->information.load(), 512u);
    }
    const auto cnt = filter->counters();
    EXPECT_EQ(cnt.seen, static_cast<std::uint64_t>(kCount));
    EXPECT_EQ(cnt.passed + cnt.delayed, static_cast<std::uint64_t>(kCount));
    EXPECT_GT(cnt.delayed, 0u);
    EXPECT_GT(cnt.passed, 0u);
    EXPECT_EQ(filter->holding(), 0u);
}

TEST_F(FaultFilterTest, DelayedRequestCanBeCancelled) {
    FaultConfig c;
    c.share = 1.0;
    c.mode = FaultMode::Delay;
    c.delay = 60s;  // longer than any wait here: only the cancel can finish it
    ASSERT_EQ(make(c), Status(STATUS_SUCCESS));
    Pending* p = start(RequestType::Read, 4096);
    EXPECT_FALSE(p->done());
    EXPECT_TRUE(p->request->cancel_sent_request());
    ASSERT_TRUE(p->wait());
    EXPECT_EQ(p->result(), Status(STATUS_CANCELLED));
    EXPECT_EQ(p->information.load(), 0u);
    // Timed out the same way.
    Pending* q = start(RequestType::Read, 4096, 0, SendOptions().timeout_after(30ms));
    ASSERT_TRUE(q->wait());
    EXPECT_EQ(q->result(), Status(STATUS_IO_TIMEOUT));
    // And released by the filter's destruction.
    Pending* r = start(RequestType::Write, 4096);
    EXPECT_FALSE(r->done());
    EXPECT_EQ(filter->holding(), 1u);
    target = nullptr;
    filter.reset();
    ASSERT_TRUE(r->wait());
    EXPECT_EQ(r->result(), Status(STATUS_CANCELLED));
}

TEST_F(FaultFilterTest, DelayWithDeferredCompletion) {
    FaultConfig c;
    c.share = 1.0;
    c.mode = FaultMode::Delay;
    c.delay = 5ms;
    DeviceOptions o{kFilterName};
    o.deferred_completion = true;  // the sender's completion on the engine thread
    ASSERT_EQ(make(c, o), Status(STATUS_SUCCESS));
    std::vector<Pending*> ps;
    ps.reserve(20);
    for (int i = 0; i < 20; ++i) ps.push_back(start(RequestType::Read, 1024, i * 1024));
    for (Pending* p : ps) {
        ASSERT_TRUE(p->wait());
        EXPECT_EQ(p->result(), Status(STATUS_SUCCESS));
        EXPECT_EQ(p->information.load(), 1024u);
    }
    std::uint64_t n = 0;
    EXPECT_EQ(read(0, 4096, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 4096u);
}

// ---------------------------------------------------------------- Short

TEST_F(FaultFilterTest, ShortCompletesAFractionOfTheBytes) {
    FaultConfig c;
    c.share = 1.0;
    c.mode = FaultMode::Short;
    c.short_fraction = 0.5;
    ASSERT_EQ(make(c), Status(STATUS_SUCCESS));
    test::fill_pattern(*Memory::wrap(disk->contents().data(), 8192).value(), 3);
    std::uint64_t n = 0;
    auto buf = Memory::allocate(4096).value();
    ASSERT_EQ(send_read_synchronously(*target, nullptr, buf, {}, 0, {}, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 2048u);
    EXPECT_EQ(std::memcmp(buf->data(), disk->contents().data(), 2048), 0);  // what it says it read is right
    EXPECT_EQ(read(0, 4095, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 2047u);  // floor
    EXPECT_EQ(write(4096, 4096, 11, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 2048u);
    EXPECT_EQ(read(kSize - 1000, 4096, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 500u);  // of what the disk returned
    EXPECT_EQ(read(kSize, 4096, &n), Status(STATUS_END_OF_FILE));
    EXPECT_EQ(n, 0u);
    // Not a transfer: passed through whole.
    auto out = Memory::allocate(8).value();
    ASSERT_EQ(send_ioctl_synchronously(*target, nullptr, BLKGETSIZE64, {}, {}, out, {}, {}, &n),
              Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 8u);
    expect_counters(filter->counters(), 6, 1, 0, 0, 5, 0);
}

TEST_F(FaultFilterTest, ShortByOtherFractions) {
    FaultConfig c;
    c.share = 1.0;
    c.mode = FaultMode::Short;
    c.short_fraction = 0.0;
    ASSERT_EQ(make(c), Status(STATUS_SUCCESS));
    std::uint64_t n = 99;
    EXPECT_EQ(read(0, 4096, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 0u);
    c.short_fraction = 0.3;
    ASSERT_EQ(make(c), Status(STATUS_SUCCESS));
    EXPECT_EQ(read(0, 1000, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, static_cast<std::uint64_t>(std::floor(1000 * 0.3)));
    c.short_fraction = std::nextafter(1.0, 0.0);
    ASSERT_EQ(make(c), Status(STATUS_SUCCESS));
    EXPECT_EQ(read(0, 4096, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 4095u);
}

// ---------------------------------------------------------------- NeverComplete

namespace {
FaultConfig never_config(std::uint32_t types = FaultTypes::all) {
    FaultConfig c;
    c.share = 1.0;
    c.types = types;
    c.mode = FaultMode::NeverComplete;
    return c;
}
}  // namespace

TEST_F(FaultFilterTest, NeverCompleteHoldsUntilCancelled) {
    ASSERT_EQ(make(never_config()), Status(STATUS_SUCCESS));
    Pending* p = start(RequestType::Read, 4096);
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(p->done());
    EXPECT_TRUE(p->request->is_outstanding());
    EXPECT_EQ(filter->holding(), 1u);
    EXPECT_TRUE(p->request->cancel_sent_request());
    ASSERT_TRUE(p->wait());
    EXPECT_EQ(p->result(), Status(STATUS_CANCELLED));
    EXPECT_EQ(p->information.load(), 0u);
    EXPECT_EQ(filter->holding(), 0u);
    EXPECT_FALSE(p->request->cancel_sent_request());  // nothing left to cancel
    expect_counters(filter->counters(), 1, 0, 0, 0, 0, 1);
}

TEST_F(FaultFilterTest, NeverCompleteTimesOut) {
    ASSERT_EQ(make(never_config()), Status(STATUS_SUCCESS));
    Pending* p = start(RequestType::Read, 4096, 0, SendOptions().timeout_after(30ms));
    ASSERT_TRUE(p->wait());
    EXPECT_EQ(p->result(), Status(STATUS_IO_TIMEOUT));
    EXPECT_GE(p->completed_ns.load() - p->sent_ns, std::chrono::nanoseconds(30ms).count());
    // The synchronous form.
    std::uint64_t n = 99;
    EXPECT_EQ(read(0, 4096, &n, SendOptions().timeout_after(30ms)), Status(STATUS_IO_TIMEOUT));
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(filter->holding(), 0u);
    expect_counters(filter->counters(), 2, 0, 0, 0, 0, 2);
}

TEST_F(FaultFilterTest, NeverCompleteOnlyTheMaskedTypes) {
    ASSERT_EQ(make(never_config(FaultTypes::write)), Status(STATUS_SUCCESS));
    std::uint64_t n = 0;
    EXPECT_EQ(read(0, 4096, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 4096u);
    Pending* w = start(RequestType::Write, 4096);
    EXPECT_FALSE(w->done());
    EXPECT_EQ(read(4096, 4096, &n), Status(STATUS_SUCCESS));  // a held write blocks nothing
    EXPECT_TRUE(w->request->cancel_sent_request());
    ASSERT_TRUE(w->wait());
    EXPECT_EQ(w->result(), Status(STATUS_CANCELLED));
    expect_counters(filter->counters(), 3, 2, 0, 0, 0, 1);
}

TEST_F(FaultFilterTest, RemovingTheDeviceCompletesHeldRequests) {
    ASSERT_EQ(make(never_config()), Status(STATUS_SUCCESS));
    std::vector<Pending*> ps;
    ps.reserve(5);
    for (int i = 0; i < 5; ++i) ps.push_back(start(i % 2 ? RequestType::Write : RequestType::Read, 512, i * 512));
    EXPECT_EQ(filter->holding(), 5u);
    for (Pending* p : ps) EXPECT_FALSE(p->done());
    filter->device().remove();  // the queue purge calls the held requests' cancel callbacks
    for (Pending* p : ps) {
        ASSERT_TRUE(p->wait());
        EXPECT_EQ(p->result(), Status(STATUS_CANCELLED));
    }
    EXPECT_EQ(filter->holding(), 0u);
    EXPECT_EQ(read(0, 512), Status(STATUS_INVALID_DEVICE_STATE));  // removed: nothing gets through
    EXPECT_EQ(filter->counters().seen, 5u);
    EXPECT_FALSE(IoTarget::open(engine, kFilterName));  // the name went with it
    target = nullptr;
    filter.reset();
    // The disk is still there, reachable by its name.
    auto disk_target = IoTarget::open(engine, kDiskName).value();
    auto buf = Memory::allocate(512).value();
    EXPECT_EQ(send_read_synchronously(*disk_target, nullptr, buf, {}, 0), Status(STATUS_SUCCESS));
}

TEST_F(FaultFilterTest, DestroyingTheFilterCompletesHeldRequests) {
    ASSERT_EQ(make(never_config()), Status(STATUS_SUCCESS));
    std::vector<Pending*> ps;
    ps.reserve(5);
    for (int i = 0; i < 5; ++i) ps.push_back(start(RequestType::Read, 512, i * 512));
    target = nullptr;
    filter.reset();
    for (Pending* p : ps) {
        ASSERT_TRUE(p->wait());
        EXPECT_EQ(p->result(), Status(STATUS_CANCELLED));
    }
}

TEST_F(FaultFilterTest, CancelRacesTheFilter) {
    // Cancels from another thread while requests arrive and are held.
    ASSERT_EQ(make(never_config()), Status(STATUS_SUCCESS));
    constexpr int kCount = 300;
    std::vector<Pending*> ps;
    ps.reserve(kCount);
    for (int i = 0; i < kCount; ++i) ps.push_back(start(RequestType::Read, 512, (i % 64) * 512));
    std::thread canceller([&] {
        for (int i = kCount - 1; i >= 0; --i) ps[i]->request->cancel_sent_request();
    });
    canceller.join();
    for (Pending* p : ps) {
        ASSERT_TRUE(p->wait());
        EXPECT_EQ(p->result(), Status(STATUS_CANCELLED));
    }
    EXPECT_EQ(filter->holding(), 0u);
}

TEST_F(FaultFilterTest, SequentialQueueHoldsOneAtATime) {
    // A sequential queue presents the next request only when the held one is
    // done: completing it from the cancel callback presents the next, which
    // the filter holds in turn (inside that callback).
    DeviceOptions o{kFilterName};
    o.default_queue = QueueDispatch::Sequential;
    ASSERT_EQ(make(never_config(), o), Status(STATUS_SUCCESS));
    Pending* a = start(RequestType::Read, 512);
    Pending* b = start(RequestType::Read, 512, 512);
    Pending* c = start(RequestType::Write, 512, 1024);
    EXPECT_EQ(filter->counters().seen, 1u);
    EXPECT_EQ(filter->device().default_queue().waiting(), 2u);
    EXPECT_TRUE(a->request->cancel_sent_request());
    ASSERT_TRUE(a->wait());
    EXPECT_EQ(a->result(), Status(STATUS_CANCELLED));
    EXPECT_EQ(filter->counters().seen, 2u);
    EXPECT_EQ(filter->holding(), 1u);
    EXPECT_FALSE(b->done());
    EXPECT_TRUE(c->request->cancel_sent_request());  // still waiting in the queue: cancelled there
    ASSERT_TRUE(c->wait());
    EXPECT_EQ(c->result(), Status(STATUS_CANCELLED));
    EXPECT_EQ(filter->counters().seen, 2u);
    target = nullptr;
    filter.reset();
    ASSERT_TRUE(b->wait());
    EXPECT_EQ(b->result(), Status(STATUS_CANCELLED));
}

TEST_F(FaultFilterTest, RefusedBelowCompletesWithTheReason) {
    for (FaultMode mode : {FaultMode::Delay, FaultMode::Short}) {
        FaultConfig c;
        c.share = 0.5;
        c.mode = mode;
        c.delay = 1ms;
        ASSERT_EQ(make(c), Status(STATUS_SUCCESS));
        filter->device().default_target()->close();  // sends down are refused now
        for (int i = 0; i < 20; ++i) {
            std::uint64_t n = 99;
            EXPECT_EQ(read(0, 512, &n), Status(STATUS_INVALID_DEVICE_STATE)) << to_string(mode);
            EXPECT_EQ(n, 0u);
        }
        const auto cnt = filter->counters();
        EXPECT_EQ(cnt.seen, 20u);
        EXPECT_GT(cnt.passed, 0u);
        EXPECT_EQ(filter->holding(), 0u);
    }
}

// ---------------------------------------------------------------- stacks of filters

TEST_F(FaultFilterTest, CancelReachesThroughTwoFilters) {
    // sender → Delay filter → NeverComplete filter → disk: a cancel reaches the
    // bottom filter's held request; the Delay filter, seeing the cancel, does
    // not hold the cancelled result for its delay.
    auto disk_target = disk->device().open_target().value();
    auto bottom = FaultFilter::create(engine, *disk_target, never_config(), {"\\Device\\FaultFilterBottom"}).value();
    auto middle_lower = bottom->device().open_target().value();
    FaultConfig c;
    c.share = 1.0;
    c.mode = FaultMode::Delay;
    c.delay = 60s;
    filter = FaultFilter::create(engine, *middle_lower, c, {kFilterName}).value();
    target = IoTarget::open(engine, kFilterName).value();
    EXPECT_EQ(target->stack_size(), 3u);
    Pending* p = start(RequestType::Read, 4096);
    EXPECT_FALSE(p->done());
    EXPECT_EQ(bottom->holding(), 1u);
    EXPECT_TRUE(p->request->cancel_sent_request());
    ASSERT_TRUE(p->wait());
    EXPECT_EQ(p->result(), Status(STATUS_CANCELLED));
    EXPECT_EQ(bottom->holding(), 0u);
    EXPECT_EQ(filter->holding(), 0u);
    expect_counters(filter->counters(), 1, 0, 0, 1, 0, 0);
    expect_counters(bottom->counters(), 1, 0, 0, 0, 0, 1);
    // Held at the bottom when the top goes: its removal cancels what it sent down.
    Pending* q = start(RequestType::Write, 4096);
    EXPECT_EQ(bottom->holding(), 1u);
    target = nullptr;
    filter.reset();
    ASSERT_TRUE(q->wait());
    EXPECT_EQ(q->result(), Status(STATUS_CANCELLED));
    EXPECT_EQ(bottom->holding(), 0u);
}

// ---------------------------------------------------------------- configuration

TEST_F(FaultFilterTest, BadConfigIsRefused) {
    auto lower = disk->device().open_target().value();
    auto refused = [&](FaultConfig c) { return FaultFilter::create(engine, *lower, c, {kFilterName}).status(); };
    const Status bad(STATUS_INVALID_PARAMETER);
    FaultConfig c;
    c.share = -0.01;
    EXPECT_EQ(refused(c), bad);
    c.share = 1.01;
    EXPECT_EQ(refused(c), bad);
    c.share = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(refused(c), bad);
    c = {};
    c.short_fraction = 1.0;
    EXPECT_EQ(refused(c), bad);
    c.short_fraction = -0.5;
    EXPECT_EQ(refused(c), bad);
    c.short_fraction = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(refused(c), bad);
    c = {};
    c.status = STATUS_SUCCESS;  // Fail must fail
    EXPECT_EQ(refused(c), bad);
    c.status = STATUS_PENDING;  // a success status too (NT_SUCCESS)
    EXPECT_EQ(refused(c), bad);
    c = {};
    c.mode = FaultMode::Delay;  // no delay
    EXPECT_EQ(refused(c), bad);
    c.delay = -5ms;
    EXPECT_EQ(refused(c), bad);
    c = {};
    c.types = FaultTypes::all | (1u << 7);  // a bit with no request type
    EXPECT_EQ(refused(c), bad);
    c = {};
    c.mode = static_cast<FaultMode>(17);
    EXPECT_EQ(refused(c), bad);
    EXPECT_EQ(c.validate(), bad);
    // Fields that belong to other modes are not checked.
    c = {};
    c.mode = FaultMode::Short;
    c.status = STATUS_SUCCESS;
    EXPECT_EQ(c.validate(), Status(STATUS_SUCCESS));
    // Nothing was taken over: the lower target is still usable.
    EXPECT_TRUE(lower->is_open());
    auto buf = Memory::allocate(512).value();
    EXPECT_EQ(send_read_synchronously(*lower, nullptr, buf, {}, 0), Status(STATUS_SUCCESS));
    // The limits themselves are fine; and the device's own errors come through.
    c = {};
    c.share = 1.0;
    c.short_fraction = 0.0;
    EXPECT_EQ(c.validate(), Status(STATUS_SUCCESS));
    EXPECT_EQ(FaultFilter::create(engine, *lower, c, {"NoPrefix"}).status(), Status(STATUS_OBJECT_NAME_INVALID));
    auto closed = disk->device().open_target().value();
    closed->close();
    EXPECT_EQ(FaultFilter::create(engine, *closed, c).status(), Status(STATUS_INVALID_DEVICE_STATE));
    auto ok = FaultFilter::create(engine, *lower, c, {kFilterName});
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok.value()->config().share, 1.0);
    EXPECT_EQ(FaultFilter::create(engine, *disk->device().open_target().value(), c, {kFilterName}).status(),
              Status(STATUS_OBJECT_NAME_COLLISION));
}

TEST(FaultFilterNames, ModesAndTypeBits) {
    EXPECT_STREQ(to_string(FaultMode::Fail), "Fail");
    EXPECT_STREQ(to_string(FaultMode::NeverComplete), "NeverComplete");
    EXPECT_EQ(FaultTypes::of(RequestType::Read), FaultTypes::read);
    EXPECT_EQ(FaultTypes::of(RequestType::Other), FaultTypes::others);
    EXPECT_EQ(FaultTypes::of(RequestType::NoFormat), 0u);
    EXPECT_EQ(FaultTypes::all, 0x1Fu);
}
