// RamDisk: offsets, the end of the disk, block ioctls, concurrent use, bad input.
#include "support/test_util.hpp"

#include <linux/fs.h>

#include <thread>
#include <vector>

using namespace wdfio;

namespace {
class RamDiskTest : public ::testing::Test {
protected:
    void SetUp() override {
        Verifier::set_mode(VerifierMode::Report);
        disk = RamDisk::create(engine, kSize, {"\\Device\\RamDiskTest"}).value();
        target = IoTarget::open(engine, "\\Device\\RamDiskTest").value();
    }
    static constexpr std::uint64_t kSize = 1 << 20;
    Engine engine;
    std::unique_ptr<RamDisk> disk;
    Ref<IoTarget> target;
};
}  // namespace

TEST_F(RamDiskTest, WritesAndReadsAtOffsets) {
    auto out = Memory::allocate(8192).value();
    auto in = Memory::allocate(8192).value();
    for (std::int64_t off : {0LL, 512LL, 4096LL * 7, static_cast<long long>(kSize - 8192)}) {
        test::fill_pattern(*out, static_cast<std::uint32_t>(off));
        std::uint64_t n = 0;
        ASSERT_EQ(send_write_synchronously(*target, nullptr, out, {}, off, {}, &n), Status(STATUS_SUCCESS));
        EXPECT_EQ(n, 8192u);
        ASSERT_EQ(send_read_synchronously(*target, nullptr, in, {}, off, {}, &n), Status(STATUS_SUCCESS));
        EXPECT_EQ(n, 8192u);
        EXPECT_EQ(std::memcmp(in->data(), out->data(), 8192), 0);
        EXPECT_EQ(std::memcmp(disk->contents().data() + off, out->data(), 8192), 0);
    }
}

TEST_F(RamDiskTest, TheEndOfTheDisk) {
    auto buf = Memory::allocate(4096).value();
    std::uint64_t n = 99;
    EXPECT_EQ(send_read_synchronously(*target, nullptr, buf, {}, kSize, {}, &n), Status(STATUS_END_OF_FILE));
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(send_read_synchronously(*target, nullptr, buf, {}, kSize - 1000, {}, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 1000u);  // crosses the end: short
    EXPECT_EQ(send_write_synchronously(*target, nullptr, buf, {}, kSize - 1000, {}, &n), Status(STATUS_DISK_FULL));
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(send_write_synchronously(*target, nullptr, buf, {}, kSize + 4096, {}, &n), Status(STATUS_DISK_FULL));
    EXPECT_EQ(send_read_synchronously(*target, nullptr, buf, {}, -512, {}, &n), Status(STATUS_INVALID_PARAMETER));
}

TEST_F(RamDiskTest, BlockIoctls) {
    auto out = Memory::allocate(8).value();
    std::uint64_t n = 0;
    ASSERT_EQ(send_ioctl_synchronously(*target, nullptr, BLKGETSIZE64, {}, {}, out, {}, {}, &n),
              Status(STATUS_SUCCESS));
    EXPECT_EQ(n, 8u);
    EXPECT_EQ(*static_cast<std::uint64_t*>(out->data()), kSize);
    ASSERT_EQ(send_ioctl_synchronously(*target, nullptr, BLKSSZGET, {}, {}, out, MemoryOffset{0, 4}, {}, &n),
              Status(STATUS_SUCCESS));
    EXPECT_EQ(*static_cast<int*>(out->data()), 512);
    EXPECT_EQ(send_ioctl_synchronously(*target, nullptr, BLKGETSIZE64, {}, {}, out, MemoryOffset{0, 4}),
              Status(STATUS_BUFFER_TOO_SMALL));
    EXPECT_EQ(send_ioctl_synchronously(*target, nullptr, 0x1234, {}, {}, out, {}),
              Status(STATUS_INVALID_DEVICE_REQUEST));
}

TEST_F(RamDiskTest, ConcurrentWritersAndReaders) {
    constexpr int kThreads = 4, kRounds = 200;
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            auto out = Memory::allocate(4096).value();
            auto in = Memory::allocate(4096).value();
            for (int i = 0; i < kRounds; ++i) {
                const std::int64_t off = (t * kRounds + i) % 256 * 4096;  // each thread its own blocks per round
                test::fill_pattern(*out, static_cast<std::uint32_t>(t * 1000 + i));
                if (t % 2 == 0) {
                    if (!send_write_synchronously(*target, nullptr, out, {}, off).ok()) bad.fetch_add(1);
                } else if (!send_read_synchronously(*target, nullptr, in, {}, off).ok()) {
                    bad.fetch_add(1);
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(bad.load(), 0);
}

TEST(RamDisk, BadInput) {
    Engine engine;
    EXPECT_EQ(RamDisk::create(engine, 0).status(), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(RamDisk::create(engine, 1000).status(), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(RamDisk::create(engine, 4096, {}, 1024).status(), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(RamDisk::create(engine, 4096, {"NoPrefix"}).status(), Status(STATUS_OBJECT_NAME_INVALID));
    auto a = RamDisk::create(engine, 4096, {"\\Device\\RamDup"});
    ASSERT_TRUE(a);
    EXPECT_EQ(RamDisk::create(engine, 4096, {"\\Device\\RamDup"}).status(), Status(STATUS_OBJECT_NAME_COLLISION));
}

TEST_F(RamDiskTest, ThroughAPassThroughFilter) {
    PassThroughFilter filter;
    auto dev = Device::create_above(engine, filter, *disk->device().open_target().value()).value();
    auto top = dev->open_target().value();
    EXPECT_EQ(top->stack_size(), 2u);
    auto out = Memory::allocate(4096).value();
    test::fill_pattern(*out, 5);
    std::uint64_t n = 0;
    EXPECT_EQ(send_write_synchronously(*top, nullptr, out, {}, 8192, {}, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(std::memcmp(disk->contents().data() + 8192, out->data(), 4096), 0);
    auto in = Memory::allocate(4096).value();
    EXPECT_EQ(send_read_synchronously(*top, nullptr, in, {}, 8192, {}, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(std::memcmp(in->data(), out->data(), 4096), 0);
    auto size = Memory::allocate(8).value();
    EXPECT_EQ(send_ioctl_synchronously(*top, nullptr, BLKGETSIZE64, {}, {}, size, {}, {}, &n), Status(STATUS_SUCCESS));
    EXPECT_EQ(*static_cast<std::uint64_t*>(size->data()), kSize);
    // The RAM disk has no internal ioctls: its default callback says so, through the filter.
    EXPECT_EQ(send_internal_ioctl_synchronously(*top, nullptr, 7, {}, {}, size, {}),
              Status(STATUS_INVALID_DEVICE_REQUEST));
    dev->remove();
}
