// Character devices and end of file: /dev/null and /dev/zero, and reads at or
// across the end of a regular file.
#include "support/stream_targets.hpp"

#include <cstdint>
#include <cstring>
#include <string>

namespace wdfio::test {
namespace {

TEST_F(StreamTargetsTest, DevNullAcceptsWritesAndReadsEndOfFile) {
    auto t = IoTarget::open(engine, "/dev/null");
    ASSERT_TRUE(t) << t.status().to_string();
    auto out = Memory::allocate(12345).value();
    fill_pattern(*out, 3);
    auto r = Request::create(*t).value();
    Completions wrote(engine);
    CloseOnExit guard{*t};
    ASSERT_STATUS(r->format_write(*t, out, {}, 0), STATUS_SUCCESS);
    ASSERT_TRUE(send_and_settle(*r, *t, wrote));
    EXPECT_STATUS(wrote.status(), STATUS_SUCCESS);
    EXPECT_EQ(wrote.information.load(), 12345u);

    // Reads: the end at once, asynchronously and synchronously.
    auto in = Memory::allocate(4096).value();
    ASSERT_STATUS(r->reuse(), STATUS_SUCCESS);
    ASSERT_STATUS(r->format_read(*t, in, {}, 0), STATUS_SUCCESS);
    Completions read(engine);
    CloseOnExit guard_read{*t};
    ASSERT_TRUE(send_and_settle(*r, *t, read));
    EXPECT_STATUS(read.status(), STATUS_END_OF_FILE);
    EXPECT_EQ(read.information.load(), 0u);
    std::uint64_t bytes = 99;
    EXPECT_STATUS(send_read_synchronously(*t, nullptr, in, {}, 0, {}, &bytes), STATUS_END_OF_FILE);
    EXPECT_EQ(bytes, 0u);
    bytes = 0;
    EXPECT_STATUS(send_write_synchronously(*t, nullptr, out, MemoryOffset{5, 100}, 0, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, 100u);
}

TEST_F(StreamTargetsTest, DevZeroReadFillsZeros) {
    auto t = IoTarget::open(engine, "/dev/zero", OpenOptions::read_only());
    ASSERT_TRUE(t) << t.status().to_string();
    constexpr std::size_t kLen = 256 * 1024 + 100;
    auto in = Memory::allocate(kLen).value();
    std::memset(in->data(), 0xAB, kLen);
    auto r = Request::create(*t).value();
    Completions seen(engine);
    CloseOnExit guard{*t};
    ASSERT_STATUS(r->format_read(*t, in, {}, 0), STATUS_SUCCESS);
    ASSERT_TRUE(send_and_settle(*r, *t, seen));
    EXPECT_STATUS(seen.status(), STATUS_SUCCESS);
    EXPECT_EQ(seen.information.load(), kLen);
    const auto* p = static_cast<const std::uint8_t*>(in->data());
    std::size_t nonzero = 0;
    for (std::size_t i = 0; i < kLen; ++i) nonzero += p[i] != 0;
    EXPECT_EQ(nonzero, 0u);

    // A window: only the window is written.
    std::memset(in->data(), 0xAB, kLen);
    std::uint64_t bytes = 0;
    EXPECT_STATUS(send_read_synchronously(*t, nullptr, in, MemoryOffset{10, 20}, 0, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, 20u);
    EXPECT_EQ(p[9], 0xAB);
    EXPECT_EQ(p[10], 0);
    EXPECT_EQ(p[29], 0);
    EXPECT_EQ(p[30], 0xAB);
}

TEST_F(StreamTargetsTest, RegularFileReadPastEndIsEndOfFileAndStraddlingReadIsShort) {
    TempFile file;
    auto t = IoTarget::open(engine, file.path());
    ASSERT_TRUE(t) << t.status().to_string();
    constexpr std::size_t kSize = 10000;
    auto out = Memory::allocate(kSize).value();
    fill_pattern(*out, 17);
    std::uint64_t bytes = 0;
    ASSERT_STATUS(send_write_synchronously(*t, nullptr, out, {}, 0, {}, &bytes), STATUS_SUCCESS);
    ASSERT_EQ(bytes, kSize);

    auto in = Memory::allocate(4096).value();
    // Exactly at the end, and far past it.
    for (const std::int64_t at : {static_cast<std::int64_t>(kSize), std::int64_t{1} << 20}) {
        SCOPED_TRACE("read at " + std::to_string(at));
        bytes = 99;
        EXPECT_STATUS(send_read_synchronously(*t, nullptr, in, {}, at, {}, &bytes), STATUS_END_OF_FILE);
        EXPECT_EQ(bytes, 0u);

        auto r = Request::create(*t).value();
        Completions seen(engine);
        CloseOnExit guard{*t};
        ASSERT_STATUS(r->format_read(*t, in, {}, at), STATUS_SUCCESS);
        ASSERT_TRUE(send_and_settle(*r, *t, seen));
        EXPECT_STATUS(seen.status(), STATUS_END_OF_FILE);
        EXPECT_EQ(seen.information.load(), 0u);
        EXPECT_EQ(r->information(), 0u);
        t = IoTarget::open(engine, file.path());  // the guard closes the previous one as the loop turns
        ASSERT_TRUE(t) << t.status().to_string();
    }

    // Straddling the end: 8192 + 4096 > 10000, so 1808 bytes.
    std::memset(in->data(), 0, 4096);
    auto r = Request::create(*t).value();
    Completions seen(engine);
    CloseOnExit guard{*t};
    ASSERT_STATUS(r->format_read(*t, in, {}, 8192), STATUS_SUCCESS);
    ASSERT_TRUE(send_and_settle(*r, *t, seen));
    EXPECT_STATUS(seen.status(), STATUS_SUCCESS);
    EXPECT_EQ(seen.information.load(), kSize - 8192);
    EXPECT_EQ(seen.transfer_length.load(), kSize - 8192);
    EXPECT_EQ(std::memcmp(in->data(), static_cast<const char*>(out->data()) + 8192, kSize - 8192), 0);

    bytes = 0;
    EXPECT_STATUS(send_read_synchronously(*t, nullptr, in, {}, 9999, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, 1u);
    // A 1-byte window read exactly at the end: END_OF_FILE.
    EXPECT_STATUS(send_read_synchronously(*t, nullptr, in, MemoryOffset{0, 1}, kSize, {}, &bytes), STATUS_END_OF_FILE);
}

}  // namespace
}  // namespace wdfio::test
