// Integration tests against a real block device: a 64 MiB loop device (512-byte
// logical blocks) over a temporary file, attached with losetup for each test and
// detached afterwards. Without losetup, root or the loop driver the tests skip.
//
// What they pin down: O_DIRECT transfers at many aligned offsets and sizes land
// where they were asked to (checked against an in-memory image of the device),
// misaligned O_DIRECT formats are refused with STATUS_INVALID_PARAMETER and leave
// the request usable, block-device ioctls (encoded and unencoded numbers) report
// what the kernel says, and hundreds of concurrent reads complete exactly once.
#include "support/loop_device.hpp"
#include "support/completions.hpp"

#include <wdfio/wdfio.hpp>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace wdfio::test {
namespace {

constexpr std::uint64_t kDeviceSize = 64ull << 20;
constexpr unsigned kSectorSize = 512;
constexpr std::uint32_t kBlkGetSize64 = static_cast<std::uint32_t>(BLKGETSIZE64);  // _IOR(0x12,114,size_t)
constexpr std::uint32_t kBlkSszGet = static_cast<std::uint32_t>(BLKSSZGET);        // _IO(0x12,104): unencoded

static_assert(_IOC_DIR(BLKGETSIZE64) == _IOC_READ && _IOC_SIZE(BLKGETSIZE64) == 8);
static_assert(_IOC_DIR(BLKSSZGET) == _IOC_NONE && _IOC_SIZE(BLKSSZGET) == 0);

// One recorder per request of a batch, each checking that its routine ran on
// the engine thread with parameters matching the request.
struct Tracker {
    Tracker(Engine& engine, std::size_t n) : size(n), slots(std::make_unique<Completions[]>(n)) {
        for (std::size_t i = 0; i < n; ++i) slots[i].engine = &engine;
    }
    Completions& operator[](std::size_t i) const { return slots[i]; }
    int completed() const {
        int n = 0;
        for (std::size_t i = 0; i < size; ++i) n += slots[i].count.load();
        return n;
    }
    bool wait_all() const {
        for (std::size_t i = 0; i < size; ++i)
            if (!slots[i].wait()) return false;
        return true;
    }
    // Every routine ran exactly once, on the engine thread, with consistent params.
    void expect_exactly_once() const {
        for (std::size_t i = 0; i < size; ++i) {
            SCOPED_TRACE("completion routine of request " + std::to_string(i));
            expect_ran_once(slots[i]);
        }
    }

    std::size_t size;
    std::unique_ptr<Completions[]> slots;
};

// Formats and sends one transfer with a routine reporting to `tracker` slot i.
void send_tracked(Tracker& tracker, std::size_t i, IoTarget& target, Request& r, bool write, const Ref<Memory>& buf,
                  std::int64_t device_offset) {
    const Status st =
        write ? r.format_write(target, buf, {}, device_offset) : r.format_read(target, buf, {}, device_offset);
    ASSERT_STATUS(st, STATUS_SUCCESS) << (write ? "format_write" : "format_read") << " #" << i << " at "
                                      << device_offset << ", " << buf->size() << " bytes";
    tracker[i].arm(r);
    ASSERT_TRUE(r.send(target)) << "send #" << i << " refused: " << r.status().to_string();
}

class LoopDeviceTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0)
            GTEST_SKIP() << "loop device tests need root (losetup attaches devices only for root); running as uid "
                         << ::geteuid();
        if (run_command("command -v losetup").exit_code != 0)
            GTEST_SKIP() << "loop device tests need losetup (Debian package util-linux), which is not in PATH";
        if (::access("/dev/loop-control", F_OK) != 0)
            GTEST_SKIP() << "loop device tests need the loop driver: /dev/loop-control is missing (modprobe loop)";

        const char* tmpdir = std::getenv("TMPDIR");
        std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/wdfio-loop-XXXXXX";
        const int fd = ::mkstemp(tmpl.data());
        ASSERT_GE(fd, 0) << "mkstemp " << tmpl << ": " << std::strerror(errno);
        backing_file_ = tmpl;
        const int rc = ::ftruncate(fd, static_cast<off_t>(kDeviceSize));
        const int err = errno;
        ::close(fd);
        ASSERT_EQ(rc, 0) << "ftruncate " << backing_file_ << " to 64 MiB: " << std::strerror(err);

        const CommandResult attach =
            run_command("losetup --find --show --sector-size " + std::to_string(kSectorSize) + " " + backing_file_);
        if (attach.exit_code != 0 || attach.output.rfind("/dev/", 0) != 0 ||
            attach.output.find('\n') != std::string::npos) {
            GTEST_SKIP() << "cannot attach a loop device (losetup --find --show --sector-size 512 " << backing_file_
                         << " exited " << attach.exit_code << ": " << attach.output
                         << "); the loop driver may be missing or out of free devices";
        }
        device_ = attach.output;
        engine_ = std::make_unique<Engine>();
    }

    void TearDown() override {
        engine_.reset();  // closes nothing by itself, but no I/O may still be running on the device
        if (!device_.empty()) {
            const CommandResult detach = run_command("losetup -d " + device_);
            EXPECT_EQ(detach.exit_code, 0) << "losetup -d " << device_ << ": " << detach.output;
        }
        if (!backing_file_.empty()) ::unlink(backing_file_.c_str());
    }

    Engine& engine() { return *engine_; }
    Ref<IoTarget> open_device(bool direct) {
        OpenOptions options;
        options.with_direct(direct);
        auto t = IoTarget::open(engine(), device_, options);
        EXPECT_TRUE(t.ok()) << "open " << device_ << (direct ? " with O_DIRECT" : "") << ": " << t.status().to_string();
        return t ? std::move(t).value() : Ref<IoTarget>();
    }

    std::string backing_file_;
    std::string device_;
    std::unique_ptr<Engine> engine_;
};

// ---------------------------------------------------------------- O_DIRECT data path

TEST_F(LoopDeviceTest, DirectAsyncWritesThenReadsAtManyOffsetsAndSizes) {
    auto dev = open_device(/*direct=*/true);
    ASSERT_TRUE(dev);

    // Non-overlapping regions of 4 KiB .. 1 MiB (multiples of the 512-byte block,
    // some not multiples of 4 KiB), separated by gaps that must stay zero.
    struct Region {
        std::uint64_t offset, size;
    };
    std::vector<Region> regions;
    std::mt19937_64 rng(20240611);
    const std::uint64_t fixed_sizes[] = {4096, 8192, 4096 + 512, 65536, 131072 - 512, 1u << 20, 12288, 524288};
    std::uint64_t offset = 0;
    for (int i = 0; offset < kDeviceSize - (3u << 20); ++i) {
        std::uint64_t size =
            i < 8 ? fixed_sizes[i] : (4096 + (rng() % ((1u << 20) - 4096))) / kSectorSize * kSectorSize;
        offset += (rng() % 64) * kSectorSize;  // a gap of 0 .. 31.5 KiB
        regions.push_back({offset, size});
        offset += size;
        if (regions.size() == 48) break;
    }
    ASSERT_GE(regions.size(), 20u);
    ASSERT_LE(regions.back().offset + regions.back().size, kDeviceSize);

    std::vector<std::uint8_t> image(kDeviceSize, 0);  // what the device must hold afterwards
    std::vector<Ref<Memory>> out(regions.size()), in(regions.size());
    std::vector<Ref<Request>> writes(regions.size()), reads(regions.size());
    for (std::size_t i = 0; i < regions.size(); ++i) {
        out[i] = Memory::allocate(regions[i].size).value();
        in[i] = Memory::allocate(regions[i].size).value();
        fill_pattern(*out[i], static_cast<std::uint32_t>(i + 1), regions[i].offset);
        std::memset(in[i]->data(), 0xEE, regions[i].size);
        std::memcpy(image.data() + regions[i].offset, out[i]->data(), regions[i].size);
        writes[i] = Request::create(*dev).value();
        reads[i] = Request::create(*dev).value();
    }

    // All writes in flight at once.
    Tracker wrote(engine(), regions.size());
    CloseOnExit close_wrote{dev};
    for (std::size_t i = 0; i < regions.size(); ++i)
        ASSERT_NO_FATAL_FAILURE(send_tracked(wrote, i, *dev, *writes[i], /*write=*/true, out[i],
                                             static_cast<std::int64_t>(regions[i].offset)));
    ASSERT_TRUE(wrote.wait_all()) << wrote.completed() << " of " << regions.size() << " writes completed";
    settle();
    wrote.expect_exactly_once();
    for (std::size_t i = 0; i < regions.size(); ++i) {
        EXPECT_STATUS(wrote[i].status(), STATUS_SUCCESS) << "write #" << i;
        EXPECT_EQ(wrote[i].information.load(), regions[i].size) << "write #" << i;
        EXPECT_FALSE(writes[i]->is_outstanding());
    }

    // Then all reads in flight at once, each into its own buffer.
    Tracker read(engine(), regions.size());
    CloseOnExit close_read{dev};
    for (std::size_t i = 0; i < regions.size(); ++i)
        ASSERT_NO_FATAL_FAILURE(send_tracked(read, i, *dev, *reads[i], /*write=*/false, in[i],
                                             static_cast<std::int64_t>(regions[i].offset)));
    ASSERT_TRUE(read.wait_all()) << read.completed() << " of " << regions.size() << " reads completed";
    settle();
    read.expect_exactly_once();
    for (std::size_t i = 0; i < regions.size(); ++i) {
        EXPECT_STATUS(read[i].status(), STATUS_SUCCESS) << "read #" << i;
        EXPECT_EQ(read[i].information.load(), regions[i].size) << "read #" << i;
        EXPECT_EQ(reads[i]->completion_params().read.buffer, in[i].get());
        EXPECT_EQ(std::memcmp(in[i]->data(), out[i]->data(), regions[i].size), 0)
            << "read #" << i << " (" << regions[i].size << " bytes at " << regions[i].offset
            << ") differs from what was written there";
    }
    EXPECT_EQ(test::settled_pending(*dev), 0u);

    // The whole device, read back synchronously through a second (buffered)
    // target: every write landed at its offset and nowhere else.
    dev->close();
    auto plain = open_device(/*direct=*/false);
    ASSERT_TRUE(plain);
    auto chunk = Memory::allocate(1u << 20).value();
    for (std::uint64_t at = 0; at < kDeviceSize; at += chunk->size()) {
        std::uint64_t got = 0;
        ASSERT_STATUS(send_read_synchronously(*plain, nullptr, chunk, {}, static_cast<std::int64_t>(at), {}, &got),
                      STATUS_SUCCESS)
            << "read back at " << at;
        ASSERT_EQ(got, chunk->size());
        ASSERT_EQ(std::memcmp(chunk->data(), image.data() + at, chunk->size()), 0)
            << "device contents in the MiB at " << at << " differ from the expected image";
    }
}

TEST_F(LoopDeviceTest, DirectAlignmentIsTheLogicalBlockSize) {
    auto dev = open_device(/*direct=*/true);
    ASSERT_TRUE(dev);
    // A buffer aligned to 512 but not to 4096, a 512-byte length, an offset of 512:
    // all fine on a device with 512-byte logical blocks.
    auto backing = Memory::allocate(3 * 4096).value();
    auto* base = static_cast<std::uint8_t*>(backing->data());
    for (int i = 0; i < 512; ++i) base[512 + i] = static_cast<std::uint8_t>(i * 13 + 1);
    auto window = Memory::wrap(base + 512, 512).value();
    auto r = Request::create(*dev).value();
    ASSERT_STATUS(r->format_write(*dev, window, {}, 512), STATUS_SUCCESS);
    ASSERT_TRUE(r->send(*dev, SendOptions::synchronous())) << r->status().to_string();
    EXPECT_STATUS(r->status(), STATUS_SUCCESS);
    EXPECT_EQ(r->information(), 512u);

    auto check = Memory::allocate(512).value();
    std::uint64_t got = 0;
    ASSERT_STATUS(send_read_synchronously(*dev, nullptr, check, {}, 512, {}, &got), STATUS_SUCCESS);
    EXPECT_EQ(got, 512u);
    EXPECT_EQ(std::memcmp(check->data(), base + 512, 512), 0);
}

TEST_F(LoopDeviceTest, DirectMisalignmentIsRefusedAtFormatAndRequestStaysUsable) {
    auto dev = open_device(/*direct=*/true);
    ASSERT_TRUE(dev);
    auto backing = Memory::allocate(3 * 4096).value();
    auto* base = static_cast<std::uint8_t*>(backing->data());
    auto misaligned_buffer = Memory::wrap(base + 1, 4096).value();  // address % 512 == 1
    auto aligned = Memory::allocate(4096).value();
    fill_pattern(*aligned, 77, 8192);
    auto r = Request::create(*dev).value();

    struct Case {
        const char* what;
        Ref<Memory> buffer;
        std::optional<MemoryOffset> window;
        std::int64_t device_offset;
    };
    const Case cases[] = {
        {"misaligned buffer address", misaligned_buffer, std::nullopt, 0},
        {"misaligned length (1000 bytes)", aligned, MemoryOffset{0, 1000}, 0},
        {"misaligned length (4096 + 1 bytes)", backing, MemoryOffset{0, 4097}, 0},
        {"misaligned device offset (100)", aligned, std::nullopt, 100},
        {"misaligned device offset (4096 + 256)", aligned, std::nullopt, 4096 + 256},
        {"misaligned window offset (address + 3)", backing, MemoryOffset{3, 4096}, 0},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_STATUS(r->format_read(*dev, c.buffer, c.window, c.device_offset), STATUS_INVALID_PARAMETER);
        EXPECT_FALSE(r->is_formatted());
        EXPECT_STATUS(r->format_write(*dev, c.buffer, c.window, c.device_offset), STATUS_INVALID_PARAMETER);
        EXPECT_FALSE(r->is_formatted());
        // An unformatted request is refused, not sent with the bad format.
        EXPECT_FALSE(r->send(*dev));
        EXPECT_STATUS(r->status(), STATUS_REQUEST_NOT_ACCEPTED);
        EXPECT_FALSE(r->is_outstanding());
        // The synchronous helpers report the format failure as their result.
        std::uint64_t bytes = 12345;
        EXPECT_STATUS(send_read_synchronously(*dev, r.get(), c.buffer, c.window, c.device_offset, {}, &bytes),
                      STATUS_INVALID_PARAMETER);
        EXPECT_STATUS(send_write_synchronously(*dev, nullptr, c.buffer, c.window, c.device_offset),
                      STATUS_INVALID_PARAMETER);
    }

    // The same request, formatted correctly, still works: asynchronously ...
    ASSERT_STATUS(r->format_write(*dev, aligned, {}, 8192), STATUS_SUCCESS);
    EXPECT_TRUE(r->is_formatted());
    Completions runs;
    CloseOnExit close_runs{dev};
    runs.arm(*r);
    ASSERT_TRUE(r->send(*dev)) << r->status().to_string();
    ASSERT_TRUE(runs.wait());
    settle();
    EXPECT_EQ(runs.count.load(), 1);
    EXPECT_STATUS(r->status(), STATUS_SUCCESS);
    EXPECT_EQ(r->information(), 4096u);

    // ... and synchronously, reading back what it wrote.
    auto back = Memory::allocate(4096).value();
    ASSERT_STATUS(r->format_read(*dev, back, {}, 8192), STATUS_SUCCESS);
    ASSERT_TRUE(r->send(*dev, SendOptions::synchronous())) << r->status().to_string();
    EXPECT_STATUS(r->status(), STATUS_SUCCESS);
    EXPECT_EQ(r->information(), 4096u);
    EXPECT_EQ(std::memcmp(back->data(), aligned->data(), 4096), 0);
}

// ---------------------------------------------------------------- ioctls

TEST_F(LoopDeviceTest, BlkGetSize64ReportsDeviceSize) {
    for (const bool direct : {false, true}) {
        SCOPED_TRACE(direct ? "O_DIRECT target" : "buffered target");
        auto dev = open_device(direct);
        ASSERT_TRUE(dev);

        // format_ioctl + a synchronous send: the routine runs before send returns.
        auto out = Memory::allocate(8).value();
        std::memset(out->data(), 0xFF, 8);
        auto r = Request::create(*dev).value();
        ASSERT_STATUS(r->format_ioctl(*dev, kBlkGetSize64, {}, {}, out, {}), STATUS_SUCCESS);
        Completions seen;
        seen.arm(*r);
        ASSERT_TRUE(r->send(*dev, SendOptions::synchronous())) << r->status().to_string();
        EXPECT_EQ(seen.count.load(), 1) << "a synchronous send runs the routine before it returns";
        EXPECT_STATUS(r->status(), STATUS_SUCCESS);
        EXPECT_STATUS(seen.status(), STATUS_SUCCESS);
        EXPECT_EQ(r->information(), 8u);
        EXPECT_EQ(seen.information.load(), 8u);
        EXPECT_EQ(r->completion_params().ioctl.output.length, 8u);  // what the routine was given
        EXPECT_EQ(r->completion_params().ioctl.code, kBlkGetSize64);
        EXPECT_EQ(r->completion_params().ioctl.output.buffer, out.get());
        std::uint64_t size = 0;
        std::memcpy(&size, out->data(), 8);
        EXPECT_EQ(size, kDeviceSize);

        // The synchronous helper, with a private request and with this one.
        auto out2 = Memory::allocate(8).value();
        std::uint64_t bytes = 0;
        EXPECT_STATUS(send_ioctl_synchronously(*dev, nullptr, kBlkGetSize64, {}, {}, out2, {}, {}, &bytes),
                      STATUS_SUCCESS);
        EXPECT_EQ(bytes, 8u);
        std::memcpy(&size, out2->data(), 8);
        EXPECT_EQ(size, kDeviceSize);

        std::memset(out2->data(), 0, 8);
        bytes = 0;
        EXPECT_STATUS(send_ioctl_synchronously(*dev, r.get(), kBlkGetSize64, {}, {}, out2, {}, {}, &bytes),
                      STATUS_SUCCESS);
        EXPECT_EQ(bytes, 8u);
        std::memcpy(&size, out2->data(), 8);
        EXPECT_EQ(size, kDeviceSize);
        EXPECT_EQ(seen.count.load(), 1) << "the helper must not run the routine set for the earlier send";
        EXPECT_FALSE(r->is_formatted()) << "the helper leaves a supplied request unformatted";
        dev->close();
    }
}

TEST_F(LoopDeviceTest, BlkSszGetUnencodedReturnsSectorSize) {
    auto dev = open_device(/*direct=*/false);
    ASSERT_TRUE(dev);
    // BLKSSZGET is an old, unencoded number (_IOC_NONE, size 0): the output buffer
    // is handed to the kernel as is and Information is its length.
    auto out = Memory::allocate(sizeof(int)).value();
    std::memset(out->data(), 0xFF, sizeof(int));
    std::uint64_t bytes = 0;
    ASSERT_STATUS(send_ioctl_synchronously(*dev, nullptr, kBlkSszGet, {}, {}, out, {}, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, sizeof(int));
    int sector = 0;
    std::memcpy(&sector, out->data(), sizeof sector);
    EXPECT_EQ(sector, static_cast<int>(kSectorSize));

    // The same asynchronously: the routine sees Information = output length.
    std::memset(out->data(), 0, sizeof(int));
    auto r = Request::create(*dev).value();
    ASSERT_STATUS(r->format_ioctl(*dev, kBlkSszGet, {}, {}, out, {}), STATUS_SUCCESS);
    Tracker t(engine(), 1);
    CloseOnExit close_t{dev};
    t[0].arm(*r);
    ASSERT_TRUE(r->send(*dev)) << r->status().to_string();
    ASSERT_TRUE(t.wait_all());
    settle();
    t.expect_exactly_once();
    EXPECT_STATUS(t[0].status(), STATUS_SUCCESS);
    EXPECT_EQ(r->completion_params().ioctl.output.length, sizeof(int));
    std::memcpy(&sector, out->data(), sizeof sector);
    EXPECT_EQ(sector, static_cast<int>(kSectorSize));
}

TEST_F(LoopDeviceTest, BlkGetSize64WithShortOutputIsBufferTooSmall) {
    auto dev = open_device(/*direct=*/false);
    ASSERT_TRUE(dev);
    auto small = Memory::allocate(4).value();
    std::memset(small->data(), 0xAB, 4);
    auto r = Request::create(*dev).value();
    EXPECT_STATUS(r->format_ioctl(*dev, kBlkGetSize64, {}, {}, small, {}), STATUS_BUFFER_TOO_SMALL);
    EXPECT_FALSE(r->is_formatted());
    // A window of 4 bytes into a larger buffer is just as short.
    auto big = Memory::allocate(64).value();
    EXPECT_STATUS(r->format_ioctl(*dev, kBlkGetSize64, {}, {}, big, MemoryOffset{0, 4}), STATUS_BUFFER_TOO_SMALL);
    // No output at all.
    EXPECT_STATUS(r->format_ioctl(*dev, kBlkGetSize64, {}, {}, {}, {}), STATUS_BUFFER_TOO_SMALL);
    std::uint64_t bytes = 99;
    EXPECT_STATUS(send_ioctl_synchronously(*dev, r.get(), kBlkGetSize64, {}, {}, small, {}, {}, &bytes),
                  STATUS_BUFFER_TOO_SMALL);
    EXPECT_STATUS(send_ioctl_synchronously(*dev, nullptr, kBlkGetSize64, {}, {}, small, {}), STATUS_BUFFER_TOO_SMALL);
    // Refused before any syscall: the kernel never wrote into the short buffer.
    const std::uint8_t untouched[4] = {0xAB, 0xAB, 0xAB, 0xAB};
    EXPECT_EQ(std::memcmp(small->data(), untouched, 4), 0);
    EXPECT_FALSE(r->send(*dev));
    EXPECT_STATUS(r->status(), STATUS_REQUEST_NOT_ACCEPTED);

    // The request is still good for a correctly sized ioctl.
    auto out = Memory::allocate(8).value();
    ASSERT_STATUS(r->format_ioctl(*dev, kBlkGetSize64, {}, {}, out, {}), STATUS_SUCCESS);
    ASSERT_TRUE(r->send(*dev, SendOptions::synchronous()));
    EXPECT_STATUS(r->status(), STATUS_SUCCESS);
    std::uint64_t size = 0;
    std::memcpy(&size, out->data(), 8);
    EXPECT_EQ(size, kDeviceSize);
}

TEST_F(LoopDeviceTest, InternalIoctlsAreInvalidOnAnOsTarget) {
    auto dev = open_device(/*direct=*/false);
    ASSERT_TRUE(dev);
    auto buf = Memory::allocate(8).value();
    auto r = Request::create(*dev).value();
    EXPECT_STATUS(r->format_internal_ioctl(*dev, kBlkGetSize64, {}, {}, buf, {}), STATUS_INVALID_DEVICE_REQUEST);
    EXPECT_FALSE(r->is_formatted());
    EXPECT_STATUS(r->format_internal_ioctl_others(*dev, 0x1234, buf, {}, {}, {}, {}, {}),
                  STATUS_INVALID_DEVICE_REQUEST);
    EXPECT_FALSE(r->is_formatted());
    EXPECT_STATUS(send_internal_ioctl_synchronously(*dev, nullptr, kBlkGetSize64, {}, {}, buf, {}),
                  STATUS_INVALID_DEVICE_REQUEST);
    EXPECT_STATUS(send_internal_ioctl_others_synchronously(*dev, nullptr, 0x1234, buf, {}, {}),
                  STATUS_INVALID_DEVICE_REQUEST);
}

// ---------------------------------------------------------------- many reads in flight

TEST_F(LoopDeviceTest, ManyConcurrentDirectReadsCompleteExactlyOnce) {
    auto dev = open_device(/*direct=*/true);
    ASSERT_TRUE(dev);
    // Lay a pattern over the first 32 MiB (byte at offset x is pattern_byte(x, 5)).
    constexpr std::uint64_t kSpan = 32u << 20;
    auto chunk = Memory::allocate(1u << 20).value();
    for (std::uint64_t at = 0; at < kSpan; at += chunk->size()) {
        fill_pattern(*chunk, 5, at);
        std::uint64_t bytes = 0;
        ASSERT_STATUS(send_write_synchronously(*dev, nullptr, chunk, {}, static_cast<std::int64_t>(at), {}, &bytes),
                      STATUS_SUCCESS);
        ASSERT_EQ(bytes, chunk->size());
    }

    constexpr std::size_t kInFlight = 256;
    std::mt19937_64 rng(99);
    std::vector<std::uint64_t> offsets(kInFlight), sizes(kInFlight);
    std::vector<Ref<Memory>> bufs(kInFlight);
    std::vector<Ref<Request>> reqs(kInFlight);
    for (std::size_t i = 0; i < kInFlight; ++i) {
        sizes[i] = (1 + rng() % 32) * 2048;  // 2 KiB .. 64 KiB, multiples of the 512-byte block
        offsets[i] = (rng() % ((kSpan - sizes[i]) / kSectorSize)) * kSectorSize;
        bufs[i] = Memory::allocate(sizes[i]).value();
        std::memset(bufs[i]->data(), 0xEE, sizes[i]);
        reqs[i] = Request::create(*dev).value();
    }
    Tracker t(engine(), kInFlight);
    CloseOnExit close_t{dev};
    for (std::size_t i = 0; i < kInFlight; ++i)
        ASSERT_NO_FATAL_FAILURE(
            send_tracked(t, i, *dev, *reqs[i], /*write=*/false, bufs[i], static_cast<std::int64_t>(offsets[i])));
    ASSERT_TRUE(t.wait_all()) << t.completed() << " of " << kInFlight << " reads completed";
    settle();
    t.expect_exactly_once();
    for (std::size_t i = 0; i < kInFlight; ++i) {
        SCOPED_TRACE("read #" + std::to_string(i) + " of " + std::to_string(sizes[i]) + " bytes at " +
                     std::to_string(offsets[i]));
        EXPECT_STATUS(t[i].status(), STATUS_SUCCESS);
        EXPECT_EQ(t[i].information.load(), sizes[i]);
        const auto* p = static_cast<const std::uint8_t*>(bufs[i]->data());
        std::size_t bad = 0;
        for (std::size_t k = 0; k < sizes[i]; ++k) bad += p[k] != pattern_byte(offsets[i] + k, 5);
        EXPECT_EQ(bad, 0u) << "bytes that differ from the pattern";
    }
    EXPECT_EQ(test::settled_pending(*dev), 0u);

    // Second round: the same requests reused and re-sent all together.
    Tracker again(engine(), kInFlight);
    CloseOnExit close_again{dev};
    for (std::size_t i = 0; i < kInFlight; ++i) {
        ASSERT_STATUS(reqs[i]->reuse(), STATUS_SUCCESS);
        std::memset(bufs[i]->data(), 0, sizes[i]);
        ASSERT_NO_FATAL_FAILURE(
            send_tracked(again, i, *dev, *reqs[i], /*write=*/false, bufs[i], static_cast<std::int64_t>(offsets[i])));
    }
    ASSERT_TRUE(again.wait_all());
    settle();
    again.expect_exactly_once();
    for (std::size_t i = 0; i < kInFlight; ++i) {
        EXPECT_STATUS(again[i].status(), STATUS_SUCCESS) << "read #" << i;
        const auto* p = static_cast<const std::uint8_t*>(bufs[i]->data());
        EXPECT_EQ(p[0], pattern_byte(offsets[i], 5)) << "read #" << i;
        EXPECT_EQ(p[sizes[i] - 1], pattern_byte(offsets[i] + sizes[i] - 1, 5)) << "read #" << i;
    }
}

// Reads at and past the end of the device.
TEST_F(LoopDeviceTest, DirectReadAtEndOfDeviceIsEndOfFile) {
    auto dev = open_device(/*direct=*/true);
    ASSERT_TRUE(dev);
    auto buf = Memory::allocate(8192).value();
    std::uint64_t bytes = 77;
    EXPECT_STATUS(send_read_synchronously(*dev, nullptr, buf, {}, static_cast<std::int64_t>(kDeviceSize), {}, &bytes),
                  STATUS_END_OF_FILE);
    EXPECT_EQ(bytes, 0u);
    // Straddling the end: only the last 4 KiB exist.
    bytes = 0;
    EXPECT_STATUS(
        send_read_synchronously(*dev, nullptr, buf, {}, static_cast<std::int64_t>(kDeviceSize - 4096), {}, &bytes),
        STATUS_SUCCESS);
    EXPECT_EQ(bytes, 4096u);
}

// A read-only block device (BLKROSET; `losetup -r` gives the same): a write
// fails with STATUS_MEDIA_WRITE_PROTECTED, as Windows reports it, whether the
// kernel refuses the read-write open or the write itself (EPERM today), and a
// target opened for reading only refuses a write at format with the same status.
TEST_F(LoopDeviceTest, WriteToReadOnlyDeviceIsMediaWriteProtected) {
    struct ReadOnly {
        explicit ReadOnly(const std::string& device) : fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC)) {}
        ~ReadOnly() {
            int zero = 0;
            if (fd >= 0) ::ioctl(fd, BLKROSET, &zero);
            if (fd >= 0) ::close(fd);
        }
        int fd;
    } read_only(device_);
    ASSERT_GE(read_only.fd, 0) << std::strerror(errno);
    int one = 1;
    ASSERT_EQ(::ioctl(read_only.fd, BLKROSET, &one), 0) << "BLKROSET: " << std::strerror(errno);

    auto buffer = Memory::allocate(4096).value();
    for (bool direct : {false, true}) {
        SCOPED_TRACE(direct ? "O_DIRECT" : "buffered");
        auto opened = IoTarget::open(engine(), device_, OpenOptions().with_direct(direct));
        if (!opened.ok()) {  // kernels that refuse the open for writing
            EXPECT_STATUS(opened.status(), STATUS_MEDIA_WRITE_PROTECTED);
            continue;
        }
        auto target = std::move(opened).value();
        CloseOnExit closer(target);
        auto w = Request::create(*target).value();
        ASSERT_STATUS(w->format_write(*target, buffer, {}, 0), STATUS_SUCCESS);
        ASSERT_TRUE(w->send(*target, SendOptions::synchronous()));
        EXPECT_STATUS(w->status(), STATUS_MEDIA_WRITE_PROTECTED);
        auto r = Request::create(*target).value();  // reading still works
        ASSERT_STATUS(r->format_read(*target, buffer, {}, 0), STATUS_SUCCESS);
        ASSERT_TRUE(r->send(*target, SendOptions::synchronous()));
        EXPECT_STATUS(r->status(), STATUS_SUCCESS);
    }

    auto reader = IoTarget::open(engine(), device_, OpenOptions::read_only()).value();
    CloseOnExit closer(reader);
    auto w = Request::create(*reader).value();
    EXPECT_STATUS(w->format_write(*reader, buffer, {}, 0), STATUS_MEDIA_WRITE_PROTECTED);
}

}  // namespace
}  // namespace wdfio::test
