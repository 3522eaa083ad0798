// Registered memory (Memory::allocate_registered): reads and writes through it
// are correct on a real file and, on io_uring, go out as READ_FIXED/WRITE_FIXED
// (the operation record names the buffer's slot); slots are given back and
// reused; an engine destroyed under it leaves ordinary memory; bad input and
// an exhausted pool get a clear status and a log line. On the worker-thread
// backend the same calls give ordinary memory, and the same I/O works.
#include "support/test_util.hpp"

#include "core/request_access.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

using namespace wdfio;
using test::TempFile;

namespace {
constexpr std::uint16_t kNoBuffer = detail::Operation::kNoBuffer;

// The registered-buffer slot the request's last operation was started with.
std::uint16_t started_with(Request& r) { return detail::RequestAccess::op(r).buffer; }

bool is_pattern(const void* data, std::size_t n, std::uint32_t seed, std::uint64_t base = 0) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    for (std::size_t i = 0; i < n; ++i)
        if (p[i] != test::pattern_byte(base + i, seed)) return false;
    return true;
}

// Log lines of one level, while it lives.
struct LogLines {
    LogLines() {
        set_log_sink([this](LogLevel level, std::string_view m) {
            if (level == LogLevel::Error) lines.emplace_back(m);
        });
    }
    ~LogLines() { set_log_sink(nullptr); }
    bool any_with(std::string_view what) const {
        for (const auto& l : lines)
            if (l.find(what) != std::string::npos) return true;
        return false;
    }
    std::vector<std::string> lines;
};

class RegisteredMemory : public ::testing::Test {
protected:
    void SetUp() override { target = IoTarget::open(engine, file.path()).value(); }
    bool uring() const { return engine.backend() == BackendKind::Uring; }

    // Synchronous read or write with a request of our own, so that its record can be looked at.
    Status transfer(bool write, const Ref<Memory>& m, const std::optional<MemoryOffset>& window, std::int64_t at,
                    std::uint16_t* slot = nullptr) {
        auto r = Request::create(*target).value();
        Status s = write ? r->format_write(*target, m, window, at) : r->format_read(*target, m, window, at);
        if (!s.ok()) return s;
        if (!r->send(*target, SendOptions::synchronous())) return r->status();
        if (slot) *slot = started_with(*r);
        return r->status();
    }

    Engine engine;
    TempFile file{1 << 20};
    Ref<IoTarget> target;
};
}  // namespace

TEST_F(RegisteredMemory, ReadsAndWritesARealFileThroughFixedBuffers) {
    auto made = Memory::allocate_registered(engine, 64 << 10);
    ASSERT_TRUE(made) << made.status();
    Ref<Memory> out = std::move(made).value();
    auto in = Memory::allocate_registered(engine, 64 << 10).value();
    EXPECT_EQ(out->registered(), uring());
    EXPECT_EQ(out->size(), 64u << 10);
    test::fill_pattern(*out, 11);

    std::uint16_t wrote_with = 0, read_with = 0;
    ASSERT_EQ(transfer(true, out, {}, 8192, &wrote_with), Status(STATUS_SUCCESS));
    ASSERT_EQ(transfer(false, in, {}, 8192, &read_with), Status(STATUS_SUCCESS));
    EXPECT_TRUE(is_pattern(in->data(), in->size(), 11));

    // What the kernel wrote is in the file, at the offset asked for.
    std::vector<std::uint8_t> disk(64 << 10);
    ASSERT_EQ(pread(file.fd(), disk.data(), disk.size(), 8192), static_cast<ssize_t>(disk.size()));
    EXPECT_TRUE(is_pattern(disk.data(), disk.size(), 11));

    if (uring()) {  // both went out as fixed-buffer operations, each with its own slot
        EXPECT_NE(wrote_with, kNoBuffer);
        EXPECT_NE(read_with, kNoBuffer);
        EXPECT_NE(wrote_with, read_with);
    } else {
        EXPECT_EQ(wrote_with, kNoBuffer);
        EXPECT_EQ(read_with, kNoBuffer);
    }
    // Ordinary memory still goes out as before.
    std::uint16_t plain_with = 0;
    ASSERT_EQ(transfer(false, Memory::allocate(4096).value(), {}, 8192, &plain_with), Status(STATUS_SUCCESS));
    EXPECT_EQ(plain_with, kNoBuffer);
}

TEST_F(RegisteredMemory, AWindowInsideRegisteredMemoryMovesOnlyItsBytes) {
    auto m = Memory::allocate_registered(engine, 3 * 4096).value();
    test::fill_pattern(*m, 21);
    // Write 5000 bytes from offset 4196 of the buffer to file offset 100.
    std::uint16_t slot = kNoBuffer;
    ASSERT_EQ(transfer(true, m, MemoryOffset{4196, 5000}, 100, &slot), Status(STATUS_SUCCESS));
    EXPECT_EQ(slot != kNoBuffer, uring());
    std::vector<std::uint8_t> disk(5000);
    ASSERT_EQ(pread(file.fd(), disk.data(), disk.size(), 100), 5000);
    EXPECT_TRUE(is_pattern(disk.data(), disk.size(), 21, 4196));

    // Read them back into another window: the bytes around it stay as they were.
    std::memset(m->data(), 0xAB, m->size());
    ASSERT_EQ(transfer(false, m, MemoryOffset{7, 5000}, 100), Status(STATUS_SUCCESS));
    const auto* p = static_cast<const std::uint8_t*>(m->data());
    EXPECT_TRUE(is_pattern(p + 7, 5000, 21, 4196));
    for (std::size_t i : {std::size_t{0}, std::size_t{6}, std::size_t{5007}, m->size() - 1}) EXPECT_EQ(p[i], 0xAB) << i;
    // A window past the end is refused at format, as for any Memory.
    EXPECT_EQ(transfer(false, m, MemoryOffset{3 * 4096 - 10, 11}, 0), Status(STATUS_INTEGER_OVERFLOW));
}

TEST_F(RegisteredMemory, MemoryFromAnotherEngineGoesOutAsOrdinaryMemory) {
    Engine other;
    auto m = Memory::allocate_registered(other, 4096).value();
    test::fill_pattern(*m, 5);
    std::uint16_t slot = 0;
    ASSERT_EQ(transfer(true, m, {}, 0, &slot), Status(STATUS_SUCCESS));
    EXPECT_EQ(slot, kNoBuffer);  // its slot is in the other engine's ring, not this one's
    auto in = Memory::allocate(4096).value();
    ASSERT_EQ(transfer(false, in, {}, 0), Status(STATUS_SUCCESS));
    EXPECT_TRUE(is_pattern(in->data(), 4096, 5));
}

TEST(RegisteredMemoryPool, AnExhaustedPoolSaysWhatToDoAndFreedSlotsAreReused) {
    EngineOptions options;
    options.registered_buffers = 2;
    Engine engine(options);
    if (engine.backend() != BackendKind::Uring) GTEST_SKIP() << "no ring: registered memory is ordinary memory";
    TempFile file(1 << 16);
    auto target = IoTarget::open(engine, file.path()).value();

    auto a = Memory::allocate_registered(engine, 4096).value();
    auto b = Memory::allocate_registered(engine, 8192).value();
    {
        LogLines log;
        auto c = Memory::allocate_registered(engine, 4096);
        EXPECT_EQ(c.status(), Status(STATUS_INSUFFICIENT_RESOURCES));
        EXPECT_TRUE(log.any_with("all 2 registered-buffer slots")) << (log.lines.empty() ? "" : log.lines[0]);
        EXPECT_TRUE(log.any_with("EngineOptions::registered_buffers"));
    }
    // a's slot comes back when a goes, and serves new memory with new contents.
    a = nullptr;
    auto again = Memory::allocate_registered(engine, 4096);
    ASSERT_TRUE(again) << again.status();
    Ref<Memory> c = std::move(again).value();  // the only reference
    EXPECT_TRUE(c->registered());
    test::fill_pattern(*c, 9);
    ASSERT_EQ(send_write_synchronously(*target, nullptr, c, {}, 4096), Status(STATUS_SUCCESS));
    auto r = Request::create(*target).value();
    ASSERT_EQ(r->format_read(*target, b, MemoryOffset{0, 4096}, 4096), Status(STATUS_SUCCESS));
    ASSERT_TRUE(r->send(*target, SendOptions::synchronous()));
    ASSERT_EQ(r->status(), Status(STATUS_SUCCESS));
    EXPECT_NE(started_with(*r), kNoBuffer);
    EXPECT_TRUE(is_pattern(b->data(), 4096, 9));

    // A registered Memory deleted through its parent gives its slot back too.
    auto parent = Memory::allocate(16).value();
    c = nullptr;
    ObjectAttributes child;
    child.parent = parent.get();
    ASSERT_TRUE(Memory::allocate_registered(engine, 4096, child));
    EXPECT_EQ(Memory::allocate_registered(engine, 4096).status(), Status(STATUS_INSUFFICIENT_RESOURCES));
    ASSERT_EQ(parent->delete_object(), Status(STATUS_SUCCESS));
    EXPECT_TRUE(Memory::allocate_registered(engine, 4096));
}

TEST(RegisteredMemoryPool, NoSlotsConfiguredIsAClearStatus) {
    EngineOptions options;
    options.registered_buffers = 0;
    Engine engine(options);
    if (engine.backend() != BackendKind::Uring) GTEST_SKIP() << "no ring: registered memory is ordinary memory";
    LogLines log;
    EXPECT_EQ(Memory::allocate_registered(engine, 4096).status(), Status(STATUS_INSUFFICIENT_RESOURCES));
    EXPECT_TRUE(log.any_with("all 0 registered-buffer slots"));
}

TEST(RegisteredMemoryBadInput, SizeZeroOrAboveOneGibIsRefused) {
    Engine engine;
    EXPECT_EQ(Memory::allocate_registered(engine, 0).status(), Status(STATUS_INVALID_PARAMETER));
    LogLines log;
    EXPECT_EQ(Memory::allocate_registered(engine, (std::size_t{1} << 30) + 1).status(),
              Status(STATUS_INVALID_PARAMETER));
    EXPECT_TRUE(log.any_with("1 GiB"));
    EXPECT_EQ(Memory::allocate_registered(engine, SIZE_MAX).status(), Status(STATUS_INVALID_PARAMETER));
    // Bad attributes are refused as for Memory::allocate.
    ObjectAttributes bad;
    bad.context_size = 1;  // a size without a context type
    EXPECT_EQ(Memory::allocate_registered(engine, 4096, bad).status(), Memory::allocate(4096, bad).status());
    EXPECT_FALSE(Memory::allocate_registered(engine, 4096, bad));
}

TEST(RegisteredMemoryThreads, TheWorkerThreadBackendGivesOrdinaryMemoryThatWorks) {
    EngineOptions options;
    options.backend = BackendKind::Threads;
    Engine engine(options);
    ASSERT_EQ(engine.backend(), BackendKind::Threads);
    TempFile file(1 << 16);
    auto target = IoTarget::open(engine, file.path()).value();
    auto made = Memory::allocate_registered(engine, 8192);
    ASSERT_TRUE(made) << made.status();
    Ref<Memory> m = std::move(made).value();
    EXPECT_FALSE(m->registered());
    test::fill_pattern(*m, 13);
    ASSERT_EQ(send_write_synchronously(*target, nullptr, m, {}, 0), Status(STATUS_SUCCESS));
    auto in = Memory::allocate_registered(engine, 8192).value();
    ASSERT_EQ(send_read_synchronously(*target, nullptr, in, {}, 0), Status(STATUS_SUCCESS));
    EXPECT_TRUE(is_pattern(in->data(), 8192, 13));
}

TEST(RegisteredMemoryLifetime, MemoryOutlivingItsEngineStaysUsableAsOrdinaryMemory) {
    TempFile file(1 << 16);
    Ref<Memory> kept;
    {
        Engine engine;
        auto target = IoTarget::open(engine, file.path()).value();
        kept = Memory::allocate_registered(engine, 4096).value();
        test::fill_pattern(*kept, 17);
        ASSERT_EQ(send_write_synchronously(*target, nullptr, kept, {}, 0), Status(STATUS_SUCCESS));
        target->close();
    }  // the engine, its ring and the registration go; the memory stays
    EXPECT_TRUE(is_pattern(kept->data(), 4096, 17));
    std::memset(kept->data(), 0, kept->size());  // still the program's to write

    // A target on a new engine reads into it as into any memory.
    Engine engine;
    auto target = IoTarget::open(engine, file.path()).value();
    auto r = Request::create(*target).value();
    ASSERT_EQ(r->format_read(*target, kept, {}, 0), Status(STATUS_SUCCESS));
    ASSERT_TRUE(r->send(*target, SendOptions::synchronous()));
    ASSERT_EQ(r->status(), Status(STATUS_SUCCESS));
    EXPECT_EQ(started_with(*r), kNoBuffer);
    EXPECT_TRUE(is_pattern(kept->data(), 4096, 17));
    r = nullptr;
    kept = nullptr;  // released after its engine: nothing to give back, no crash
}

TEST(RegisteredMemoryLifetime, ReadsInFlightWhenTheEngineGoesFinishAndTheMemoryOutlivesIt) {
    TempFile file(1 << 20);
    Ref<Memory> m;
    std::atomic<int> done{0};
    std::vector<Ref<Request>> requests;
    {
        Engine engine;
        auto target = IoTarget::open(engine, file.path()).value();
        m = Memory::allocate_registered(engine, 64 * 4096).value();
        for (int i = 0; i < 64; ++i) {
            auto r = Request::create(*target).value();
            ASSERT_EQ(r->format_read(*target, m, MemoryOffset{std::size_t(i) * 4096, 4096}, i * 4096),
                      Status(STATUS_SUCCESS));
            r->set_completion([&](Request&, IoTarget&, const CompletionParams&) { done.fetch_add(1); });
            ASSERT_TRUE(r->send(*target));
            requests.push_back(std::move(r));
        }
        target->close();  // waits for them (design: close targets before the engine)
    }
    EXPECT_EQ(done.load(), 64);
    requests.clear();
    EXPECT_EQ(m->size(), 64u * 4096);
    m = nullptr;
}
